"""The cost of differentiating a ``while_loop`` without ``maximum_iterations`` (a masked loop of
a bucket of steps, see docs/control_flow.md): a recurrent train step whose step count ``n`` is
fed, as an unbounded loop, with ``maximum_iterations`` set to its bucket and to ``n`` itself,
and hand-written JAX (``lax.scan`` of ``n`` steps, jitted per ``n``); then the compilations of
a run of steps with trip counts drawn from 1 to 60.

The model: ``h = tanh(h @ w + b)`` ``n`` times from a fed ``h0`` [BATCH, HIDDEN]; loss
``mean(h**2)``; SGD on ``w`` and ``b``.

Run: ``python benchmarks/bench_while_buckets.py [--runs N]``; prints median step times and the
recompile reasons.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import block, machine  # noqa: E402

import jaxgraph as jg  # noqa: E402
from jaxgraph.ir.passes.loop_bounds import bucket_for  # noqa: E402

BATCH, HIDDEN, LR = 32, 64, 0.05


def _graph_step(w0, b0, maximum_iterations):
    graph = jg.Graph()
    with graph.as_default():
        h0 = jg.placeholder(jg.float32, (BATCH, HIDDEN), name="h0")
        n = jg.placeholder(jg.int32, (), name="n")
        w = jg.Variable(w0, name="w")
        b = jg.Variable(b0, name="b")
        _, h = jg.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, jg.tanh(jg.matmul(h, w) + b)),
                             [jg.constant(0), h0], maximum_iterations=maximum_iterations)  # fmt: skip
        loss = jg.reduce_mean(jg.square(h))
        train = jg.train.GradientDescentOptimizer(LR).minimize(loss)
        sess = jg.Session(graph=graph)
        sess.run(jg.global_variables_initializer())
    return sess, h0, n, loss, train


def _jax_step(n):
    def loss_fn(params, h0):
        w, b = params
        h, _ = jax.lax.scan(lambda h, _: (jnp.tanh(h @ w + b), None), h0, None, length=n)
        return jnp.mean(h**2)

    def step(params, h0):
        value, grads = jax.value_and_grad(loss_fn)(params, h0)
        return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    return jax.jit(step, donate_argnums=0)


def _median(fn, runs):
    for _ in range(5):
        block(fn())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        block(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _graph_time(w0, b0, h0v, n, limit, runs):
    """Median train-step time of the graph with ``maximum_iterations=limit`` at ``n`` steps."""
    sess, h0, count, loss, train = _graph_step(w0, b0, limit)
    median = _median(lambda: sess.run([loss, train], {h0: h0v, count: n})[0], runs)
    sess.close()
    return median


def _jax_time(w0, b0, h0v, n, runs):
    """Median step time of hand-written JAX at ``n`` steps."""
    jitted, state = _jax_step(n), {"p": jax.device_put((w0, b0))}

    def jax_step():
        value, state["p"] = jitted(state["p"], h0v)
        return value

    return _median(jax_step, runs)


def step_times(w0, b0, h0v, runs):
    print("| n | bucket | unbounded | maximum_iterations=bucket | maximum_iterations=n | JAX lax.scan(n) |")
    print("|---|---|---|---|---|---|")
    for n in (12, 40):
        row = [_graph_time(w0, b0, h0v, n, limit, runs) for limit in (None, bucket_for(n), n)]
        row.append(_jax_time(w0, b0, h0v, n, runs))
        print(f"| {n} | {bucket_for(n)} | " + " | ".join(f"{t * 1e6:.0f} µs" for t in row) + " |")


def recompiles(w0, b0, h0v, steps):
    sess, h0, n, loss, train = _graph_step(w0, b0, None)
    counts = np.random.default_rng(1).integers(1, 61, size=steps)
    start = time.perf_counter()
    for count in counts:
        sess.run([loss, train], {h0: h0v, n: int(count)})
    elapsed = time.perf_counter() - start
    print(f"{steps} steps, trip counts 1..60 (max {counts.max()}): {len(sess.recompile_reasons)} recompiles "
          f"of the train step, {elapsed:.1f} s in all")  # fmt: skip
    for reason in sess.recompile_reasons:
        print(f"  {reason}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    rng = np.random.default_rng(0)
    w0 = (rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)).astype(np.float32)
    b0 = np.zeros(HIDDEN, np.float32)
    h0v = jnp.asarray(rng.normal(size=(BATCH, HIDDEN)).astype(np.float32))
    print(f"recurrent train step, batch {BATCH}, hidden {HIDDEN}, {runs} runs; {machine()}")
    step_times(w0, b0, h0v, runs)
    recompiles(w0, b0, h0v, 200)


if __name__ == "__main__":
    main()
