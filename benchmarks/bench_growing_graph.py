"""A training loop that builds ops inside the loop (the GAN-tutorial pattern) vs the same loop
with the ops built once, in one process.

The GAN of the classic TF1 tutorials: generator z(100) -> 128 relu -> 784 sigmoid, discriminator
784 -> 128 relu -> 1, sigmoid cross-entropy losses, Adam, batch 32, weights as explicit
Variables. Each iteration runs one discriminator step and one generator step, then fetches
samples and the discriminator's probabilities on them. The *growing* loop builds those last two
fetches inside the loop, as many TF1 programs do: ``sess.run(G(Z), ...)`` (new ops over the same
Variables) and ``sess.run(tf.sigmoid(D_logit(G(Z))), ...)``; the *built-once* loop builds them
before it. jaxgraph compiles a new fetch set only when no structurally identical one was
compiled before (``jaxgraph.session.structure``), so after the first iteration the growing loop
pays for building and checking its new ops, not for compiling them. Also measured: that
per-iteration graph building alone.

The two loops alternate in blocks (``common.paired``) after a warm-up that compiles
everything. Run: ``python benchmarks/bench_growing_graph.py [--iterations N] [--blocks B]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Spread, machine, paired  # noqa: E402

import jaxgraph as jg  # noqa: E402

X_DIM, Z_DIM, HIDDEN, BATCH = 784, 100, 128, 32


def _weights(rng, shape, name):
    return jg.Variable((rng.normal(size=shape) * np.sqrt(2.0 / shape[0])).astype(np.float32), name=name)


class Gan:
    """The tutorial's GAN: Variables, the two training ops, and ``G`` / ``D`` to build more ops."""

    def __init__(self, rng):
        self.X = jg.placeholder(jg.float32, (None, X_DIM), name="X")
        self.Z = jg.placeholder(jg.float32, (None, Z_DIM), name="Z")
        self.g = [_weights(rng, (Z_DIM, HIDDEN), "G_W1"), jg.Variable(jg.zeros((HIDDEN,)), name="G_b1"),
                  _weights(rng, (HIDDEN, X_DIM), "G_W2"), jg.Variable(jg.zeros((X_DIM,)), name="G_b2")]  # fmt: skip
        self.d = [_weights(rng, (X_DIM, HIDDEN), "D_W1"), jg.Variable(jg.zeros((HIDDEN,)), name="D_b1"),
                  _weights(rng, (HIDDEN, 1), "D_W2"), jg.Variable(jg.zeros((1,)), name="D_b2")]  # fmt: skip
        d_real, d_fake = self.D_logit(self.X), self.D_logit(self.G(self.Z))
        xent = jg.nn.sigmoid_cross_entropy_with_logits
        d_loss = jg.reduce_mean(xent(logits=d_real, labels=jg.ones_like(d_real))) + jg.reduce_mean(
            xent(logits=d_fake, labels=jg.zeros_like(d_fake))
        )
        g_loss = jg.reduce_mean(xent(logits=d_fake, labels=jg.ones_like(d_fake)))
        self.d_step = [jg.train.AdamOptimizer(1e-3).minimize(d_loss, var_list=self.d), d_loss]
        self.g_step = [jg.train.AdamOptimizer(1e-3).minimize(g_loss, var_list=self.g), g_loss]
        self.init = jg.global_variables_initializer()

    def G(self, z):
        w1, b1, w2, b2 = self.g
        return jg.sigmoid(jg.matmul(jg.nn.relu(jg.matmul(z, w1) + b1), w2) + b2)

    def D_logit(self, x):
        w1, b1, w2, b2 = self.d
        return jg.matmul(jg.nn.relu(jg.matmul(x, w1) + b1), w2) + b2


def _fetches(gan):
    """The samples and the discriminator's probabilities on them: new ops at each call."""
    return gan.G(gan.Z), jg.sigmoid(gan.D_logit(gan.G(gan.Z)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    xb = rng.uniform(size=(BATCH, X_DIM)).astype(np.float32)
    zb = rng.uniform(-1.0, 1.0, size=(BATCH, Z_DIM)).astype(np.float32)
    graph = jg.Graph()
    with graph.as_default():
        gan = Gan(rng)
        samples, probabilities = _fetches(gan)  # the built-once loop's fetches
    sess = jg.Session(graph=graph)
    sess.run(gan.init)

    def iteration(fetches):
        sess.run(gan.d_step, {gan.X: xb, gan.Z: zb})
        sess.run(gan.g_step, {gan.Z: zb})
        sample, probability = fetches()
        return sess.run(sample, {gan.Z: zb}), sess.run(probability, {gan.Z: zb})

    def growing():
        with graph.as_default():
            return iteration(lambda: _fetches(gan))

    def built_once():
        return iteration(lambda: (samples, probabilities))

    start = time.perf_counter()
    growing()  # compiles the fetch sets (the built-once loop's ones share them where they can)
    first = time.perf_counter() - start
    compiles = sess.compile_count
    timing = paired(growing, built_once, args.iterations, args.blocks, warmup=3)
    build = []
    for _ in range(args.blocks):
        with graph.as_default():
            start = time.perf_counter()
            for _ in range(10):
                _fetches(gan)
            build.append((time.perf_counter() - start) / 10)
    built = Spread.of(build)
    print(f"machine: {machine()}; {args.iterations} paired iterations in {args.blocks} blocks: median "
          "of the block medians (lowest–highest block)\n")  # fmt: skip
    print("| GAN loop (batch 32), one iteration | time |")
    print("|---|---|")
    print(f"| ops built inside the loop | {timing.ours.micros(0)} |")
    print(f"| ops built once, before the loop | {timing.theirs.micros(0)} |")
    print(f"| ratio | {timing.ratio.ratio()} |")
    print(f"| of which building the new ops (G(Z), D(G(Z)), sigmoid) | {built.micros(0)} |")
    print(f"| first iteration (compiles) | {first * 1e3:.0f} ms |")
    reused = getattr(sess, "reuse_count", "n/a")
    print(f"\ncompilations: {compiles} in the first iteration, {sess.compile_count - compiles} after it "
          f"({2 * (args.iterations + 3 + 1)} new fetch sets built); runs on a shared executable: {reused}; "
          f"graph: {len(graph.operations)} ops")  # fmt: skip
    sess.close()


if __name__ == "__main__":
    main()
