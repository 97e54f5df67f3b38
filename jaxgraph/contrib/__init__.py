"""``jg.contrib``: the parts of TF1's ``tf.contrib`` that TF1 programs commonly use —
``jg.contrib.rnn`` (aliases of ``jaxgraph.rnn``'s cells and drivers) and ``jg.contrib.layers``
(``fully_connected``, ``flatten``, the contrib initializers and ``l2_regularizer``). TF 2.x
dropped ``tf.contrib``; these keep its names."""

from jaxgraph.contrib import layers, rnn

__all__ = ["layers", "rnn"]
