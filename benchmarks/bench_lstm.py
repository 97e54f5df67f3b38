"""LSTM language-model train step: jaxgraph's ``dynamic_rnn`` (one ``scan`` op, differentiated by
jaxgraph) vs the same model hand-written in JAX (``lax.scan`` + ``value_and_grad`` + donated
parameters and Adam state), in one process.

Model: embedding (vocab 65 -> 256), one ``BasicLSTMCell(256)`` over 50 steps, softmax over 65,
mean cross-entropy, Adam (TF1's formulas), batch 32. Both start from the same parameters and
their first losses are checked equal. Reports median step time (paired, alternating runs) and
compile time (jaxgraph: graph building + first run; JAX: first call of a fresh ``jax.jit``).
``--static`` adds the build + first run of the same model unrolled by ``static_rnn``.

Run: ``python benchmarks/bench_lstm.py [--runs N] [--static]``; prints a Markdown table.
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
from common import machine, paired_medians, seconds, table  # noqa: E402

import jaxgraph as jg  # noqa: E402

VOCAB, HIDDEN, TIME, BATCH, LR = 65, 256, 50, 32, 0.002
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


def init_params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    scale = lambda *shape: (rng.uniform(-1, 1, size=shape) * np.sqrt(6 / sum(shape))).astype(np.float32)  # noqa: E731
    return {
        "embedding": scale(VOCAB, HIDDEN),
        "rnn/basic_lstm_cell/kernel": scale(2 * HIDDEN, 4 * HIDDEN),
        "rnn/basic_lstm_cell/bias": np.zeros(4 * HIDDEN, np.float32),
        "softmax/w": scale(HIDDEN, VOCAB),
        "softmax/b": np.zeros(VOCAB, np.float32),
    }


# ---- jaxgraph ------------------------------------------------------------------------------------
def build_graph(static: bool = False) -> tuple[jg.Graph, dict]:
    graph = jg.Graph()
    with graph.as_default():
        inputs = jg.placeholder(jg.int32, (BATCH, TIME), name="inputs")
        targets = jg.placeholder(jg.int32, (BATCH, TIME), name="targets")
        embedding = jg.get_variable("embedding", (VOCAB, HIDDEN))
        x = jg.nn.embedding_lookup(embedding, inputs)
        cell = jg.nn.rnn_cell.BasicLSTMCell(HIDDEN)
        if static:
            outputs, _ = jg.nn.static_rnn(cell, jg.unstack(x, axis=1), dtype=jg.float32)
            outputs = jg.stack(outputs, axis=1)
        else:
            outputs, _ = jg.nn.dynamic_rnn(cell, x, dtype=jg.float32)
        with jg.variable_scope("softmax"):
            w = jg.get_variable("w", (HIDDEN, VOCAB))
            b = jg.get_variable("b", (VOCAB,), initializer=jg.zeros_initializer())
        logits = jg.matmul(jg.reshape(outputs, (-1, HIDDEN)), w) + b
        loss = jg.reduce_mean(
            jg.nn.sparse_softmax_cross_entropy_with_logits(labels=jg.reshape(targets, (-1,)), logits=logits)
        )
        train_op = jg.train.AdamOptimizer(LR, BETA1, BETA2, EPSILON).minimize(loss)
        init = jg.global_variables_initializer()
    return graph, dict(inputs=inputs, targets=targets, loss=loss, train_op=train_op, init=init)


# ---- hand-written JAX ----------------------------------------------------------------------------
def jax_loss(params: dict, inputs: jax.Array, targets: jax.Array) -> jax.Array:
    kernel, bias = params["rnn/basic_lstm_cell/kernel"], params["rnn/basic_lstm_cell/bias"]

    def step(state, x):
        c, h = state
        i, j, f, o = jnp.split(jnp.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
        c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        h = jnp.tanh(c) * jax.nn.sigmoid(o)
        return (c, h), h

    x = jnp.transpose(params["embedding"][inputs], (1, 0, 2))
    zeros = jnp.zeros((BATCH, HIDDEN), jnp.float32)
    _, hs = jax.lax.scan(step, (zeros, zeros), x)
    logits = jnp.transpose(hs, (1, 0, 2)).reshape(-1, HIDDEN) @ params["softmax/w"] + params["softmax/b"]
    labels = targets.reshape(-1)
    return jnp.mean(
        jax.nn.logsumexp(logits, axis=-1) - jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    )


def make_jax_step():
    """A new function object each call, so ``jax.jit``'s cache cannot hide the compile."""

    def adam_step(state, inputs, targets):
        params, m, v, t = state
        loss, grads = jax.value_and_grad(jax_loss)(params, inputs, targets)
        t = t + 1
        lr_t = LR * jnp.sqrt(1 - BETA2**t) / (1 - BETA1**t)
        m = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, grads)
        params = jax.tree_util.tree_map(lambda p, m, v: p - lr_t * m / (jnp.sqrt(v) + EPSILON), params, m, v)
        return loss, (params, m, v, t)

    return jax.jit(adam_step, donate_argnums=0)


