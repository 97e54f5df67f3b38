"""tf.layers programs run twice: by tests/layers/test_core.py with jaxgraph, and by
scripts/record_layers_reference.py with real TensorFlow into fixtures/tf1_layers.json."""

from __future__ import annotations

import numpy as np

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 10.0 - 1.0


def run_core_layers(tf) -> dict:
    """Dense on rank-3 inputs, naming and reuse, a Dense object called twice, regularizers,
    flatten in both data formats, dropout when not training."""
    with tf.Graph().as_default():
        x = tf.constant(X)
        kernel_init = tf.constant_initializer(np.linspace(-0.5, 0.5, 4 * 5).reshape(4, 5))
        h = tf.layers.dense(x, 5, activation=tf.nn.relu, kernel_initializer=kernel_init,
                            bias_initializer=tf.constant_initializer(0.1),
                            kernel_regularizer=lambda w: 0.1 * tf.reduce_sum(tf.square(w)))  # fmt: skip
        y = tf.layers.dense(h, 2, kernel_initializer=tf.ones_initializer(), name="fc")
        y_again = tf.layers.dense(h, 2, name="fc", reuse=True)
        with tf.variable_scope("model"):
            layer = tf.layers.Dense(3, kernel_initializer=tf.ones_initializer(), use_bias=False)
            z1, z2 = layer(x), layer(x * 2.0)
        flat_last = tf.layers.flatten(x)
        flat_first = tf.layers.flatten(x, data_format="channels_first")
        kept = tf.layers.dropout(x, rate=0.5, training=False)
        losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run([h, y, y_again, z1, z2, flat_last, flat_first, kept, losses])
        names = ["h", "y", "y_again", "z1", "z2", "flat_last", "flat_first", "kept", "losses"]
        return {
            "values": {n: np.asarray(v).tolist() for n, v in zip(names, values)},
            "variables": [v.op.name for v in tf.global_variables()],
            "trainable": [v.op.name for v in tf.trainable_variables()],
            "layer_variables": [v.op.name for v in layer.variables],
            "static_shapes": [t.shape.as_list() for t in (h, y, z1, flat_last, flat_first)],
        }
