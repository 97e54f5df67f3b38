"""``jg.summary``: TensorBoard summaries and event files, with the ``tensorboard`` package's protos
(no TensorFlow).

``scalar`` / ``histogram`` / ``merge`` / ``merge_all`` build summary ops (see
``jaxgraph.summary.summaries``); ``FileWriter`` writes graphs and summaries to event files;
``to_graph_def`` exports a Graph as a TensorBoard GraphDef. ``FileWriter`` and ``to_graph_def``
import tensorboard when first used, so ``import jaxgraph`` works without it.
"""

from __future__ import annotations

import importlib
from typing import Any

from jaxgraph.summary.summaries import SUMMARIES, Summaries, histogram, merge, merge_all, scalar

_NEEDS_TENSORBOARD = {
    "FileWriter": "jaxgraph.summary.writer",
    "summary_proto": "jaxgraph.summary.writer",
    "to_graph_def": "jaxgraph.summary.graph_def",
}


def __getattr__(name: str) -> Any:
    """``FileWriter`` and ``to_graph_def``, imported on first use (they need tensorboard)."""
    module = _NEEDS_TENSORBOARD.get(name)
    if module is None:
        raise AttributeError(f"module 'jaxgraph.summary' has no attribute '{name}'")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("tensorboard"):
            raise ImportError(
                f"jg.summary.{name} needs the tensorboard package: pip install tensorboard"
            ) from None
        raise


__all__ = [
    "SUMMARIES", "FileWriter", "Summaries", "histogram", "merge", "merge_all", "scalar",
    "summary_proto", "to_graph_def",
]  # fmt: skip
