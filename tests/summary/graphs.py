"""Graphs and event files the summary / TensorBoard tests share."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import jaxgraph as jg
from tests.helpers import load_example


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


def write_digits_run(logdir: Path, steps: int = 5) -> list[float]:
    """The digits MLP's graph and ``steps`` training steps of loss scalars and a weight
    histogram, in one run; returns the losses."""
    graph, t = load_example("digits_mlp").build_graph()
    with graph.as_default():
        jg.summary.scalar("loss", t["loss"])
        jg.summary.histogram("logits/kernel_values", graph.get_tensor_by_name("logits/kernel/read:0"))
        merged = jg.summary.merge_all()
    rng = np.random.default_rng(0)
    x = rng.random((32, 64), dtype=np.float32)
    y = rng.integers(0, 10, 32).astype(np.int32)
    losses = []
    with jg.summary.FileWriter(logdir, graph) as writer, jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        for step in range(steps):
            summary, _ = sess.run([merged, t["train_op"]], {t["x"]: x, t["y"]: y})
            writer.add_summary(summary, step)
            losses.append(float(summary["loss"]))
    return losses
