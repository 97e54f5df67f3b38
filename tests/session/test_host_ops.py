"""String ops around the XLA executable (jaxgraph.session.host_ops): what XLA computes for them,
feeds, one compilation for strings of any length, and the errors of what cannot be split."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.passes import optimize
from jaxgraph.session import host_ops


def test_numeric_inputs_of_string_ops_are_computed_by_xla():
    x = jg.placeholder(jg.float32, (None,), name="x")
    y = x * 2
    text = jg.as_string(y, precision=1)
    plan = host_ops.split([text, y], [x])
    assert plan.device_fetches == [y, y] and [op.name for op in plan.ops] == ["AsString"]
    with jg.Session() as sess:
        texts, values = sess.run([text, y], {x: [1.0, 2.5]})
    assert texts.tolist() == [b"2.0", b"5.0"] and values.tolist() == [2.0, 5.0]


def test_fetch_sets_without_strings_have_no_host_part():
    x = jg.placeholder(jg.float32, (2,))
    assert host_ops.split([x + 1], [x]) is None


def test_string_feeds_of_any_length_compile_once():
    p = jg.placeholder(jg.string, (None,))
    x = jg.placeholder(jg.float32, ())
    joined = jg.string_join([p, jg.as_string(x, precision=0)], separator="=")
    with jg.Session() as sess:
        first = sess.run(joined, {p: ["a", "bb"], x: 1.0})
        second = sess.run(joined, {p: np.array(["ccc", "dddd"]), x: 2.0})
        third = sess.run(joined, {p: [b"e", "é"], x: 3.0})
        assert sess.compile_count == 1
    assert first.tolist() == [b"a=1", b"bb=1"] and second.tolist() == [b"ccc=2", b"dddd=2"]
    assert third.tolist() == [b"e=3", "é=3".encode()]


def test_fetching_a_string_operation_runs_it():
    joined = jg.string_join(["a", "b"])
    with jg.Session() as sess:
        assert sess.run([joined.op, joined]) == [None, b"ab"]


def test_a_fed_string_tensor_that_is_not_a_placeholder():
    c = jg.constant("fixed")
    out = jg.string_join([c, "!"])
    with jg.Session() as sess:
        assert sess.run(out, {c: "fed"}) == b"fed!"


def test_an_unfed_string_placeholder_is_reported_with_its_line():
    line = inspect.currentframe().f_lineno + 1
    p = jg.placeholder(jg.string, name="p")
    with jg.Session() as sess, pytest.raises(InvalidArgumentError) as info:
        sess.run(jg.identity(p))
    assert info.value.message == (
        f"the fetches need a value fed for 1 placeholder(s):\n  'p:0' (string[]) defined at {__file__}:{line}"
    )


def test_string_feeds_must_hold_strings():
    p = jg.placeholder(jg.string, (2,), name="p")
    with jg.Session() as sess:
        with pytest.raises(InvalidArgumentError) as info:
            sess.run(jg.identity(p), {p: [1.5, 2.5]})
        assert info.value.message == "feed for 'p:0' must hold str or bytes, got array([1.5, 2.5])"
        with pytest.raises(InvalidArgumentError) as info:
            sess.run(jg.identity(p), {p: ["a", "b", "c"]})
        assert info.value.message == "feed for 'p:0' has shape [3], which does not match string[2]"


def test_a_device_op_cannot_wait_for_a_string_op():
    one = jg.constant(1.0)
    text = jg.as_string(one)
    with jg.control_dependencies([text]):
        line = inspect.currentframe().f_lineno + 1
        after = jg.add(one, one, name="after")
    with jg.Session() as sess, pytest.raises(InvalidArgumentError) as info:
        sess.run(after)
    assert info.value.message == (
        "'after' has a control dependency on the string op 'AsString', which runs on the host after "
        "XLA has computed the rest of the fetches: fetch it separately instead"
    )
    assert (info.value.op.name, info.value.op.location.line) == ("after", line)


def test_string_ops_after_device_effects():
    v = jg.Variable(1.0, name="v")
    bump = jg.assign_add(v, 1.0)
    with jg.control_dependencies([bump]):
        text = jg.string_join(["done"])
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        assert sess.run(text) == b"done"
        assert sess.run(v) == 2.0  # the control input ran once, on the device


def test_a_graph_knows_whether_it_holds_string_tensors():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        y = x + 1.0
        assert not graph.holds_strings
        text = jg.as_string(y)
    assert graph.holds_strings
    assert optimize([text], [x]).graph.holds_strings and not optimize([y], [x]).graph.holds_strings
    assert host_ops.split([y], [x]) is None and host_ops.split([text], [x]) is not None
