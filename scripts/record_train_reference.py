"""Records real TensorFlow's results for tests/train/tf1_training_cases.py (optimizers,
learning-rate schedules, moving averages) into tests/train/fixtures/tf1_training.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    /tmp/tfvenv/bin/python scripts/record_train_reference.py
"""

import tensorflow.compat.v1 as tf
from tf1_cases import load_cases, write_fixture

tf.disable_v2_behavior()

cases = load_cases("train/tf1_training_cases.py")
write_fixture(
    "train/fixtures/tf1_training.json",
    tf.VERSION,
    optimizers={name: cases.run_optimizer(tf, name) for name in cases.OPTIMIZERS},
    schedules=cases.run_schedules(tf),
    moving_average=cases.run_moving_average(tf),
)
