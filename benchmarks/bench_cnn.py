"""Convolutional networks, side by side with hand-written JAX in one process.

1. A small CNN train step — conv 5x5x32 + relu, max pool 2x2, conv 5x5x64 + relu, max pool 2x2,
   dense 10, softmax cross-entropy, SGD; batch 64 of 28x28x1 — in a Session against the same
   network written with ``lax.conv_general_dilated``, ``lax.reduce_window``, ``jax.value_and_grad``
   and ``jax.jit`` (parameters donated), from the same parameters (first losses checked equal):
   step time (median of paired, alternating runs) and compile time (jaxgraph: graph building +
   first run; JAX: the first call of a fresh ``jax.jit``).
2. Inception-v3's training step (``examples/inception.py``: TF-slim's network, label smoothing,
   auxiliary head, weight decay, batch-norm moving averages, RMSProp): jaxgraph's graph building +
   XLA compile against the trace + compile of the same step written in JAX. The JAX version walks
   the example's architecture table (the layers are data there) with ``lax`` ops and takes its
   parameters by TF-slim's names, so both programs compute the same thing from the same
   dictionary; writing out 94 convolutions by hand again would only add places to differ.

Run: ``python benchmarks/bench_cnn.py [--runs N] [--size 299 --depth-multiplier 1.0]``; on a GPU
``PYTHONPATH=. python3 benchmarks/bench_cnn.py --quick`` (full-size Inception, fewer runs, about
two minutes). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "examples"))
import inception  # noqa: E402
from common import machine, paired_medians, seconds, table  # noqa: E402

import jaxgraph as jg  # noqa: E402

BATCH, LR, NHWC = 64, 0.01, ("NHWC", "HWIO", "NHWC")


# ---- 1. a small CNN ------------------------------------------------------------------------------
def cnn_params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    scaled = lambda *s: (rng.normal(size=s) * np.sqrt(2 / np.prod(s[:-1]))).astype(np.float32)  # noqa: E731
    zeros = lambda n: np.zeros(n, np.float32)  # noqa: E731
    return {"conv1/w": scaled(5, 5, 1, 32), "conv1/b": zeros(32), "conv2/w": scaled(5, 5, 32, 64),
            "conv2/b": zeros(64), "dense/w": scaled(7 * 7 * 64, 10), "dense/b": zeros(10)}  # fmt: skip


def cnn_graph(params: dict) -> tuple[jg.Graph, dict]:
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (BATCH, 28, 28, 1), name="x")
        y = jg.placeholder(jg.int32, (BATCH,), name="y")
        v = {name: jg.Variable(value, name=name) for name, value in params.items()}
        h = x
        for layer in ("conv1", "conv2"):
            h = jg.nn.relu(jg.nn.conv2d(h, v[f"{layer}/w"], strides=1, padding="SAME") + v[f"{layer}/b"])
            h = jg.nn.max_pool(h, 2, 2, "VALID")
        logits = jg.matmul(jg.reshape(h, (BATCH, -1)), v["dense/w"]) + v["dense/b"]
        loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train_op = jg.train.GradientDescentOptimizer(LR).minimize(loss)
        init = jg.global_variables_initializer()
    return graph, dict(x=x, y=y, loss=loss, train_op=train_op, init=init)


def cnn_loss(p: dict, x: jax.Array, y: jax.Array) -> jax.Array:
    h = x
    for layer in ("conv1", "conv2"):
        h = jax.nn.relu(lax.conv_general_dilated(h, p[f"{layer}/w"], (1, 1), "SAME", dimension_numbers=NHWC)
                        + p[f"{layer}/b"])  # fmt: skip
        h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    logits = h.reshape(BATCH, -1) @ p["dense/w"] + p["dense/b"]
    return jnp.mean(jax.nn.logsumexp(logits, -1) - jnp.take_along_axis(logits, y[:, None], 1)[:, 0])


def cnn_jax_step():
    """A new function object each call, so ``jax.jit``'s cache cannot hide the compile."""

    def step(p, x, y):
        loss, grads = jax.value_and_grad(cnn_loss)(p, x, y)
        return loss, jax.tree_util.tree_map(lambda w, g: w - LR * g, p, grads)

    return jax.jit(step, donate_argnums=0)


