"""Core benchmarks, side by side with hand-written JAX in one process.

1. ``Session.run`` of a trivial graph vs a direct ``jax.jit`` call: microseconds added per run,
   alone and with 8 threads running at once (wall time per run).
2. MLP forward 784-512-512-10 tanh, batch 128: ``Session.run`` vs ``jax.jit``.
3. MLP train step (SGD): ``sess.run([loss, train_op])`` vs ``jax.jit(value_and_grad)`` with
   donated parameters: step time (also without the labels' range check, to show its share), XLA
   memory (argument + output + temp bytes), compile time.

Every pair is timed alternately in blocks (``common.paired``; the 8-thread figure in blocks of
8 × 200 calls each, ``common.paired_threaded``): the figures are medians over blocks, with the
lowest and highest block in parentheses.

Run: ``python benchmarks/bench_core.py [--runs N] [--blocks B]``; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, paired, paired_threaded, seconds, table  # noqa: E402

import jaxgraph as jg  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH = 128


def _init_params(rng):
    return [
        (rng.normal(size=(a, b)).astype(np.float32) * 0.05, np.zeros((b,), np.float32))
        for a, b in zip(SIZES[:-1], SIZES[1:])
    ]


def _jax_forward(params, x):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i < len(params) - 1:
            x = jnp.tanh(x)
    return x


def _jax_loss(params, x, y):
    logits = _jax_forward(params, x)
    # the fastest of the usual spellings on CPU (vs one_hot * log_softmax or take_along_axis)
    return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - jnp.take_along_axis(logits, y[:, None], axis=1)[:, 0])


def _graph_mlp(params, checks: bool = True):
    """The MLP as a graph; ``checks=False`` builds it without the labels' range check (which
    TF1, and jaxgraph by default, make on CPU)."""
    graph = jg.Graph()
    previous = jg.debugging.set_runtime_checks(checks)
    with graph.as_default():
        x = jg.placeholder(jg.float32, (None, SIZES[0]), name="x")
        y = jg.placeholder(jg.int32, (None,), name="y")
        h = x
        for i, (w0, b0) in enumerate(params):
            with jg.name_scope(f"dense{i}"):
                w = jg.Variable(w0, name="w")
                b = jg.Variable(b0, name="b")
                h = jg.matmul(h, w) + b
                if i < len(params) - 1:
                    h = jg.tanh(h)
        loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        train_op = jg.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = jg.global_variables_initializer()
    jg.debugging.set_runtime_checks(previous)
    return graph, x, y, h, loss, train_op, init


def bench_trivial(runs: int, blocks: int) -> list[tuple[str, str, str, str]]:
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (4,), name="x")
        y = x + 1.0
    value = jnp.ones(4, jnp.float32)
    jitted = jax.jit(lambda a: a + 1.0)
    with jg.Session(graph=graph) as sess:
        timing = paired(lambda: sess.run(y, {x: value}), lambda: jitted(value), runs, blocks)
        threads = paired_threaded(
            lambda: sess.run(y, {x: value}).block_until_ready(),
            lambda: jitted(value).block_until_ready(),
            blocks // 2 or 1,
        )
    return [
        ("Session.run, trivial graph", timing.ours.micros(), timing.theirs.micros(), f"+{timing.added.micros()}"),
        ("Session.run, trivial graph, 8 threads (wall time per run)", threads.ours.micros(), threads.theirs.micros(),
         f"+{threads.added.micros()}"),
    ]  # fmt: skip


def bench_forward(runs: int, blocks: int, rng) -> tuple[str, str, str, str]:
    params = _init_params(rng)
    xb = jnp.asarray(rng.normal(size=(BATCH, SIZES[0])).astype(np.float32))
    graph, x, _, logits, _, _, init = _graph_mlp(params)
    jitted = jax.jit(_jax_forward)
    device_params = jax.device_put(params)
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        timing = paired(lambda: sess.run(logits, {x: xb}), lambda: jitted(device_params, xb), runs, blocks)
    return ("MLP forward 784-512-512-10, batch 128", timing.ours.micros(0), timing.theirs.micros(0),
            timing.ratio.ratio())  # fmt: skip


def bench_train(runs: int, blocks: int, rng) -> list[tuple[str, str, str, str]]:
    params = _init_params(rng)
    xb = jnp.asarray(rng.normal(size=(BATCH, SIZES[0])).astype(np.float32))
    yb = jnp.asarray(rng.integers(0, 10, size=(BATCH,)).astype(np.int32))
    start = time.perf_counter()
    graph, x, y, _, loss, train_op, init = _graph_mlp(params)
    build = time.perf_counter() - start

    def make_step():  # a new function object each time, so jax.jit's cache cannot help
        def sgd_step(params, x, y):
            value, grads = jax.value_and_grad(_jax_loss)(params, x, y)
            return value, jax.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads)

        return sgd_step

    step = jax.jit(make_step(), donate_argnums=0)
    state = {"params": jax.device_put(params)}

    def theirs_step():
        value, state["params"] = step(state["params"], xb, yb)
        return value

    fresh = jax.tree_util.tree_map(jnp.copy, state["params"])
    theirs_compile = seconds(lambda: jax.jit(make_step(), donate_argnums=0)(fresh, xb, yb))
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        ours_compile = build + seconds(lambda: sess.run([loss, train_op], {x: xb, y: yb}))
        timing = paired(lambda: sess.run([loss, train_op], {x: xb, y: yb})[0], theirs_step, runs, blocks)
        plan = list(sess._cache.values())[-1]
        args = [sess._variables[n] for n in plan.var_args] + [xb, yb, None]
        ours_memory = _memory(plan.executable.jitted.lower(*args).compile())
    theirs_memory = _memory(step.lower(state["params"], xb, yb).compile())
    graph, x, y, _, loss, train_op, init = _graph_mlp(params, checks=False)
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        unchecked = paired(lambda: sess.run([loss, train_op], {x: xb, y: yb})[0], theirs_step, runs, blocks)
    return [
        ("MLP train step (SGD), step time", timing.ours.micros(0), timing.theirs.micros(0), timing.ratio.ratio()),
        ("MLP train step, labels unchecked (`set_runtime_checks(False)`)", unchecked.ours.micros(0),
         unchecked.theirs.micros(0), unchecked.ratio.ratio()),
        ("MLP train step, XLA memory (arg+out+temp)", f"{ours_memory / 2**20:.2f} MiB",
         f"{theirs_memory / 2**20:.2f} MiB", f"{ours_memory / theirs_memory:.3f}×"),
        ("MLP train step, build + first run (compile)", f"{ours_compile * 1e3:.0f} ms", f"{theirs_compile * 1e3:.0f} ms",
         f"{ours_compile / theirs_compile:.3f}×"),
    ]  # fmt: skip


def _memory(compiled) -> int:
    stats = compiled.memory_analysis()
    return stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=10)
    args = parser.parse_args()
    runs, blocks = args.runs, args.blocks
    rng = np.random.default_rng(0)
    rows = [*bench_trivial(runs, blocks), bench_forward(runs, blocks, rng), *bench_train(runs, blocks, rng)]
    print(
        f"machine: {machine()}; {runs} paired runs in {blocks} blocks: median of the block medians "
        "(lowest–highest block)\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
