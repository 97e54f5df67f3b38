"""Records real TensorFlow's results for tests/layers/tf1_layers_cases.py into
tests/layers/fixtures/tf1_layers.json.

Needs TensorFlow and tf-keras in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras
    /tmp/tfvenv/bin/python scripts/record_layers_reference.py
"""

import importlib.util
import json
import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.compat.v1.layers needs Keras 2
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "layers"
spec = importlib.util.spec_from_file_location("tf1_layers_cases", TESTS / "tf1_layers_cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)

recorded = {"_recorded_with": f"tensorflow {tf.VERSION} (compat.v1)", "core": cases.run_core_layers(tf)}
out = TESTS / "fixtures" / "tf1_layers.json"
out.parent.mkdir(exist_ok=True)
out.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
print("wrote", out)
