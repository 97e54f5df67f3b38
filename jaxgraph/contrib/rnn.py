"""TF1's ``tf.contrib.rnn``: the RNN cells and ``static_rnn`` / ``static_bidirectional_rnn``,
the same objects as ``jg.nn.rnn_cell`` and ``jg.nn`` hold (``jaxgraph.rnn``), under the names
TF1 programs import from ``tf.contrib.rnn``."""

from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.rnn.api import static_bidirectional_rnn, static_rnn
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
    "RNNCell", "static_bidirectional_rnn", "static_rnn",
]  # fmt: skip

_guard_public_functions(globals())  # errors from these builders end at the user's line
