"""get_variable's and variable_scope's TF1 defaults: regularizer, dtype, local Variables."""

import numpy as np
import pytest

import jaxgraph as tf
from jaxgraph.errors import UnimplementedError


def test_regularizer_losses_are_collected_under_the_variables_name():
    with tf.variable_scope("layer", regularizer=tf.contrib.layers.l2_regularizer(0.5)):
        w = tf.get_variable("w", [2], initializer=tf.constant_initializer(3.0))
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer(), regularizer=lambda v: None)
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("w") is w  # reuse adds no second loss
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.op.name.split("/Regularizer/")[0] for t in losses] == ["layer/w"]
    assert b.dtype == tf.float32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(losses[0]) == pytest.approx(0.5 * (9 + 9) / 2)


def test_scope_dtype_is_the_default_and_inherited():
    with tf.variable_scope("outer", dtype=tf.float16):
        with tf.variable_scope("inner"):
            v = tf.get_variable("v", [1])
        u = tf.get_variable("u", [1], dtype=tf.float32)
    assert (v.dtype, u.dtype) == (tf.float16, tf.float32)


def test_collections_replace_the_global_collection_as_in_tf1():
    counter = tf.Variable(0, trainable=False, collections=[tf.GraphKeys.LOCAL_VARIABLES], name="count")
    weight = tf.Variable(1.0, name="weight")
    assert tf.global_variables() == [weight]
    assert tf.local_variables() == [counter]
    assert tf.trainable_variables() == [weight]
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        sess.run(tf.tables_initializer())
        assert sess.run(counter) == 0


def test_unsupported_arguments_are_refused():
    with pytest.raises(UnimplementedError, match="^get_variable: partitioner= is not supported by jaxgraph"):
        tf.get_variable("p", [4], partitioner=lambda shape, dtype: [2])
    with pytest.raises(
        UnimplementedError, match="^variable_scope: custom_getter= is not supported by jaxgraph"
    ):
        with tf.variable_scope("s", custom_getter=lambda getter, *a, **k: getter(*a, **k)):
            pass


def test_initializer_value_matches_numpy():
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    v = tf.get_variable("from_numpy", initializer=tf.constant(value))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(v), value)
