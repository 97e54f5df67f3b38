"""Gradients of ``while_loop``\\ s without ``maximum_iterations`` (data-dependent trip counts):
against TF1's recorded values, jax.grad of the unrolled loop for the trip count the data gives,
and central finite differences of a float64 NumPy reference; nested loops, loops in cond and
scan, second order, and training with GradientDescentOptimizer. The Session's buckets:
tests/session/test_loop_buckets.py."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxgraph as jg
from tests.helpers import assert_close

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "while_loop_gradients.json").read_text())


def _f32(x) -> np.ndarray:
    return np.asarray(x, np.float32)


def _reason(loop: str, trips: int, old: int, new: int) -> str:
    return (
        f"while_loop '{loop}' ran {trips} iterations, more than its gradient's bucket of {old}: bucket {new}"
    )


def _power_trips(x, w, bound: float = 100.0) -> int:
    """How often ``v = v * w`` runs from ``x`` while ``v < bound`` (in float32, as the graph)."""
    v, trips = np.float32(x), 0
    while v < np.float32(bound):
        v, trips = v * np.float32(w), trips + 1
    return trips


def _unrolled_power(x, w, trips: int):
    for _ in range(trips):
        x = x * w
    return x


def test_power_loop_gradients_match_tf1():
    """``v = v * w`` while ``v < 100``: TF1's values and gradients, for 8, 22, 0 and 72
    iterations in one Session (the bucket grows twice)."""
    x = jg.placeholder(jg.float32, (), name="x")
    w = jg.placeholder(jg.float32, (), name="w")
    y = jg.while_loop(lambda v: v < 100.0, lambda v: v * w, [x])
    gx, gw = jg.gradients(y, [x, w])
    with jg.Session() as sess:
        for case in FIXTURE["power"]:
            got = sess.run([y, gx, gw], {x: case["x"], w: case["w"]})
            for value, key in zip(got, ["y", "dx", "dw"]):
                assert_close(value, _f32(case[key]), rtol=2e-5, atol=1e-6)
        trips = [_power_trips(case["x"], case["w"]) for case in FIXTURE["power"]]
        assert trips == [8, 22, 0, 72]
        assert sess.recompile_reasons == [_reason("while", 22, 16, 32), _reason("while", 72, 32, 128)]


def _rnn_graph():
    """``i, h = i + 1, tanh(h * w + u[i])`` while ``i < n`` and ``sum(h * h) < limit``: ``w`` a
    Variable read in the body, ``u`` a captured tensor, ``n`` and ``limit`` fed."""
    inputs = {k: _f32(v) for k, v in FIXTURE["rnn_inputs"].items()}
    h0 = jg.placeholder(jg.float32, (3,), name="h0")
    u = jg.placeholder(jg.float32, (8, 3), name="u")
    n = jg.placeholder(jg.int32, (), name="n")
    limit = jg.placeholder(jg.float32, (), name="limit")
    w = jg.Variable(inputs["w"], name="w")
    i, h = jg.while_loop(
        lambda i, h: jg.logical_and(i < n, jg.reduce_sum(h * h) < limit),
        lambda i, h: (i + 1, jg.tanh(h * w + jg.gather(u, i))),
        [jg.constant(0), h0],
    )
    loss = jg.reduce_sum(h)
    return inputs, (h0, u, n, limit, w), i, loss, jg.gradients(loss, [h0, w, u])


def test_rnn_loop_gradients_wrt_start_variable_and_captured_tensor_match_tf1():
    inputs, (h0, u, n, limit, _), i, loss, grads = _rnn_graph()
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        for case in FIXTURE["rnn"]:
            feeds = {h0: inputs["h0"], u: inputs["u"], n: case["n"], limit: case["limit"]}
            trips, value, dh0, dw, du = sess.run([i, loss, *grads], feeds)
            assert int(trips) == case["trip_count"]
            assert_close(value, _f32(case["loss"]), rtol=1e-5, atol=1e-6)
            for got, key in zip([dh0, dw, du], ["dh0", "dw", "du"]):
                assert_close(got, _f32(case[key]), rtol=1e-4, atol=1e-6)
        assert sess.recompile_reasons == []


def _rnn_numpy(h0, w, u, n, limit) -> tuple[int, float]:
    """The RNN loop in float64 NumPy: (trip count, loss)."""
    i, h = 0, np.asarray(h0, np.float64)
    while i < n and np.sum(h * h) < limit:
        i, h = i + 1, np.tanh(h * w + u[i])
    return i, float(np.sum(h))


def _central_differences(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=np.float64)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def _rnn_differences(inputs: list[np.ndarray], n: int, limit: float) -> list[np.ndarray]:
    """Central differences of the float64 RNN's loss with respect to ``h0``, ``w`` and ``u``."""
    inputs = [np.asarray(a, np.float64) for a in inputs]

    def loss_with(k: int, value: np.ndarray) -> float:
        args = [value if j == k else a for j, a in enumerate(inputs)]
        return _rnn_numpy(*args, n, limit)[1]

    return [_central_differences(lambda a, k=k: loss_with(k, a), x) for k, x in enumerate(inputs)]


