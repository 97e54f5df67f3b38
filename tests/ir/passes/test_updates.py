"""Update fusion: a rolled SGD update runs inside its backward scan, writing Variable rows in
place, with the unrolled program's values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg


def _chain(layers):
    x = jg.placeholder(jg.float32, (4, 16), name="x")
    y, rs = x, np.random.RandomState(0)
    for i in range(layers):
        w = jg.Variable(rs.randn(16, 16).astype(np.float32) * 0.4, name=f"W{i}")
        b = jg.Variable(rs.randn(16).astype(np.float32) * 0.1, name=f"b{i}")
        y = jg.tanh(jg.matmul(y, w) + b)
    return x, jg.reduce_mean(jg.square(y))


def _train(optimizer, roll, steps=3):
    """The Variables after ``steps`` training steps, the last loss, and the ir-opt dump."""
    with jg.Graph().as_default():
        x, loss = _chain(12)
        train = optimizer().minimize(loss)
        feed = {x: np.random.RandomState(2).randn(4, 16).astype(np.float32)}
        with jg.Session(roll_loops=roll) as s:
            s.run(jg.global_variables_initializer())
            for _ in range(steps):
                value, _ = s.run([loss, train], feed)
            return s.run(jg.trainable_variables()), value, s.dump([loss, train], feed, stage="ir-opt")


def test_sgd_update_is_fused_into_the_backward_scan():
    _, _, dump = _train(lambda: jg.train.GradientDescentOptimizer(0.1), True, steps=1)
    assert "with rolled/GradientDescent/update_W0 (12 blocks of 2 ops)" in dump
    assert "updates=[[2,1],[3,3]]" in dump


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: jg.train.GradientDescentOptimizer(0.1),
        lambda: jg.train.MomentumOptimizer(0.1, 0.9),
        lambda: jg.train.AdamOptimizer(0.01),
    ],
)
def test_training_equals_the_unrolled_program(optimizer):
    rolled, rolled_loss, _ = _train(optimizer, True)
    unrolled, unrolled_loss, _ = _train(optimizer, False)
    assert rolled_loss == unrolled_loss
    for a, b in zip(rolled, unrolled, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fused_sgd_step_matches_jax():
    with jg.Graph().as_default():
        x, loss = _chain(12)
        train = jg.train.GradientDescentOptimizer(0.1).minimize(loss)
        xv = np.random.RandomState(2).randn(4, 16).astype(np.float32)
        with jg.Session() as s:
            s.run(jg.global_variables_initializer())
            before = s.run(jg.trainable_variables())
            s.run(train, {x: xv})
            after = s.run(jg.trainable_variables())

    def f(params):
        h = jnp.asarray(xv)
        for w, b in zip(params[::2], params[1::2]):
            h = jnp.tanh(h @ w + b)
        return jnp.mean(jnp.square(h))

    grads = jax.grad(f)([jnp.asarray(v) for v in before])
    for got, v, g in zip(after, before, grads, strict=True):
        np.testing.assert_allclose(got, v - 0.1 * np.asarray(g), rtol=1e-5, atol=1e-7)