def bench_cnn(runs: int) -> list[tuple[str, str, str, str]]:
    rng = np.random.default_rng(0)
    params = cnn_params(rng)
    x = jnp.asarray(rng.normal(size=(BATCH, 28, 28, 1)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, BATCH), jnp.int32)
    theirs_compile = seconds(lambda: cnn_jax_step()(jax.device_put(params), x, y)[0])
    step, state = cnn_jax_step(), {"p": jax.device_put(params)}

    def theirs() -> jax.Array:
        loss, state["p"] = step(state["p"], x, y)
        return loss

    start = time.perf_counter()
    graph, t = cnn_graph(params)
    with jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        fetches, feed = [t["loss"], t["train_op"]], {t["x"]: x, t["y"]: y}
        first = float(sess.run(fetches, feed)[0])
        ours_compile = time.perf_counter() - start
        np.testing.assert_allclose(first, float(theirs()), rtol=1e-5)  # same network, same parameters
        ours, theirs_step = paired_medians(lambda: sess.run(fetches, feed)[0], theirs, runs, warmup=5)
    return [
        ("CNN train step (batch 64, 28x28), step time", f"{ours * 1e3:.2f} ms", f"{theirs_step * 1e3:.2f} ms",
         f"{ours / theirs_step:.3f}×"),
        ("CNN train step, build + first run (compile)", f"{ours_compile:.2f} s", f"{theirs_compile:.2f} s",
         f"{ours_compile / theirs_compile:.3f}×"),
    ]  # fmt: skip


# ---- 2. Inception-v3 -----------------------------------------------------------------------------
def _pool(x, kind, size, stride, padding):
    window, strides = (1, size, size, 1), (1, stride, stride, 1)
    if kind == "max":
        return lax.reduce_window(x, -jnp.inf, lax.max, window, strides, padding)
    total = lax.reduce_window(x, 0.0, lax.add, window, strides, padding)  # TF1: mean of covered inputs
    return total / lax.reduce_window(
        jnp.ones(x.shape[1:3] + (1,)), 0.0, lax.add, window[1:], strides[1:], padding
    )


def jax_inception(p: dict, x: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array, dict]:
    """Logits, aux logits and batch statistics of ``examples/inception.py``'s network, in JAX."""
    stats = {}

    def conv(x, scope, stride, padding, bn=True):
        y = lax.conv_general_dilated(
            x, p[f"{scope}/weights"], (stride, stride), padding, dimension_numbers=NHWC
        )
        if not bn:
            return y + p[f"{scope}/biases"]
        mean, var = y.mean((0, 1, 2)), y.var((0, 1, 2))
        n = y.size // y.shape[-1]
        stats[scope] = (mean, var * n / max(n - 1, 1))
        return jax.nn.relu((y - mean) * lax.rsqrt(var + inception.BN_EPSILON) + p[f"{scope}/BatchNorm/beta"])

    def layers(x, scope, spec):
        for layer in spec:
            if isinstance(layer[0], tuple):
                x = jnp.concatenate([layers(x, scope, [one]) for one in layer], 3)
                continue
            kind, name, _, kernel, stride, padding = layer
            x = (
                conv(x, f"{scope}/{name}", stride, padding)
                if kind == "conv"
                else _pool(x, kind, 3, stride, padding)
            )
        return x

    net = layers(x, "InceptionV3", inception.STEM)
    for block, branches in inception.BLOCKS.items():
        if block == "Mixed_7a":
            aux = _pool(net, "avg", 5, 3, "VALID")
            aux = conv(aux, "InceptionV3/AuxLogits/Conv2d_1b_1x1", 1, "SAME")
            aux_name = next(
                k[: -len("/weights")]
                for k in p
                if k.startswith("InceptionV3/AuxLogits/Conv2d_2a_") and k.endswith("/weights")
            )
            aux = conv(
                conv(aux, aux_name, 1, "VALID"), "InceptionV3/AuxLogits/Conv2d_2b_1x1", 1, "SAME", bn=False
            )
        net = jnp.concatenate(
            [layers(net, f"InceptionV3/{block}/Branch_{i}", b) for i, b in enumerate(branches)], 3
        )
    net = net.mean((1, 2), keepdims=True)  # the 8x8 average pool (the whole map at any size)
    keep = 0.8
    net = jnp.where(jax.random.bernoulli(key, keep, net.shape), net / keep, 0.0)
    logits = conv(net, "InceptionV3/Logits/Conv2d_1c_1x1", 1, "SAME", bn=False)
    return logits[:, 0, 0], aux[:, 0, 0], stats