def test_rnn_loop_gradients_match_unrolled_jax_and_finite_differences():
    """Random inputs and trip counts (0 to 8, some stopped by the data-dependent limit)."""
    _, (h0, u, n, limit, w), i, loss, grads = _rnn_graph()
    rng = np.random.default_rng(5)
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        for _ in range(6):
            h0v, wv, uv = (
                _f32(rng.normal(size=3) * 0.5),
                _f32(rng.normal(size=3)),
                _f32(rng.normal(size=(8, 3))),
            )
            nv, lv = int(rng.integers(0, 9)), float(rng.uniform(0.5, 2.5))
            w.load(wv, sess)
            trips, value, *got = sess.run([i, loss, *grads], {h0: h0v, u: uv, n: nv, limit: lv})
            ref_trips, ref_value = _rnn_numpy(h0v, wv, uv, nv, lv)
            assert int(trips) == ref_trips
            assert_close(value, _f32(ref_value), rtol=1e-5, atol=1e-6)

            def unrolled(h0, w, u, trips=ref_trips):
                h = h0
                for k in range(trips):
                    h = jnp.tanh(h * w + u[k])
                return jnp.sum(h)

            expected = jax.grad(unrolled, argnums=(0, 1, 2))(h0v, wv, uv)
            for g, r in zip(got, expected):
                assert_close(g, np.asarray(r), rtol=1e-5, atol=1e-6)
            for g, r in zip(got, _rnn_differences([h0v, wv, uv], nv, lv)):
                assert_close(g, _f32(r), rtol=1e-4, atol=1e-5)


def test_zero_iterations():
    """A loop whose condition is false at once: the identity of its start, zero for the rest."""
    x = jg.placeholder(jg.float32, (3,), name="x")
    w = jg.Variable(np.full(3, 2.0, np.float32), name="w")
    y = jg.while_loop(lambda v: jg.reduce_sum(v) < 0.0, lambda v: v * w, [x])
    gx, gw = jg.gradients(jg.reduce_sum(y * y), [x, w])
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        xv = _f32([1.0, 2.0, 3.0])
        yv, gxv, gwv = sess.run([y, gx, gw], {x: xv})
    assert_close(yv, xv)
    assert_close(gxv, 2 * xv)
    assert_close(gwv, np.zeros(3, np.float32))


