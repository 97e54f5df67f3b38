"""``import jaxgraph.compat.v1 as tf`` is jaxgraph, and TF2's eager switches behave as TF1's graph mode."""

import numpy as np
import pytest

import jaxgraph
from jaxgraph.errors import UnimplementedError


def test_compat_v1_is_jaxgraph_itself():
    import jaxgraph.compat.v1 as tf

    assert tf is jaxgraph and jaxgraph.compat.v1 is jaxgraph
    tf.disable_v2_behavior()
    tf.disable_eager_execution()
    assert tf.executing_eagerly() is False
    x = tf.placeholder(tf.float32, [2])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x * 2, {x: [1.0, 2.0]}), [2.0, 4.0])


def test_eager_mode_is_refused():
    with pytest.raises(UnimplementedError, match="^jaxgraph has no eager mode"):
        jaxgraph.enable_eager_execution()


def test_random_namespace_has_tf1s_newer_names():
    tf = jaxgraph
    tf.set_random_seed(3)
    pairs = [
        (tf.random.normal([4], seed=1), tf.random_normal([4], seed=1)),
        (tf.random.uniform([4], seed=2), tf.random_uniform([4], seed=2)),
        (tf.random.truncated_normal([4], seed=3), tf.truncated_normal([4], seed=3)),
    ]
    with tf.Session() as sess:
        for new, old in sess.run(pairs):
            np.testing.assert_array_equal(new, old)
    tf.random.set_random_seed(5)
    assert tf.get_default_graph().seed == 5
