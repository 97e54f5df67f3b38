"""Records real TensorFlow's results for tests/tf1_losses_cases.py (every tf.losses loss with
several weightings and every reduction, and get_total_loss) into tests/fixtures/tf1_losses.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    /tmp/tfvenv/bin/python scripts/record_losses_reference.py
"""

import tensorflow.compat.v1 as tf
from tf1_cases import load_cases, write_fixture

tf.disable_v2_behavior()

cases = load_cases("tf1_losses_cases.py")
write_fixture(
    "fixtures/tf1_losses.json",
    tf.VERSION,
    losses=cases.run_losses(tf),
    total_loss=cases.run_total_loss(tf),
)
