"""TF1's graph collections at module level: ``GraphKeys`` and ``tf.get_collection`` /
``tf.add_to_collection`` & co., each acting on the default graph.

The collections themselves are the default graph's (``jaxgraph.builder.Graph.collections``);
jaxgraph's own code files Variables, the global step and summaries under ``GraphKeys``' strings,
which are TF1's, so a TF1 program that reads ``tf.get_collection("variables")`` finds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jaxgraph.builder import get_default_graph


class GraphKeys:
    """TF1's ``tf.GraphKeys``: the standard collection names (the strings TF1 uses)."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = GLOBAL_VARIABLES  # TF1's deprecated name
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"


def get_collection(key: str, scope: str | None = None) -> list[Any]:
    """A copy of the default graph's collection ``key``, filtered to the items whose ``.name`` the
    regular expression ``scope`` matches at its start when given; TF1's ``tf.get_collection``."""
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key: str) -> list[Any]:
    """The default graph's collection ``key`` itself, for editing; TF1's ``tf.get_collection_ref``."""
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name: str, value: Any) -> None:
    """Appends ``value`` to the default graph's collection ``name``; TF1's ``tf.add_to_collection``."""
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names: str | Iterable[str], value: Any) -> None:
    """Adds ``value`` to each of the default graph's collections ``names`` (a name or several);
    TF1's ``tf.add_to_collections``."""
    get_default_graph().add_to_collections(names, value)
