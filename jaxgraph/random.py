"""TF1's ``tf.random`` namespace: the random ops under their newer names (``tf.random.normal``
is ``tf.random_normal``), ``set_random_seed`` and the candidate samplers (also in ``jg.nn``)."""

from jaxgraph.errors import guard_public_functions
from jaxgraph.ops.candidate_sampling import (
    fixed_unigram_candidate_sampler,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from jaxgraph.ops.random import random_normal as normal
from jaxgraph.ops.random import random_uniform as uniform
from jaxgraph.ops.random import truncated_normal
from jaxgraph.tracer.context import set_random_seed

__all__ = [
    "fixed_unigram_candidate_sampler",
    "log_uniform_candidate_sampler",
    "normal",
    "set_random_seed",
    "truncated_normal",
    "uniform",
    "uniform_candidate_sampler",
]

guard_public_functions(globals())  # errors from these builders end at the user's line
