"""The program whose TensorFlow checkpoints tests/train/fixtures/tf_checkpoints/ holds, written once
for both libraries: scripts/record_tf_checkpoints.py builds it with TensorFlow's ``tf.compat.v1``
(trains, saves, restores and records the next step) and tests/train/test_restore_tf_checkpoint.py
with jaxgraph (restores TensorFlow's checkpoint, takes the same step and compares)."""

from __future__ import annotations

from typing import Any

import numpy as np

FEATURES = np.linspace(-1.0, 1.0, 8 * 4, dtype=np.float32).reshape(8, 4) ** 3
LABELS = np.array([0, 1, 2, 1, 0, 2, 2, 1], np.int32)
TRAINED_STEPS = 3
"""Adam steps TensorFlow takes before saving ``mlp/model.ckpt-3``."""


def build_mlp(tf: Any) -> dict[str, Any]:
    """A two-layer MLP on ``FEATURES`` trained by Adam with a global step, in the default graph:
    Variables ``dense/kernel``, ``dense/bias``, ``logits/kernel``, ``logits/bias``, their Adam slots,
    ``beta1_power``, ``beta2_power`` and ``global_step``. Returns the tensors a test needs."""
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.int32, (None,), name="y")
    init = tf.glorot_uniform_initializer(seed=1)
    with tf.variable_scope("dense"):
        w1 = tf.get_variable("kernel", (4, 5), initializer=init)
        b1 = tf.get_variable("bias", (5,), initializer=tf.zeros_initializer())
    with tf.variable_scope("logits"):
        w2 = tf.get_variable("kernel", (5, 3), initializer=init)
        b2 = tf.get_variable("bias", (3,), initializer=tf.zeros_initializer())
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
    return {"x": x, "y": y, "loss": loss, "train": train, "step": step}
