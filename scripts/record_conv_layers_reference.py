"""Records real TensorFlow's results for tests/layers/tf1_conv_layers_cases.py into
tests/layers/fixtures/tf1_conv_layers.json.

Needs TensorFlow and tf-keras in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras
    /tmp/tfvenv/bin/python scripts/record_conv_layers_reference.py
"""

import importlib.util
import json
import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.compat.v1.layers needs Keras 2
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "layers"
spec = importlib.util.spec_from_file_location("tf1_conv_layers_cases", TESTS / "tf1_conv_layers_cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)

recorded = {
    "_recorded_with": f"tensorflow {tf.VERSION} (compat.v1)",
    "conv": cases.run_conv_layers(tf),
    "pooling": cases.run_pooling_layers(tf),
    "batch_norm": cases.run_batch_norm(tf),
    "training": cases.run_training(tf),
}
out = TESTS / "fixtures" / "tf1_conv_layers.json"
out.write_text(json.dumps(recorded, indent=None, sort_keys=True) + "\n")
print("wrote", out)
