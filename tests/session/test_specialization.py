"""The Session specializes a fetch set to each feed signature: unknown ranks get the fed shapes,
shape computations become constants, and a fed value that decides a shape is compiled in (one
executable per value, said in ``recompile_reasons``)."""

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors


def test_one_placeholder_fed_a_scalar_then_a_vector():
    with jg.Graph().as_default(), jg.Session() as sess:
        x = jg.placeholder(jg.float32, name="x")
        fetches = [jg.reduce_sum(x * 2.0), jg.shape(x), jg.rank(x), jg.size(x)]
        scalar = sess.run(fetches, {x: np.float32(3.0)})
        vector = sess.run(fetches, {x: np.array([1.0, 2.0, 4.0], np.float32)})
        assert [np.asarray(v).tolist() for v in scalar] == [6.0, [], 0, 1]
        assert [np.asarray(v).tolist() for v in vector] == [14.0, [3], 1, 3]
        assert sess.compile_count == 2
        assert sess.recompile_reasons == ["feed 'x:0': f32[] -> f32[3]"]


def test_shape_computations_are_constants_in_the_compiled_graph():
    with jg.Graph().as_default(), jg.Session() as sess:
        x = jg.placeholder(jg.float32, name="x")
        y = x + jg.cast(jg.range(jg.shape(x)[-1]), jg.float32)
        feed = np.zeros((4, 2), np.float32)
        text = sess.dump(y, {x: feed}, stage="ir")
        assert "%x = placeholder() {dtype=f32, shape=[4,2]} : f32[4,2]" in text
        assert "%range = range() {limit=2} : i32[2]" in text
        assert "shape(" not in text
        np.testing.assert_array_equal(sess.run(y, {x: feed}), feed + np.arange(2.0))


def test_a_fed_value_deciding_a_shape_is_compiled_per_value():
    with jg.Graph().as_default(), jg.Session() as sess:
        n = jg.placeholder(jg.int32, name="n")
        zeros = jg.zeros([n, 2])
        assert zeros.shape.as_list() == [None, 2]
        z = zeros + jg.cast(n, jg.float32)
        assert sess.run(z, {n: 3}).tolist() == [[3.0, 3.0]] * 3
        assert sess.run(z, {n: 1}).tolist() == [[1.0, 1.0]]
        assert sess.run(z, {n: 3}).shape == (3, 2)
        assert sess.compile_count == 2
        assert sess.recompile_reasons == ["value of feed 'n:0' decides a shape: 3 -> 1"]


def test_mismatched_fed_shapes_fail_naming_the_op_and_line():
    with jg.Graph().as_default(), jg.Session() as sess:
        x = jg.placeholder(jg.float32)
        line = inspect.currentframe().f_lineno + 1
        y = jg.matmul(x, jg.ones([3, 4]))
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(y, {x: np.ones((2, 5), np.float32)})
        assert info.value.message == "matmul inner dimensions differ: f32[2,5] @ f32[3,4] (5 != 3)"
        assert info.value.op.name == "MatMul"
        assert f"test_specialization.py:{line}" in str(info.value)
        assert sess.run(y, {x: np.ones((2, 3), np.float32)}).tolist() == [[3.0] * 4] * 2


def test_missing_feed_is_still_reported_as_such():
    with jg.Graph().as_default(), jg.Session() as sess:
        x = jg.placeholder(jg.float32, name="x")
        with pytest.raises(
            errors.InvalidArgumentError, match="the fetches need a value fed for 1 placeholder"
        ):
            sess.run(jg.reduce_sum(x))


def _train(shape, steps=5):
    """Linear regression on a placeholder of ``shape``; the losses and final parameters."""
    with jg.Graph().as_default(), jg.Session() as sess:
        jg.set_random_seed(0)
        xs = jg.placeholder(jg.float32, shape)
        ys = jg.placeholder(jg.float32, shape)
        w = jg.Variable(0.5, name="w")
        b = jg.Variable(0.1, name="b")
        loss = jg.reduce_mean(jg.square(xs * w + b - ys))
        step = jg.train.GradientDescentOptimizer(0.1).minimize(loss)
        sess.run(jg.global_variables_initializer())
        data = np.linspace(0, 1, 8, dtype=np.float32)
        losses = [sess.run([loss, step], {xs: data, ys: 3 * data + 1})[0] for _ in range(steps)]
        return np.array(losses), sess.run([w, b])


def test_training_on_an_unknown_rank_placeholder_matches_a_shaped_one():
    losses, params = _train(None)
    shaped_losses, shaped_params = _train([8])
    np.testing.assert_allclose(losses, shaped_losses, rtol=1e-6)
    np.testing.assert_allclose(params, shaped_params, rtol=1e-6)
    assert losses[-1] < losses[0]
