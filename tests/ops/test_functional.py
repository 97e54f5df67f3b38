"""tf.map_fn, tf.foldl and tf.foldr: values vs NumPy / TF1's documented results, gradients vs jax."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as tf
from jaxgraph.errors import InvalidArgumentError


def test_map_fn_applies_fn_to_each_row_and_stacks_structures():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    squares, sums = tf.map_fn(lambda row: (row * row, tf.reduce_sum(row)), tf.constant(x))
    pairs = tf.map_fn(lambda p: p[0] * p[1], (tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])))
    with tf.Session() as sess:
        got_squares, got_sums, got_pairs = sess.run([squares, sums, pairs])
    np.testing.assert_array_equal(got_squares, x * x)
    np.testing.assert_array_equal(got_sums, x.sum(1))
    np.testing.assert_array_equal(got_pairs, [3.0, 8.0])
    assert squares.shape.as_list() == [3, 2] and sums.shape.as_list() == [3]


def test_folds_match_tf1s_documented_results():
    # TF1's docs: foldl(lambda a, x: a + x, [1..6]) == 21; values below recorded with TF 2.21 compat.v1.
    elems = tf.constant([1, 2, 3])
    with tf.Session() as sess:
        assert sess.run(tf.foldl(lambda a, x: a + x, tf.constant([1, 2, 3, 4, 5, 6]))) == 21
        assert sess.run(tf.foldl(lambda a, x: a - x, elems)) == -4
        assert sess.run(tf.foldr(lambda a, x: a - x, elems)) == 0
        assert sess.run(tf.foldl(lambda a, x: a - x, elems, initializer=10)) == 4
        assert sess.run(tf.foldr(lambda a, x: a - x, elems, initializer=10)) == 4


def test_gradients_match_jax():
    x0 = np.array([[0.5, -1.0], [2.0, 0.25], [1.5, 3.0]], np.float32)
    w0 = np.array([0.3, -0.7], np.float32)
    x, w = tf.constant(x0), tf.constant(w0)
    mapped = tf.reduce_sum(tf.map_fn(lambda row: tf.sin(row * w), x))
    folded = tf.foldl(lambda acc, row: acc * tf.tanh(row + w), x, initializer=tf.ones([2]))
    loss = mapped + tf.reduce_sum(folded)
    grads = tf.gradients(loss, [x, w])

    def reference(x, w):
        folded = jnp.ones(2)
        for row in x:
            folded = folded * jnp.tanh(row + w)
        return jnp.sum(jnp.sin(x * w)) + jnp.sum(folded)

    with tf.Session() as sess:
        got = sess.run(grads)
    want = jax.grad(reference, argnums=(0, 1))(x0, w0)
    for g, r in zip(got, want):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


def test_scalar_elems_are_refused():
    with pytest.raises(
        InvalidArgumentError,
        match="^map_fn's elems must have a leading axis to unstack, got a scalar Const:0",
    ):
        tf.map_fn(lambda v: v, tf.constant(1.0))
