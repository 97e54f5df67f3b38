"""Optimizers: 10 steps of each against a NumPy implementation of TF1's documented formulas,
TF1's slot names, global_step, and training a small model end to end."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors

W0 = np.array([[0.5, -1.0], [1.5, 0.25]], np.float32)
TARGET = np.array([[1.0, 2.0], [-1.0, 0.5]], np.float32)


def _grad(w):
    """Gradient of the loss used below: sum((w - target)^3 / 3 + w^2)."""
    return (w - TARGET) ** 2 + 2 * w


def numpy_sgd(w, steps, lr=0.02):
    for _ in range(steps):
        w = w - lr * _grad(w)
    return w


def numpy_momentum(w, steps, lr=0.02, momentum=0.9, nesterov=False):
    accum = np.zeros_like(w)
    for _ in range(steps):
        g = _grad(w)
        accum = momentum * accum + g
        w = w - lr * (g + momentum * accum if nesterov else accum)
    return w


def numpy_adam(w, steps, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = np.zeros_like(w), np.zeros_like(w)
    b1p, b2p = beta1, beta2
    for _ in range(steps):
        g = _grad(w)
        lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w = w - lr_t * m / (np.sqrt(v) + eps)
        b1p, b2p = b1p * beta1, b2p * beta2
    return w


def numpy_rmsprop(w, steps, lr=0.01, decay=0.9, momentum=0.5, eps=1e-10, centered=False):
    ms, mg, mom = np.ones_like(w), np.zeros_like(w), np.zeros_like(w)
    for _ in range(steps):
        g = _grad(w)
        ms = decay * ms + (1 - decay) * g * g
        denominator = ms
        if centered:
            mg = decay * mg + (1 - decay) * g
            denominator = ms - mg * mg
        mom = momentum * mom + lr * g / np.sqrt(denominator + eps)
        w = w - mom
    return w


CASES = [
    ("sgd", lambda: jg.train.GradientDescentOptimizer(0.02), numpy_sgd, []),
    ("momentum", lambda: jg.train.MomentumOptimizer(0.02, 0.9), numpy_momentum, ["w/Momentum"]),
    ("nesterov", lambda: jg.train.MomentumOptimizer(0.02, 0.9, use_nesterov=True),
     lambda w, n: numpy_momentum(w, n, nesterov=True), ["w/Momentum"]),
    ("adam", lambda: jg.train.AdamOptimizer(0.05), numpy_adam, ["w/Adam", "w/Adam_1", "beta1_power", "beta2_power"]),
    ("rmsprop", lambda: jg.train.RMSPropOptimizer(0.01, momentum=0.5), numpy_rmsprop, ["w/RMSProp", "w/RMSProp_1"]),
    ("rmsprop_centered", lambda: jg.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
     lambda w, n: numpy_rmsprop(w, n, centered=True), ["w/RMSProp", "w/RMSProp_1", "w/RMSProp_2"]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_ten_steps_match_numpy_formulas(case):
    _, make, reference, slot_names = case
    w = jg.Variable(W0, name="w")
    loss = jg.reduce_sum((w - TARGET) ** 3 / 3.0 + jg.square(w))
    step = jg.train.get_or_create_global_step()
    train_op = make().minimize(loss, global_step=step)
    names = [v.op.name for v in jg.global_variables()]
    assert names == ["w", "global_step", *slot_names]
    assert [v.op.name for v in jg.trainable_variables()] == ["w"]
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        for _ in range(10):
            sess.run(train_op)
        got, count = sess.run([w, step])
    np.testing.assert_allclose(np.asarray(got), reference(W0.astype(np.float64), 10), rtol=2e-5, atol=2e-6)
    assert int(count) == 10


def test_compute_and_apply_gradients_with_placeholder_learning_rate():
    lr = jg.placeholder(jg.float32, (), name="lr")
    w = jg.Variable(W0, name="w")
    loss = jg.reduce_sum((w - TARGET) ** 3 / 3.0 + jg.square(w))
    opt = jg.train.GradientDescentOptimizer(lr)
    grads_and_vars = opt.compute_gradients(loss)
    assert grads_and_vars[0][1] is w
    train_op = opt.apply_gradients(grads_and_vars)
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        sess.run(train_op, {lr: 0.02})
        sess.run(train_op, {lr: 0.02})
        np.testing.assert_allclose(np.asarray(sess.run(w)), numpy_sgd(W0.astype(np.float64), 2), rtol=1e-5)


def test_no_gradients_raises():
    w = jg.Variable(1.0, name="w")
    v = jg.Variable(2.0, name="v")
    with pytest.raises(errors.InvalidArgumentError, match=r"No gradients provided for any variable: \['v'\]"):
        jg.train.GradientDescentOptimizer(0.1).minimize(w * 2.0, var_list=[v])


def test_clip_by_global_norm_matches_tf1_formula():
    a = jg.constant([3.0, 4.0])
    b = jg.constant([[12.0]])
    (ca, cb), norm = jg.clip_by_global_norm([a, b], 6.5)
    with jg.Session() as sess:
        out = sess.run([ca, cb, norm])
    assert float(out[2]) == pytest.approx(13.0)
    np.testing.assert_allclose(np.asarray(out[0]), [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(out[1]), [[6.0]], rtol=1e-6)
