"""Test-suite wide fixtures: every graph a test builds is checked by the IR verifier."""

from __future__ import annotations

import pytest

from jaxgraph import builder as graph_module
from jaxgraph.ir.verifier import verify


@pytest.fixture(autouse=True)
def verify_every_graph(monkeypatch):
    """Gives each test a fresh default graph and verifies every Graph it created."""
    graph_module.reset_default_graph()
    created = [graph_module.get_default_graph()]
    original = graph_module.Graph.__init__

    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(graph_module.Graph, "__init__", recording_init)
    yield
    for graph in created:
        verify(graph)
