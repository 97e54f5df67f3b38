"""tf.losses programs run twice: by tests/test_losses.py with jaxgraph, and by
scripts/record_losses_reference.py with real TensorFlow into fixtures/tf1_losses.json."""

from __future__ import annotations

import numpy as np

LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -0.3], [-1.5, 2.5, 1.0], [0.0, 0.3, 3.0]], np.float32)
ONEHOT = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
SPARSE = np.array([0, 2, 1, 2], np.int32)
MULTI = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]], np.float32)
PREDICTIONS = np.array([[0.9, 0.2], [0.4, 0.7], [0.05, 0.99], [0.6, 0.3]], np.float32)
TARGETS = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
WEIGHTS = {
    "scalar": 2.0,
    "per_example": np.array([[1.0], [0.0], [2.0], [0.5]], np.float32),
    "zero": 0.0,
}
REDUCTIONS = ["NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE", "SUM_BY_NONZERO_WEIGHTS"]


def _loss_builders(tf):
    L = tf.losses
    return {
        "softmax": lambda w, r: L.softmax_cross_entropy(
            ONEHOT, LOGITS, weights=w[:, 0] if np.ndim(w) else w, reduction=r
        ),
        "softmax_smoothing": lambda w, r: L.softmax_cross_entropy(
            ONEHOT, LOGITS, weights=w[:, 0] if np.ndim(w) else w, label_smoothing=0.2, reduction=r
        ),
        "sparse_softmax": lambda w, r: L.sparse_softmax_cross_entropy(
            SPARSE, LOGITS, weights=w[:, 0] if np.ndim(w) else w, reduction=r
        ),
        "sigmoid": lambda w, r: L.sigmoid_cross_entropy(
            MULTI, LOGITS, weights=w, label_smoothing=0.1, reduction=r
        ),
        "mse": lambda w, r: L.mean_squared_error(TARGETS, PREDICTIONS, weights=w, reduction=r),
        "absolute": lambda w, r: L.absolute_difference(TARGETS, PREDICTIONS, weights=w, reduction=r),
        "huber": lambda w, r: L.huber_loss(TARGETS, PREDICTIONS * 3.0, weights=w, delta=0.5, reduction=r),
        "log": lambda w, r: L.log_loss(TARGETS, PREDICTIONS, weights=w, reduction=r),
        "hinge": lambda w, r: L.hinge_loss(TARGETS, PREDICTIONS * 2.0 - 1.0, weights=w, reduction=r),
        "cosine": lambda w, r: L.cosine_distance(
            TARGETS / np.linalg.norm(TARGETS, axis=1, keepdims=True),
            PREDICTIONS / np.linalg.norm(PREDICTIONS, axis=1, keepdims=True),
            axis=1,
            weights=w,
            reduction=r,
        ),
    }


def run_losses(tf) -> dict:
    """Every loss with every weighting and reduction: ``{"loss/weights/reduction": value}``."""
    results = {}
    with tf.Graph().as_default():
        tensors = {}
        for loss, build in _loss_builders(tf).items():
            for weights_name, weights in WEIGHTS.items():
                for reduction in REDUCTIONS:
                    key = f"{loss}/{weights_name}/{reduction}"
                    tensors[key] = build(weights, getattr(tf.losses.Reduction, reduction))
        with tf.Session() as sess:
            for key, value in sess.run(tensors).items():
                results[key] = np.asarray(value, np.float64).tolist()
    return results


def run_total_loss(tf) -> dict:
    """``get_total_loss`` over two losses and an L2 regularizer, its names and its gradient."""
    with tf.Graph().as_default():
        w = tf.get_variable(
            "w", initializer=tf.constant(np.array([[0.5, -0.2], [0.1, 0.3]], np.float32)),
            regularizer=lambda v: 0.01 * tf.nn.l2_loss(v),
        )  # fmt: skip
        predictions = tf.matmul(tf.constant(PREDICTIONS), w)
        tf.losses.mean_squared_error(TARGETS, predictions)
        tf.losses.absolute_difference(TARGETS, predictions, weights=0.5)
        total = tf.losses.get_total_loss()
        regularization = tf.losses.get_regularization_loss()
        grad = tf.gradients(total, w)[0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            total_value, reg_value, grad_value = sess.run([total, regularization, grad])
        return {
            "total": float(total_value),
            "regularization": float(reg_value),
            "grad": grad_value.tolist(),
            "losses": [t.op.name for t in tf.losses.get_losses()],
            "total_name": total.op.name,
        }
