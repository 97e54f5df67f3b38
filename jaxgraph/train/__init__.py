"""``jg.train``: optimizers as graph ops, the global step, and checkpoints (``Saver``)."""

from jaxgraph.train.optimizer import Optimizer, create_global_step, get_global_step, get_or_create_global_step
from jaxgraph.train.optimizers import (
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    RMSPropOptimizer,
)
from jaxgraph.train.saver import (
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
)

__all__ = [
    "AdamOptimizer", "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "RMSPropOptimizer",
    "Saver", "checkpoint_exists", "create_global_step", "get_checkpoint_state", "get_global_step",
    "get_or_create_global_step", "latest_checkpoint",
]  # fmt: skip
