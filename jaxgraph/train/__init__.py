"""``jg.train``: optimizers as graph ops and the global step."""

from jaxgraph.train.optimizer import Optimizer, create_global_step, get_global_step, get_or_create_global_step
from jaxgraph.train.optimizers import (
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    RMSPropOptimizer,
)

__all__ = [
    "AdamOptimizer", "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "RMSPropOptimizer",
    "create_global_step", "get_global_step", "get_or_create_global_step",
]  # fmt: skip
