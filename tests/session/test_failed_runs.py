"""A run that fails changes nothing: Variables stay readable and savable, and every failure is a
``jaxgraph.errors`` class (out of memory as ResourceExhaustedError naming the largest op).

The huge tensors here are never allocated by a passing test run on a real machine: 4 TiB runs are
refused by the memory check before they start, and the runs that do reach XLA ask for 256 TiB,
more than a 47-bit address space holds, so the allocation fails at once whatever the overcommit
policy.
"""

from __future__ import annotations

import inspect
import re

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.lowering import executable as executable_module

TIB4 = 1 << 40  # f32 elements: 4 TiB
TIB256 = 1 << 46  # f32 elements: 256 TiB, beyond any 47-bit address space


def _line(marker: str) -> int:
    source, start = inspect.getsourcelines(inspect.currentframe().f_back.f_code)
    return start + next(i for i, text in enumerate(source) if marker in text)


def _where(line: int) -> str:
    return f"defined at {__file__}:{line}"


def _model(elements: int):
    """(v, w, step, big, line of big): v += w, and a fill of ``elements`` floats."""
    v = jg.Variable(jg.zeros((3,)), name="v")
    w = jg.Variable(jg.constant([1.0, 2.0, 3.0]), name="w")
    step = v.assign_add(w)
    big = jg.ones((elements,), name="big")  # big-line
    return v, w, step, big, _line("# big-line")


def _started(sess, v, w, step):
    sess.run([v.initializer, w.initializer])
    sess.run(step)
    np.testing.assert_array_equal(np.asarray(sess.run(v)), [1.0, 2.0, 3.0])


