"""Recurrent networks with TF1's API: the cells of ``tf.nn.rnn_cell`` (``jaxgraph.rnn.cells``) and
the ``static_rnn`` / ``static_bidirectional_rnn`` / ``dynamic_rnn`` drivers (``jaxgraph.rnn.api``),
exposed as ``jg.nn.rnn_cell``, ``jg.nn.static_rnn``, ``jg.nn.static_bidirectional_rnn`` and
``jg.nn.dynamic_rnn``."""

from jaxgraph.rnn import cells
from jaxgraph.rnn.api import dynamic_rnn, static_bidirectional_rnn, static_rnn
from jaxgraph.rnn.cells import (
    BasicLSTMCell,
    BasicRNNCell,
    DropoutWrapper,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    RNNCell,
)

__all__ = [
    "BasicLSTMCell", "BasicRNNCell", "DropoutWrapper", "GRUCell", "LSTMCell", "LSTMStateTuple", "MultiRNNCell",
    "RNNCell", "cells", "dynamic_rnn", "static_bidirectional_rnn", "static_rnn",
]  # fmt: skip
