"""Records real TensorFlow's results for tests/layers/tf1_conv_layers_cases.py into
tests/layers/fixtures/tf1_conv_layers.json.

Needs TensorFlow and tf-keras in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras
    /tmp/tfvenv/bin/python scripts/record_conv_layers_reference.py
"""

import os

from tf1_cases import load_cases, write_fixture

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.compat.v1.layers needs Keras 2
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

cases = load_cases("layers/tf1_conv_layers_cases.py")
write_fixture(
    "layers/fixtures/tf1_conv_layers.json",
    tf.VERSION,
    conv=cases.run_conv_layers(tf),
    pooling=cases.run_pooling_layers(tf),
    batch_norm=cases.run_batch_norm(tf),
    training=cases.run_training(tf),
)
