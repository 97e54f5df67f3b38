"""``jg.train``: optimizers as graph ops, the global step, and checkpoints (``Saver``)."""

from jaxgraph.train.optimizer import Optimizer, create_global_step, get_global_step, get_or_create_global_step
from jaxgraph.train.optimizers import (
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    RMSPropOptimizer,
)
from jaxgraph.train.saver import Saver, latest_checkpoint

__all__ = [
    "AdamOptimizer", "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "RMSPropOptimizer",
    "Saver", "create_global_step", "get_global_step", "get_or_create_global_step", "latest_checkpoint",
]  # fmt: skip
