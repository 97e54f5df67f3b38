"""Records real TensorFlow's results for tests/tf1_metrics_cases.py (streaming tf.metrics over
three batches) into tests/fixtures/tf1_metrics.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    /tmp/tfvenv/bin/python scripts/record_metrics_reference.py
"""

import importlib.util
import json
import pathlib

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests"
spec = importlib.util.spec_from_file_location("tf1_metrics_cases", TESTS / "tf1_metrics_cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)

recorded = {"_recorded_with": f"tensorflow {tf.VERSION} (compat.v1)", "metrics": cases.run_metrics(tf)}
out = TESTS / "fixtures" / "tf1_metrics.json"
out.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
print("wrote", out)
