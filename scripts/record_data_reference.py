"""Records real TensorFlow's results for tests/data/data_cases.py (tf.data pipelines: output
types and shapes, every element, the end-of-sequence error) into
tests/data/fixtures/tf1_data.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_data_reference.py
"""

import importlib.util
import json
import pathlib

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests"
spec = importlib.util.spec_from_file_location("data_cases", TESTS / "data" / "data_cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)

recorded = {
    "_recorded_with": f"tensorflow {tf.VERSION} (compat.v1)",
    "cases": {name: cases.run_case(tf, name) for name in cases.CASES},
}
out = TESTS / "data" / "fixtures" / "tf1_data.json"
out.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
print("wrote", out)
