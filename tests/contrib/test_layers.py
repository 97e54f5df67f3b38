"""``jg.contrib.layers``: ``fully_connected``'s TF1 Variable names (uniquified default scopes,
reuse), values against NumPy, its regularization losses; ``flatten``; the contrib initializers'
formulas (checked against the random op they must draw with) and ``l2_regularizer``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close

layers = jg.contrib.layers
RNG = np.random.default_rng(5)
X = RNG.normal(size=(3, 4)).astype(np.float32)


def _run(fetches, feed=None):
    init = jg.global_variables_initializer()
    with jg.Session() as sess:
        sess.run(init)
        return sess.run(fetches, feed)


def _names():
    return [v.op.name for v in jg.global_variables()]


def test_fully_connected_names_uniquified_scopes_as_tf1():
    x = jg.placeholder(jg.float32, (None, 4))
    layers.fully_connected(x, 3)
    layers.fully_connected(x, 3)
    with jg.variable_scope("net"):
        layers.fully_connected(x, 2)
    layers.fully_connected(x, 3, scope="logits")
    assert _names() == [
        "fully_connected/weights", "fully_connected/biases",
        "fully_connected_1/weights", "fully_connected_1/biases",
        "net/fully_connected/weights", "net/fully_connected/biases",
        "logits/weights", "logits/biases",
    ]  # fmt: skip
    assert [v.op.name for v in jg.get_collection(jg.GraphKeys.MODEL_VARIABLES)] == _names()


def test_default_scopes_skip_names_already_taken():
    layers.fully_connected(X, 3, scope="fully_connected")
    with jg.variable_scope("fully_connected_1"):
        jg.get_variable("v", (1,))
    layers.fully_connected(X, 3)
    layers.fully_connected(X, 3)
    assert _names() == [
        "fully_connected/weights", "fully_connected/biases", "fully_connected_1/v",
        "fully_connected_2/weights", "fully_connected_2/biases",
        "fully_connected_3/weights", "fully_connected_3/biases",
    ]  # fmt: skip


def test_fully_connected_is_relu_of_an_affine_map():
    x = jg.placeholder(jg.float32, (None, 4))
    y = layers.fully_connected(x, 3, biases_initializer=jg.constant_initializer(0.5))
    got, (w, b) = _run([y, jg.global_variables()], {x: X})
    assert w.shape == (4, 3)
    np.testing.assert_array_equal(b, np.full(3, 0.5, np.float32))
    assert_close(got, np.maximum(X @ w + b, 0), atol=1e-6)


def test_fully_connected_without_activation_or_biases_and_on_rank_3_inputs():
    xs = RNG.normal(size=(2, 5, 4)).astype(np.float32)
    x = jg.placeholder(jg.float32, (None, 5, 4))
    y = layers.fully_connected(x, 3, activation_fn=None, biases_initializer=None)
    assert _names() == ["fully_connected/weights"] and y.shape.as_list() == [None, 5, 3]
    got, (w,) = _run([y, jg.global_variables()], {x: xs})
    assert_close(got, xs @ w, atol=1e-5)


def test_fully_connected_reuses_a_named_scope():
    first = layers.fully_connected(X, 3, scope="fc")
    second = layers.fully_connected(X, 3, scope="fc", reuse=True)
    assert _names() == ["fc/weights", "fc/biases"]
    a, b = _run([first, second])
    np.testing.assert_array_equal(a, b)


def test_fully_connected_files_regularization_losses():
    layers.fully_connected(
        X, 3, weights_regularizer=layers.l2_regularizer(0.1), biases_regularizer=layers.l2_regularizer(0.5)
    )
    losses = jg.get_collection(jg.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 2
    (w_loss, b_loss), (w, b) = _run([losses, jg.global_variables()])
    assert_close(w_loss, 0.1 * np.sum(w**2) / 2, rtol=1e-5)
    assert_close(b_loss, 0.5 * np.sum(b**2) / 2, rtol=1e-5)


def test_fully_connected_normalizer_and_collections():
    y = layers.fully_connected(
        X, 3, normalizer_fn=lambda t, scale: t * scale, normalizer_params={"scale": 2.0},
        variables_collections={"weights": ["my_weights"]}, outputs_collections="outputs",
    )  # fmt: skip
    assert _names() == ["fully_connected/weights"]  # the normalizer replaces the biases
    assert [v.op.name for v in jg.get_collection("my_weights")] == ["fully_connected/weights"]
    assert jg.get_collection("outputs") == [y]
    got, (w,) = _run([y, jg.global_variables()])
    assert_close(got, np.maximum(2 * (X @ w), 0), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_outputs": 2.0}, "num_outputs type should be an int, got float."),
        ({"num_outputs": 2, "reuse": True}, "fully_connected: reuse=True cannot be used without a scope"),
    ],
)
def test_fully_connected_bad_arguments(kwargs, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        layers.fully_connected(X, **kwargs)
    assert str(info.value) == message


def test_fully_connected_needs_a_known_depth():
    with pytest.raises(errors.InvalidArgumentError) as info:
        layers.fully_connected(jg.placeholder(jg.float32, (2, None)), 3)
    assert str(info.value) == (
        "fully_connected needs inputs of rank >= 2 with a known last dimension, got shape [2, None]"
    )


def test_flatten_keeps_the_batch_dimension():
    xs = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    x = jg.placeholder(jg.float32, (None, 3, 4))
    y = layers.flatten(x)
    assert y.shape.as_list() == [None, 12]
    np.testing.assert_array_equal(_run(y, {x: xs}), xs.reshape(2, 12))


@pytest.mark.parametrize(
    "shape, message",
    [
        ((5,), "Inputs must have a least 2 dimensions, got shape [5]"),
        ((2, None, 3), "flatten needs every dimension but the first to be known, got shape [2, None, 3]"),
    ],
)
def test_flatten_bad_shapes(shape, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        layers.flatten(jg.placeholder(jg.float32, shape))
    assert str(info.value) == message


def _drawn(make):
    """The values ``make()`` builds, in a fresh graph with graph seed 1."""
    with jg.Graph().as_default():
        jg.set_random_seed(1)
        return _run(make())


# (shape, mode, n): TF1 contrib's fan — fan_in = shape[-2], fan_out = shape[-1], both times the
# receptive field shape[:-2]; a vector's fans are its length.
FANS = [
    ((20, 30), "FAN_IN", 20),
    ((20, 30), "FAN_OUT", 30),
    ((20, 30), "FAN_AVG", 25),
    ((3, 3, 4, 8), "FAN_IN", 36),
    ((3, 3, 4, 8), "FAN_OUT", 72),
    ((7,), "FAN_IN", 7),
]


@pytest.mark.parametrize("shape, mode, n", FANS)
def test_variance_scaling_draws_a_truncated_normal_with_tf1s_stddev(shape, mode, n):
    init = layers.variance_scaling_initializer(factor=2.0, mode=mode, seed=9)
    got = _drawn(lambda: init(shape))
    want = _drawn(lambda: jg.truncated_normal(shape, 0.0, math.sqrt(1.3 * 2.0 / n), seed=9))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape, mode, n", FANS)
def test_uniform_variance_scaling_draws_within_tf1s_limit(shape, mode, n):
    init = layers.variance_scaling_initializer(factor=3.0, mode=mode, uniform=True, seed=9)
    limit = math.sqrt(3.0 * 3.0 / n)
    got = _drawn(lambda: init(shape))
    want = _drawn(lambda: jg.random_uniform(shape, -limit, limit, seed=9))
    np.testing.assert_array_equal(got, want)


def test_xavier_is_glorot():
    uniform = _drawn(lambda: layers.xavier_initializer(seed=2)((20, 30)))
    glorot = _drawn(lambda: jg.glorot_uniform_initializer(seed=2)((20, 30)))
    assert_close(uniform, glorot, rtol=1e-6)
    normal = _drawn(lambda: layers.xavier_initializer(uniform=False, seed=2)((20, 30)))
    want = _drawn(lambda: jg.truncated_normal((20, 30), 0.0, math.sqrt(2.6 / 50), seed=2))
    np.testing.assert_array_equal(normal, want)
    assert layers.xavier_initializer_conv2d.__wrapped__ is layers.xavier_initializer.__wrapped__


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "FAN_MAX"}, "Unknown mode FAN_MAX [FAN_IN, FAN_OUT, FAN_AVG]"),
        ({"dtype": jg.int32}, "Cannot create initializer for non-floating point type int32."),
    ],
)
def test_variance_scaling_bad_arguments(kwargs, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        layers.variance_scaling_initializer(**kwargs)
    assert str(info.value) == message


def test_l2_regularizer_is_scale_times_half_the_sum_of_squares():
    w = RNG.normal(size=(4, 3)).astype(np.float32)
    loss = layers.l2_regularizer(0.25)(jg.constant(w))
    assert_close(_run(loss), 0.25 * np.sum(w**2) / 2, rtol=1e-5)
    assert layers.l2_regularizer(0.0)(jg.constant(w)) is None


@pytest.mark.parametrize(
    "scale, message",
    [
        (1, "scale cannot be an integer: 1"),
        (-0.5, "Setting a scale less than 0 on a regularizer: -0.5."),
        ("big", "scale must be a float, got str"),
    ],
)
def test_l2_regularizer_bad_scales(scale, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        layers.l2_regularizer(scale)
    assert str(info.value) == message
