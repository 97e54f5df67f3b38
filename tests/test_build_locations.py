"""The source lines ops carry stay the user's while building is made cheap: locations are cached
per (code, line), found once per Variable and per ``apply_gradients`` of jaxgraph's optimizers,
and a user's own code inside those (an initial-value function, an Optimizer subclass) still
names its own lines."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir.graph import SourceLocation


def _line(marker: str) -> int:
    """The line of this file that ends with ``marker``."""
    lines = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.endswith(marker))


def _here(marker: str, function: str) -> SourceLocation:
    return SourceLocation(__file__, _line(marker), function)


def _two_tanhs(x):
    a = jg.tanh(x)  # first-tanh
    b = jg.tanh(x)  # second-tanh
    return a, b


def test_each_line_and_each_caller_gets_its_own_location():
    with jg.Graph().as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        first = [_two_tanhs(x) for _ in range(2)]
        other = jg.tanh(x)  # direct-tanh
    for a, b in first:
        assert a.op.location == _here("# first-tanh", "_two_tanhs")
        assert b.op.location == _here("# second-tanh", "_two_tanhs")
    assert first[0][0].op.location is first[1][0].op.location  # one object per line, shared
    assert other.op.location == _here("# direct-tanh", "test_each_line_and_each_caller_gets_its_own_location")


def test_a_variables_ops_name_the_line_that_made_it():
    function = "test_a_variables_ops_name_the_line_that_made_it"
    with jg.Graph().as_default() as g:
        jg.Variable(np.ones(3, np.float32), name="v")  # make-v
        jg.Variable(lambda: jg.zeros((2,)) + 1.0, name="u")  # make-u
    made_v = _here("# make-v", function)
    for name in ("v/initial_value", "v", "v/Assign", "v/read"):
        assert g.get_operation_by_name(name).location == made_v
    # the initial-value function is the user's code (a lambda): its ops name it, the rest the call
    for name in ("u/Initializer/zeros", "u/Initializer/Const", "u/Initializer/Add"):
        assert g.get_operation_by_name(name).location == _here("# make-u", "<lambda>")
    for name in ("u", "u/Assign", "u/read"):
        assert g.get_operation_by_name(name).location == _here("# make-u", function)


def _initial_value():
    return jg.ones((2,)) * 3.0  # init-body


def test_an_initial_value_function_elsewhere_keeps_its_own_line():
    with jg.Graph().as_default() as g:
        jg.Variable(_initial_value, name="w")  # make-w
    assert g.get_operation_by_name("w/Initializer/Mul").location == _here("# init-body", "_initial_value")
    made = _here("# make-w", "test_an_initial_value_function_elsewhere_keeps_its_own_line")
    assert g.get_operation_by_name("w/Assign").location == made


def test_a_type_error_inside_a_variable_names_the_users_line():
    with jg.Graph().as_default():
        with pytest.raises(errors.InvalidArgumentError) as info:
            jg.Variable(np.ones(3, np.float32), name="v", shape=(2,))  # bad-variable
    assert info.value.message == "assign of a value of shape [3] to a Variable of shape [2]"
    assert f"{__file__}:{_line('# bad-variable')}" in str(info.value)


def test_optimizer_ops_name_the_apply_gradients_line():
    with jg.Graph().as_default() as g:
        v = jg.Variable(np.ones(2, np.float32), name="v")
        loss = jg.reduce_sum(v * v)
        jg.train.GradientDescentOptimizer(0.1).minimize(loss)  # minimize-line
    made = _here("# minimize-line", "test_optimizer_ops_name_the_apply_gradients_line")
    update = [op for op in g.get_operations() if op.name.startswith("GradientDescent/")]
    assert update and all(op.location == made for op in update)


class _HalfStep(jg.train.GradientDescentOptimizer):
    """A user's optimizer: the ops of its own update name its own lines."""

    def _apply_dense(self, grad, var):
        half = grad * 0.5  # user-update
        return var.assign_sub(self._get_hyper("learning_rate", var.dtype) * half)  # user-assign


def test_a_users_optimizer_subclass_keeps_its_own_lines():
    with jg.Graph().as_default() as g:
        v = jg.Variable(np.ones(2, np.float32), name="v")
        loss = jg.reduce_sum(v * v)
        _HalfStep(0.1).minimize(loss)  # subclass-minimize
    by_name = {op.name: op for op in g.get_operations()}
    for name in ("GradientDescent/update_v/Const", "GradientDescent/update_v/Mul"):
        assert by_name[name].location == _here("# user-update", "_apply_dense")
    assert by_name["GradientDescent/update_v/Mul_1"].location == _here("# user-assign", "_apply_dense")
    assert by_name["GradientDescent/update_v/AssignSub"].location == _here("# user-assign", "_apply_dense")
    minimize = _here("# subclass-minimize", "test_a_users_optimizer_subclass_keeps_its_own_lines")
    for name in ("GradientDescent/learning_rate", "GradientDescent/GradientDescent"):
        assert by_name[name].location == minimize
