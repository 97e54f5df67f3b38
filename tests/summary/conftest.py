"""Event files written once for the whole session: TensorBoard's server and the
EventAccumulator tests read the same runs."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

import jaxgraph as jg
from tests.summary.graphs import feature_graph, write_digits_run


class Logs(NamedTuple):
    root: Path  # holds the runs "digits" and "features"
    losses: list[float]


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> Logs:
    """``digits``: the MLP's graph, 5 steps of loss scalars and a weight histogram;
    ``features``: ``feature_graph`` only."""
    root = tmp_path_factory.mktemp("logs")
    losses = write_digits_run(root / "digits")
    jg.summary.FileWriter(root / "features", feature_graph()).close()
    return Logs(root, losses)
