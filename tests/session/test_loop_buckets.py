"""The Session's loop buckets for gradients of unbounded ``while_loop``\\ s: reuse while trip
counts stay inside a bucket, one recompile (with its reason) when a run outruns it, nothing
committed by the outrun attempt, the resolved bucket in dumps, and the check's error where no
Session catches it."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.ir.passes.loop_bounds import INITIAL_BUCKET, bucket_for
from jaxgraph.lowering import compile_fetches
from jaxgraph.ops.trip_counts import TripCountExceeded


def _reason(loop: str, trips: int, old: int, new: int) -> str:
    return (
        f"while_loop '{loop}' ran {trips} iterations, more than its gradient's bucket of {old}: bucket {new}"
    )


def _counting_loop():
    """``v = v * w`` ``n`` times (``n`` fed): the trip count is the feed."""
    n = jg.placeholder(jg.int32, (), name="n")
    w = jg.placeholder(jg.float32, (), name="w")
    line = inspect.currentframe().f_lineno + 1
    _, v = jg.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * w), [jg.constant(0), jg.constant(1.0)])
    (dw,) = jg.gradients(v, [w])
    return n, w, v, dw, line


def test_bucket_for_is_the_next_power_of_two_from_the_initial_bucket():
    assert INITIAL_BUCKET == 16
    assert [bucket_for(t) for t in [0, 1, 16, 17, 32, 33, 100]] == [16, 16, 16, 32, 32, 64, 128]


def test_trip_counts_inside_a_bucket_reuse_one_executable():
    n, w, v, dw, _ = _counting_loop()
    trips = [3, 0, 16, 17, 5, 32, 40, 33, 64, 65, 2]
    with jg.Session() as sess:
        for count in trips:
            value, grad = sess.run([v, dw], {n: count, w: 1.1})
            np.testing.assert_allclose(value, np.float32(1.1) ** count, rtol=1e-5)
            np.testing.assert_allclose(grad, count * np.float32(1.1) ** max(count - 1, 0), rtol=1e-5)
        assert sess.recompile_reasons == [
            _reason("while", 17, 16, 32),
            _reason("while", 40, 32, 64),
            _reason("while", 65, 64, 128),
        ]
        assert sess.compile_count == 4


def test_a_grown_bucket_serves_the_graphs_other_fetch_sets():
    n, w, v, dw, _ = _counting_loop()
    with jg.Session() as sess:
        sess.run(dw, {n: 20, w: 1.1})
        np.testing.assert_allclose(
            sess.run([v, dw], {n: 30, w: 1.1})[1], 30 * np.float32(1.1) ** 29, rtol=1e-5
        )
        assert sess.recompile_reasons == [_reason("while", 20, 16, 32)]  # [v, dw] compiled once, at 32
        assert sess.compile_count == 3


def test_an_outrun_attempt_commits_nothing():
    """The attempt whose loop outran the bucket ran the update and the counter too: neither
    counts, the rerun applies each once."""
    n, w, v, dw, _ = _counting_loop()
    steps = jg.Variable(0, name="steps")
    total = jg.Variable(0.0, name="total")
    with jg.control_dependencies([dw]):
        update = jg.group(steps.assign_add(1), total.assign_add(dw))
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        sess.run(update, {n: 3, w: 2.0})
        sess.run(update, {n: 20, w: 1.0})
        assert sess.run([steps, total]) == [2, 3 * 4.0 + 20.0]
        assert sess.recompile_reasons == [_reason("while", 20, 16, 32)]


def test_dumps_show_the_resolved_bucket():
    n, w, _, dw, _ = _counting_loop()
    with jg.Session() as sess:
        assert (
            'length=16, save_carries=true, twin_of="gradients/while_grad/while_bounded", bucket="while"'
            in (sess.dump(dw, {n: 3, w: 1.0}, stage="ir-opt"))
        )
        sess.run(dw, {n: 100, w: 1.0})
        assert "length=128, " in sess.dump(dw, {n: 3, w: 1.0}, stage="ir-opt")


def test_without_a_session_the_check_reports_the_trip_count():
    """A program compiled outside a Session (no bucket table: the initial bucket) returns the
    failed check's error, naming the gradient's check op and the loop's line."""
    n, w, _, dw, line = _counting_loop()
    executable = compile_fetches([dw], [n, w])
    *_, failed = executable(np.int32(40), np.float32(1.0), None)
    assert isinstance(failed, TripCountExceeded) and isinstance(failed, jg.errors.InvalidArgumentError)
    assert (failed.loop, failed.trip_count, failed.length) == ("while", 40, 16)
    assert str(failed) == (
        "while_loop 'while' ran 40 iterations, more than the 16 its gradient was compiled for\n"
        f"  op 'gradients/while_grad/CheckTripCount' (check_trip_count) defined at {__file__}:{line}"
    )
    assert executable.loop_bounds == {"while": 16}


def test_check_trip_count_rejects_a_float_count():
    x = jg.placeholder(jg.float32, (), name="x")
    with pytest.raises(
        jg.errors.InvalidArgumentError, match="check_trip_count's count must be an integer scalar, got f32"
    ):
        jg.get_default_graph().create_op("check_trip_count", [x, x], {"bucket": "loop"})


def test_gradient_graphs_with_buckets_print_and_parse_back():
    _counting_loop()
    text = str(jg.get_default_graph())
    assert 'bucket="while"' in text and "check_trip_count(" in text
    assert str(jg.ir.parse(text)) == text