def inception_jax_step():
    """The training step of ``inception.build`` in JAX (TF1's RMSProp and moving averages)."""

    def smoothed_xent(logits, onehot):
        labels = onehot * 0.9 + 0.1 / onehot.shape[-1]
        return jnp.mean(-jnp.sum(labels * jax.nn.log_softmax(logits), -1))

    def loss_fn(p, x, onehot, key):
        logits, aux, stats = jax_inception(p, x, key)
        decay = sum(jnp.sum(w * w) / 2 for k, w in p.items() if k.endswith("/weights"))
        total = (
            smoothed_xent(logits, onehot) + 0.4 * smoothed_xent(aux, onehot) + inception.WEIGHT_DECAY * decay
        )
        return total, stats

    def step(state, x, labels, key):
        p, ms, mom, moving = state
        onehot = jax.nn.one_hot(labels, p["InceptionV3/Logits/Conv2d_1c_1x1/biases"].shape[0])
        (loss, stats), g = jax.value_and_grad(loss_fn, has_aux=True)(p, x, onehot, key)
        ms = jax.tree_util.tree_map(lambda m, g: m + (g * g - m) * 0.1, ms, g)
        mom = jax.tree_util.tree_map(lambda v, g, m: 0.9 * v + 0.01 * g / jnp.sqrt(m + 1.0), mom, g, ms)
        p = jax.tree_util.tree_map(lambda w, v: w - v, p, mom)
        moving = {k: (m - (m - stats[k][0]) * (1 - inception.BN_DECAY), v - (v - stats[k][1]) * (1 - inception.BN_DECAY))
                  for k, (m, v) in moving.items()}  # fmt: skip
        return loss, (p, ms, mom, moving)

    return jax.jit(step, donate_argnums=0)


def bench_inception(size: int, depth_multiplier: float, batch: int) -> list[tuple[str, str, str, str]]:
    start = time.perf_counter()
    graph, t, counts = inception.build(size, 1001, depth_multiplier, batch, learning_rate=0.01)
    built = time.perf_counter() - start
    images = np.zeros((batch, size, size, 3), np.float32)
    labels = np.zeros(batch, np.int32)
    with jg.Session(graph=graph) as sess:
        start = time.perf_counter()
        sess.dump([t["loss"], t["train_op"]], {t["images"]: images, t["labels"]: labels}, stage="hlo")
        ours_compile = time.perf_counter() - start
    shapes = {v.op.name: v.shape.as_list() for v in graph.get_collection("trainable_variables")}
    p = {k: jnp.zeros(s, jnp.float32) for k, s in shapes.items()}
    scopes = {k[: -len("/BatchNorm/beta")] for k in shapes if k.endswith("/BatchNorm/beta")}
    moving = {
        k: (jnp.zeros(shapes[f"{k}/BatchNorm/beta"]), jnp.ones(shapes[f"{k}/BatchNorm/beta"])) for k in scopes
    }
    state = (p, jax.tree_util.tree_map(jnp.ones_like, p), jax.tree_util.tree_map(jnp.zeros_like, p), moving)
    start = time.perf_counter()
    inception_jax_step().lower(state, images, labels, jax.random.PRNGKey(0)).compile()
    theirs_compile = time.perf_counter() - start
    what = f"Inception-v3 train step ({size}x{size}, width {depth_multiplier}, batch {batch}, {counts['optimizer']} ops)"
    return [
        (f"{what}: build + compile", f"{built + ours_compile:.1f} s", f"{theirs_compile:.1f} s",
         f"{(built + ours_compile) / theirs_compile:.3f}×"),
        ("  of which graph building (trace + gradients + RMSProp)", f"{built:.2f} s", "", ""),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--size", type=int, default=107, help="Inception's input size (299: the paper's)")
    parser.add_argument("--depth-multiplier", type=float, default=0.25)
    parser.add_argument("--batch", type=int, default=8, help="Inception's batch")
    parser.add_argument(
        "--quick", action="store_true", help="GPU: 50 runs, full-size Inception (299, width 1)"
    )
    parser.add_argument("--skip-inception", action="store_true")
    options = parser.parse_args()
    if options.quick:
        options.runs, options.size, options.depth_multiplier = 50, 299, 1.0
    rows = bench_cnn(options.runs)
    if not options.skip_inception:
        rows += bench_inception(options.size, options.depth_multiplier, options.batch)
    print(f"machine: {machine()}; median of {options.runs} paired runs\n")
    print(table(rows))


if __name__ == "__main__":
    main()
