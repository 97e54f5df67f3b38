"""Gradients of cond / scan / bounded while_loop, built by jaxgraph, against jax.grad of the
equivalent lax code — including captured Variables, nesting and second order through scan
(unbounded while_loops: test_while_loop_gradients.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close

RNG = np.random.default_rng(1)
XV = RNG.normal(size=(3,)).astype(np.float32)
WV = RNG.normal(size=(3,)).astype(np.float32)
EV = RNG.normal(size=(6, 3)).astype(np.float32)


def _run(fetches, feeds):
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        return sess.run(fetches, feeds)


@pytest.mark.parametrize("flag", [True, False])
def test_cond_gradient_through_taken_branch(flag):
    x = jg.placeholder(jg.float32, (3,), name="x")
    w = jg.Variable(WV, name="w")
    p = jg.placeholder(jg.bool, (), name="p")
    y = jg.cond(p, lambda: jg.reduce_sum(jg.tanh(x * w)), lambda: jg.reduce_sum(jg.square(x)) * 3.0)
    got = _run(jg.gradients(y, [x, w]), {x: XV, p: flag})

    def ref(x, w):
        return jax.lax.cond(flag, lambda: jnp.sum(jnp.tanh(x * w)), lambda: jnp.sum(x * x) * 3.0)

    for g, r in zip(got, jax.grad(ref, argnums=(0, 1))(XV, WV)):
        assert_close(g, np.asarray(r), rtol=1e-5, atol=1e-6)


def _rnn_ref(w, e, h0):
    def step(h, x):
        h = jnp.tanh(h * w + x)
        return h, h

    _, hs = jax.lax.scan(step, h0, e)
    return jnp.sum(hs**2)


def test_scan_gradient_wrt_initializer_elems_and_captured_variable():
    e = jg.placeholder(jg.float32, (6, 3), name="e")
    h0 = jg.placeholder(jg.float32, (3,), name="h0")
    w = jg.Variable(WV, name="w")
    hs = jg.scan(lambda h, x: jg.tanh(h * w + x), e, initializer=h0)
    loss = jg.reduce_sum(hs**2)
    got = _run(jg.gradients(loss, [w, e, h0]), {e: EV, h0: XV})
    for g, r in zip(got, jax.grad(_rnn_ref, argnums=(0, 1, 2))(WV, EV, XV)):
        assert_close(g, np.asarray(r), rtol=1e-4, atol=1e-5)


def test_scan_second_order():
    e = jg.placeholder(jg.float32, (6, 3), name="e")
    w = jg.placeholder(jg.float32, (3,), name="w")
    hs = jg.scan(lambda h, x: jg.tanh(h * w + x), e, initializer=jg.zeros((3,)))
    loss = jg.reduce_sum(hs**2)
    (g,) = jg.gradients(loss, w)
    (h,) = jg.hessians(loss, w)
    got_g, got_h = _run([g, h], {e: EV, w: WV})
    ref = lambda w: _rnn_ref(w, EV, jnp.zeros(3))  # noqa: E731
    assert_close(got_g, np.asarray(jax.grad(ref)(WV)), rtol=1e-4, atol=1e-5)
    assert_close(got_h, np.asarray(jax.hessian(ref)(WV)), rtol=1e-3, atol=1e-4)


def test_bounded_while_loop_gradient():
    x = jg.placeholder(jg.float32, (3,), name="x")
    w = jg.placeholder(jg.float32, (3,), name="w")
    _, out = jg.while_loop(lambda i, s: jg.logical_and(i < 10, jg.reduce_sum(s) < 50.0),
                           lambda i, s: (i + 1, s * w + x), [0, x], maximum_iterations=10)  # fmt: skip
    loss = jg.reduce_sum(out)
    got = _run(jg.gradients(loss, [x, w]), {x: XV + 1.0, w: np.abs(WV) + 1.0})

    def ref(x, w):
        def cond(c):
            return jnp.logical_and(c[0] < 10, jnp.sum(c[1]) < 50.0)

        def body(c):
            return c[0] + 1, c[1] * w + x

        # reference via a Python loop (jax cannot reverse a while_loop)
        state = (0, x)
        for _ in range(10):
            state = jax.lax.cond(cond(state), body, lambda c: c, state)
        return jnp.sum(state[1])

    for g, r in zip(got, jax.grad(ref, argnums=(0, 1))(XV + 1.0, np.abs(WV) + 1.0)):
        assert_close(g, np.asarray(r), rtol=1e-4, atol=1e-4)


def test_gradient_of_cond_inside_scan():
    e = jg.placeholder(jg.float32, (6, 3), name="e")
    w = jg.placeholder(jg.float32, (3,), name="w")
    hs = jg.scan(lambda h, x: jg.cond(jg.reduce_sum(x) > 0.0, lambda: jg.tanh(h * w + x), lambda: h * w),
                 e, initializer=jg.ones((3,)))  # fmt: skip
    (g,) = jg.gradients(jg.reduce_sum(hs), w)
    got = _run(g, {e: EV, w: WV})

    def ref(w):
        def step(h, x):
            h = jax.lax.cond(jnp.sum(x) > 0.0, lambda: jnp.tanh(h * w + x), lambda: h * w)
            return h, h

        return jnp.sum(jax.lax.scan(step, jnp.ones(3), EV)[1])

    assert_close(got, np.asarray(jax.grad(ref)(WV)), rtol=1e-4, atol=1e-5)
