"""Record TF1's string behaviour into ``tests/ops/fixtures/strings.json`` (run with a
TensorFlow venv: ``/tmp/tfvenv/bin/python scripts/record_strings.py``).

Recorded: what ``Session.run`` returns for string constants and fed string placeholders (their
``repr``), ``tf.as_string`` over a grid of dtypes, values and options (precision, scientific,
shortest, width, fill; results as text, or the kernel's error message), and ``tf.string_join``.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "ops" / "fixtures" / "strings.json"

VALUES = {
    "float32": [
        0.0,
        -0.0,
        1.5,
        -2.25,
        3.14159265,
        1e-7,
        123456789.0,
        1e20,
        math.nan,
        -math.nan,
        math.inf,
        -math.inf,
    ],
    "float64": [0.1, -1234.5678, 1e-300],
    "float16": [0.1, -65504.0],
    "int32": [0, 7, -42, 2147483647],
    "int64": [-(2**40), 5],
    "uint8": [0, 255],
    "bool": [True, False],
    "string": [b"a", b"hello"],
}
OPTIONS = list(
    itertools.product([-1, 0, 3], [False, True], [False, True], [-1, 8], ["", "0", "-", " ", "+", "#"])
)


def encode(values: list) -> list:
    """JSON values: floats as the hex of their float64 bytes (keeps -nan), bytes as text."""
    return [
        np.float64(v).tobytes().hex() if isinstance(v, float) else v.decode() if isinstance(v, bytes) else v
        for v in values
    ]


def error_message(e: Exception) -> str:
    """The kernel's message: the line after ``Node: '...'`` (TF 2's graph execution errors)."""
    lines = e.message.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("Node: "):
            return lines[i + 1].strip()
    return lines[0].strip()


def run(sess: tf.Session, tensor: tf.Tensor) -> object:
    try:
        value = sess.run(tensor)
    except tf.errors.OpError as e:
        return {"error": error_message(e)}
    return [v.decode("latin-1") for v in np.asarray(value).reshape(-1)]


def record_as_string(sess: tf.Session) -> list[dict]:
    cases = []
    for dtype, values in VALUES.items():
        x = tf.constant(np.array(values, dtype=object if dtype == "string" else dtype))
        for precision, scientific, shortest, width, fill in OPTIONS:
            options = dict(
                precision=precision, scientific=scientific, shortest=shortest, width=width, fill=fill
            )
            result = run(sess, tf.as_string(x, **options))
            cases.append({"dtype": dtype, "values": encode(values), "options": options, "result": result})
    for fill in ["ab", "x"]:  # the fill checks
        result = run(sess, tf.as_string(tf.constant([1.5]), fill=fill, width=4))
        cases.append(
            {
                "dtype": "float32",
                "values": encode([1.5]),
                "options": {"fill": fill, "width": 4},
                "result": result,
            }
        )
    return cases


def record_fetches(sess: tf.Session) -> dict:
    p = tf.placeholder(tf.string)
    fetched = {
        "constant scalar": sess.run(tf.constant("Hello, TensorFlow!")),
        "constant array": sess.run(tf.constant([["a", "bc"], ["é", ""]])),
        "fed str": sess.run(p, {p: "xy"}),
        "fed bytes": sess.run(p, {p: b"xy"}),
        "fed list": sess.run(p, {p: ["a", "é"]}),
        "identity of fed str": sess.run(tf.identity(p), {p: "é"}),
    }
    return {name: repr(value) for name, value in fetched.items()}


def record_string_join(sess: tf.Session) -> dict:
    a = tf.constant(["a", "bc"])
    p = tf.placeholder(tf.string, shape=None)
    result = {
        "join": run(sess, tf.string_join([a, "-", tf.constant(["x", "y"])])),
        "separator": run(sess, tf.string_join([a, "z"], separator=", ")),
        "scalars": run(sess, tf.strings.join(["x", "y"], separator="+")),
        "one input": run(sess, tf.string_join([a])),
    }
    try:
        tf.string_join([a, tf.constant(["a", "b", "c"])])
    except ValueError as e:
        result["build mismatch"] = str(e)
    try:
        sess.run(tf.string_join([a, p]), {p: ["a", "b", "c"]})
    except tf.errors.OpError as e:
        result["run mismatch"] = error_message(e)
    return result


def main() -> None:
    with tf.Session() as sess:
        fixture = {
            "tensorflow": tf.__version__,
            "fetches": record_fetches(sess),
            "string_join": record_string_join(sess),
            "as_string": record_as_string(sess),
        }
    OUTPUT.write_text(json.dumps(fixture, indent=1, ensure_ascii=True) + "\n")
    print(f"wrote {len(fixture['as_string'])} as_string cases to {OUTPUT}")


if __name__ == "__main__":
    main()
