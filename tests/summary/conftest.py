"""Event files written once for the whole session: TensorBoard's server and the
EventAccumulator tests read the same runs."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

import jaxgraph as jg
from tests.helpers import load_example
from tests.summary.graphs import feature_graph


class Logs(NamedTuple):
    root: Path  # holds the runs "digits", "features" and "inception"
    losses: list[float]


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> Logs:
    """``digits``: the run of ``examples/tensorboard_graph.py`` (the digits MLP's graph, loss
    scalars and a weight histogram), 5 steps; ``features``: ``feature_graph`` only;
    ``inception``: the graph of ``examples/inception.py`` (Inception-v3's training step)."""
    root = tmp_path_factory.mktemp("logs")
    losses = load_example("tensorboard_graph").write_run(root, steps=5, batch_size=32)
    jg.summary.FileWriter(root / "features", feature_graph()).close()
    load_example("inception").write_graph(root)
    return Logs(root, losses)
