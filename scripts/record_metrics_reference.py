"""Records real TensorFlow's results for tests/tf1_metrics_cases.py (streaming tf.metrics over
three batches) into tests/fixtures/tf1_metrics.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    /tmp/tfvenv/bin/python scripts/record_metrics_reference.py
"""

import tensorflow.compat.v1 as tf
from tf1_cases import load_cases, write_fixture

tf.disable_v2_behavior()

cases = load_cases("tf1_metrics_cases.py")
write_fixture(
    "fixtures/tf1_metrics.json",
    tf.VERSION,
    metrics=cases.run_metrics(tf),
)
