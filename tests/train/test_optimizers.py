"""Optimizers: 10 steps of each against a NumPy implementation of TF1's documented formulas (and
Adam against its kernel's float32 arithmetic), hyperparameters made once, control inputs,
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


def _two_variable_adam_step():
    w = jg.Variable(W0, name="w")
    b = jg.Variable(np.array([0.5, -0.5], np.float32), name="b")
    loss = jg.reduce_sum((jg.matmul(w, w) + b) ** 2)
    step = jg.train.get_or_create_global_step()
    return w, b, step, jg.train.AdamOptimizer(0.05).minimize(loss, global_step=step)


def test_hyperparameters_are_made_once_per_apply_gradients():
    _two_variable_adam_step()
    ops = jg.get_default_graph().operations
    shared = [op.name for op in ops if op.name.startswith("Adam/") and "/update_" not in op.name]
    assert shared[:5] == ["Adam/learning_rate", "Adam/beta1", "Adam/beta2", "Adam/epsilon", "Adam/one"]
    assert {"Adam/lr_t", "Adam/one_minus_beta1", "Adam/one_minus_beta2"} <= set(shared)
    per_variable = [op for op in ops if "/update_" in op.name]
    assert {op.type for op in per_variable if op.name.startswith("Adam/update_w/")} == {
        "sub", "mul", "square", "assign_add", "sqrt", "add", "truediv", "assign_sub"}  # fmt: skip
    assert not [op.name for op in per_variable if op.type == "constant"]


def test_only_the_global_step_increment_waits_for_the_updates():
    *_, train_op = _two_variable_adam_step()
    waiting = {op.name: [c.name for c in op.control_inputs] for op in jg.get_default_graph().operations
               if op.control_inputs}  # fmt: skip
    assert waiting == {
        "Adam/Adam": ["Adam/update_w/AssignSub", "Adam/update_b/AssignSub", "Adam/update_beta1_power",
                      "Adam/update_beta2_power"],
        "Adam/AssignAdd": ["Adam/Adam"],
    }  # fmt: skip
    assert train_op.name == "Adam/AssignAdd"


def _numpy_adam_kernel(values, grads, steps, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8):
    """TF1's ApplyAdam kernel (training_ops.cc) in float32, as TF1 computes it."""
    f = np.float32
    lr, beta1, beta2, eps = f(lr), f(beta1), f(beta2), f(eps)
    ms, vs = [np.zeros_like(v) for v in values], [np.zeros_like(v) for v in values]
    b1p, b2p = beta1, beta2
    for _ in range(steps):
        gs = grads(values)
        lr_t = lr * np.sqrt(f(1) - b2p) / (f(1) - b1p)
        for i, g in enumerate(gs):
            ms[i] = ms[i] + (g - ms[i]) * (f(1) - beta1)
            vs[i] = vs[i] + (np.square(g) - vs[i]) * (f(1) - beta2)
            values[i] = values[i] - ms[i] * lr_t / (np.sqrt(vs[i]) + eps)
        b1p, b2p = b1p * beta1, b2p * beta2
    return values


def test_adam_follows_tf1_kernel_arithmetic_in_float32():
    w, b, step, train_op = _two_variable_adam_step()

    def grads(values):
        wv, bv = values
        r = 2 * (wv @ wv + bv)
        return [r @ wv.T + wv.T @ r, r.sum(axis=0)]

    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        for _ in range(5):
            sess.run(train_op)
        got = sess.run([w, b, step])
    expected = _numpy_adam_kernel([W0.copy(), np.array([0.5, -0.5], np.float32)], grads, 5)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5, atol=1e-6)
    assert int(got[2]) == 5
