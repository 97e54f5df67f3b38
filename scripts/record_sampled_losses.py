"""Record TF1's sampled losses and candidate-sampler probabilities into
``tests/ops/fixtures/sampled_losses.json``, for ``tests/ops/test_sampled_losses.py``.

Run it with a Python that has TensorFlow (a scratch venv, never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_sampled_losses.py

The losses get explicit ``sampled_values``, so the values and gradients are deterministic: TF1's
``nce_loss`` and ``sampled_softmax_loss`` with and without ``remove_accidental_hits``, one true
class and two, unique and repeated sampled ids. The samplers are run with ``unique=False``,
where ``true_expected_count = P(class) * num_sampled`` does not depend on the draws.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "ops" / "fixtures" / "sampled_losses.json"

RNG = np.random.default_rng(11)
NUM_CLASSES, DIM, BATCH = 12, 4, 3
WEIGHTS = RNG.normal(size=(NUM_CLASSES, DIM)).round(3).astype(np.float32)
BIASES = RNG.normal(size=(NUM_CLASSES,)).round(3).astype(np.float32)
INPUTS = RNG.normal(size=(BATCH, DIM)).round(3).astype(np.float32)

# (id, loss, labels, sampled ids, true expected counts, sampled expected counts, remove hits)
CASES = [
    ("nce_one_true", "nce_loss", [[1], [4], [7]], [0, 4, 9, 2], [[0.3], [0.1], [0.05]], [0.5, 0.1, 0.02, 0.2], False),
    ("nce_hits", "nce_loss", [[1], [4], [7]], [0, 4, 9, 2], [[0.3], [0.1], [0.05]], [0.5, 0.1, 0.02, 0.2], True),
    ("nce_two_true", "nce_loss", [[1, 3], [4, 0], [7, 7]], [0, 4, 7, 2], [[0.3, 0.2], [0.1, 0.5], [0.05, 0.05]],
     [0.5, 0.1, 0.05, 0.2], True),
    ("softmax_one_true", "sampled_softmax_loss", [[1], [4], [7]], [0, 4, 9, 2], [[0.3], [0.1], [0.05]],
     [0.5, 0.1, 0.02, 0.2], True),
    ("softmax_no_removal", "sampled_softmax_loss", [[1], [4], [7]], [0, 4, 9, 2], [[0.3], [0.1], [0.05]],
     [0.5, 0.1, 0.02, 0.2], False),
    ("softmax_repeated_ids", "sampled_softmax_loss", [[1, 3], [4, 4], [7, 2]], [4, 2, 4, 9, 2],
     [[1.3, 0.2], [0.1, 0.1], [0.05, 0.4]], [0.9, 0.4, 0.9, 0.02, 0.4], True),
]  # fmt: skip

# (id, sampler, kwargs): run with unique=False on fixed true classes
SAMPLERS = [
    ("log_uniform", "log_uniform_candidate_sampler", {"range_max": 1000}),
    ("uniform", "uniform_candidate_sampler", {"range_max": 1000}),
    ("unigram", "fixed_unigram_candidate_sampler",
     {"range_max": 8, "unigrams": [5.0, 1.0, 0.0, 2.0, 3.0, 7.0], "num_reserved_ids": 2, "distortion": 0.75}),
]  # fmt: skip
TRUE_CLASSES = [[0, 1], [2, 7], [999, 5]]
UNIGRAM_TRUE_CLASSES = [[0, 1], [2, 7], [3, 5]]
NUM_SAMPLED = 5


def record_losses(tf) -> list[dict]:
    """Each case's loss and its gradients for weights, biases and inputs."""
    results = []
    for case_id, loss_name, labels, sampled, true_ec, sampled_ec, remove in CASES:
        graph = tf.Graph()
        with graph.as_default():
            w, b, x = tf.constant(WEIGHTS), tf.constant(BIASES), tf.constant(INPUTS)
            values = (
                tf.constant(sampled, tf.int64),
                tf.constant(true_ec, tf.float32),
                tf.constant(sampled_ec, tf.float32),
            )
            loss = getattr(tf.nn, loss_name)(
                w,
                b,
                tf.constant(labels, tf.int64),
                x,
                num_sampled=len(sampled),
                num_classes=NUM_CLASSES,
                num_true=len(labels[0]),
                sampled_values=values,
                remove_accidental_hits=remove,
            )
            grads = [
                tf.convert_to_tensor(g) for g in tf.gradients(loss, [w, b, x])
            ]  # dense, not IndexedSlices
            with tf.Session() as sess:
                loss_value, grad_values = sess.run([loss, grads])
        results.append({
            "id": case_id, "loss": loss_name, "labels": labels, "sampled": sampled, "true_expected_count": true_ec,
            "sampled_expected_count": sampled_ec, "remove_accidental_hits": remove, "value": loss_value.tolist(),
            "grad_weights": grad_values[0].tolist(), "grad_biases": grad_values[1].tolist(),
            "grad_inputs": grad_values[2].tolist(),
        })  # fmt: skip
    return results


def record_samplers(tf) -> list[dict]:
    """Each sampler's ``true_expected_count`` (``P * num_sampled`` when not unique)."""
    results = []
    for case_id, sampler, kwargs in SAMPLERS:
        classes = UNIGRAM_TRUE_CLASSES if case_id == "unigram" else TRUE_CLASSES
        graph = tf.Graph()
        with graph.as_default():
            outputs = getattr(tf.nn, sampler)(
                tf.constant(classes, tf.int64), 2, NUM_SAMPLED, False, seed=3, **kwargs
            )
            with tf.Session() as sess:
                _, true_ec, _ = sess.run(outputs)
        results.append({"id": case_id, "sampler": sampler, "kwargs": kwargs, "true_classes": classes,
                        "num_sampled": NUM_SAMPLED, "true_expected_count": true_ec.tolist()})  # fmt: skip
    return results


def main() -> None:
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    data = {
        "tensorflow_version": tf.__version__,
        "num_classes": NUM_CLASSES,
        "weights": WEIGHTS.tolist(),
        "biases": BIASES.tolist(),
        "inputs": INPUTS.tolist(),
        "losses": record_losses(tf),
        "samplers": record_samplers(tf),
    }
    OUTPUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
