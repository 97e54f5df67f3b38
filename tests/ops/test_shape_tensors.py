"""Tensors where TF1 takes tensors: shape arguments (``tf.zeros(tf.shape(x))``, ``tf.reshape(x,
tf.stack([...]))``, ``tf.tile(x, m)``, ``tf.random_normal([n, 2])``), ``tf.range`` and tensor
``mean``/``stddev``/``minval``/``maxval``. Static shapes and dtypes are checked against TF1's
(recorded by ``scripts/record_shapes.py``), values against NumPy, gradients against ``jax.vjp``."""

import inspect
import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "tf1_shapes.json").read_text())


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["expr"] for c in FIXTURE["cases"]])
def test_static_types_match_tf1(case):
    with jg.Graph().as_default():
        names = {
            "tf": jg,
            "x": jg.placeholder(jg.float32),
            "y": jg.placeholder(jg.float32, [None, 3, 4]),
            "n": jg.placeholder(jg.int32),
        }
        t = eval(case["expr"], names)  # noqa: S307 - the recorded TF1 expressions
        shape = None if t.shape.ndims is None else t.shape.as_list()
        assert (shape, t.dtype.name) == (case["shape"], case["dtype"])
        if case["value"] is not None:
            with jg.Session() as sess:
                np.testing.assert_array_equal(sess.run(t), np.array(case["value"], t.dtype.np))


def test_range_values_match_numpy():
    with jg.Graph().as_default(), jg.Session() as sess:
        n = jg.placeholder(jg.int32)
        start = jg.placeholder(jg.float32, [])
        r = jg.range(n)
        f = jg.range(start, 2.0, 0.25)
        assert sess.run(r, {n: 4}).tolist() == [0, 1, 2, 3]
        assert sess.run(r, {n: 0}).tolist() == []
        np.testing.assert_array_equal(sess.run(f, {start: -1.0}), np.arange(-1.0, 2.0, 0.25, np.float32))


def test_range_bad_limits_name_the_op():
    with jg.Graph().as_default():
        with pytest.raises(errors.InvalidArgumentError) as info:
            line = inspect.currentframe().f_lineno + 1
            jg.range(1, 5, 0)
        assert info.value.message == "Requires delta != 0: 0"
        assert f"test_shape_tensors.py:{line}" in str(info.value)
        with pytest.raises(errors.InvalidArgumentError, match=r"Requires start <= limit when delta > 0: 5/1"):
            jg.range(5, 1)
        with pytest.raises(
            errors.InvalidArgumentError,
            match="range's arguments must be int32, int64, float32 or float64, not bool",
        ):
            jg.range(True)


def test_range_of_fed_limits_fails_at_specialization_with_the_users_line():
    with jg.Graph().as_default(), jg.Session() as sess:
        n = jg.placeholder(jg.int32)
        line = inspect.currentframe().f_lineno + 1
        r = jg.range(5, n)
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(r, {n: 2})
        assert info.value.message == "Requires start <= limit when delta > 0: 5/2"
        assert f"test_shape_tensors.py:{line}" in str(info.value)


def test_shape_tensors_values_match_numpy():
    with jg.Graph().as_default(), jg.Session() as sess:
        y = jg.placeholder(jg.float32, [None, 3, 4])
        n = jg.placeholder(jg.int32)
        feed = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
        cases = [
            (jg.reshape(y, jg.stack([jg.shape(y)[0], -1])), {y: feed}, feed.reshape(2, -1)),
            (jg.zeros([n, 3]), {n: 2}, np.zeros((2, 3), np.float32)),
            (jg.ones(jg.shape(y)[1:]), {y: feed}, np.ones((3, 4))),
            (jg.fill(jg.stack([n, 2]), 7), {n: 3}, np.full((3, 2), 7)),
            (jg.fill(jg.stack([n]), jg.constant(2.5)), {n: 2}, [2.5, 2.5]),
            (jg.tile(jg.constant([[1, 2]]), jg.stack([n, 2])), {n: 3}, np.tile([[1, 2]], (3, 2))),
        ]
        draws = [
            (jg.random_normal(jg.shape(y)), {y: feed}, (2, 3, 4)),
            (jg.truncated_normal([n, 2]), {n: 5}, (5, 2)),
        ]
        for tensor, feeds, expected in cases:
            np.testing.assert_array_equal(sess.run(tensor, feeds), expected)
        for tensor, feeds, shape in draws:
            assert sess.run(tensor, feeds).shape == shape


