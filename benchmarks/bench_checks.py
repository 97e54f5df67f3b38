"""The cost of run-time index checks: an embedding-lookup train step with the checks on (the
default), off (``jg.debugging.set_runtime_checks(False)``), and hand-written JAX.

The model: ids [BATCH, WORDS] -> embedding_lookup (VOCAB x DIM) -> mean over words -> dense
(DIM x CLASSES) -> sparse softmax cross-entropy, SGD on both Variables. Checked: the lookup's ids
and the loss's labels (two ``check_indices`` ops). A run with checks also keeps the Variables'
old buffers (nothing is donated), so a failed check can leave them as they were.

Run: ``python benchmarks/bench_checks.py [--runs N]``; prints median step times and ratios.
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

VOCAB, DIM, WORDS, BATCH, CLASSES, LR = 20000, 128, 16, 256, 10, 0.1


def _graph_step(table0, w0, checks: bool):
    """The train step as a jaxgraph graph, built with the checks on or off."""
    previous = jg.debugging.set_runtime_checks(checks)
    graph = jg.Graph()
    try:
        with graph.as_default():
            ids = jg.placeholder(jg.int32, (None, WORDS), name="ids")
            labels = jg.placeholder(jg.int32, (None,), name="labels")
            table = jg.Variable(table0, name="table")
            w = jg.Variable(w0, name="w")
            features = jg.reduce_mean(jg.nn.embedding_lookup(table, ids), axis=1)
            logits = jg.matmul(features, w)
            loss = jg.reduce_mean(
                jg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
            train_op = jg.train.GradientDescentOptimizer(LR).minimize(loss)
            init = jg.global_variables_initializer()
    finally:
        jg.debugging.set_runtime_checks(previous)
    checks_built = sum(op.type == "check_indices" for op in graph.operations)
    assert checks_built == (2 if checks else 0), checks_built
    return graph, ids, labels, loss, train_op, init


def _jax_step():
    def loss_fn(params, ids, labels):
        table, w = params
        logits = jnp.take(table, ids, axis=0).mean(axis=1) @ w
        picked = jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
        return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - picked)

    def step(params, ids, labels):
        value, grads = jax.value_and_grad(loss_fn)(params, ids, labels)
        return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    return jax.jit(step, donate_argnums=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    runs = parser.parse_args().runs
    rng = np.random.default_rng(0)
    table0 = rng.normal(size=(VOCAB, DIM)).astype(np.float32) * 0.1
    w0 = rng.normal(size=(DIM, CLASSES)).astype(np.float32) * 0.1
    ids = jnp.asarray(rng.integers(0, VOCAB, size=(BATCH, WORDS)).astype(np.int32))
    labels = jnp.asarray(rng.integers(0, CLASSES, size=(BATCH,)).astype(np.int32))

    steps = {}
    sessions = []
    for name, checks in (("checks on", True), ("checks off", False)):
        graph, x, y, loss, train_op, init = _graph_step(table0, w0, checks)
        sess = jg.Session(graph=graph)
        sess.run(init)
        sessions.append(sess)
        steps[name] = lambda sess=sess, x=x, y=y, loss=loss, op=train_op: sess.run(
            [loss, op], {x: ids, y: labels}
        )[0]
    jitted = _jax_step()
    state = {"params": jax.device_put((table0, w0))}

    def jax_step():
        value, state["params"] = jitted(state["params"], ids, labels)
        return value

    steps["hand-written JAX"] = jax_step
    times = {name: [] for name in steps}
    for _ in range(10):
        for fn in steps.values():
            block(fn())
    for _ in range(runs):  # alternated, so machine drift hits all three alike
        for name, fn in steps.items():
            start = time.perf_counter()
            block(fn())
            times[name].append(time.perf_counter() - start)
    for sess in sessions:
        sess.close()
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["hand-written JAX"]
    print(f"embedding train step, vocab {VOCAB}x{DIM}, batch {BATCH}x{WORDS}, {runs} runs; {machine()}")
    print("| variant | median step | vs hand-written JAX | vs checks off |")
    print("|---|---|---|---|")
    for name, median in medians.items():
        print(
            f"| {name} | {median * 1e6:.0f} µs | {median / base:.3f}× | {median / medians['checks off']:.3f}× |"
        )


if __name__ == "__main__":
    main()
