"""Record TF1's dtypes and values for the 64-bit cases into ``tests/session/fixtures/tf1_64bit.json``.

Run it with a Python that has TensorFlow, in a scratch virtual environment outside the
repository (TensorFlow is never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_64bit.py

Each case is a TF1 expression over the inputs of ``INPUTS``; the JSON keeps, per case, the dtype
TF1 gives the result and its value. ``tests/session/test_64bit.py`` builds the same expressions
with jaxgraph and compares, with JAX's x64 mode off and on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUTPUT = Path(__file__).parent.parent / "tests" / "session" / "fixtures" / "tf1_64bit.json"

INPUTS = {
    "logits": [[1.0, 3.0, 2.0], [5.0, 0.0, -1.0], [0.5, 0.25, 4.0]],
    "labels": [1, 0, 0],
    "doubles": [0.1, -0.7, 2.5],
}
"""Fed as float32 logits, int64 labels and float64 doubles."""


def cases(tf: Any, logits: Any, labels: Any, doubles: Any) -> dict[str, Callable[[], Any]]:
    """The recorded expressions, by name, as functions that build them with ``tf`` (TensorFlow's
    ``tf.compat.v1``, or ``jaxgraph`` in the tests)."""

    def d_loss() -> Any:
        return tf.reduce_sum(tf.sin(doubles) * doubles * doubles)

    return {
        "argmax": lambda: tf.argmax(logits, 1),
        "argmin": lambda: tf.argmin(logits, 1),
        "arg_max": lambda: tf.arg_max(logits, 1),
        "argmax_int32": lambda: tf.argmax(logits, 1, output_type=tf.int32),
        "one_hot_int64": lambda: tf.one_hot(labels, 3),
        "sparse_xent": lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
        "accuracy": lambda: tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32)),
        "cast_int64": lambda: tf.cast(logits * 2.0, tf.int64),
        "labels_plus_one": lambda: labels + 1,
        "constant_beyond_int32": lambda: tf.constant(3_000_000_000),
        "constant_numpy_int64": lambda: tf.constant(np.array([1, 2], np.int64)),
        "constant_numpy_float64": lambda: tf.constant(np.array([0.5, 0.25])),
        "float32_times_numpy_float64": lambda: logits * np.full(3, 0.5),
        "float64_loss": d_loss,
        "float64_gradient": lambda: tf.gradients(d_loss(), doubles)[0],
        "float64_to_float32": lambda: tf.cast(doubles, tf.float32) * logits[0],
    }


def record() -> dict:
    """``{"tensorflow_version", "inputs", "cases": {name: {"dtype", "value"}}}``."""
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    logits = tf.placeholder(tf.float32, [None, 3])
    labels = tf.placeholder(tf.int64, [None])
    doubles = tf.placeholder(tf.float64, [None])
    built = {name: build() for name, build in cases(tf, logits, labels, doubles).items()}
    feed = {
        logits: np.array(INPUTS["logits"], np.float32),
        labels: np.array(INPUTS["labels"], np.int64),
        doubles: np.array(INPUTS["doubles"], np.float64),
    }
    with tf.Session() as sess:
        values = sess.run(built, feed)
    return {
        "tensorflow_version": tf.__version__,
        "inputs": INPUTS,
        "cases": {
            name: {"dtype": built[name].dtype.name, "value": np.asarray(values[name]).tolist()}
            for name in built
        },
    }


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(record(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
