"""tf.metrics programs run twice: by tests/test_metrics.py with jaxgraph, and by
scripts/record_metrics_reference.py with real TensorFlow into fixtures/tf1_metrics.json."""

from __future__ import annotations

import numpy as np

rng = np.random.RandomState(0)
BATCHES = [
    {
        "labels": rng.randint(0, 2, size=8).astype(np.int32),
        "scores": rng.uniform(size=8).astype(np.float32),
        "weights": rng.choice([0.0, 0.5, 1.0, 2.0], size=8).astype(np.float32),
        "values": rng.normal(size=8).astype(np.float32),
    }
    for _ in range(3)
]


def run_metrics(tf) -> dict:
    """Every metric updated over three batches: the update ops' results after each batch, the
    final values, and the local Variables' names."""
    with tf.Graph().as_default():
        labels = tf.placeholder(tf.int32, [8])
        scores = tf.placeholder(tf.float32, [8])
        weights = tf.placeholder(tf.float32, [8])
        values = tf.placeholder(tf.float32, [8])
        predicted = tf.cast(scores > 0.5, tf.int32)
        m = tf.metrics
        metrics = {
            "mean": m.mean(values),
            "mean_weighted": m.mean(values, weights=weights),
            "accuracy": m.accuracy(labels, predicted),
            "accuracy_weighted": m.accuracy(labels, predicted, weights=weights),
            "precision": m.precision(labels, predicted),
            "recall": m.recall(labels, predicted, weights=weights),
            "true_positives": m.true_positives(labels, predicted),
            "false_negatives": m.false_negatives(labels, predicted),
            "mse": m.mean_squared_error(tf.cast(labels, tf.float32), scores),
            "mae": m.mean_absolute_error(tf.cast(labels, tf.float32), scores, weights=weights),
            "rmse": m.root_mean_squared_error(tf.cast(labels, tf.float32), scores),
            "auc": m.auc(labels, scores),
            "auc_pr_weighted": m.auc(labels, scores, weights=weights, curve="PR", num_thresholds=50),
        }
        updates = {k: v[1] for k, v in metrics.items()}
        results = {"updates": []}
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            for batch in BATCHES:
                feed = {
                    labels: batch["labels"],
                    scores: batch["scores"],
                    weights: batch["weights"],
                    values: batch["values"],
                }
                results["updates"].append({k: float(v) for k, v in sess.run(updates, feed).items()})
            results["values"] = {
                k: float(v) for k, v in sess.run({k: v[0] for k, v in metrics.items()}).items()
            }
        results["local_variables"] = sorted(v.op.name for v in tf.local_variables())
        return results
