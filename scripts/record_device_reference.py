"""Record TF1's device strings into ``tests/tracer/fixtures/devices.json`` (run with a TensorFlow
venv: ``/tmp/tfvenv/bin/python scripts/record_device_reference.py``).

Recorded: ``tf.DeviceSpec.from_string(s).to_string()`` and its fields for a set of device strings
(or the error class and message for bad ones); ``DeviceSpec.make_merged_spec`` of pairs; and the
``op.device`` of an op created inside nested ``tf.device`` scopes (strings, ``None`` and a device
function), which shows how TF1 merges scopes: inner fields override outer ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "tracer" / "fixtures" / "devices.json"

STRINGS = [
    "",
    "cpu",
    "CPU",
    "gpu:1",
    "/cpu:0",
    "/gpu:1",
    "/GPU:0",
    "/device:GPU:0",
    "/device:gpu:0",
    "/device:CPU:*",
    "/cpu:*",
    "/tpu:3",
    "/job:worker",
    "/job:worker/task:1/cpu:0",
    "/job:ps/replica:2/task:3/device:GPU:4",
    "/job:localhost/replica:0/task:0/device:CPU:0",
    "/task:1",
    "/replica:1/gpu:0",
    "//cpu:0",
    "/device:XLA_CPU:0",
    # bad strings
    "/foo:1",
    "/cpu:0/gpu:1",
    "/cpu:x",
    "/task:a",
    "/job:a:b",
    "/device:CPU",
]

MERGES = [
    ("/job:worker", "/cpu:0"),
    ("/job:worker/task:1/gpu:0", "/cpu:0"),
    ("/gpu:1", "/cpu"),
    ("/cpu:0", "/job:ps/task:2"),
    ("/job:worker/replica:0/task:1/device:GPU:2", "/task:3"),
    ("/cpu:0", ""),
]

# nested scopes, outermost first; "None" is tf.device(None), "FUNCTION" a device function that
# pins ops of type MatMul to /gpu:0 and returns the op's current device otherwise
NESTINGS = [
    ["/cpu:0"],
    ["/job:worker", "/cpu:0"],
    ["/job:worker/task:1", "/gpu:2"],
    ["/gpu:1", "/cpu"],
    ["/job:worker/task:1/cpu:0", "/task:2"],
    ["/job:worker/task:1/cpu:0", None],
    ["/job:worker/task:1/cpu:0", None, "/gpu:0"],
    ["/job:worker", "FUNCTION"],
    ["FUNCTION", "/cpu:0"],
    ["/device:CPU:0", "/job:localhost/replica:0/task:0"],
]


def spec_record(text: str) -> dict:
    """``from_string(text)``: its string and fields, or the error it raises."""
    try:
        spec = tf.DeviceSpec.from_string(text)
    except Exception as e:  # noqa: BLE001 - recorded
        return {"error": type(e).__name__, "message": str(e)}
    return {
        "to_string": spec.to_string(),
        "job": spec.job,
        "replica": spec.replica,
        "task": spec.task,
        "device_type": spec.device_type,
        "device_index": spec.device_index,
    }


def matmul_on_gpu(op):
    """A TF1 device function: MatMul ops on /gpu:0, others keep their device."""
    return "/gpu:0" if op.type == "MatMul" else op.device


def nested_devices(scopes: list) -> dict:
    """``op.device`` of a Const and a MatMul created inside ``scopes``."""
    graph = tf.Graph()
    with graph.as_default():
        managers = [tf.device(matmul_on_gpu if s == "FUNCTION" else s) for s in scopes]
        for manager in managers:
            manager.__enter__()
        a = tf.constant([[1.0]], name="a")
        product = tf.matmul(a, a, name="product")
        for manager in reversed(managers):
            manager.__exit__(None, None, None)
    return {"const": a.op.device, "matmul": product.op.device}


def main() -> None:
    record = {
        "tensorflow": tf.__version__,
        "strings": {text: spec_record(text) for text in STRINGS},
        "merges": [
            {
                "outer": outer,
                "inner": inner,
                "merged": tf.DeviceSpec.from_string(outer)
                .make_merged_spec(tf.DeviceSpec.from_string(inner))
                .to_string(),
            }
            for outer, inner in MERGES
        ],
        "nestings": [{"scopes": scopes, **nested_devices(scopes)} for scopes in NESTINGS],
    }
    OUTPUT.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
