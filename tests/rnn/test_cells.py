"""RNN cells: TF1's variable names, shapes and initial values, and one step of each cell against
a NumPy implementation of TF1's equations (forget bias 1.0, gates i, j, f, o)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close
from tests.rnn import reference

rnn_cell = jg.nn.rnn_cell
BATCH, DEPTH, UNITS = 3, 4, 5
RNG = np.random.default_rng(0)
X = RNG.normal(size=(BATCH, DEPTH)).astype(np.float32)


def _state(*sizes):
    return tuple(RNG.normal(size=(BATCH, n)).astype(np.float32) for n in sizes)


def _step(cell, state, scope="rnn"):
    """One call of ``cell`` in ``variable_scope(scope)``; returns the fetched output, new state
    and ``{variable name: value}``."""
    x = jg.placeholder(jg.float32, (None, DEPTH), name="x")
    with jg.variable_scope(scope):
        output, new_state = cell(x, state)
    init = jg.global_variables_initializer()
    with jg.Session() as sess:
        sess.run(init)
        out, new, values = sess.run([output, new_state, cell.variables], {x: X})
    return out, new, dict(zip(_names(cell), values))


def _names(cell):
    return [v.op.name for v in cell.variables]


def _shapes(cell):
    return {v.op.name: v.shape.as_list() for v in cell.variables}


def test_basic_lstm_cell_names_shapes_and_equations():
    cell = rnn_cell.BasicLSTMCell(UNITS)
    c, h = _state(UNITS, UNITS)
    out, new, w = _step(cell, rnn_cell.LSTMStateTuple(c, h))
    assert _shapes(cell) == {
        "rnn/basic_lstm_cell/kernel": [DEPTH + UNITS, 4 * UNITS],
        "rnn/basic_lstm_cell/bias": [4 * UNITS],
    }
    assert cell.state_size == (UNITS, UNITS) and cell.output_size == UNITS
    assert isinstance(new, rnn_cell.LSTMStateTuple)
    np.testing.assert_array_equal(w["rnn/basic_lstm_cell/bias"], np.zeros(4 * UNITS, np.float32))
    want_out, (want_c, want_h) = reference.lstm(
        X, (c, h), w["rnn/basic_lstm_cell/kernel"], w["rnn/basic_lstm_cell/bias"]
    )
    assert_close(out, want_out, rtol=1e-5, atol=1e-6)
    assert_close(new.c, want_c, rtol=1e-5, atol=1e-6)
    assert_close(new.h, want_h, rtol=1e-5, atol=1e-6)


def test_basic_lstm_cell_forget_bias_and_concatenated_state():
    """``state_is_tuple=False`` packs ``[c, h]`` along axis 1; ``forget_bias`` is added to f."""
    cell = rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.25, state_is_tuple=False)
    c, h = _state(UNITS, UNITS)
    out, new, w = _step(cell, np.concatenate([c, h], 1))
    want_out, (want_c, want_h) = reference.lstm(
        X, (c, h), w["rnn/basic_lstm_cell/kernel"], w["rnn/basic_lstm_cell/bias"], forget_bias=0.25
    )
    assert cell.state_size == 2 * UNITS
    assert_close(out, want_out)
    assert_close(new, np.concatenate([want_c, want_h], 1))


def test_lstm_cell_with_peepholes_clipping_and_projection():
    proj = 3
    cell = rnn_cell.LSTMCell(UNITS, use_peepholes=True, cell_clip=0.5, num_proj=proj)
    c, h = _state(UNITS, proj)
    out, new, w = _step(cell, rnn_cell.LSTMStateTuple(c, h))
    assert _shapes(cell) == {
        "rnn/lstm_cell/kernel": [DEPTH + proj, 4 * UNITS],
        "rnn/lstm_cell/bias": [4 * UNITS],
        "rnn/lstm_cell/w_f_diag": [UNITS],
        "rnn/lstm_cell/w_i_diag": [UNITS],
        "rnn/lstm_cell/w_o_diag": [UNITS],
        "rnn/lstm_cell/projection/kernel": [UNITS, proj],
    }
    assert cell.state_size == (UNITS, proj) and cell.output_size == proj
    p = "rnn/lstm_cell/"
    want_out, (want_c, want_h) = reference.lstm(
        X, (c, h), w[p + "kernel"], w[p + "bias"],
        peepholes=(w[p + "w_f_diag"], w[p + "w_i_diag"], w[p + "w_o_diag"]),
        cell_clip=0.5, projection=w[p + "projection/kernel"],
    )  # fmt: skip
    assert np.abs(new.c).max() <= 0.5
    assert_close(out, want_out)
    assert_close(new.c, want_c)
    assert_close(new.h, want_h)


def test_gru_cell_names_initial_biases_and_equations():
    cell = rnn_cell.GRUCell(UNITS)
    (h,) = _state(UNITS)
    out, new, w = _step(cell, h)
    assert _shapes(cell) == {
        "rnn/gru_cell/gates/kernel": [DEPTH + UNITS, 2 * UNITS],
        "rnn/gru_cell/gates/bias": [2 * UNITS],
        "rnn/gru_cell/candidate/kernel": [DEPTH + UNITS, UNITS],
        "rnn/gru_cell/candidate/bias": [UNITS],
    }
    np.testing.assert_array_equal(w["rnn/gru_cell/gates/bias"], np.ones(2 * UNITS, np.float32))
    np.testing.assert_array_equal(w["rnn/gru_cell/candidate/bias"], np.zeros(UNITS, np.float32))
    want, _ = reference.gru(
        X,
        h,
        *(
            w["rnn/gru_cell/" + k]
            for k in ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")
        ),
    )
    assert_close(out, want)
    assert_close(new, want)


def test_basic_rnn_cell_in_a_custom_scope():
    cell = rnn_cell.BasicRNNCell(UNITS, name="my_rnn")
    (h,) = _state(UNITS)
    out, new, w = _step(cell, h, scope="encoder")
    assert _names(cell) == ["encoder/my_rnn/kernel", "encoder/my_rnn/bias"]
    want, _ = reference.basic_rnn(X, h, w["encoder/my_rnn/kernel"], w["encoder/my_rnn/bias"])
    assert_close(out, want)
    assert_close(new, want)


def test_multi_rnn_cell_scopes_and_chaining():
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS), rnn_cell.GRUCell(2)])
    c, h, g = _state(UNITS, UNITS, 2)
    out, new, w = _step(cell, (rnn_cell.LSTMStateTuple(c, h), g))
    assert _shapes(cell) == {
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel": [DEPTH + UNITS, 4 * UNITS],
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias": [4 * UNITS],
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel": [UNITS + 2, 4],
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias": [4],
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel": [UNITS + 2, 2],
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias": [2],
    }
    assert cell.state_size == ((UNITS, UNITS), 2) and cell.output_size == 2
    p0, p1 = "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/", "rnn/multi_rnn_cell/cell_1/gru_cell/"
    h0, lstm_state = reference.lstm(X, (c, h), w[p0 + "kernel"], w[p0 + "bias"])
    h1, _ = reference.gru(
        h0, g, *(w[p1 + k] for k in ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"))
    )
    assert_close(out, h1)
    assert_close(new[0].c, lstm_state[0])
    assert_close(new[0].h, lstm_state[1])
    assert_close(new[1], h1)


def test_a_cell_creates_its_variables_once():
    cell = rnn_cell.BasicLSTMCell(UNITS)
    x = jg.placeholder(jg.float32, (BATCH, DEPTH))
    state = cell.zero_state(BATCH, jg.float32)
    with jg.variable_scope("rnn"):
        _, state = cell(x, state)
        cell(x, state)
    assert _names(cell) == ["rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"]
    assert [v.op.name for v in jg.global_variables()] == _names(cell)


def test_zero_state_with_static_and_run_time_batch():
    x = jg.placeholder(jg.float32, (None, DEPTH), name="x")
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS), rnn_cell.GRUCell(2)])
    static = cell.zero_state(BATCH, jg.float32)
    dynamic = cell.zero_state(jg.shape(x)[0], jg.float32)
    assert isinstance(static[0], rnn_cell.LSTMStateTuple)
    assert static[0].c.shape.as_list() == [BATCH, UNITS] and dynamic[1].shape.as_list() == [None, 2]
    assert static[0].c.op.name.startswith("MultiRNNCellZeroState/")
    with jg.Session() as sess:
        values = sess.run(dynamic, {x: np.ones((7, DEPTH), np.float32)})
    assert_close(values[0].h, np.zeros((7, UNITS), np.float32))
    assert_close(values[1], np.zeros((7, 2), np.float32))


def test_errors():
    x = jg.placeholder(jg.float32, (BATCH, None))
    cell = rnn_cell.BasicLSTMCell(UNITS)
    with pytest.raises(
        errors.InvalidArgumentError,
        match=re.escape("BasicLSTMCell needs the inputs' last dimension to be known, got shape [3, None]"),
    ):
        cell(x, cell.zero_state(BATCH, jg.float32))
    with pytest.raises(
        errors.InvalidArgumentError,
        match=re.escape("zero_state's batch_size must be an int or jg.shape(x)[i], got Tensor 'x:0'"),
    ):
        cell.zero_state(jg.placeholder(jg.int32, (), name="x"), jg.float32)
    with pytest.raises(errors.InvalidArgumentError, match="Must specify at least one cell for MultiRNNCell."):
        rnn_cell.MultiRNNCell([])
    y = jg.placeholder(jg.float32, (BATCH, DEPTH))
    with jg.variable_scope("rnn"):
        rnn_cell.GRUCell(UNITS)(y, np.zeros((BATCH, UNITS), np.float32))
        with pytest.raises(
            errors.InvalidArgumentError,
            match=re.escape("Variable rnn/gru_cell/gates/kernel already exists, disallowed."),
        ):
            rnn_cell.GRUCell(UNITS)(y, np.zeros((BATCH, UNITS), np.float32))
