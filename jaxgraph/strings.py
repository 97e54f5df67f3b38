"""``jg.strings``: TF1's ``tf.strings``, as far as jaxgraph has string ops (``join``,
``as_string``); they run on the host, around the XLA executable (``jaxgraph.ops.strings``)."""

from jaxgraph.ops.strings import as_string, join

__all__ = ["as_string", "join"]
