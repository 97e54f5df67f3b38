"""Run-time checks: ``check_numerics`` and ``Session(check_numerics=True)`` raise naming the op
and its line, and a failed run changes no Variable."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors


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
