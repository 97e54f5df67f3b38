"""``jg.contrib.rnn``: TF1's ``tf.contrib.rnn`` names are the same objects as ``jg.nn.rnn_cell``'s
and ``jg.nn``'s, so a contrib-era program builds TF1's variable names."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close
from tests.rnn import reference

NAMES = [
    "BasicLSTMCell",
    "BasicRNNCell",
    "DropoutWrapper",
    "GRUCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
]


@pytest.mark.parametrize("name", NAMES)
def test_cells_are_aliases_of_nn_rnn_cell(name):
    assert getattr(jg.contrib.rnn, name) is getattr(jg.nn.rnn_cell, name)


@pytest.mark.parametrize("name", ["static_rnn", "static_bidirectional_rnn"])
def test_drivers_are_nns_functions(name):
    # Both namespaces wrap the one function in an api_boundary (errors end at the user's line).
    assert getattr(jg.contrib.rnn, name).__wrapped__ is getattr(jg.nn, name).__wrapped__


def test_a_contrib_era_lstm_program():
    rnn = jg.contrib.rnn
    xs = np.random.default_rng(4).normal(size=(3, 2, 4)).astype(np.float32)  # time-major
    cell = rnn.DropoutWrapper(rnn.BasicLSTMCell(5), output_keep_prob=1.0)
    outputs, state = rnn.static_rnn(cell, list(xs), dtype=jg.float32)
    assert [v.op.name for v in jg.global_variables()] == [
        "rnn/basic_lstm_cell/kernel",
        "rnn/basic_lstm_cell/bias",
    ]
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        got, (kernel, bias) = sess.run([outputs, jg.global_variables()])
    zeros = np.zeros((2, 5), np.float32)
    want, _ = reference.unroll(lambda x, s: reference.lstm(x, s, kernel, bias), xs, (zeros, zeros))
    assert_close(np.stack(got), want, atol=1e-5)
