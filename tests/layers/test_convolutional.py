"""tf.layers' convolution, pooling and batch-normalization layers against real TensorFlow
(tf1_conv_layers_cases.py, recorded by scripts/record_conv_layers_reference.py), gradients
against jax, channels-first against channels-last, and the errors."""

import inspect
import json
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import jaxgraph as tf
from jaxgraph.errors import InvalidArgumentError, UnimplementedError
from tests.layers import tf1_conv_layers_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_conv_layers.json").read_text())


def assert_close_tree(got, want, path=""):
    """Nested dicts/lists equal, their floats up to float32 rounding (numeric arrays compared
    whole, so a failure shows the arrays)."""
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), path
        for k in want:
            assert_close_tree(got[k], want[k], f"{path}/{k}")
    elif isinstance(want, list) and not _numeric(want):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close_tree(g, w, f"{path}[{i}]")
    elif isinstance(want, float) or isinstance(want, list):
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64), rtol=2e-5,
                                   atol=2e-5, err_msg=path)  # fmt: skip
    else:
        assert got == want, path


def _numeric(value) -> bool:
    """Whether ``value`` is a (nested, rectangular) list of numbers."""
    try:
        return np.asarray(value).dtype.kind in "fiu"
    except ValueError:
        return False


def test_conv_layers_match_tf1():
    assert_close_tree(cases.run_conv_layers(tf), REFERENCE["conv"])


def test_pooling_layers_match_tf1():
    assert_close_tree(cases.run_pooling_layers(tf), REFERENCE["pooling"])


def test_batch_norm_matches_tf1():
    assert_close_tree(cases.run_batch_norm(tf), REFERENCE["batch_norm"])


def test_training_with_update_ops_matches_tf1():
    assert_close_tree(cases.run_training(tf), REFERENCE["training"])


