"""tf.Print programs run twice: by tests/ops/test_printing.py with jaxgraph, and by
scripts/record_print_reference.py with TensorFlow into fixtures/tf1_print.json. Each case builds
the printing ops and returns the list of fetches to run, in order."""

from __future__ import annotations

import numpy as np


def build_cases(tf) -> list:
    x = tf.constant([[1.5, 2, 3, 4], [5, 6, 7, 8]])
    flags = tf.constant([True, False])
    floats = tf.constant(np.array([0.1, 1e20, -0.0, np.nan, np.inf, 123456789.0, 1 / 3], np.float32))
    cube = tf.constant(np.arange(24).reshape(2, 3, 4))
    empty = tf.constant(np.zeros((0, 3)))
    labelled = tf.Print(x, [x, tf.constant(3)], "x is: ")
    first_two = tf.Print(x, [x], summarize=10, first_n=2)
    mixed = tf.Print(
        tf.constant(1), [flags, floats, cube, empty, tf.constant(np.arange(5.0))], "m ", summarize=5
    )
    everything = tf.Print(tf.constant(1), [cube], summarize=-1)
    return [labelled, first_two, first_two, first_two, mixed, everything]