def test_nested_loops_loop_in_cond_and_loop_in_scan():
    """An unbounded loop inside an unbounded loop, inside a cond's branch and inside a scan's
    body, each outrunning the initial bucket."""
    x = jg.placeholder(jg.float32, (), name="x")
    w = jg.placeholder(jg.float32, (), name="w")
    take = jg.placeholder(jg.bool, (), name="take")

    def power(start, bound=100.0):
        return jg.while_loop(lambda v: v < bound, lambda v: v * w, [start], name="power")

    def outer_body(i, v):
        return i + 1, power(v, 10.0 * jg.cast(i + 1, jg.float32))

    nested = jg.while_loop(lambda i, v: i < 3, outer_body, [jg.constant(0), x])[1]
    in_cond = jg.cond(take, lambda: power(x), lambda: x * 2.0)
    in_scan = jg.scan(lambda acc, e: power(acc * 0.01 + e), jg.ones((3,)) * x, initializer=jg.constant(1.0))[
        -1
    ]
    outputs = [nested, in_cond, in_scan]
    grads = [jg.gradients(y, [x, w]) for y in outputs]
    xv, wv = np.float32(0.001), np.float32(1.7)

    def nested_ref(x, w, trips):
        for i in range(3):
            x = _unrolled_power(x, w, trips[i])
        return x

    def scan_ref(x, w, trips):
        acc = jnp.float32(1.0)
        for i in range(3):
            acc = _unrolled_power(acc * 0.01 + x, w, trips[i])
        return acc

    nested_trips, v = [], xv  # the trip counts the data gives (a concrete pass in float32)
    for i in range(3):
        nested_trips.append(_power_trips(v, wv, 10.0 * (i + 1)))
        v = _unrolled_power(v, wv, nested_trips[-1])
    scan_trips, acc = [], np.float32(1.0)
    for _ in range(3):
        scan_trips.append(_power_trips(acc * np.float32(0.01) + xv, wv))
        acc = _unrolled_power(acc * np.float32(0.01) + xv, wv, scan_trips[-1])
    assert nested_trips[0] > 16 and _power_trips(xv, wv) > 16 and scan_trips[0] > 16

    references = [
        lambda x, w: nested_ref(x, w, nested_trips),
        lambda x, w: _unrolled_power(x, w, _power_trips(xv, wv)),
        lambda x, w: scan_ref(x, w, scan_trips),
    ]
    with jg.Session() as sess:
        for y, g, ref in zip(outputs, grads, references):
            got = sess.run([y, *g], {x: xv, w: wv, take: True})
            assert_close(got[0], np.asarray(ref(xv, wv), np.float32), rtol=1e-5)
            for value, expected in zip(got[1:], jax.grad(ref, argnums=(0, 1))(xv, wv)):
                assert_close(value, np.asarray(expected), rtol=1e-4)
        # one bucket: the loops share their name (each in another body), so the first to
        # outrun the initial bucket grew it for all
        assert sess.recompile_reasons == [_reason("power", nested_trips[0], 16, 32)]


def test_second_order_through_an_unbounded_loop():
    x = jg.placeholder(jg.float32, (), name="x")
    w = jg.placeholder(jg.float32, (), name="w")
    y = jg.while_loop(lambda v: v < 100.0, lambda v: v * w, [x])
    (hw,) = jg.hessians(y, [w])
    with jg.Session() as sess:
        for xv in [0.5, 0.001]:
            trips = _power_trips(xv, 1.7)
            expected = jax.hessian(lambda w, t=trips, x=xv: _unrolled_power(jnp.float32(x), w, t))(
                np.float32(1.7)
            )
            assert_close(sess.run(hw, {x: xv, w: 1.7}), np.asarray(expected), rtol=1e-5)


def test_training_a_while_loop_model_matches_unrolled_jax():
    """GradientDescentOptimizer on a recurrent model whose step count is fed and differs per
    step (one step outruns the first bucket: its run recompiles and applies the update once)."""
    rng = np.random.default_rng(3)
    w0, b0 = _f32(rng.normal(size=3) * 0.5), _f32(rng.normal(size=3) * 0.1)
    target = _f32(rng.normal(size=3) * 0.5)
    x = jg.placeholder(jg.float32, (3,), name="x")
    n = jg.placeholder(jg.int32, (), name="n")
    w = jg.Variable(w0, name="w")
    b = jg.Variable(b0, name="b")
    _, h = jg.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, jg.tanh(h * w + b)), [jg.constant(0), x])
    loss = jg.reduce_sum(jg.square(h - target))
    train = jg.train.GradientDescentOptimizer(0.2).minimize(loss)

    def ref_loss(params, x, steps):
        h = x
        for _ in range(steps):
            h = jnp.tanh(h * params[0] + params[1])
        return jnp.sum(jnp.square(h - target))

    params = (jnp.asarray(w0), jnp.asarray(b0))
    steps = [3, 7, 20, 5, 0, 12]
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        for count in steps:
            xv = _f32(rng.normal(size=3))
            got_loss, _ = sess.run([loss, train], {x: xv, n: count})
            ref, grads = jax.value_and_grad(ref_loss)(params, xv, count)
            params = tuple(p - 0.2 * g for p, g in zip(params, grads))
            assert_close(got_loss, np.asarray(ref), rtol=1e-5, atol=1e-6)
            assert_close(sess.run(w), np.asarray(params[0]), rtol=1e-5, atol=1e-6)
            assert_close(sess.run(b), np.asarray(params[1]), rtol=1e-5, atol=1e-6)
        assert sess.recompile_reasons == [_reason("while", 20, 16, 32)]
