"""Every error about an op names the op, its type and the user's ``file:line`` that created it:
build-time type errors, run-time feed errors and run-time failures (shapes, numerics)."""

from __future__ import annotations

import inspect
import os
import traceback

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
    assert error.message.startswith("Attempting to use uninitialized Variable 'w': run ")
    assert _at("w", "variable", "# var-line") in str(error)


# ---- run time: failures inside the computation -----------------------------------------------
def test_run_time_shape_mismatch_names_the_op_line():
    a = jg.placeholder(jg.float32, (None,), name="a")
    b = jg.placeholder(jg.float32, (None,), name="b")
    product = a * b  # mul-line
    with jg.Session() as sess:
        error = _raises(errors.InvalidArgumentError, sess.run, product,
                        {a: np.ones(2, np.float32), b: np.ones(3, np.float32)})  # fmt: skip
    assert error.message == "mul got incompatible shapes for broadcasting: (2,), (3,)."
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


# ---- errors that say how to fix them -----------------------------------------------------------
INITIALIZE = (
    ": run sess.run(jg.global_variables_initializer()) first, with the initializer built after the last "
    "Variable (after the optimizer, whose slots are Variables too)"
)


def _dense_graph():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    with jg.name_scope("dense"):
        w = jg.Variable(jg.ones((3, 2)), name="w")  # dense-w
        y = jg.nn.relu(jg.matmul(x, w))
    return x, w, y


def test_a_misspelt_fetch_or_feed_name_gets_the_closest_name():
    x, _, y = _dense_graph()
    feed = {x: np.ones((1, 3), np.float32)}
    with jg.Session() as sess:
        error = _raises(errors.NotFoundError, sess.run, "dense/W:0", feed)
        assert error.message == (
            "cannot fetch 'dense/W:0': the graph has no operation named 'dense/W'; did you mean 'dense/w:0'?"
        )
        error = _raises(errors.NotFoundError, sess.run, "dense/Relus", feed)
        assert error.message == (
            "cannot fetch 'dense/Relus': the graph has no operation named 'dense/Relus'; "
            "did you mean 'dense/Relu'?"
        )
        error = _raises(errors.NotFoundError, sess.run, y, {"X:0": np.ones((1, 3), np.float32)})
        assert error.message == "cannot feed 'X:0': the graph has no operation named 'X'; did you mean 'x:0'?"
        error = _raises(errors.NotFoundError, sess.run, "zzzz:0", feed)
        assert error.message == "cannot fetch 'zzzz:0': the graph has no operation named 'zzzz'"


def test_uninitialized_variables_are_all_listed_with_the_fix():
    x, w, y = _dense_graph()
    init = jg.global_variables_initializer()  # built before the optimizer: misses its slots
    train = jg.train.AdamOptimizer(0.1).minimize(jg.reduce_sum(y))  # adam-line
    with jg.Session() as sess:
        error = _raises(errors.FailedPreconditionError, sess.run, y, {x: np.ones((1, 3), np.float32)})
        assert error.message == "Attempting to use uninitialized Variable 'dense/w'" + INITIALIZE
        assert _at("dense/w", "variable", "# dense-w") in str(error)
        sess.run(init)
        error = _raises(errors.FailedPreconditionError, sess.run, train, {x: np.ones((1, 3), np.float32)})
    assert error.message == (
        "Attempting to use uninitialized Variables 'dense/w/Adam', 'dense/w/Adam_1', 'beta1_power', "
        "'beta2_power'" + INITIALIZE
    )
    assert _at("dense/w/Adam", "variable", "# adam-line") in str(error)


def test_a_tensor_of_another_graph_says_which_graph_to_build_in():
    other = jg.Graph()
    with other.as_default():
        foreign = jg.constant(1.0, name="foreign")
    with jg.Session() as sess:
        error = _raises(errors.InvalidArgumentError, sess.run, foreign)
    assert error.message == (
        "cannot fetch 'foreign:0': it belongs to another graph than the Session's (build it inside "
        "`with sess.graph.as_default():`, or create the Session with jg.Session(graph=the graph it "
        "belongs to))"
    )


# ---- tracebacks end at the user's line ---------------------------------------------------------
def _failing_run():
    x, _, y = _dense_graph()
    with jg.Session() as sess:
        sess.run(y, {x: np.ones((1, 4), np.float32)})  # failing-run


def test_traceback_of_a_session_error_ends_at_the_users_line():
    error = _raises(errors.InvalidArgumentError, _failing_run)
    frames = traceback.extract_tb(error.__traceback__)
    assert [(f.filename, f.name) for f in frames] == [(__file__, "_raises"), (__file__, "_failing_run")]
    assert frames[-1].lineno == _line("# failing-run")


def test_traceback_filtering_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("JAXGRAPH_TRACEBACK_FILTERING", "off")
    error = _raises(errors.InvalidArgumentError, _failing_run)
    frames = traceback.extract_tb(error.__traceback__)
    package = os.path.dirname(jg.__file__) + os.sep
    assert frames[1].filename == __file__ and frames[1].lineno == _line("# failing-run")
    # the boundary: Session.run filters its own errors (api_boundary's code, written out in it)
    assert (frames[2].filename, frames[2].name) == (os.path.join(package, "session", "session.py"), "run")
    assert frames[-1].filename.startswith(package) and len(frames) > 3


def test_filter_traceback_keeps_user_callbacks_called_from_inside_jaxgraph():
    def user_callback():
        raise errors.InvalidArgumentError("from the user's callback")  # callback-line

    @errors.api_boundary
    def entry_point():
        user_callback()

    error = _raises(errors.InvalidArgumentError, entry_point)
    frames = traceback.extract_tb(error.__traceback__)
    assert [f.name for f in frames] == ["_raises", "entry_point", "user_callback"]  # none is jaxgraph's
    assert frames[-1].lineno == _line("# callback-line")


def _mismatched_matmul():
    a = jg.placeholder(jg.float32, (2, 3), name="a")
    jg.matmul(a, a)  # builder-line


def test_traceback_of_an_op_builder_error_ends_at_the_users_line():
    error = _raises(errors.InvalidArgumentError, _mismatched_matmul)
    frames = traceback.extract_tb(error.__traceback__)
    assert [(f.filename, f.name) for f in frames] == [(__file__, "_raises"), (__file__, "_mismatched_matmul")]
    assert frames[-1].lineno == _line("# builder-line")
    assert jg.matmul.__doc__ == jg.ops.math.matmul.__doc__ and jg.nn.relu.__wrapped__ is jg.ops.math.relu
