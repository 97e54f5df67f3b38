"""NumPy references of TF1's RNN cell equations (rnn_cell_impl.py), shared by the RNN tests."""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def basic_rnn(x, h, kernel, bias):
    out = np.tanh(np.concatenate([x, h], 1) @ kernel + bias)
    return out, out


def lstm(x, state, kernel, bias, forget_bias=1.0, peepholes=None, cell_clip=None, projection=None):
    """TF1's LSTM step: gates i, j, f, o; returns ``(h, (c, h))``."""
    c, h = state
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
    w_f, w_i, w_o = peepholes if peepholes is not None else (0, 0, 0)
    c = c * sigmoid(f + forget_bias + w_f * c) + sigmoid(i + w_i * c) * np.tanh(j)
    if cell_clip is not None:
        c = np.clip(c, -cell_clip, cell_clip)
    h = np.tanh(c) * sigmoid(o + w_o * c)
    if projection is not None:
        h = h @ projection
    return h, (c, h)


def gru(x, h, gate_kernel, gate_bias, candidate_kernel, candidate_bias):
    r, u = np.split(sigmoid(np.concatenate([x, h], 1) @ gate_kernel + gate_bias), 2, axis=1)
    candidate = np.tanh(np.concatenate([x, r * h], 1) @ candidate_kernel + candidate_bias)
    new_h = u * h + (1 - u) * candidate
    return new_h, new_h


def unroll(step, xs, state, lengths=None):
    """Runs ``step(x, state) -> (output, state)`` over time-major ``xs``; with ``lengths``, TF1's
    rule: zero outputs and a frozen state past each sequence's length."""
    outputs = []
    for t, x in enumerate(xs):
        out, new_state = step(x, state)
        if lengths is not None:
            valid = (t < lengths)[:, None]
            out = np.where(valid, out, 0)
            new_state = _map(lambda new, old, keep=valid: np.where(keep, new, old), new_state, state)
        outputs.append(out)
        state = new_state
    return np.stack(outputs), state


def _map(fn, a, b):
    if isinstance(a, tuple):
        return tuple(_map(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)
