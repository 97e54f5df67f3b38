"""``static_rnn`` and ``dynamic_rnn``: outputs and final states against a NumPy unrolling of TF1's
equations (with and without ``sequence_length``), TF1's variable names, and gradients of a loss
through both against ``jax.grad`` of the same model written in JAX."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close
from tests.rnn import reference

rnn_cell = jg.nn.rnn_cell
BATCH, TIME, DEPTH, UNITS = 3, 5, 4, 6
RNG = np.random.default_rng(1)
XS = RNG.normal(size=(BATCH, TIME, DEPTH)).astype(np.float32)
LENGTHS = np.array([5, 2, 0], np.int32)


def _run(fetches, feed):
    init = jg.global_variables_initializer()
    with jg.Session() as sess:
        sess.run(init)
        return sess.run(fetches, feed)


def _lstm_step(values, prefix="rnn/basic_lstm_cell/"):
    return lambda x, s: reference.lstm(x, s, values[prefix + "kernel"], values[prefix + "bias"])


@pytest.mark.parametrize("with_lengths", [False, True])
def test_static_rnn_matches_numpy_unrolling(with_lengths):
    cell = rnn_cell.BasicLSTMCell(UNITS)
    xs = [jg.placeholder(jg.float32, (None, DEPTH), name=f"x{t}") for t in range(TIME)]
    lengths = jg.constant(LENGTHS) if with_lengths else None
    outputs, state = jg.nn.static_rnn(cell, xs, dtype=jg.float32, sequence_length=lengths)
    assert [v.op.name for v in cell.variables] == ["rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"]
    assert len(outputs) == TIME and isinstance(state, rnn_cell.LSTMStateTuple)
    got, final, values = _run([outputs, state, cell.variables], {x: XS[:, t] for t, x in enumerate(xs)})
    values = dict(zip([v.op.name for v in cell.variables], values))
    zeros = np.zeros((BATCH, UNITS), np.float32)
    want, (c, h) = reference.unroll(
        _lstm_step(values), XS.transpose(1, 0, 2), (zeros, zeros), LENGTHS if with_lengths else None
    )
    assert_close(np.stack(got), want, atol=1e-5)
    assert_close(final.c, c, atol=1e-5)
    assert_close(final.h, h, atol=1e-5)


def test_static_rnn_with_an_initial_state_and_a_gru():
    cell = rnn_cell.GRUCell(UNITS)
    h0 = RNG.normal(size=(BATCH, UNITS)).astype(np.float32)
    outputs, state = jg.nn.static_rnn(cell, list(XS.transpose(1, 0, 2)), initial_state=h0, scope="encoder")
    got, final, values = _run([outputs, state, cell.variables], None)
    w = dict(zip([v.op.name.removeprefix("encoder/gru_cell/") for v in cell.variables], values))
    step = lambda x, h: reference.gru(
        x, h, w["gates/kernel"], w["gates/bias"], w["candidate/kernel"], w["candidate/bias"]
    )  # noqa: E731
    want, h = reference.unroll(step, XS.transpose(1, 0, 2), h0)
    assert_close(np.stack(got), want, atol=1e-5)
    assert_close(final, h, atol=1e-5)


@pytest.mark.parametrize("time_major", [False, True])
def test_dynamic_rnn_matches_numpy_unrolling(time_major):
    """A two-layer LSTM over inputs of unknown batch and time, with sequence lengths."""
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS), rnn_cell.BasicLSTMCell(UNITS)])
    shape = (None, None, DEPTH)
    x = jg.placeholder(jg.float32, shape, name="x")
    lengths = jg.placeholder(jg.int32, (None,), name="lengths")
    outputs, state = jg.nn.dynamic_rnn(
        cell, x, sequence_length=lengths, dtype=jg.float32, time_major=time_major
    )
    names = [v.op.name for v in cell.variables]
    assert names == [
        f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell/{n}" for k in (0, 1) for n in ("kernel", "bias")
    ]
    assert [v.op.name for v in jg.global_variables()] == names
    assert outputs.shape.as_list() == [None, None, UNITS]
    feed = XS.transpose(1, 0, 2) if time_major else XS
    got, final, values = _run([outputs, state, cell.variables], {x: feed, lengths: LENGTHS})
    values = dict(zip(names, values))
    layers = [_lstm_step(values, f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell/") for k in (0, 1)]

    def step(x_t, states):
        h0, s0 = layers[0](x_t, states[0])
        h1, s1 = layers[1](h0, states[1])
        return h1, (s0, s1)

    zeros = np.zeros((BATCH, UNITS), np.float32)
    want, want_state = reference.unroll(step, XS.transpose(1, 0, 2), ((zeros, zeros),) * 2, LENGTHS)
    assert_close(got, want if time_major else want.transpose(1, 0, 2), atol=1e-5)
    for k in (0, 1):
        assert_close(final[k].c, want_state[k][0], atol=1e-5)
        assert_close(final[k].h, want_state[k][1], atol=1e-5)


def _jax_lstm_loss(params, xs):
    """The same model in JAX: an LSTM (TF1's equations) over time-major ``xs``, sum of squares."""
    kernel, bias = params

    def step(state, x):
        c, h = state
        i, j, f, o = jnp.split(jnp.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
        c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        h = jnp.tanh(c) * jax.nn.sigmoid(o)
        return (c, h), h

    zeros = jnp.zeros((xs.shape[1], kernel.shape[1] // 4), xs.dtype)
    _, hs = jax.lax.scan(step, (zeros, zeros), xs)
    return jnp.sum(hs**2) + jnp.sum(hs[-1])


@pytest.mark.parametrize("driver", ["static_rnn", "dynamic_rnn"])
def test_gradients_match_jax_grad(driver):
    cell = rnn_cell.BasicLSTMCell(UNITS)
    x = jg.placeholder(jg.float32, (BATCH, TIME, DEPTH), name="x")
    if driver == "static_rnn":
        outputs, state = jg.nn.static_rnn(cell, jg.unstack(x, axis=1), dtype=jg.float32)
        outputs = jg.stack(outputs, axis=1)
    else:
        outputs, state = jg.nn.dynamic_rnn(cell, x, dtype=jg.float32)
    loss = jg.reduce_sum(jg.square(outputs)) + jg.reduce_sum(state.h)
    grads = jg.gradients(loss, [*cell.variables, x])
    got_loss, got, params = _run([loss, grads, cell.variables], {x: XS})
    xs = XS.transpose(1, 0, 2)
    want_loss, (want_params, want_x) = jax.value_and_grad(_jax_lstm_loss, argnums=(0, 1))(params, xs)
    assert_close(got_loss, np.asarray(want_loss), rtol=1e-5)
    assert_close(got[0], np.asarray(want_params[0]), rtol=1e-4, atol=1e-5)
    assert_close(got[1], np.asarray(want_params[1]), rtol=1e-4, atol=1e-5)
    assert_close(got[2], np.asarray(want_x).transpose(1, 0, 2), rtol=1e-4, atol=1e-5)


def test_errors():
    cell = rnn_cell.BasicLSTMCell(UNITS)
    x = jg.placeholder(jg.float32, (BATCH, TIME, DEPTH))
    with pytest.raises(
        errors.InvalidArgumentError, match="If no initial_state is provided, dtype must be specified"
    ):
        jg.nn.dynamic_rnn(cell, x)
    with pytest.raises(
        errors.InvalidArgumentError,
        match=re.escape("dynamic_rnn expects inputs of rank >= 3, got shape [3, 4]"),
    ):
        jg.nn.dynamic_rnn(cell, x[:, 0], dtype=jg.float32)
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("sequence_length must be a vector, got shape [3, 1]")
    ):
        jg.nn.dynamic_rnn(cell, x, sequence_length=np.ones((3, 1), np.int32), dtype=jg.float32)
    with pytest.raises(errors.InvalidArgumentError, match="inputs must not be empty"):
        jg.nn.static_rnn(cell, [], dtype=jg.float32)
