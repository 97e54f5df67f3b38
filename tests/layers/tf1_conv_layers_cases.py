"""tf.layers convolution, pooling and batch-normalization programs run twice: by
tests/layers/test_convolutional.py with jaxgraph, and by scripts/record_conv_layers_reference.py
with real TensorFlow into fixtures/tf1_conv_layers.json. Channels-last only: TensorFlow's CPU
kernels refuse channels-first convolutions and pooling."""

from __future__ import annotations

import math

import numpy as np

IMAGES = (np.sin(np.arange(2 * 6 * 6 * 3, dtype=np.float32) * 0.37).reshape(2, 6, 6, 3)).astype(np.float32)
SIGNAL = (np.cos(np.arange(2 * 7 * 3, dtype=np.float32) * 0.5).reshape(2, 7, 3)).astype(np.float32)
VOLUME = (np.sin(np.arange(1 * 4 * 4 * 4 * 2, dtype=np.float32) * 0.9).reshape(1, 4, 4, 4, 2)).astype(
    np.float32
)


def ramp(*shape: int) -> np.ndarray:
    """Deterministic initial values of ``shape`` (a ramp from -0.5 to 0.5)."""
    return np.linspace(-0.5, 0.5, math.prod(shape), dtype=np.float32).reshape(shape)


def _summary(tf, outputs: dict, layers: dict | None = None) -> dict:
    """Values, static shapes and op names of ``outputs`` and the graph's Variables."""
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run(outputs)
    return {
        "values": {k: np.asarray(v).tolist() for k, v in values.items()},
        "shapes": {k: t.shape.as_list() for k, t in outputs.items()},
        "variables": [[v.op.name, v.shape.as_list()] for v in tf.global_variables()],
        "trainable": [v.op.name for v in tf.trainable_variables()],
        "layer_variables": {k: [v.op.name for v in layer.variables] for k, layer in (layers or {}).items()},
    }


def run_conv_layers(tf) -> dict:
    """Every convolution layer, by function and by class, with names, reuse, dilation, strides,
    regularizers and both paddings."""
    with tf.Graph().as_default():
        images, signal, volume = tf.constant(IMAGES), tf.constant(SIGNAL), tf.constant(VOLUME)
        init = lambda *shape: tf.constant_initializer(ramp(*shape))  # noqa: E731
        out = {
            "conv2d_same": tf.layers.conv2d(images, 4, 3, padding="same", activation=tf.nn.relu,
                                            kernel_initializer=init(3, 3, 3, 4),
                                            bias_initializer=tf.constant_initializer(0.1),
                                            kernel_regularizer=lambda w: 0.01 * tf.reduce_sum(tf.square(w))),
            "conv2d_strided": tf.layers.conv2d(images, 2, (3, 2), strides=(2, 1), kernel_initializer=init(3, 2, 3, 2),
                                               name="strided"),
            "conv2d_dilated": tf.layers.conv2d(images, 2, 2, dilation_rate=2, padding="same", use_bias=False,
                                               kernel_initializer=init(2, 2, 3, 2)),
            "conv1d": tf.layers.conv1d(signal, 3, 2, padding="same", kernel_initializer=init(2, 3, 3)),
            "conv3d": tf.layers.conv3d(volume, 2, 2, strides=2, kernel_initializer=init(2, 2, 2, 2, 2)),
            "transpose_valid": tf.layers.conv2d_transpose(images, 2, 3, strides=2, kernel_initializer=init(3, 3, 2, 3)),
            "transpose_same": tf.layers.conv2d_transpose(images, 2, 2, strides=2, padding="same",
                                                         kernel_initializer=init(2, 2, 2, 3)),
            "transpose3d": tf.layers.conv3d_transpose(volume, 1, 2, strides=2, kernel_initializer=init(2, 2, 2, 1, 2)),
            "separable": tf.layers.separable_conv2d(images, 4, 3, depth_multiplier=2,
                                                    depthwise_initializer=init(3, 3, 3, 2),
                                                    pointwise_initializer=init(1, 1, 6, 4)),
        }  # fmt: skip
        out["reused"] = tf.layers.conv2d(images * 2.0, 2, (3, 2), strides=(2, 1), name="strided", reuse=True)
        with tf.variable_scope("tower"):
            layer = tf.layers.Conv2D(3, 2, kernel_initializer=tf.ones_initializer(), use_bias=False)
            out["tower_1"], out["tower_2"] = layer(images), layer(images + 1.0)
        out["regularization"] = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
        result = _summary(tf, out, {"tower": layer})
        result["op_names"] = {
            k: out[k].op.name for k in ("conv2d_same", "conv2d_strided", "separable", "tower_1")
        }
        return result


