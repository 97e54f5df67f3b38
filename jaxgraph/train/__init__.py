"""``jg.train``: optimizers as graph ops, learning-rate schedules, moving averages, the global
step, checkpoints (``Saver``), and TF1's ``ClusterSpec`` (``jaxgraph.distribute``)."""

from jaxgraph.distribute.cluster import ClusterSpec
from jaxgraph.train.checkpoint_utils import (
    NewCheckpointReader,
    list_variables,
    load_checkpoint,
    load_variable,
)
from jaxgraph.train.hooks import (
    CheckpointSaverHook,
    LoggingTensorHook,
    NanLossDuringTrainingError,
    NanTensorHook,
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
    StepCounterHook,
    StopAtStepHook,
    SummarySaverHook,
)
from jaxgraph.train.learning_rate_decay import (
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
)
from jaxgraph.train.meta_graph import import_meta_graph
from jaxgraph.train.monitored_session import MonitoredSession, MonitoredTrainingSession
from jaxgraph.train.moving_averages import ExponentialMovingAverage
from jaxgraph.train.optimizer import Optimizer, create_global_step, get_global_step, get_or_create_global_step
from jaxgraph.train.optimizers import (
    AdadeltaOptimizer,
    AdagradOptimizer,
    AdamOptimizer,
    FtrlOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    ProximalGradientDescentOptimizer,
    RMSPropOptimizer,
)
from jaxgraph.train.saver import (
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
)

__all__ = [
    "AdadeltaOptimizer", "AdagradOptimizer", "AdamOptimizer", "CheckpointSaverHook", "ClusterSpec",
    "ExponentialMovingAverage", "LoggingTensorHook", "MonitoredSession", "MonitoredTrainingSession",
    "NanLossDuringTrainingError", "NanTensorHook", "SessionRunArgs", "SessionRunContext", "SessionRunHook",
    "SessionRunValues", "StepCounterHook", "StopAtStepHook", "SummarySaverHook", "FtrlOptimizer",
    "GradientDescentOptimizer", "MomentumOptimizer", "NewCheckpointReader", "Optimizer",
    "ProximalGradientDescentOptimizer", "RMSPropOptimizer", "Saver", "checkpoint_exists", "cosine_decay",
    "create_global_step", "exponential_decay", "get_checkpoint_state", "get_global_step",
    "get_or_create_global_step", "import_meta_graph", "inverse_time_decay", "latest_checkpoint", "list_variables",
    "load_checkpoint", "load_variable", "natural_exp_decay", "piecewise_constant", "polynomial_decay",
]  # fmt: skip
