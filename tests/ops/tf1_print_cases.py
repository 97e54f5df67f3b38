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


def _assertion_line(error: Exception) -> str:
    """The ``assertion failed: ...`` line of an error (TF's message has more lines around it)."""
    return next(
        line.strip() for line in str(error).splitlines() if line.strip().startswith("assertion failed")
    )


def run_asserts(tf) -> dict:
    """tf.Assert through control_dependencies and fetched directly, passing and failing, and
    tf.case with and without a default: the results and the assertion messages."""
    x = tf.placeholder(tf.float32, [2, 3])
    check = tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x, tf.constant(7)])
    with tf.control_dependencies([check]):
        y = tf.identity(x)
    wide = tf.Assert(x[0, 0] > 5, [x], summarize=10)
    n = tf.placeholder(tf.int32, [])
    no_default = tf.case([(n < 0, lambda: tf.constant(-1)), (n > 10, lambda: tf.constant(1))])
    exclusive = tf.case(
        [(n < 0, lambda: tf.constant(-1)), (n < 5, lambda: tf.constant(1))],
        default=lambda: tf.constant(0),
        exclusive=True,
    )
    results, messages = {}, {}
    with tf.Session() as sess:
        results["passes"] = sess.run(y, {x: np.ones((2, 3))}).tolist()
        for key, fetch, feed in [
            ("control_dependency", y, {x: -np.arange(6.0).reshape(2, 3)}),
            ("summarize", wide, {x: np.ones((2, 3))}),
            ("no_default", no_default, {n: 3}),
            ("exclusive", exclusive, {n: -3}),
        ]:
            try:
                sess.run(fetch, feed)
            except tf.errors.InvalidArgumentError as error:
                messages[key] = _assertion_line(error)
        results["case"] = [int(sess.run(no_default, {n: v})) for v in (-3, 20)] + [
            int(sess.run(exclusive, {n: v})) for v in (3, 7)
        ]
    return {"results": results, "messages": messages}


def run_check_ops(tf) -> dict:
    """The ``tf.assert_*`` checks failing on the same values: each one's assertion message."""
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.placeholder(tf.float32, [3], name="y")
    checks = {
        "positive": tf.assert_positive(x),
        "equal": tf.assert_equal(x, y),
        "less_with_message": tf.assert_less(x, y, message="custom"),
        "non_negative_with_data": tf.assert_non_negative(x, data=["hello", x], summarize=2),
        "greater_equal": tf.debugging.assert_greater_equal(x, y),
        "none_equal": tf.assert_none_equal(x, y),
        "negative": tf.assert_negative(y),
    }
    messages = {}
    with tf.Session() as sess:
        for key, check in checks.items():
            try:
                sess.run(check, {x: [-1.0, 2.0, 3.0], y: [1.0, 2.0, 3.0]})
                messages[key] = None
            except tf.errors.InvalidArgumentError as error:
                messages[key] = _assertion_line(error)
    return messages