def test_conv_bn_pool_gradients_match_jax():
    x0 = cases.IMAGES
    x = tf.constant(x0)
    h = tf.layers.conv2d(
        x, 4, 3, padding="same", kernel_initializer=tf.constant_initializer(cases.ramp(3, 3, 3, 4))
    )
    h = tf.layers.batch_normalization(h, training=True)
    y = tf.layers.max_pooling2d(tf.nn.relu(h), 2, 2)
    weights = np.linspace(-1.0, 1.0, 2 * 3 * 3 * 4, dtype=np.float32).reshape(2, 3, 3, 4)
    kernel, bias, gamma, beta = tf.trainable_variables()
    grads = tf.gradients(tf.reduce_sum(y * weights), [x, kernel, bias, gamma, beta])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(grads)

    def reference(x, k, b, g, s):
        h = lax.conv_general_dilated(x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
        mean, var = jnp.mean(h, (0, 1, 2)), jnp.var(h, (0, 1, 2))
        h = jax.nn.relu((h - mean) * lax.rsqrt(var + 1e-3) * g + s)
        y = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        return jnp.sum(y * weights)

    params = (
        x0,
        cases.ramp(3, 3, 3, 4),
        np.zeros(4, np.float32),
        np.ones(4, np.float32),
        np.zeros(4, np.float32),
    )
    want = jax.grad(reference, argnums=tuple(range(5)))(*params)
    for name, g, w in zip(["x", "kernel", "bias", "gamma", "beta"], got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4, err_msg=name)


def test_channels_first_equals_channels_last():
    images = cases.IMAGES
    first = np.transpose(images, (0, 3, 1, 2))
    init = tf.constant_initializer(cases.ramp(3, 3, 3, 2))

    def stack(x, fmt, axis, suffix):
        h = tf.layers.conv2d(x, 2, 3, data_format=fmt, kernel_initializer=init,
                             bias_initializer=tf.constant_initializer([0.5, -0.5]), name="conv" + suffix)  # fmt: skip
        h = tf.layers.batch_normalization(h, axis=axis, training=True, name="bn" + suffix)
        h = tf.layers.average_pooling2d(h, 2, 1, data_format=fmt)
        return tf.layers.flatten(h, data_format=fmt)

    last, channels_first = (
        stack(tf.constant(images), "channels_last", -1, "l"),
        stack(tf.constant(first), "channels_first", 1, "f"),
    )
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b, moving = sess.run([last, channels_first, updates])
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(moving[:2], moving[2:], rtol=1e-6)


def test_reuse_through_variable_scope_and_regularizers():
    x = tf.constant(cases.IMAGES)
    with tf.variable_scope("net"):
        tf.layers.conv2d(x, 2, 3, name="c")
        tf.layers.batch_normalization(x, gamma_regularizer=lambda g: tf.reduce_sum(g), name="bn")
    with tf.variable_scope("net", reuse=True):
        tf.layers.conv2d(x, 2, 3, name="c")
        tf.layers.batch_normalization(x, name="bn")
    assert [v.op.name for v in tf.global_variables()] == [
        "net/c/kernel", "net/c/bias", "net/bn/gamma", "net/bn/beta", "net/bn/moving_mean", "net/bn/moving_variance",
    ]  # fmt: skip
    assert [v.op.name for v in tf.trainable_variables()] == [
        "net/c/kernel",
        "net/c/bias",
        "net/bn/gamma",
        "net/bn/beta",
    ]
    (loss,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(loss) == 3.0
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []  # training=False adds no updates


def test_batch_norm_updates_and_saver_keep_moving_statistics(tmp_path):
    x = tf.placeholder(tf.float32, [None, 3])
    layer = tf.layers.BatchNormalization(momentum=0.5)
    y = layer(x, training=True)
    assert layer.updates == tf.get_collection(tf.GraphKeys.UPDATE_OPS) and len(layer.updates) == 2
    assert [v.op.name for v in layer.non_trainable_variables] == [
        "batch_normalization/moving_mean", "batch_normalization/moving_variance",
    ]  # fmt: skip
    batch = np.array([[1.0, 2.0, 3.0], [3.0, 6.0, 3.0]], np.float32)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, _ = sess.run([y, layer.updates], {x: batch})
        path = saver.save(sess, str(tmp_path / "bn"))
    # 2-D inputs: the non-fused layer, so the biased batch variance updates the moving one
    np.testing.assert_allclose(
        out, (batch - batch.mean(0)) / np.sqrt(batch.var(0) + 1e-3), rtol=1e-5, atol=1e-5
    )
    with tf.Session() as sess:
        saver.restore(sess, path)
        mean, variance = sess.run(layer.non_trainable_variables)
    np.testing.assert_allclose(mean, 0.5 * batch.mean(0), rtol=1e-6)
    np.testing.assert_allclose(variance, 0.5 + 0.5 * batch.var(0), rtol=1e-6)


def test_errors():
    x = tf.constant(cases.IMAGES)
    with pytest.raises(
        InvalidArgumentError, match='^The `padding` argument must be one of "valid", "same". Received: full$'
    ):
        tf.layers.conv2d(x, 2, 3, padding="full")
    with pytest.raises(
        InvalidArgumentError,
        match='^The `data_format` argument must be one of "channels_first", "channels_last". Received: NHWC$',
    ):
        tf.layers.max_pooling2d(x, 2, 2, data_format="NHWC")
    with pytest.raises(
        InvalidArgumentError,
        match=r"^The `kernel_size` argument must be a tuple of 2 integers. Received: \(3, 3, 3\)$",
    ):
        tf.layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(
        InvalidArgumentError,
        match=r"^The `strides` argument must be a tuple of 1 integers. Received: 0 including \{0\} that does not "
        r"satisfy the requirement `> 0`.$",
    ):
        tf.layers.Conv1D(2, 3, strides=0)
    with pytest.raises(InvalidArgumentError, match=r"^Argument `strides` must not be None.$"):
        tf.layers.MaxPooling2D(2, None)
    with pytest.raises(
        InvalidArgumentError,
        match=r"^Input 0 of layer conv3d is incompatible with the layer: expected ndim=5, found ndim=4. "
        r"Full shape received: \[2, 6, 6, 3\]$",
    ):
        tf.layers.conv3d(x, 2, 3)
    with pytest.raises(
        UnimplementedError, match="^BatchNormalization: renorm=True is not supported by jaxgraph's layers$"
    ):
        tf.layers.batch_normalization(x, renorm=True)
    with pytest.raises(
        UnimplementedError,
        match="^BatchNormalization: virtual_batch_size= is not supported by jaxgraph's layers$",
    ):
        tf.layers.BatchNormalization(virtual_batch_size=2)


def test_reusing_a_layer_on_other_channels_names_the_op_and_line():
    layer = tf.layers.Conv2D(2, 3)
    layer(tf.zeros([1, 5, 5, 3]))
    line = inspect.currentframe().f_lineno + 6
    message = (
        r"conv2d: input has 4 channels but the filter \[3, 3, 3, 2\] expects 3 \(input dimension 3 of NHWC must "
        rf"equal filter dimension 2\)\n  op 'conv2d_1/Conv2D' \(conv2d\) defined at {re.escape(__file__)}:{line}$"
    )
    with pytest.raises(InvalidArgumentError, match=message):
        layer(tf.zeros([1, 5, 5, 4]))


def test_adam_under_update_ops_initializes_without_feeds():
    # the classic idiom: the optimizer's slots are created under control_dependencies(UPDATE_OPS),
    # whose batch statistics need the placeholder; their initializers must not depend on it
    x = tf.placeholder(tf.float32, [None, 3])
    loss = tf.reduce_sum(tf.layers.batch_normalization(tf.layers.dense(x, 2), training=True) ** 2)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train_op = tf.train.AdamOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op, {x: np.eye(3, dtype=np.float32)})
        assert sess.run(tf.global_variables("batch_normalization/moving_mean")[0]).shape == (2,)