def test_tensor_mean_and_stddev_scale_the_same_draw():
    with jg.Graph().as_default(), jg.Session() as sess:
        jg.set_random_seed(3)
        plain = jg.random_normal([4, 5], seed=7)
        scaled = jg.random_normal([4, 5], mean=jg.constant(1.5), stddev=jg.sqrt(4.0), seed=7)
        uniform = jg.random_uniform([3], seed=9)
        shifted = jg.random_uniform([3], minval=jg.constant(-1.0), maxval=3.0, seed=9)
        a, b, u, v = sess.run([plain, scaled, uniform, shifted])
        np.testing.assert_allclose(b, a * 2.0 + 1.5, rtol=1e-6)
        np.testing.assert_allclose(v, u * 4.0 - 1.0, rtol=1e-6)


def test_known_shape_tensor_gives_the_static_op():
    with jg.Graph().as_default():
        x = jg.placeholder(jg.float32, [2, 6])
        assert jg.reshape(x, jg.shape(x)[::-1]).op.type == "reshape"
        assert jg.reshape(x, jg.stack([3, -1])).shape == (3, 4)
        assert jg.zeros(jg.constant([2, 2]) * 2).shape == (4, 4)


def test_shape_from_a_variable_is_refused_at_run_time():
    with jg.Graph().as_default(), jg.Session() as sess:
        v = jg.Variable([2, 3])
        line = inspect.currentframe().f_lineno + 1
        z = jg.zeros(v)
        sess.run(jg.global_variables_initializer())
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(z)
        assert info.value.message.startswith(
            f"a shape argument of 'zeros' depends on '{v.op.name}' (variable), whose value is known only "
            "when the graph runs"
        )
        assert f"test_shape_tensors.py:{line}" in str(info.value)


def test_reshape_to_a_fed_shape_that_does_not_fit():
    with jg.Graph().as_default(), jg.Session() as sess:
        x = jg.placeholder(jg.float32, [2, 3])
        s = jg.placeholder(jg.int32, [2])
        line = inspect.currentframe().f_lineno + 1
        r = jg.reshape(x, s)
        assert r.shape == (None, None)
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(r, {x: np.ones((2, 3)), s: [4, 2]})
        assert info.value.message == "cannot reshape f32[2,3] (6 elements) to [4, 2]"
        assert f"test_shape_tensors.py:{line}" in str(info.value)
        np.testing.assert_array_equal(sess.run(r, {x: np.ones((2, 3)), s: [3, 2]}), np.ones((3, 2)))


def test_gradients_through_shape_tensor_ops_match_jax():
    with jg.Graph().as_default(), jg.Session() as sess:
        x = jg.placeholder(jg.float32)
        n = jg.placeholder(jg.int32, [])
        tiled = jg.tile(jg.reshape(x, jg.stack([n, -1])), jg.stack([1, n]))
        weights = jg.reshape(jg.range(1.0, jg.cast(jg.size(tiled), jg.float32) + 1.0), jg.shape(tiled))
        loss = jg.reduce_sum(jg.sin(tiled) * weights)
        (grad,) = jg.gradients(loss, [x])
        value = np.linspace(-1, 1, 6, dtype=np.float32)

        def f(v):
            t = jnp.tile(v.reshape(2, -1), (1, 2))
            return jnp.sum(jnp.sin(t) * jnp.arange(1.0, t.size + 1.0).reshape(t.shape))

        expected_loss, vjp = jax.vjp(f, value)
        got_loss, got = sess.run([loss, grad], {x: value, n: 2})
        np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-5)
        np.testing.assert_allclose(got, vjp(jnp.float32(1.0))[0], rtol=1e-5)
