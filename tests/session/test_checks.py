"""Run-time checks: ``check_numerics`` and ``Session(check_numerics=True)`` raise naming the op
and its line, and a failed run changes no Variable."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors


@pytest.fixture(autouse=True)
def on_cpu():
    """TF1 makes these checks on CPU only (jaxgraph drops them on accelerators): run on the CPU."""
    with jax.default_device(jax.devices("cpu")[0]):
        yield


def _line(marker: str) -> int:
    source, start = inspect.getsourcelines(inspect.currentframe().f_back.f_code)
    return start + next(i for i, text in enumerate(source) if marker in text)


def test_check_numerics_raises_with_user_line_and_keeps_variables():
    x = jg.placeholder(jg.float32, (2,), name="x")
    v = jg.Variable(jg.zeros((2,)), name="v")
    checked = jg.debugging.check_numerics(jg.log(x), "log of x")  # check-line
    line = _line("# check-line")
    update = v.assign_add(checked)
    with jg.Session() as sess:
        sess.run(v.initializer)
        sess.run(update, {x: np.array([1.0, np.e], np.float32)})
        before = np.asarray(sess.run(v))
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(update, {x: np.array([1.0, -1.0], np.float32)})
        assert info.value.message == "log of x (check_numerics)"
        assert f"op 'CheckNumerics' (check_numerics) defined at {__file__}:{line}" in str(info.value)
        np.testing.assert_array_equal(np.asarray(sess.run(v)), before)


def test_session_option_names_first_op_with_nan():
    x = jg.placeholder(jg.float32, (2,), name="x")
    y = jg.sqrt(x)  # first-bad
    line = _line("# first-bad")
    z = jg.exp(y) * 2.0
    with jg.Session(check_numerics=True) as sess:
        np.testing.assert_allclose(np.asarray(sess.run(z, {x: np.array([1.0, 4.0], np.float32)})),
                                   2 * np.exp([1.0, 2.0]), rtol=1e-6)  # fmt: skip
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(z, {x: np.array([1.0, -4.0], np.float32)})
    assert info.value.message == "found NaN or Inf in the output (check_numerics)"
    assert f"op 'Sqrt' (sqrt) defined at {__file__}:{line}" in str(info.value)


def _classifier():
    """A train step whose labels are index-checked, with dropout (it draws from the RNG key)."""
    jg.set_random_seed(7)  # the same key in every Session
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    labels = jg.placeholder(jg.int32, (None,), name="labels")
    w = jg.Variable(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, name="w")
    logits = jg.nn.dropout(jg.matmul(x, w), keep_prob=0.5)
    loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train = jg.train.AdamOptimizer(0.1).minimize(loss)
    return x, labels, loss, train


def test_a_checked_train_step_donates_and_a_failed_check_changes_nothing():
    x, labels, loss, train = _classifier()
    inputs = np.ones((2, 3), np.float32)
    good, bad = (
        {x: inputs, labels: np.array([1, 3], np.int32)},
        {x: inputs, labels: np.array([1, 4], np.int32)},
    )
    variables = jg.global_variables()
    with jg.Session() as sess, jg.Session() as twin:
        for s in (sess, twin):
            s.run(jg.global_variables_initializer())
            s.run([loss, train], good)
        before = {v.op.name: sess._variables[v.op.name] for v in variables}
        values = sess.run(variables)
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run([loss, train], bad)
        assert info.value.message == "labels[1] = 4 is not in [0, 4)"
        assert all(before[v.op.name].is_deleted() for v in variables)  # donated, although checked
        for value, after in zip(values, sess.run(variables)):
            np.testing.assert_array_equal(after, value)
        # the key did not move either: the next steps match those of a Session without the failure
        for _ in range(2):
            np.testing.assert_array_equal(sess.run([loss, train], good)[0], twin.run([loss, train], good)[0])
        for mine, theirs in zip(sess.run(variables), twin.run(variables)):
            np.testing.assert_array_equal(mine, theirs)
