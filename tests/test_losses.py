"""tf.losses against real TensorFlow's results (tf1_losses_cases.py, recorded by
scripts/record_losses_reference.py into fixtures/tf1_losses.json), gradients against jax."""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as tf
from jaxgraph.errors import InvalidArgumentError
from tests import tf1_losses_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_losses.json").read_text())


def test_every_loss_weighting_and_reduction_matches_tf1():
    got, want = cases.run_losses(tf), REFERENCE["losses"]
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=2e-6, atol=1e-6, err_msg=key)


def test_total_loss_regularization_names_and_gradient_match_tf1():
    got, want = cases.run_total_loss(tf), REFERENCE["total_loss"]
    np.testing.assert_allclose(got.pop("grad"), want.pop("grad"), rtol=2e-6)
    for key in ("total", "regularization"):
        assert got.pop(key) == pytest.approx(want.pop(key), rel=2e-6)
    assert got == want


def test_weighted_softmax_gradient_matches_jax():
    logits = tf.constant(cases.LOGITS)
    weights = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    loss = tf.losses.softmax_cross_entropy(cases.ONEHOT, logits, weights=weights, label_smoothing=0.1)
    (grad,) = tf.gradients(loss, [logits])

    def reference(z):
        labels = cases.ONEHOT * 0.9 + 0.1 / 3
        per_example = -jnp.sum(labels * jax.nn.log_softmax(z), axis=1)
        return jnp.sum(per_example * weights) / jnp.sum(weights != 0)

    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(grad), jax.grad(reference)(cases.LOGITS), rtol=1e-5, atol=1e-7)


def test_losses_are_collected_and_none_skips_the_collection():
    a = tf.losses.mean_squared_error([1.0, 2.0], [1.5, 2.5])
    tf.losses.absolute_difference([1.0], [2.0], loss_collection=None)
    assert tf.losses.get_losses() == [a]
    assert a.op.name == "mean_squared_error/value"


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="^Invalid Reduction Key mean.$"):
        tf.losses.mean_squared_error([1.0], [1.0], reduction="mean")
    with pytest.raises(InvalidArgumentError, match="^You must specify 'axis'.$"):
        tf.losses.cosine_distance([1.0], [1.0])
    with pytest.raises(
        InvalidArgumentError, match=r"^Shapes \[3\] and \[2\] are incompatible \(predictions and labels\)$"
    ):
        tf.losses.mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])
