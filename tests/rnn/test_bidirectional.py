"""``static_bidirectional_rnn``: TF1's variable names under ``bidirectional_rnn/fw`` and ``/bw``,
and outputs and final states against a NumPy forward pass plus a backward pass over each
sequence reversed within its length (TF1's ``reverse_sequence``)."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close
from tests.rnn import reference

rnn_cell = jg.nn.rnn_cell
BATCH, TIME, DEPTH, UNITS = 3, 4, 5, 2
RNG = np.random.default_rng(3)
XS = RNG.normal(size=(TIME, BATCH, DEPTH)).astype(np.float32)
LENGTHS = np.array([4, 2, 0], np.int32)


def _reverse_sequence(xs, lengths):
    """NumPy's TF1 ``reverse_sequence`` on time-major ``xs``: each row's first ``length`` steps reversed."""
    out = xs.copy()
    for b, n in enumerate(lengths):
        out[:n, b] = xs[:n, b][::-1]
    return out


def _run(fetches, feed=None):
    init = jg.global_variables_initializer()
    with jg.Session() as sess:
        sess.run(init)
        return sess.run(fetches, feed)


@pytest.mark.parametrize("with_lengths", [False, True])
def test_matches_a_numpy_forward_and_backward_pass(with_lengths):
    cell_fw, cell_bw = rnn_cell.BasicLSTMCell(UNITS), rnn_cell.GRUCell(UNITS + 1)
    xs = [jg.placeholder(jg.float32, (None, DEPTH), name=f"x{t}") for t in range(TIME)]
    lengths = LENGTHS if with_lengths else np.full(BATCH, TIME, np.int32)
    outputs, state_fw, state_bw = jg.nn.static_bidirectional_rnn(
        cell_fw, cell_bw, xs, dtype=jg.float32, sequence_length=lengths if with_lengths else None
    )
    assert [v.op.name for v in cell_fw.variables + cell_bw.variables] == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel",
        "bidirectional_rnn/fw/basic_lstm_cell/bias",
        "bidirectional_rnn/bw/gru_cell/gates/kernel",
        "bidirectional_rnn/bw/gru_cell/gates/bias",
        "bidirectional_rnn/bw/gru_cell/candidate/kernel",
        "bidirectional_rnn/bw/gru_cell/candidate/bias",
    ]
    assert len(outputs) == TIME and outputs[0].shape[-1] == 2 * UNITS + 1
    got, (c, h), bw_state, w = _run(
        [outputs, state_fw, state_bw, cell_fw.variables + cell_bw.variables],
        {x: XS[t] for t, x in enumerate(xs)},
    )
    zeros = lambda n: np.zeros((BATCH, n), np.float32)
    step_fw = lambda x, s: reference.lstm(x, s, w[0], w[1])
    step_bw = lambda x, s: reference.gru(x, s, *w[2:])
    want_fw, (want_c, want_h) = reference.unroll(step_fw, XS, (zeros(UNITS), zeros(UNITS)), lengths)
    reversed_bw, want_bw_state = reference.unroll(
        step_bw, _reverse_sequence(XS, lengths), zeros(UNITS + 1), lengths
    )
    want = np.concatenate([want_fw, _reverse_sequence(reversed_bw, lengths)], axis=2)
    assert_close(np.stack(got), want, atol=1e-5)
    assert_close(c, want_c, atol=1e-5)
    assert_close(h, want_h, atol=1e-5)
    assert_close(bw_state, want_bw_state, atol=1e-5)


def test_initial_states_and_a_scope():
    cell_fw, cell_bw = rnn_cell.BasicRNNCell(UNITS), rnn_cell.BasicRNNCell(UNITS)
    h_fw, h_bw = (RNG.normal(size=(BATCH, UNITS)).astype(np.float32) for _ in range(2))
    outputs, state_fw, state_bw = jg.nn.static_bidirectional_rnn(
        cell_fw, cell_bw, list(XS), initial_state_fw=h_fw, initial_state_bw=h_bw, scope="birnn"
    )
    assert [v.op.name for v in jg.global_variables()] == [
        "birnn/fw/basic_rnn_cell/kernel", "birnn/fw/basic_rnn_cell/bias",
        "birnn/bw/basic_rnn_cell/kernel", "birnn/bw/basic_rnn_cell/bias",
    ]  # fmt: skip
    got, fw, bw, w = _run([outputs, state_fw, state_bw, jg.global_variables()])
    want_fw, want_state_fw = reference.unroll(lambda x, s: reference.basic_rnn(x, s, w[0], w[1]), XS, h_fw)
    want_bw, want_state_bw = reference.unroll(
        lambda x, s: reference.basic_rnn(x, s, w[2], w[3]), XS[::-1], h_bw
    )
    assert_close(np.stack(got), np.concatenate([want_fw, want_bw[::-1]], axis=2), atol=1e-5)
    assert_close(fw, want_state_fw, atol=1e-5)
    assert_close(bw, want_state_bw, atol=1e-5)


def test_the_cells_must_be_rnn_cells():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.static_bidirectional_rnn(rnn_cell.GRUCell(UNITS), "gru", list(XS), dtype=jg.float32)
    assert str(info.value) == "cell_fw and cell_bw must be instances of RNNCell"
