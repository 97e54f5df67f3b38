"""Runs a TensorFlow frozen graph with jaxgraph, without TensorFlow: imports the GraphDef,
runs it, prints its IR and generated JAX, differentiates it, and writes it for TensorBoard.

The default graph is the small CNN that scripts/record_graph_defs.py froze with real TensorFlow
(tests/tracer/fixtures/cnn_frozen.pb, with TensorFlow's output for one input beside it).

Run: ``python examples/import_frozen_graph.py [--graph model.pb] [--logdir runs/imported]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import jaxgraph as jg

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "tracer" / "fixtures"


def main(graph_path: Path = FIXTURES / "cnn_frozen.pb", logdir: Path | None = None) -> float:
    """Imports and runs the graph; returns the largest difference from TensorFlow's recorded output."""
    with jg.gfile.GFile(str(graph_path), "rb") as f:
        graph_def = jg.GraphDef.FromString(f.read())
    with jg.Graph().as_default() as graph:
        jg.import_graph_def(graph_def, name="")
        images = graph.get_tensor_by_name("images:0")
        probabilities = graph.get_tensor_by_name("probabilities:0")
        (saliency,) = jg.gradients(jg.reduce_max(probabilities, axis=1), [images])  # jaxgraph's own gradient
        recorded = np.load(graph_path.with_suffix(".npz"))
        feed = {images: recorded["feed/images:0"]}
        with jg.Session() as sess:
            print(sess.dump(probabilities, feed, stage="ir"))
            got, grads = sess.run([probabilities, saliency], feed)
        print("probabilities:\n", np.round(got, 4))
        print("saliency of image 0, row 4:", np.round(grads[0, 4, :, 0], 4))
        if logdir is not None:
            jg.summary.FileWriter(str(logdir), graph).close()
            print(f"graph written for TensorBoard: tensorboard --logdir {logdir}")
    difference = float(np.max(np.abs(got - recorded["fetch/probabilities:0"])))
    print(f"largest difference from TensorFlow's output: {difference:.2e}")
    return difference


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=FIXTURES / "cnn_frozen.pb")
    parser.add_argument("--logdir", type=Path, default=None)
    args = parser.parse_args()
    main(args.graph, args.logdir)
