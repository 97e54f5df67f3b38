"""Graphs and event files the summary / TensorBoard tests share."""

from __future__ import annotations

import jaxgraph as jg


def feature_graph() -> jg.Graph:
    """Every GraphDef feature: scopes, a Variable, a second output, a control edge, a device,
    attrs of several kinds and a control-flow op with sub-graphs."""
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (None, 4), name="x")
        with jg.name_scope("dense"):
            w = jg.Variable(jg.ones((4, 4)), name="w")
            h = jg.nn.relu(jg.matmul(x, w))
        left, right = jg.split(h, 2, axis=1)
        with jg.control_dependencies([left]), jg.device("cpu"):
            moved = jg.transpose(right, (1, 0), name="moved")
        jg.cond(jg.reduce_sum(moved) > 0.0, lambda: moved * 2.0, lambda: moved - 1.0, name="branch")
    return graph
