"""TF1's ``tf.random`` namespace: the random ops under their newer names (``tf.random.normal``
is ``tf.random_normal``) and ``set_random_seed``."""

from jaxgraph.errors import guard_public_functions
from jaxgraph.ops.random import random_normal as normal
from jaxgraph.ops.random import random_uniform as uniform
from jaxgraph.ops.random import truncated_normal
from jaxgraph.tracer.context import set_random_seed

__all__ = ["normal", "set_random_seed", "truncated_normal", "uniform"]

guard_public_functions(globals())  # errors from these builders end at the user's line
