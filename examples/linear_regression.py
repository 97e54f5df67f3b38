"""The classic TF1 tutorial: fit y = W x + b with placeholders, Variables, GradientDescent and a
Session loop. Run: ``python examples/linear_regression.py [--steps N]``."""

from __future__ import annotations

import argparse

import numpy as np

import jaxgraph as jg


def main(steps: int = 200, verbose: bool = True) -> tuple[float, float, float]:
    """Trains and returns (W, b, final loss)."""
    rng = np.random.default_rng(0)
    x_data = rng.uniform(-1, 1, size=(100,)).astype(np.float32)
    y_data = (3.0 * x_data + 2.0 + rng.normal(scale=0.05, size=100)).astype(np.float32)

    graph = jg.Graph()
    with graph.as_default():
        jg.set_random_seed(0)
        x = jg.placeholder(jg.float32, shape=(None,), name="x")
        y = jg.placeholder(jg.float32, shape=(None,), name="y")
        W = jg.Variable(jg.random_uniform((1,), -1.0, 1.0), name="W")
        b = jg.Variable(jg.zeros((1,)), name="b")
        prediction = W * x + b
        loss = jg.reduce_mean(jg.square(prediction - y))
        train = jg.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = jg.global_variables_initializer()

    with jg.Session(graph=graph) as sess:
        sess.run(init)
        for step in range(steps + 1):
            _, current = sess.run([train, loss], feed_dict={x: x_data, y: y_data})
            if verbose and step % 20 == 0:
                w_value, b_value = sess.run([W, b])
                print(
                    f"step {step:4d}  loss {float(current):.5f}  W {float(w_value[0]):.4f}  b {float(b_value[0]):.4f}"
                )
        w_value, b_value, final = sess.run([W, b, loss], feed_dict={x: x_data, y: y_data})
    return float(w_value[0]), float(b_value[0]), float(final)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    main(parser.parse_args().steps)
