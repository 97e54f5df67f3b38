"""tf.layers' core layers against real TensorFlow (tf1_layers_cases.py, recorded by
scripts/record_layers_reference.py), gradients against jax, and the errors."""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as tf
from jaxgraph.errors import InvalidArgumentError, UnimplementedError
from tests.layers import tf1_layers_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_layers.json").read_text())["core"]


def test_names_shapes_and_values_match_tf1():
    got = cases.run_core_layers(tf)
    values, want_values = got.pop("values"), REFERENCE["values"]
    assert got == {k: v for k, v in REFERENCE.items() if k != "values"}
    for name, want in want_values.items():
        np.testing.assert_allclose(values[name], want, rtol=1e-6, atol=1e-6, err_msg=name)


def test_dense_gradient_matches_jax():
    x0 = cases.X
    x = tf.constant(x0)
    y = tf.layers.dense(x, 2, activation=tf.tanh, kernel_initializer=tf.constant_initializer(0.3), name="d")
    kernel, bias = tf.trainable_variables()
    grads = tf.gradients(tf.reduce_sum(y * y), [kernel, bias, x])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(grads)

    def reference(k, b, x):
        return jnp.sum(jnp.tanh(x @ k + b) ** 2)

    want = jax.grad(reference, argnums=(0, 1, 2))(
        np.full((4, 2), 0.3, np.float32), np.zeros(2, np.float32), x0
    )
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_dropout_trains_only_when_told():
    x = tf.ones([1000])
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.dropout(x, rate=0.5, training=training, seed=1)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {training: False}), np.ones(1000))
        dropped = sess.run(y, {training: True})
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert 400 < np.count_nonzero(dropped) < 600


def test_errors():
    with pytest.raises(
        InvalidArgumentError,
        match=r"^The last dimension of the inputs to `Dense` should be defined. Found `None`.",
    ):
        tf.layers.dense(tf.placeholder(tf.float32, [2, None]), 3)
    with pytest.raises(InvalidArgumentError, match="^Dense: units must be a positive int, got 0$"):
        tf.layers.Dense(0)
    with pytest.raises(
        UnimplementedError, match="^kernel_constraint= is not supported by jaxgraph's layers$"
    ):
        tf.layers.dense(tf.zeros([1, 2]), 3, kernel_constraint=lambda w: w)
    with pytest.raises(TypeError, match="^Keyword argument not understood: colour$"):
        tf.layers.Flatten(colour="red")
