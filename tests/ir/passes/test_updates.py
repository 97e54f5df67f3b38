"""Update fusion: a rolled SGD update runs inside its backward scan, writing Variable rows in
place, with the unrolled program's values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.ir.passes import optimize
from jaxgraph.ir.passes.rolling import MAX_PICKED, MIN_OPS
from tests.helpers import tanh_chain


def _chain(layers):
    x, y = tanh_chain(layers)
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


def _session_steps(roll, steps=2, **session):
    """The Variables after ``steps`` SGD steps of the 12-layer chain in a Session made with
    ``session``, and the losses."""
    with jg.Graph().as_default():
        x, loss, train = _chain_step(12)
        feed = {x: np.random.RandomState(2).randn(4, 16).astype(np.float32)}
        with jg.Session(roll_loops=roll, **session) as s:
            s.run(jg.global_variables_initializer())
            losses = [s.run([loss, train], feed)[0] for _ in range(steps)]
            return s.run(jg.trainable_variables()), losses


def _chain_step(layers):
    x, loss = _chain(layers)
    return x, loss, jg.train.GradientDescentOptimizer(0.1).minimize(loss)


def test_fused_update_with_check_numerics_equals_the_unrolled_program():
    # the body's check statuses are threaded through the fused scan with its rows written in place
    rolled, rolled_losses = _session_steps(True, check_numerics=True)
    unrolled, unrolled_losses = _session_steps(False)
    assert rolled_losses == unrolled_losses
    for a, b in zip(rolled, unrolled, strict=True):
        np.testing.assert_array_equal(a, b)


def _rolled(layers):
    """The ``rolled`` attributes of the scans of the optimized SGD step (train op fetched)."""
    with jg.Graph().as_default():
        x, _, train = _chain_step(layers)
        graph = optimize([train], [x]).graph
        return [op.attrs["rolled"] for op in graph.operations if op.type == "scan"]


def test_a_training_step_rolls_only_when_its_update_run_pays():
    # 11 layers: the update run (11 blocks of 2 ops) is under MIN_OPS, so it stays unrolled and
    # reads the backward run's 2 * 10 gradients one by one (over MAX_PICKED): the backward run
    # stays unrolled, and then the forward run, whose activations it reads, too
    assert 11 * 2 < MIN_OPS and 10 * 2 > MAX_PICKED
    assert _rolled(11) == []
    assert _rolled(12) == [
        "12 blocks of 3 ops",
        "11 blocks of 4 ops, with rolled/GradientDescent/update_W0 (12 blocks of 2 ops)",
    ]
