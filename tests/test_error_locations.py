"""Every error about an op names the op, its type and the user's ``file:line`` that created it:
build-time type errors, run-time feed errors and run-time failures (shapes, numerics)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors


def _line(marker: str) -> int:
    """The line of this file that ends with ``marker``."""
    lines = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.endswith(marker))


def _at(name: str, op_type: str, marker: str) -> str:
    return f"op '{name}' ({op_type}) defined at {__file__}:{_line(marker)}"


def _raises(error_type, fn, *args, **kwargs):
    with pytest.raises(error_type) as info:
        fn(*args, **kwargs)
    return info.value


# ---- build time ----------------------------------------------------------------------------------
def test_type_error_of_a_builder_names_the_calling_line():
    x = jg.placeholder(jg.float32, (2, 3), name="x")
    error = _raises(errors.InvalidArgumentError, lambda: jg.matmul(x, x))  # matmul-call
    assert error.message == "matmul inner dimensions differ: f32[2,3] @ f32[2,3] (3 != 2)"
    assert str(error) == f"{error.message}\n  {_at('MatMul', 'matmul', '# matmul-call')}"


def test_type_error_of_an_operator_names_the_expression_line():
    a = jg.placeholder(jg.float32, (2, 3), name="a")
    b = jg.placeholder(jg.float32, (4,), name="b")
    error = _raises(errors.InvalidArgumentError, lambda: a + b)  # add-expr
    assert _at("Add", "add", "# add-expr") in str(error)


def _helper_layer(x):
    return jg.reshape(x, (5,))  # helper-line


def test_type_error_inside_a_user_helper_names_the_helper_line():
    x = jg.placeholder(jg.float32, (2, 3), name="x")
    error = _raises(errors.InvalidArgumentError, _helper_layer, x)
    assert _at("Reshape", "reshape", "# helper-line") in str(error)


def test_type_error_while_tracing_a_function_names_the_body_line():
    @jg.function
    def bad(x):
        return jg.concat([x, jg.transpose(x)], axis=0)  # traced-body

    error = _raises(errors.InvalidArgumentError, bad, np.ones((2, 3), np.float32))
    assert _at("Concat", "concat", "# traced-body") in str(error)


def test_assign_of_a_wrong_shape_names_the_assign_line():
    v = jg.Variable(jg.zeros((3,)), name="v")
    error = _raises(errors.InvalidArgumentError, lambda: v.assign(jg.zeros((4,))))  # bad-assign
    assert error.message == "assign of a value of shape [4] to a Variable of shape [3]"
    assert _at("Assign", "assign", "# bad-assign") in str(error)


def test_tensor_of_another_graph_names_the_using_line():
    other = jg.Graph()
    with other.as_default():
        foreign = jg.constant(1.0, name="foreign")
    error = _raises(errors.InvalidArgumentError, lambda: jg.identity(foreign, name="use"))  # foreign-use
    assert error.message == (
        "input 'foreign:0' belongs to another graph than this op (build ops of one graph inside its "
        "`with graph.as_default():` block)"
    )
    assert _at("use", "identity", "# foreign-use") in str(error)


# ---- run time: feeds -----------------------------------------------------------------------------
def test_feed_errors_name_the_placeholder_line():
    x = jg.placeholder(jg.float32, (None, 3), name="x")  # x-line
    y = jg.placeholder(jg.int32, (None,), name="y")  # y-line
    total = jg.reduce_sum(x) + jg.cast(jg.reduce_sum(y), jg.float32)
    with jg.Session() as sess:
        error = _raises(errors.InvalidArgumentError, sess.run, total,
                        {x: np.ones((2, 4), np.float32), y: np.ones(2, np.int32)})  # fmt: skip
        assert error.message == "feed for 'x:0' has shape [2, 4], which does not match f32[?,3]"
        assert _at("x", "placeholder", "# x-line") in str(error)
        error = _raises(errors.InvalidArgumentError, sess.run, total,
                        {x: np.ones((2, 3), np.float32), y: np.ones(2, np.float32)})  # fmt: skip
        assert error.message == (
            "feed for 'y:0' has dtype float32, which cannot be converted to int32 without changing its kind"
        )
        assert _at("y", "placeholder", "# y-line") in str(error)
        error = _raises(errors.InvalidArgumentError, sess.run, total)
        assert error.message == (
            "the fetches need a value fed for 2 placeholder(s):\n"
            f"  'x:0' (f32[?,3]) defined at {__file__}:{_line('# x-line')}\n"
            f"  'y:0' (i32[?]) defined at {__file__}:{_line('# y-line')}"
        )


def test_a_function_called_with_a_wrong_shape_names_its_definition():
    @jg.function(input_signature=[jg.TensorSpec((None, 3))])  # def-line
    def double(x):
        return x * 2.0

    double(np.ones((1, 3), np.float32))
    error = _raises(errors.InvalidArgumentError, double, np.ones((1, 4), np.float32))
    assert error.message == "feed for 'x:0' has shape [1, 4], which does not match f32[?,3]"
    assert _at("x", "placeholder", "# def-line") in str(error)
    grad = jg.grad(lambda v: jg.reduce_sum(v * v))  # grad-line
    placeholder = grad.trace(jg.TensorSpec((2,))).get_operation_by_name("v")
    assert placeholder.location[:2] == (__file__, _line("# grad-line"))  # the user's, not jaxgraph's


def test_uninitialized_variable_names_its_line():
    v = jg.Variable(jg.zeros((2,)), name="w")  # var-line
    with jg.Session() as sess:
        error = _raises(errors.FailedPreconditionError, sess.run, v * 2.0)
    assert error.message == "Attempting to use uninitialized Variable 'w'"
    assert _at("w", "variable", "# var-line") in str(error)


# ---- run time: failures inside the computation -----------------------------------------------
def test_run_time_shape_mismatch_names_the_op_line():
    a = jg.placeholder(jg.float32, (None,), name="a")
    b = jg.placeholder(jg.float32, (None,), name="b")
    product = a * b  # mul-line
    with jg.Session() as sess:
        error = _raises(errors.InvalidArgumentError, sess.run, product,
                        {a: np.ones(2, np.float32), b: np.ones(3, np.float32)})  # fmt: skip
    assert error.message.startswith("TypeError: mul got incompatible shapes for broadcasting: (2,), (3,)")
    assert _at("Mul", "mul", "# mul-line") in str(error)


def test_check_numerics_in_a_function_names_the_body_line():
    @jg.function
    def safe_log(x):
        return jg.debugging.check_numerics(jg.log(x), "log of x")  # numerics-line

    safe_log(np.ones(2, np.float32))
    error = _raises(errors.InvalidArgumentError, safe_log, -np.ones(2, np.float32))
    assert error.message == "log of x (check_numerics)"
    assert _at("CheckNumerics", "check_numerics", "# numerics-line") in str(error)


def test_numerics_failure_in_a_gradient_names_the_forward_line():
    x = jg.placeholder(jg.float32, (2,), name="x")
    y = jg.reduce_sum(jg.sqrt(x))  # sqrt-line
    (dx,) = jg.gradients(y, [x])
    with jg.Session(check_numerics=True) as sess:
        np.testing.assert_allclose(
            np.asarray(sess.run(dx, {x: np.array([1.0, 4.0], np.float32)})), [0.5, 0.25]
        )
        error = _raises(errors.InvalidArgumentError, sess.run, dx, {x: np.array([1.0, 0.0], np.float32)})
    assert error.message == "found NaN or Inf in the output (check_numerics)"
    assert f"defined at {__file__}:{_line('# sqrt-line')}" in str(error)
    assert "op 'gradients/Sqrt_grad/" in str(error)
