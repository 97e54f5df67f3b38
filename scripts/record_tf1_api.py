"""Record TF1's public graph-mode API names into ``scripts/tf1_api_names.json``.

Run it with a Python that has TensorFlow, in a scratch virtual environment outside the
repository (TensorFlow is never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras
    /tmp/tfvenv/bin/python scripts/record_tf1_api.py

TF1's API is read from ``tf.compat.v1`` (TF 2.x keeps TF1's namespace there); the JSON notes
the TensorFlow version it came from. ``tf.compat.v1.layers`` is built on Keras 2, so the script
sets ``TF_USE_LEGACY_KERAS=1`` and needs the ``tf-keras`` package of the same version. For each module of ``MODULES`` it stores the public names
(no leading underscore) that are not modules, sorted. ``scripts/supported_api.py`` compares
them with jaxgraph's namespace.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path

# The TF1 modules that graph-mode tutorials use (no tf.contrib: it is not in tf.compat.v1).
MODULES = [
    "tf",
    "tf.nn",
    "tf.nn.rnn_cell",
    "tf.train",
    "tf.layers",
    "tf.losses",
    "tf.metrics",
    "tf.summary",
    "tf.errors",
    "tf.initializers",
    "tf.random",
    "tf.app",
    "tf.flags",
    "tf.logging",
    "tf.gfile",
    "tf.io.gfile",
    "tf.math",
    "tf.data",
    "tf.image",
]

OUTPUT = Path(__file__).with_name("tf1_api_names.json")


def public_names(module: object) -> list[str]:
    """The sorted public, non-module attribute names of ``module``."""
    return sorted(
        name
        for name in dir(module)
        if not name.startswith("_") and not inspect.ismodule(getattr(module, name))
    )


def record() -> dict:
    """``{"tensorflow_version": ..., "modules": {"tf.nn": [names...], ...}}``."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf

    v1 = tf.compat.v1
    modules = {}
    for dotted in MODULES:
        module = v1
        for part in dotted.split(".")[1:]:
            module = getattr(module, part)
        modules[dotted] = public_names(module)
    return {
        "source": "dir(tf.compat.v1.<module>): public names that are not modules, sorted",
        "tensorflow_version": tf.__version__,
        "modules": modules,
    }


def main() -> int:
    OUTPUT.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