def jax_state(params: dict) -> tuple:
    zeros = {k: jnp.zeros_like(p) for k, p in params.items()}
    return jax.device_put(params), zeros, jax.tree_util.tree_map(jnp.copy, zeros), jnp.float32(0)


# ---- the benchmark -------------------------------------------------------------------------------
def bench(runs: int, static: bool) -> list[tuple[str, str, str, str]]:
    rng = np.random.default_rng(0)
    params = init_params(rng)
    inputs = jnp.asarray(rng.integers(0, VOCAB, size=(BATCH, TIME)), jnp.int32)
    targets = jnp.asarray(rng.integers(0, VOCAB, size=(BATCH, TIME)), jnp.int32)

    theirs_compile = seconds(lambda: make_jax_step()(jax_state(params), inputs, targets)[0])
    step = make_jax_step()
    state = {"state": jax_state(params)}

    def theirs() -> jax.Array:
        loss, state["state"] = step(state["state"], inputs, targets)
        return loss

    start = time.perf_counter()
    graph, t = build_graph()
    build = time.perf_counter() - start
    by_name = {v.op.name: v for v in graph.get_collection("variables")}
    with jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        for name, value in params.items():
            sess.load_variable(by_name[name], value)
        feed = {t["inputs"]: inputs, t["targets"]: targets}
        fetches = [t["loss"], t["train_op"]]
        start = time.perf_counter()
        first_ours = float(sess.run(fetches, feed)[0])
        first_run = time.perf_counter() - start
        # the same model from the same parameters: the same first loss (and the same updates)
        np.testing.assert_allclose(first_ours, float(theirs()), rtol=1e-5)
        ours_step, theirs_step = paired_medians(lambda: sess.run(fetches, feed)[0], theirs, runs, warmup=5)
    ours_compile = build + first_run
    rows = [
        ("LSTM train step (dynamic_rnn), step time", f"{ours_step * 1e3:.2f} ms", f"{theirs_step * 1e3:.2f} ms",
         f"{ours_step / theirs_step:.3f}×"),
        ("LSTM train step, build + first run (compile)", f"{ours_compile:.2f} s", f"{theirs_compile:.2f} s",
         f"{ours_compile / theirs_compile:.3f}×"),
        ("  of which graph building (trace + gradients)", f"{build * 1e3:.0f} ms", "", ""),
    ]  # fmt: skip
    if static:
        start = time.perf_counter()
        graph, t = build_graph(static=True)
        with jg.Session(graph=graph) as sess:
            sess.run(t["init"])
            sess.run([t["loss"], t["train_op"]], {t["inputs"]: inputs, t["targets"]: targets})
        unrolled = time.perf_counter() - start
        rows.append(("same model, static_rnn (unrolled): build + first run", f"{unrolled:.2f} s",
                     f"{theirs_compile:.2f} s", f"{unrolled / theirs_compile:.3f}×"))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--static", action="store_true", help="also time static_rnn's build + compile")
    options = parser.parse_args()
    rows = bench(options.runs, options.static)
    print(f"machine: {machine()}; median of {options.runs} paired runs\n")
    print(table(rows))


if __name__ == "__main__":
    main()
