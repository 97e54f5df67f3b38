"""Record TF1's static shapes and dtypes for shapes known only at feed time into
``tests/ops/fixtures/tf1_shapes.json`` (checked by ``tests/ops/test_shape_tensors.py``).

Run it with a Python that has TensorFlow, in a scratch virtual environment outside the
repository (TensorFlow is never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_shapes.py

Each case is a small TF1 expression written once in ``CASES`` as text over ``tf`` and a few
placeholders (``x``: unknown rank, ``y``: ``[None, 3, 4]``, ``n``: int32 of unknown rank); the
same text is evaluated with ``jg`` in place of ``tf`` by the test. For each, the JSON keeps the
static shape TF1 infers (None: unknown rank) and the dtype, and the value when it has one
without feeds.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

CASES = [
    "x",
    "x * 2.0 + tf.ones([3])",
    "tf.matmul(x, tf.ones([3, 4]))",
    "tf.reduce_sum(x)",
    "tf.reduce_sum(x, keepdims=True)",
    "tf.shape(x)",
    "tf.size(x)",
    "tf.rank(x)",
    "tf.zeros_like(x)",
    "tf.range(5)",
    "tf.range(5.0)",
    "tf.range(1, 5)",
    "tf.range(1.0, 5)",
    "tf.range(1, 5, 2.0)",
    "tf.range(10, 2, -3)",
    "tf.range(tf.constant(5))",
    "tf.range(tf.constant(5.0))",
    "tf.range(5, dtype=tf.float32)",
    "tf.range(n)",
    "tf.range(tf.shape(y)[0])",
    "tf.reshape(y, tf.stack([tf.shape(y)[0], -1]))",
    "tf.reshape(y, tf.stack([-1, tf.shape(y)[1]]))",
    "tf.reshape(tf.ones([2, 3, 4]), tf.stack([tf.shape(y)[0], -1]))",
    "tf.reshape(tf.ones([6]), tf.constant([2, 3]))",
    "tf.zeros([n, 3])",
    "tf.zeros(tf.shape(y))",
    "tf.ones(tf.shape(y)[1:])",
    "tf.fill(tf.shape(y), 2.0)",
    "tf.tile(tf.ones([2, 3]), tf.stack([n, 2]))",
    "tf.random_normal(tf.shape(y))",
    "tf.random_normal([n, 2])",
    "tf.random_uniform(tf.shape(y), minval=tf.constant(1.0), maxval=3.0)",
]


def record() -> list[dict]:
    tf.disable_v2_behavior()
    results = []
    for text in CASES:
        graph = tf.Graph()
        with graph.as_default():
            names = {
                "tf": tf,
                "x": tf.placeholder(tf.float32),
                "y": tf.placeholder(tf.float32, [None, 3, 4]),
                "n": tf.placeholder(tf.int32),
            }
            t = eval(text, names)  # noqa: S307 - the texts above, nothing else
            shape = t.shape.as_list() if t.shape.ndims is not None else None
            value = None
            if not re.search(r"\b[xyn]\b", text):  # no placeholder: TF1 computes the value
                with tf.Session() as sess:
                    value = sess.run(t).tolist()
            results.append({"expr": text, "shape": shape, "dtype": t.dtype.name, "value": value})
    return results


if __name__ == "__main__":
    output = Path(__file__).resolve().parent.parent / "tests" / "ops" / "fixtures" / "tf1_shapes.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    data = {"tensorflow": tf.__version__, "cases": record()}
    output.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(data['cases'])} cases to {output}")
