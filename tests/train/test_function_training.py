"""Training from ``@jg.function``: ``jg.grad``, ``jg.value_and_grad`` and a train step that calls
``opt.minimize`` on Variables it created on its first trace."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close

RNG = np.random.default_rng(3)
X = RNG.normal(size=(16, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)


def _loss(params, x, y):
    pred = x @ params["w"] + params["b"]
    return jnp.mean((pred - y) ** 2)


def test_value_and_grad_and_grad_match_jax():
    def loss(params, x, y):
        return jg.reduce_mean(jg.square(jg.matmul(x, params["w"]) + params["b"] - y))

    params = {"w": RNG.normal(size=(3, 1)).astype(np.float32), "b": np.zeros((1,), np.float32)}
    value, grads = jg.value_and_grad(loss)(params, X, Y)
    ref_value, ref_grads = jax.value_and_grad(_loss)(params, X, Y)
    assert float(value) == pytest.approx(float(ref_value), rel=1e-6)
    for key in ("w", "b"):
        assert_close(grads[key], np.asarray(ref_grads[key]), rtol=1e-5, atol=1e-6)
    gx = jg.grad(loss, argnums=1)(params, X, Y)
    assert_close(gx, np.asarray(jax.grad(_loss, argnums=1)(params, X, Y)), rtol=1e-5, atol=1e-6)


def test_train_step_function_creates_variables_once_and_learns():
    opt = jg.train.GradientDescentOptimizer(0.1)

    @jg.function
    def train_step(x, y):
        w = jg.get_variable("w", shape=(3, 1), initializer=jg.zeros_initializer())
        b = jg.get_variable("b", shape=(1,), initializer=jg.zeros_initializer())
        loss = jg.reduce_mean(jg.square(jg.matmul(x, w) + b - y))
        opt.minimize(loss)
        return loss

    losses = [float(train_step(X, Y)) for _ in range(200)]
    assert train_step.trace_count == 1
    assert losses[-1] < 1e-3 < losses[0]
    # a new batch size retraces; the Variables (by name) keep their trained values
    last = float(train_step(X[:8], Y[:8]))
    assert train_step.trace_count == 2 and last < 1e-3
    w = np.asarray(train_step.session._variables["w"])
    np.testing.assert_allclose(w.ravel(), [1.0, -2.0, 0.5], atol=0.02)
