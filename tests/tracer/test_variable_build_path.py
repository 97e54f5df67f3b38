"""A Variable's four ops and the gradient walk, built on their lighter paths (issue 14, round 3),
name, place and order their ops exactly as TF1 (and the general paths) do: the first read is
``name/read`` without control inputs and is reused, a name taken already gets TF1's suffix,
device scopes apply, collections are filled as given, and a Variable read twice gets the sum of
both contributions under ``gradients/<variable>_grad/`` with the Variable's line."""

from __future__ import annotations

import inspect

import numpy as np

import jaxgraph as jg
from jaxgraph.ir.graph import SourceLocation


def _line(marker: str) -> int:
    """The line of this file that ends with ``marker``."""
    lines = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.endswith(marker))


def _here(marker: str, function: str) -> SourceLocation:
    return SourceLocation(__file__, _line(marker), function)


def test_a_variables_ops_under_control_dependencies_and_a_device():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        with jg.control_dependencies([x.op]), jg.device("/cpu:0"):
            v = jg.Variable(np.ones(2, np.float32), name="v")  # make-v
    ops = graph.get_operations()[1:]
    assert [(op.name, op.type) for op in ops] == [
        ("v/initial_value", "constant"),
        ("v", "variable"),
        ("v/Assign", "assign"),
        ("v/read", "read"),
    ]
    where = _here("# make-v", "test_a_variables_ops_under_control_dependencies_and_a_device")
    for op in ops:
        assert op.control_inputs == ()
        assert op.device == "/device:CPU:0"
        assert op.location == where
    assert v.value() is v.value() is graph.get_tensor_by_name("v/read:0")
    assert v.initializer is graph.get_operation_by_name("v/Assign")


def test_a_read_name_taken_already_gets_a_suffix():
    graph = jg.Graph()
    with graph.as_default():
        taken = jg.identity(jg.constant(1.0), name="w/read")
        w = jg.Variable(2.0, name="w")
    assert taken.op.name == "w/read"
    assert w.value().name == "w/read_1:0"
    assert w.op.name == "w"


def test_collections_as_given():
    with jg.Graph().as_default() as graph:
        a = jg.Variable(1.0, name="a")
        b = jg.Variable(1.0, name="b", trainable=False)
        c = jg.Variable(1.0, name="c", collections=[jg.GraphKeys.LOCAL_VARIABLES])
        d = jg.Variable(1.0, name="d", collections=["mine", "mine"], trainable=True)
    assert graph.get_collection(jg.GraphKeys.GLOBAL_VARIABLES) == [a, b]
    assert graph.get_collection(jg.GraphKeys.TRAINABLE_VARIABLES) == [a, c, d]
    assert graph.get_collection(jg.GraphKeys.LOCAL_VARIABLES) == [c]
    assert graph.get_collection("mine") == [d]


def test_a_variable_read_twice_sums_both_gradients_under_its_scope():
    with jg.Graph().as_default() as graph:
        v = jg.Variable(np.array([1.0, 2.0], np.float32), name="v")  # make-v2
        before = jg.reduce_sum(v * 2.0)
        jg.assign_add(v, [1.0, 1.0])
        loss = before + jg.reduce_sum(v * 3.0)  # a second read op (after the assign)
        once = jg.Variable(np.array([4.0], np.float32), name="once")
        (grad_v, grad_once) = jg.gradients(loss + jg.reduce_sum(once * 5.0), [v, once])
        init = jg.global_variables_initializer()
    assert grad_v.op.name == "gradients/v_grad/AddN"
    assert grad_v.op.location == _here(
        "# make-v2", "test_a_variable_read_twice_sums_both_gradients_under_its_scope"
    )
    assert not grad_once.op.name.startswith("gradients/once_grad")
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        got_v, got_once = sess.run([grad_v, grad_once])
    np.testing.assert_allclose(got_v, [5.0, 5.0])  # 2 through the first read, 3 the second
    np.testing.assert_allclose(got_once, [5.0])