def run_pooling_layers(tf) -> dict:
    """Max and average pooling of every rank, both paddings, default strides."""
    with tf.Graph().as_default():
        images, signal, volume = tf.constant(IMAGES), tf.constant(SIGNAL), tf.constant(VOLUME)
        out = {
            "max2d": tf.layers.max_pooling2d(images, 2, 2),
            "max2d_same": tf.layers.max_pooling2d(images, 3, 2, padding="same"),
            "avg2d_same": tf.layers.average_pooling2d(images, (3, 2), (2, 2), padding="same"),
            "max1d": tf.layers.max_pooling1d(signal, 2, 2),
            "avg1d_same": tf.layers.average_pooling1d(signal, 3, 2, padding="same"),
            "max3d": tf.layers.max_pooling3d(volume, 2, 2),
            "avg3d": tf.layers.average_pooling3d(volume, 2, 1),
            "class2d": tf.layers.MaxPooling2D(pool_size=2, strides=1)(images),
        }
        result = _summary(tf, out)
        result["op_names"] = {k: out[k].op.name for k in ("max2d", "avg2d_same", "class2d")}
        return result


BATCHES = [np.sin(np.arange(4 * 3 * 3 * 2, dtype=np.float32) * (0.3 + 0.2 * k)).reshape(4, 3, 3, 2) * (k + 1)
           for k in range(3)]  # fmt: skip


def run_batch_norm(tf) -> dict:
    """Batch normalization fused (4-D, the default), not fused (``fused=False``, 2-D inputs),
    with ``training`` a Python bool and a bool placeholder: three update steps, then the
    outputs with the moving statistics."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3, 3, 2])
        training = tf.placeholder(tf.bool, [])
        flat = tf.reshape(x, [-1, 18])
        out = {
            "fused": tf.layers.batch_normalization(x, momentum=0.9, training=True,
                                                   gamma_initializer=tf.constant_initializer([1.5, 0.5])),
            "fused_switch": tf.layers.batch_normalization(x, momentum=0.8, training=training, name="switch"),
            "unfused": tf.layers.batch_normalization(x, momentum=0.9, training=True, fused=False,
                                                     beta_initializer=tf.constant_initializer(0.25)),
            "dense_switch": tf.layers.batch_normalization(flat, momentum=0.7, epsilon=0.01, training=training,
                                                          center=False),
            "inference": tf.layers.batch_normalization(x, training=False, scale=False),
        }  # fmt: skip
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        moving = [v for v in tf.global_variables() if "moving" in v.op.name]
        steps = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for k, batch in enumerate(BATCHES):
                values = sess.run([out, updates], {x: batch, training: k != 1})[0]
                steps.append({n: np.asarray(v).tolist() for n, v in values.items()})
            stats = sess.run(moving)
            after = sess.run(out, {x: BATCHES[0], training: False})
        return {
            "steps": steps,
            "moving": {v.op.name: np.asarray(s).tolist() for v, s in zip(moving, stats)},
            "after": {n: np.asarray(v).tolist() for n, v in after.items()},
            "updates_by_layer": [u.name.split("/")[0] for u in updates],
            "variables": [v.op.name for v in tf.global_variables()],
            "trainable": [v.op.name for v in tf.trainable_variables()],
            "shapes": {k: t.shape.as_list() for k, t in out.items()},
        }


def run_training(tf) -> dict:
    """A conv + batch norm + pool + dense network trained three steps with the train op under
    ``control_dependencies(UPDATE_OPS)``: losses and the final moving statistics."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3, 3, 2])
        labels = tf.constant([0, 1, 1, 0])
        h = tf.layers.conv2d(
            x, 3, 2, padding="same", kernel_initializer=tf.constant_initializer(ramp(2, 2, 2, 3))
        )
        h = tf.layers.batch_normalization(h, momentum=0.5, training=True)
        h = tf.layers.max_pooling2d(tf.nn.relu(h), 2, 1)
        logits = tf.layers.dense(
            tf.layers.flatten(h), 2, kernel_initializer=tf.constant_initializer(ramp(12, 2))
        )
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        moving = [v for v in tf.global_variables() if "moving" in v.op.name]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = [float(sess.run([loss, train_op], {x: batch})[0]) for batch in BATCHES]
            stats = sess.run(moving)
        return {"losses": losses, "moving": [np.asarray(s).tolist() for s in stats]}
