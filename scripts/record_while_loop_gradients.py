"""Record TF1's gradients of ``tf.while_loop``\\ s without ``maximum_iterations`` into
``tests/autodiff/fixtures/while_loop_gradients.json`` (what ``test_while_loop_gradients.py``
compares jaxgraph with).

Run it with a Python that has TensorFlow, in a scratch virtual environment outside the
repository (TensorFlow is never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_while_loop_gradients.py

Two loops whose trip count depends on the data, in float64:

* ``power``: ``v = v * w`` while ``v < 100``; outputs the final ``v`` and ``d v / d (x, w)``.
* ``rnn``: ``i, h = i + 1, tanh(h * w + u[i])`` while ``i < n`` and ``sum(h * h) < limit``,
  ``w`` a Variable read in the body, ``u`` a captured tensor; outputs ``sum(h)``, the trip count
  and ``d sum(h) / d (h0, w, u)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

OUTPUT = (
    Path(__file__).resolve().parent.parent / "tests" / "autodiff" / "fixtures" / "while_loop_gradients.json"
)

POWER_CASES = [(1.5, 1.7), (0.001, 1.7), (200.0, 1.3), (3.0, 1.05)]
RNN_CASES = [(0, 5.0), (3, 5.0), (7, 5.0), (7, 0.6)]


def record_power() -> list[dict]:
    """The ``power`` loop for each ``(x, w)`` of ``POWER_CASES``."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, (), name="x")
        w = tf.placeholder(tf.float64, (), name="w")
        y = tf.while_loop(lambda v: v < 100.0, lambda v: v * w, [x])
        gx, gw = tf.gradients(y, [x, w])
        with tf.Session(graph=graph) as sess:
            out = []
            for xv, wv in POWER_CASES:
                yv, gxv, gwv = sess.run([y, gx, gw], {x: xv, w: wv})
                out.append({"x": xv, "w": wv, "y": float(yv), "dx": float(gxv), "dw": float(gwv)})
    return out


def rnn_inputs() -> dict[str, np.ndarray]:
    """The ``rnn`` loop's fixed inputs (seeded)."""
    rng = np.random.default_rng(11)
    return {"h0": rng.normal(size=3) * 0.3, "w": rng.normal(size=3), "u": rng.normal(size=(8, 3)) * 0.5}


def row(u: tf.Tensor, i: tf.Tensor) -> tf.Tensor:
    """``u[i]`` as a product with a one-hot vector: a dense gradient (TF1's IndexedSlices of a
    ``gather`` gradient fail to densify after zero iterations)."""
    return tf.tensordot(tf.one_hot(i, 8, dtype=tf.float64), u, 1)


def record_rnn() -> list[dict]:
    """The ``rnn`` loop for each ``(n, limit)`` of ``RNN_CASES``."""
    values = rnn_inputs()
    graph = tf.Graph()
    with graph.as_default():
        h0 = tf.placeholder(tf.float64, (3,), name="h0")
        u = tf.placeholder(tf.float64, (8, 3), name="u")
        n = tf.placeholder(tf.int32, (), name="n")
        limit = tf.placeholder(tf.float64, (), name="limit")
        w = tf.Variable(values["w"], name="w")
        i, h = tf.while_loop(
            lambda i, h: tf.logical_and(i < n, tf.reduce_sum(h * h) < limit),
            lambda i, h: (i + 1, tf.tanh(h * w + row(u, i))),
            [tf.constant(0), h0],
        )
        loss = tf.reduce_sum(h)
        grads = tf.gradients(loss, [h0, w, u])
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            out = []
            for nv, lv in RNN_CASES:
                iv, lossv, *gv = sess.run(
                    [i, loss, *grads], {h0: values["h0"], u: values["u"], n: nv, limit: lv}
                )
                out.append(
                    {
                        "n": nv,
                        "limit": lv,
                        "trip_count": int(iv),
                        "loss": float(lossv),
                        "dh0": gv[0].tolist(),
                        "dw": gv[1].tolist(),
                        "du": gv[2].tolist(),
                    }
                )
    return out


def main() -> None:
    values = rnn_inputs()
    fixture = {
        "tensorflow": tf.__version__,
        "power": record_power(),
        "rnn_inputs": {k: v.tolist() for k, v in values.items()},
        "rnn": record_rnn(),
    }
    OUTPUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
