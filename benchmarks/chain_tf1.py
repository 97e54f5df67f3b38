"""The chain of ``bench_chain.py`` in TF1 (``tensorflow.compat.v1``), and the parameters every
program starts from. Needs only NumPy (and TensorFlow to run TF1), so that a Python with
TensorFlow but without jaxgraph can run it: ``python chain_tf1.py L RUNS`` prints TF1's phase
times as JSON (``bench_chain.py --tf1-python PYTHON`` does this)."""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

WIDTH, BATCH, LR = 16, 16, 0.01


def chain_params(depth: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The layers' initial weights and biases (the same for every program)."""
    rng = np.random.default_rng(0)
    scale = 1.0 / np.sqrt(WIDTH)
    return [
        ((rng.normal(size=(WIDTH, WIDTH)) * scale).astype(np.float32), np.zeros(WIDTH, np.float32))
        for _ in range(depth)
    ]


def chain_input() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(BATCH, WIDTH)).astype(np.float32)


def run_tf1(params: list, xb: np.ndarray, runs: int) -> dict[str, float] | None:
    """TF1's build, first run and median step (None without ``tensorflow``)."""
    try:
        import tensorflow.compat.v1 as tf
    except ImportError:
        return None
    tf.disable_v2_behavior()
    times = {}
    graph = tf.Graph()
    start = time.perf_counter()
    with graph.as_default():
        x = tf.placeholder(tf.float32, (BATCH, WIDTH))
        y = x
        for i, (w0, b0) in enumerate(params):
            with tf.name_scope(f"layer{i}"):
                y = tf.tanh(tf.matmul(y, tf.Variable(w0, name="w")) + tf.Variable(b0, name="b"))
        loss = tf.reduce_mean(tf.square(y))
        train_op = tf.train.GradientDescentOptimizer(LR).minimize(loss)
        init = tf.global_variables_initializer()
    times["build"] = time.perf_counter() - start
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        start = time.perf_counter()
        sess.run([loss, train_op], {x: xb})
        times["first step"] = time.perf_counter() - start
        steps = []
        for _ in range(runs):
            start = time.perf_counter()
            sess.run([loss, train_op], {x: xb})
            steps.append(time.perf_counter() - start)
    times["first result"] = times["build"] + times["first step"]
    times["steady step"] = statistics.median(steps)
    return times


if __name__ == "__main__":
    depth, runs = int(sys.argv[1]), int(sys.argv[2])
    print(json.dumps(run_tf1(chain_params(depth), chain_input(), runs)))
