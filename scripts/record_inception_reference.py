"""Records Keras's InceptionV3 (TF-slim's architecture without the auxiliary head: every
``conv2d_bn`` is a bias-free convolution, batch norm without scale, relu) as the reference for
``tests/examples/test_inception.py``: the filter shapes in creation order, the output shape of
each mixed block at 299x299 and the trainable parameter count with 1001 classes. Also the node
counts of TensorFlow's own graph for ``examples/inception.py``'s training program: its
``build`` run by TensorFlow 1 (``tf.compat.v1`` standing in for ``jaxgraph``).

Run with the TensorFlow venv: ``/tmp/tfvenv/bin/python scripts/record_inception_reference.py``;
writes ``tests/examples/fixtures/inception_v3_reference.json``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import tensorflow as tf
import tensorflow.compat.v1 as tf1

OUT = Path(__file__).resolve().parents[1] / "tests" / "examples" / "fixtures" / "inception_v3_reference.json"
# Keras's block names and TF-slim's end points, in order
BLOCKS = dict(zip([f"mixed{i}" for i in range(11)], ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b",
              "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"]))  # fmt: skip


def tf1_op_counts() -> dict[str, int]:
    """``examples/inception.py``'s ``build()`` with TensorFlow 1 as ``jg``: TF1's node counts."""
    tf1.disable_v2_behavior()
    root = Path(__file__).resolve().parents[1]
    sys.modules["jaxgraph"] = SimpleNamespace()  # the example imports it; every use goes to ``tf1``
    spec = importlib.util.spec_from_file_location("inception", root / "examples" / "inception.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    layers = SimpleNamespace(  # TF1's tf.contrib.layers, which TensorFlow 2 no longer ships
        variance_scaling_initializer=lambda: tf1.variance_scaling_initializer(
            2.0, "fan_in", "truncated_normal"
        ),
        l2_regularizer=lambda scale: lambda w: tf1.multiply(scale, tf1.nn.l2_loss(w), name="l2_regularizer"),
    )
    example.jg = SimpleNamespace(**{n: getattr(tf1, n) for n in dir(tf1) if not n.startswith("_")},
                                 contrib=SimpleNamespace(layers=layers))  # fmt: skip
    return example.build()[2]


def main() -> None:
    model = tf.keras.applications.InceptionV3(weights=None, classes=1001, input_shape=(299, 299, 3))
    filters = [
        list(layer.kernel.shape) for layer in model.layers if isinstance(layer, tf.keras.layers.Conv2D)
    ]
    dense = [layer for layer in model.layers if isinstance(layer, tf.keras.layers.Dense)][0]
    record = {
        "tensorflow": tf.__version__,
        "filters": filters,
        "logits_kernel": list(dense.kernel.shape),
        "block_shapes": {BLOCKS[n]: list(model.get_layer(n).output.shape[1:]) for n in BLOCKS},
        "trainable_parameters": int(sum(tf.size(w).numpy() for w in model.trainable_weights)),
        "non_trainable_parameters": int(sum(tf.size(w).numpy() for w in model.non_trainable_weights)),
    }
    record["tf1_op_counts"] = tf1_op_counts()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=1) + "\n")
    print(
        f"wrote {OUT}: {len(filters)} filters, {record['trainable_parameters']} trainable parameters, TF1 ops {record['tf1_op_counts']}"
    )


if __name__ == "__main__":
    main()
