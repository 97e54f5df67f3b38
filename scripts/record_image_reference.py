"""Records real TensorFlow's results for tests/image_cases.py (tf.image resizing with TF1's
corner conventions, flips, per_image_standardization, convert_image_dtype, rgb_to_grayscale)
into tests/fixtures/tf1_image.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_image_reference.py
"""

import importlib.util
import json
import pathlib

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests"
spec = importlib.util.spec_from_file_location("image_cases", TESTS / "image_cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)

recorded = {
    "_recorded_with": f"tensorflow {tf.VERSION} (compat.v1)",
    "cases": {name: cases.run_case(tf, name) for name in cases.CASES},
}
out = TESTS / "fixtures" / "tf1_image.json"
out.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
print("wrote", out)
