"""Writes the TensorBoard logs of docs/tensorboard_graph.png: the digits MLP's graph
(``digits_mlp.build_graph``) with a loss scalar and a histogram of the output layer's weights,
over a few training steps, as the run ``digits`` under ``--logdir``.

Run: ``python examples/tensorboard_graph.py [--logdir runs/tensorboard] [--steps N]``, then
``tensorboard --logdir runs/tensorboard``, open the Graphs dashboard and double-click the
``hidden1`` box to see its ops (the screenshot). Needs ``pip install tensorboard scikit-learn``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from digits_mlp import build_graph
from sklearn.datasets import load_digits

import jaxgraph as jg


def write_run(logdir: Path, steps: int = 50, batch_size: int = 64) -> list[float]:
    """Trains ``steps`` mini-batches of the digits MLP, writing its graph, the loss and the
    histogram summaries of every step to ``logdir / "digits"``; returns the losses."""
    graph, t = build_graph()
    with graph.as_default():
        jg.summary.scalar("loss", t["loss"])
        jg.summary.histogram("logits/kernel_values", graph.get_tensor_by_name("logits/kernel/read:0"))
        merged = jg.summary.merge_all()
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int32)
    rng = np.random.default_rng(0)
    losses = []
    with jg.summary.FileWriter(logdir / "digits", graph) as writer, jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        for step in range(steps):
            batch = rng.choice(len(x), batch_size, replace=False)
            summary, _ = sess.run([merged, t["train_op"]], {t["x"]: x[batch], t["y"]: y[batch]})
            writer.add_summary(summary, step)
            losses.append(float(summary["loss"]))
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logdir", default="runs/tensorboard", help="where the run 'digits' is written")
    parser.add_argument("--steps", type=int, default=50, help="training steps (one loss point each)")
    options = parser.parse_args()
    losses = write_run(Path(options.logdir), options.steps)
    print(f"wrote {options.logdir}/digits: loss {losses[0]:.3f} -> {losses[-1]:.3f} in {options.steps} steps")
    print(f"view it: tensorboard --logdir {options.logdir}  (Graphs tab; double-click 'hidden1')")
