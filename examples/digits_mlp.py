"""An MLP on scikit-learn's bundled 8×8 digits (no download): two hidden layers, mini-batches,
Adam, written TF1-style with placeholders, ``get_variable`` and a Session.

Run: ``python examples/digits_mlp.py [--epochs N]``; prints the test accuracy (≥ 95%).
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import jaxgraph as jg


def dense(x: jg.Tensor, units: int, name: str, activation=None) -> jg.Tensor:
    with jg.variable_scope(name):
        w = jg.get_variable("kernel", shape=(x.shape[-1], units))
        b = jg.get_variable("bias", shape=(units,), initializer=jg.zeros_initializer())
        out = jg.matmul(x, w) + b
        return activation(out) if activation else out


def build_graph() -> tuple[jg.Graph, dict]:
    graph = jg.Graph()
    with graph.as_default():
        jg.set_random_seed(0)
        x = jg.placeholder(jg.float32, shape=(None, 64), name="x")
        y = jg.placeholder(jg.int32, shape=(None,), name="y")
        hidden = dense(x, 128, "hidden1", jg.nn.relu)
        hidden = dense(hidden, 64, "hidden2", jg.nn.relu)
        logits = dense(hidden, 10, "logits")
        loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        step = jg.train.get_or_create_global_step()
        train_op = jg.train.AdamOptimizer(0.005).minimize(loss, global_step=step)
        correct = jg.equal(jg.argmax(logits, axis=1), y)
        accuracy = jg.reduce_mean(jg.cast(correct, jg.float32))
        init = jg.global_variables_initializer()
    return graph, dict(x=x, y=y, loss=loss, train_op=train_op, accuracy=accuracy, init=init)


def main(epochs: int = 30, batch_size: int = 64, verbose: bool = True) -> float:
    """Trains and returns the test accuracy."""
    digits = load_digits()
    data = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        data, digits.target.astype(np.int32), test_size=0.25, random_state=0
    )
    graph, t = build_graph()
    rng = np.random.default_rng(0)
    with jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            for start in range(0, len(order) - batch_size + 1, batch_size):
                batch = order[start : start + batch_size]
                sess.run(t["train_op"], feed_dict={t["x"]: x_train[batch], t["y"]: y_train[batch]})
            if verbose and (epoch % 5 == 4 or epoch == epochs - 1):
                loss = sess.run(t["loss"], feed_dict={t["x"]: x_train, t["y"]: y_train})
                print(f"epoch {epoch + 1:3d}  train loss {float(loss):.4f}")
        accuracy = float(sess.run(t["accuracy"], feed_dict={t["x"]: x_test, t["y"]: y_test}))
    print(f"test accuracy: {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=30)
    main(parser.parse_args().epochs)
