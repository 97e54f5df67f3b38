"""``DropoutWrapper``: no Variables of its own, the wrapped cell's outputs exactly at keep
probability 1 (floats or fed placeholders), and at 0.5 each dropped value 0 or twice the unwrapped
one, reproducibly under a graph seed; LSTM ``c`` states are never dropped (TF1's filter)."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close
from tests.rnn import reference

rnn_cell = jg.nn.rnn_cell
BATCH, TIME, DEPTH, UNITS = 4, 3, 5, 6
RNG = np.random.default_rng(2)
X = RNG.normal(size=(BATCH, DEPTH)).astype(np.float32)
C0, H0 = (RNG.normal(size=(BATCH, UNITS)).astype(np.float32) for _ in range(2))


def _run(fetches, feed=None):
    init = jg.global_variables_initializer()
    with jg.Session() as sess:
        sess.run(init)
        return sess.run(fetches, feed)


def _wrapped_and_plain_step(**keep):
    """One LSTM step through a DropoutWrapper and, with the same Variables, without it."""
    cell = rnn_cell.BasicLSTMCell(UNITS)
    wrapper = rnn_cell.DropoutWrapper(cell, **keep)
    state = rnn_cell.LSTMStateTuple(C0, H0)
    with jg.variable_scope("rnn"):
        wrapped = wrapper(X, state)
        plain = cell(X, state)
    return cell, wrapper, wrapped, plain


def _assert_zero_or_doubled(dropped, kept):
    """Each value of ``dropped`` is 0 or ``2 * kept`` (keep probability 0.5), and both occur."""
    zero = dropped == 0
    assert zero.any() and (~zero).any()
    assert_close(dropped[~zero], 2 * kept[~zero], atol=1e-5)


def test_keep_probability_one_is_the_wrapped_cell_exactly_and_adds_no_variables():
    cell, wrapper, wrapped, plain = _wrapped_and_plain_step()
    assert [v.op.name for v in jg.global_variables()] == [
        "rnn/basic_lstm_cell/kernel",
        "rnn/basic_lstm_cell/bias",
    ]
    assert wrapper.variables == cell.variables and wrapper.wrapped_cell is cell
    assert wrapper.state_size == (UNITS, UNITS) and wrapper.output_size == UNITS
    assert not [op.name for op in jg.get_default_graph().get_operations() if "dropout" in op.name]
    (out, (c, h)), (plain_out, (plain_c, plain_h)) = _run([wrapped, plain])
    np.testing.assert_array_equal(out, plain_out)
    np.testing.assert_array_equal(c, plain_c)
    np.testing.assert_array_equal(h, plain_h)


def test_wrapped_outputs_follow_tf1s_lstm_equations():
    cell, _, (output, state), _ = _wrapped_and_plain_step()
    out, (c, h), (kernel, bias) = _run([output, state, cell.variables])
    want_out, (want_c, want_h) = reference.lstm(X, (C0, H0), kernel, bias)
    assert_close(out, want_out, atol=1e-5)
    assert_close(c, want_c, atol=1e-5)
    assert_close(h, want_h, atol=1e-5)


def test_placeholder_keep_probabilities_fed_one_change_nothing():
    keep = jg.placeholder(jg.float32, (), name="keep")
    _, _, wrapped, plain = _wrapped_and_plain_step(
        input_keep_prob=keep, output_keep_prob=keep, state_keep_prob=keep
    )
    (out, (c, h)), (plain_out, (plain_c, plain_h)) = _run([wrapped, plain], {keep: 1.0})
    np.testing.assert_array_equal(out, plain_out)
    np.testing.assert_array_equal(c, plain_c)
    np.testing.assert_array_equal(h, plain_h)


def _dropped_output(graph_seed):
    with jg.Graph().as_default():
        jg.set_random_seed(graph_seed)
        _, _, (output, _), (plain, _) = _wrapped_and_plain_step(output_keep_prob=0.5)
        return _run([output, plain])


def test_output_dropout_zeroes_or_doubles_reproducibly_under_a_graph_seed():
    out, plain = _dropped_output(graph_seed=3)
    _assert_zero_or_doubled(out, plain)
    again, _ = _dropped_output(graph_seed=3)
    np.testing.assert_array_equal(again, out)
    other, _ = _dropped_output(graph_seed=4)
    assert not np.array_equal(other == 0, out == 0)


def test_state_dropout_drops_an_lstms_h_but_never_its_c():
    jg.set_random_seed(5)
    _, _, (output, (c, h)), (plain_out, (plain_c, plain_h)) = _wrapped_and_plain_step(state_keep_prob=0.5)
    got = _run([output, c, h, plain_out, plain_c, plain_h])
    np.testing.assert_array_equal(got[0], got[3])
    np.testing.assert_array_equal(got[1], got[4])
    _assert_zero_or_doubled(got[2], got[5])


def test_input_dropout_reaches_the_cell():
    # A linear cell that copies its inputs: kernel [I; 0], bias 0, identity activation.
    kernel = np.vstack([np.eye(DEPTH), np.zeros((DEPTH, DEPTH))]).astype(np.float32)
    cell = rnn_cell.BasicRNNCell(DEPTH, activation=lambda x: x)
    wrapper = rnn_cell.DropoutWrapper(cell, input_keep_prob=0.5, seed=11)
    with jg.variable_scope("rnn", initializer=jg.constant_initializer(kernel)):
        output, _ = wrapper(X, np.zeros((BATCH, DEPTH), np.float32))
    _assert_zero_or_doubled(_run(output), X)


def test_the_wrappers_seed_picks_the_masks():
    def masks(seed):
        with jg.Graph().as_default():
            jg.set_random_seed(1)
            _, _, (output, _), _ = _wrapped_and_plain_step(output_keep_prob=0.5, seed=seed)
            return _run(output) == 0

    np.testing.assert_array_equal(masks(7), masks(7))
    assert not np.array_equal(masks(7), masks(8))


def test_wrapped_cells_stack_and_run_in_dynamic_rnn():
    keep = jg.placeholder(jg.float32, (), name="keep")
    cells = [rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(UNITS), output_keep_prob=keep) for _ in range(2)]
    xs = RNG.normal(size=(BATCH, TIME, DEPTH)).astype(np.float32)
    outputs, _ = jg.nn.dynamic_rnn(rnn_cell.MultiRNNCell(cells), xs, dtype=jg.float32)
    names = [v.op.name for v in jg.global_variables()]
    assert names == [
        f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell/{w}" for k in (0, 1) for w in ("kernel", "bias")
    ]
    got, values = _run([outputs, jg.global_variables()], {keep: 1.0})
    zeros = np.zeros((BATCH, UNITS), np.float32)
    layer_inputs = xs.transpose(1, 0, 2)
    for k in (0, 1):
        step = lambda x, s, k=k: reference.lstm(x, s, values[2 * k], values[2 * k + 1])
        layer_inputs, _ = reference.unroll(step, layer_inputs, (zeros, zeros))
    assert_close(got, layer_inputs.transpose(1, 0, 2), atol=1e-5)


@pytest.mark.parametrize(
    "keep, message",
    [
        ({"input_keep_prob": 0.0}, "Parameter input_keep_prob must be between 0 and 1: 0"),
        ({"output_keep_prob": 1.5}, "Parameter output_keep_prob must be between 0 and 1: 1.5"),
    ],
)
def test_bad_keep_probabilities(keep, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), **keep)
    assert str(info.value) == message


def test_wrapping_something_that_is_not_a_cell():
    with pytest.raises(errors.InvalidArgumentError) as info:
        rnn_cell.DropoutWrapper("lstm")
    assert str(info.value) == "The parameter cell is not a RNNCell: 'lstm'"


def test_output_dropout_in_dynamic_rnn_draws_a_new_mask_each_step():
    # A basic RNN's state is its undropped output, so the wrapped run follows the plain one.
    jg.set_random_seed(6)
    cell = rnn_cell.BasicRNNCell(UNITS)
    xs = RNG.normal(size=(BATCH, 8, DEPTH)).astype(np.float32)
    wrapped, _ = jg.nn.dynamic_rnn(rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5), xs, dtype=jg.float32)
    plain, _ = jg.nn.dynamic_rnn(cell, xs, dtype=jg.float32)
    assert len(jg.global_variables()) == 2
    got, want = _run([wrapped, plain])
    _assert_zero_or_doubled(got, want)
    masks = [(np.asarray(got[:, t]) == 0).tobytes() for t in range(8)]
    assert len(set(masks)) == 8
