"""Records what TensorFlow's ``tf.Print`` writes to stderr (TF writes from C++, so file
descriptor 2 is redirected), and ``tf.Assert`` / ``tf.case`` results and messages, for
tests/ops/tf1_print_cases.py into tests/ops/fixtures/tf1_print.json.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    /tmp/tfvenv/bin/python scripts/record_print_reference.py
"""

import os
import tempfile

import tensorflow.compat.v1 as tf
from tf1_cases import load_cases, write_fixture

tf.disable_v2_behavior()

cases = load_cases("ops/tf1_print_cases.py")
fetches = cases.build_cases(tf)
with tf.Session() as sess, tempfile.TemporaryFile() as captured:
    sess.run(tf.constant(0))  # TF's start-up messages before the capture
    saved = os.dup(2)
    os.dup2(captured.fileno(), 2)
    try:
        for fetch in fetches:
            sess.run(fetch)
    finally:
        os.dup2(saved, 2)
    captured.seek(0)
    lines = captured.read().decode().splitlines()
stderr = [line for line in lines if not line.startswith(("W0", "I0"))]
tf.reset_default_graph()
asserts = cases.run_asserts(tf)
tf.reset_default_graph()
write_fixture(
    "ops/fixtures/tf1_print.json",
    tf.VERSION,
    stderr=stderr,
    asserts=asserts,
    check_ops=cases.run_check_ops(tf),
)
