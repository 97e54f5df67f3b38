"""Records real TensorFlow's results for tests/train/tf1_training_cases.py (optimizers,
learning-rate schedules, moving averages) into tests/train/fixtures/tf1_training.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    /tmp/tfvenv/bin/python scripts/record_train_reference.py
"""

import importlib.util
import json
import pathlib

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "train"
spec = importlib.util.spec_from_file_location("tf1_training_cases", TESTS / "tf1_training_cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)

recorded = {
    "_recorded_with": f"tensorflow {tf.VERSION} (compat.v1)",
    "optimizers": {name: cases.run_optimizer(tf, name) for name in cases.OPTIMIZERS},
    "schedules": cases.run_schedules(tf),
    "moving_average": cases.run_moving_average(tf),
}
(TESTS / "fixtures" / "tf1_training.json").write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
print("wrote", TESTS / "fixtures" / "tf1_training.json")