def test_run_too_large_for_memory_is_refused_before_it_starts_and_changes_nothing(tmp_path):
    v, w, step, big, line = _model(TIB4)
    with jg.Session() as sess:
        _started(sess, v, w, step)
        with pytest.raises(errors.ResourceExhaustedError) as info:
            sess.run([step, big])
        match = re.fullmatch(
            r"out of memory: the run needs (\d+) bytes on (\S+), but only (\d+) bytes are available; "
            r"its largest result is 'big:0' \(f32\[1099511627776\], 4398046511104 bytes\)",
            info.value.message,
        )
        assert match, info.value.message
        needed, available = int(match.group(1)), int(match.group(3))
        assert 4 * TIB4 + 12 <= needed < 4 * TIB4 + 4096 and available < needed
        assert info.value.op.name == "big" and _where(line) in str(info.value)
        # nothing changed: the Variable reads, saves and restores, and training goes on
        np.testing.assert_array_equal(np.asarray(sess.run(v)), [1.0, 2.0, 3.0])
        saver = jg.train.Saver()
        path = saver.save(sess, str(tmp_path / "ckpt"))
        sess.run(step)
        saver.restore(sess, path)
        np.testing.assert_array_equal(np.asarray(sess.run(v)), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(np.asarray(sess.run(step)), [2.0, 4.0, 6.0])


def test_fetching_a_result_too_large_for_memory_names_its_op():
    big = jg.ones((TIB4,), name="big")  # fetched-line
    line = _line("# fetched-line")
    with jg.Session() as sess:
        with pytest.raises(errors.ResourceExhaustedError) as info:
            sess.run(big)
    assert re.fullmatch(
        r"out of memory: the run needs 4398046511104 bytes on \S+, but only \d+ bytes are available; "
        r"its largest result is 'big:0' \(f32\[1099511627776\], 4398046511104 bytes\)",
        info.value.message,
    ), info.value.message
    assert _where(line) in str(info.value)


def test_normal_runs_update_variables_in_place():
    v, w, step, _, _ = _model(1)
    with jg.Session() as sess:
        _started(sess, v, w, step)
        before = sess._variables["v"]
        sess.run(step)
        assert before.is_deleted()  # donated: XLA wrote the new value into its buffer
        assert not sess._variables["w"].is_deleted()


def _pretend_memory(monkeypatch, available: int, total: int) -> None:
    monkeypatch.setattr(executable_module, "device_memory", lambda device: (available, total))


def test_run_close_to_the_memory_limit_goes_without_donation(monkeypatch):
    v, w, step, _, _ = _model(1)
    _pretend_memory(monkeypatch, 1 << 20, 1 << 20)
    monkeypatch.setattr(executable_module, "CHECKED_FRACTION", 1 << 20)  # every run is checked
    monkeypatch.setattr(executable_module, "TIGHT", 0.0)  # and too close to the limit to donate
    with jg.Session() as sess:
        _started(sess, v, w, step)
        before = sess._variables["v"]
        np.testing.assert_array_equal(np.asarray(sess.run(step)), [2.0, 4.0, 6.0])
        np.testing.assert_array_equal(np.asarray(before), [1.0, 2.0, 3.0])


def test_out_of_memory_in_xla_without_donation_keeps_variables(monkeypatch):
    v, w, step, big, line = _model(TIB256)
    _pretend_memory(monkeypatch, 1 << 62, 1 << 62)  # the check lets the run through ...
    monkeypatch.setattr(executable_module, "CHECKED_FRACTION", 1 << 20)
    monkeypatch.setattr(executable_module, "TIGHT", 0.0)  # ... without donation
    with jg.Session() as sess:
        _started(sess, v, w, step)
        with pytest.raises(errors.ResourceExhaustedError) as info:
            sess.run([step, big])
        np.testing.assert_array_equal(np.asarray(sess.run(v)), [1.0, 2.0, 3.0])
    assert re.fullmatch(
        r"out of memory \(the run needs \d+ bytes\): RESOURCE_EXHAUSTED: .*; its largest result is "
        r"'big:0' \(f32\[70368744177664\], 281474976710656 bytes\)",
        info.value.message,
    ), info.value.message
    assert _where(line) in str(info.value)


def test_variables_a_failed_run_consumed_become_uninitialized_not_broken(monkeypatch, tmp_path):
    """The case the memory check exists to prevent: XLA fails after taking the donated buffers
    (here the check is misled). The lost Variables are named and read as uninitialized; the
    others are intact."""
    v, w, step, big, _ = _model(TIB256)
    _pretend_memory(monkeypatch, 1 << 62, 1 << 62)  # plenty of memory ...
    monkeypatch.setattr(executable_module, "CHECKED_FRACTION", 1 << 20)  # ... so a checked run donates
    with jg.Session() as sess:
        _started(sess, v, w, step)
        with pytest.raises(errors.ResourceExhaustedError) as info:
            sess.run([step, big])
        assert info.value.message.endswith(
            "; the failed run had already taken over the buffers of Variable(s) 'v': they are "
            "uninitialized now (run their initializer or restore a checkpoint)"
        )
        with pytest.raises(errors.FailedPreconditionError) as read:
            sess.run(v)
        assert read.value.message.startswith("Attempting to use uninitialized Variable 'v': run ")
        with pytest.raises(errors.FailedPreconditionError) as save:
            jg.train.Saver().save(sess, str(tmp_path / "ckpt"))
        assert save.value.message == "Attempting to use uninitialized Variable(s) 'v'"
        np.testing.assert_array_equal(np.asarray(sess.run(w)), [1.0, 2.0, 3.0])
        sess.run(v.initializer)
        np.testing.assert_array_equal(np.asarray(sess.run(step)), [1.0, 2.0, 3.0])


def test_other_xla_runtime_errors_get_their_tf1_class():
    assert errors.error_class_for_status("RESOURCE_EXHAUSTED: Out of memory") is errors.ResourceExhaustedError
    assert errors.error_class_for_status("INTERNAL: cuda failure") is errors.InternalError
    assert errors.error_class_for_status("DEADLINE_EXCEEDED: x") is errors.DeadlineExceededError
    assert errors.error_class_for_status("something odd") is errors.UnknownError


def test_a_function_whose_call_cannot_fit_keeps_its_variables():
    """``jg.function`` runs in its own Session, through the same checked path."""

    @jg.function
    def count(n):
        total = jg.get_variable("total", (), initializer=jg.zeros_initializer())
        total.assign_add(jg.cast(n, jg.float32))
        return jg.ones((TIB4,), name="huge")  # huge-line

    line = _line("# huge-line")
    with pytest.raises(errors.ResourceExhaustedError) as info:
        count(3)
    assert "its largest result is 'huge:0' (f32[1099511627776], 4398046511104 bytes)" in info.value.message
    assert _where(line) in str(info.value)
    values, _ = count.session.snapshot(["total"])
    assert float(values["total"]) == 0.0


def test_placing_a_value_that_does_not_fit_is_resource_exhausted(monkeypatch):
    v = jg.Variable(jg.zeros((2,)), name="v")

    def out_of_memory(value, device=None):
        raise jax.errors.JaxRuntimeError(
            "RESOURCE_EXHAUSTED: Out of memory while trying to allocate 8 bytes."
        )

    with jg.Session() as sess:
        monkeypatch.setattr(jax, "device_put", out_of_memory)
        with pytest.raises(errors.ResourceExhaustedError) as info:
            v.load([1.0, 2.0], sess)
    assert info.value.message == (
        "cannot place Variable 'v' on the device: RESOURCE_EXHAUSTED: Out of memory while trying to "
        "allocate 8 bytes."
    )


# ---- feeds that do not fit the placeholder's dtype ---------------------------------------------
@pytest.mark.parametrize(
    ("dtype", "value", "bad", "limits"),
    [
        (jg.int32, np.array([1, 2**40 + 5], np.int64), "1099511627781", "from -2147483648 to 2147483647"),
        (jg.int32, [-(2**31) - 1], "-2147483649", "from -2147483648 to 2147483647"),
        (jg.uint8, np.array([3, -1]), "-1", "from 0 to 255"),
        (jg.uint8, np.array([256], np.int32), "256", "from 0 to 255"),
        (jg.int16, np.array([40000], np.uint16), "40000", "from -32768 to 32767"),
        (jg.float32, np.array([1.0, 1e40]), "1e+40", "up to 3.4028234663852886e+38 in magnitude"),
        (jg.float16, np.array([-7e4], np.float32), "-70000.0", "up to 65504.0 in magnitude"),
        (jg.float16, np.array([70000], np.int32), "70000", "up to 65504.0 in magnitude"),
    ],
)  # fmt: skip
def test_feed_values_that_do_not_fit_the_dtype_are_rejected(dtype, value, bad, limits):
    x = jg.placeholder(dtype, (None,), name="x")  # x-line
    line = _line("# x-line")
    with jg.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(x + x, {x: value})
    assert info.value.message == (
        f"feed for 'x:0' has the value {bad}, which {dtype.name} cannot hold ({limits})"
    )
    assert _where(line) in str(info.value)


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        (jg.int32, np.array([-(2**31), 2**31 - 1], np.int64)),
        (jg.uint8, np.array([0, 255], np.int64)),
        (jg.float32, np.array([np.inf, -np.inf, 1e-50, 3e38])),
        (jg.float16, np.array([np.nan, 65504.0, 0.1])),
        (jg.int32, np.zeros((0,), np.int64)),
    ],
)
def test_feed_values_that_fit_are_converted(dtype, value):
    x = jg.placeholder(dtype, (None,), name="x")
    with jg.Session() as sess:
        got = np.asarray(sess.run(x, {x: value}))
    assert got.dtype == dtype.np
    np.testing.assert_array_equal(got, value.astype(dtype.np))


# ---- arguments of the wrong type ---------------------------------------------------------------
def test_fetching_none_is_a_type_error_as_in_tf1():
    with jg.Session() as sess:
        with pytest.raises(TypeError) as info:
            sess.run(None)
    assert str(info.value) == "Fetch argument None has invalid type <class 'NoneType'>"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"graph": 123}, "graph must be a jaxgraph Graph, but got <class 'int'>"),
        ({"device": 0}, "device must be a string such as 'cpu' or 'gpu:1', not <class 'int'>"),
        ({"mesh": "data"}, "mesh must be a jax.sharding.Mesh, but got <class 'str'>"),
    ],
)
def test_session_arguments_of_the_wrong_type_fail_at_construction(kwargs, message):
    with pytest.raises(TypeError) as info:
        jg.Session(**kwargs)
    assert str(info.value) == message
