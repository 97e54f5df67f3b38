"""``jg.layers``: TF1's ``tf.layers`` — layer classes and functions with TF1's Variable names."""

from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.layers.base import Layer
from jaxgraph.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten

__all__ = ["Dense", "Dropout", "Flatten", "Layer", "dense", "dropout", "flatten"]

_guard_public_functions(globals())  # errors from these builders end at the user's line
