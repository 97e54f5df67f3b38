"""TF1's "Deep MNIST for experts" convolutional network written with ``tf.layers``: conv 5x5 (32)
→ max pool → conv 5x5 (64) → max pool → dense 1024 → dropout → dense 10, optionally with batch
normalization after each convolution (its moving-average updates run through
``tf.GraphKeys.UPDATE_OPS``, as in TF1). The data is scikit-learn's bundled 8×8 digits (no
download), each pixel repeated 3×3 and padded to MNIST's 28×28.

Run: ``python examples/mnist_cnn.py [--epochs N] [--width W] [--batch-norm]``; prints the test
accuracy (≥ 97%). ``--width`` scales the layers' widths: 1.0 is the tutorial's, the default 0.5
(16 and 32 filters, 512 units) keeps the run near a minute on two CPU cores. Batch normalization
uses ``momentum=0.9``: the moving statistics must settle within a few hundred steps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import jaxgraph as tf


def load_data() -> tuple[np.ndarray, ...]:
    """The digits as ``[n, 28, 28, 1]`` images in [0, 1], split 75/25 into train and test."""
    digits = load_digits()
    images = np.kron(digits.images / 16.0, np.ones((3, 3)))  # 8x8 -> 24x24, nearest neighbour
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)
    return train_test_split(images, digits.target.astype(np.int32), test_size=0.25, random_state=0)


def build_graph(width: float = 1.0, batch_norm: bool = False) -> tuple[tf.Graph, dict]:
    """The network, its loss, an Adam train op (after the batch-norm updates) and accuracy."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, (None, 28, 28, 1), name="x")
        y = tf.placeholder(tf.int32, (None,), name="y")
        training = tf.placeholder_with_default(False, (), name="training")
        h = x
        for filters in (int(32 * width), int(64 * width)):
            h = tf.layers.conv2d(h, filters, 5, padding="same", activation=None if batch_norm else tf.nn.relu)
            if batch_norm:
                h = tf.nn.relu(tf.layers.batch_normalization(h, momentum=0.9, training=training))
            h = tf.layers.max_pooling2d(h, 2, 2)
        h = tf.layers.dense(tf.layers.flatten(h), int(1024 * width), activation=tf.nn.relu)
        h = tf.layers.dropout(h, rate=0.4, training=training)
        logits = tf.layers.dense(h, 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, axis=1), y), tf.float32))
        init = tf.global_variables_initializer()
    return graph, dict(
        x=x, y=y, training=training, loss=loss, train_op=train_op, accuracy=accuracy, init=init
    )


def main(epochs: int = 8, width: float = 0.5, batch_norm: bool = False, batch_size: int = 50,
         verbose: bool = True) -> float:  # fmt: skip
    """Trains and returns the test accuracy."""
    start = time.perf_counter()
    x_train, x_test, y_train, y_test = load_data()
    graph, t = build_graph(width, batch_norm)
    rng = np.random.default_rng(0)
    with tf.Session(graph=graph) as sess:
        sess.run(t["init"])
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            for first in range(0, len(order) - batch_size + 1, batch_size):
                batch = order[first : first + batch_size]
                feed = {t["x"]: x_train[batch], t["y"]: y_train[batch], t["training"]: True}
                sess.run(t["train_op"], feed_dict=feed)
            if verbose:
                loss = sess.run(t["loss"], feed_dict={t["x"]: x_train, t["y"]: y_train})
                print(f"epoch {epoch + 1:2d}  train loss {float(loss):.4f}")
        accuracy = float(sess.run(t["accuracy"], feed_dict={t["x"]: x_test, t["y"]: y_test}))
    if verbose:
        print(f"test accuracy: {accuracy:.2%}  ({time.perf_counter() - start:.0f} s)")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--width", type=float, default=0.5)
    parser.add_argument("--batch-norm", action="store_true")
    args = parser.parse_args()
    main(args.epochs, args.width, args.batch_norm)
