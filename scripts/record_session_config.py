"""Record TF1's session-configuration behaviour into ``tests/session/fixtures/config.json`` (run
with a TensorFlow venv: ``/tmp/tfvenv/bin/python scripts/record_session_config.py``).

Recorded: the errors protobuf raises for bad ``ConfigProto`` / ``GPUOptions`` fields (class and
message), the text format of a few configs, the lines ``log_device_placement`` prints (stdout)
and the error for an op pinned to a device the process lacks without ``allow_soft_placement``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "session" / "fixtures" / "config.json"

# name -> Python source of the call (evaluated here; the test evaluates it against jaxgraph)
ERRORS = {
    "unknown field": "ConfigProto(foo=1)",
    "unknown field of GPUOptions": "GPUOptions(foo=1)",
    "positional argument": "ConfigProto(True)",
    "bool from str": "ConfigProto(allow_soft_placement='yes')",
    "bool from float": "ConfigProto(log_device_placement=1.5)",
    "int from float": "ConfigProto(intra_op_parallelism_threads=1.5)",
    "int from str": "ConfigProto(inter_op_parallelism_threads='2')",
    "int from bool": "ConfigProto(intra_op_parallelism_threads=True)",
    "float from str": "GPUOptions(per_process_gpu_memory_fraction='a')",
    "device_count value": "ConfigProto(device_count={'GPU': 'x'})",
    "device_count key": "ConfigProto(device_count={1: 0})",
    "message from int": "ConfigProto(gpu_options=3)",
    "message dict with unknown field": "ConfigProto(gpu_options={'foo': 1})",
    "assign unknown field": "setattr(ConfigProto(), 'foo', 1)",
    "assign message field": "setattr(ConfigProto(), 'gpu_options', GPUOptions())",
    "assign map field": "setattr(ConfigProto(), 'device_count', {})",
    "assign int from float": "setattr(ConfigProto(), 'inter_op_parallelism_threads', 2.5)",
}
TEXTS = {
    "tutorial": "ConfigProto(gpu_options=GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=0.4), "
    "allow_soft_placement=True, log_device_placement=True, intra_op_parallelism_threads=2, "
    "inter_op_parallelism_threads=3, device_count={'GPU': 0})",
    "bool from int": "ConfigProto(allow_soft_placement=2)",
    "gpu dict": "ConfigProto(gpu_options={'allow_growth': True})",
    "fraction from int": "GPUOptions(per_process_gpu_memory_fraction=1)",
    "empty": "ConfigProto()",
    "run options": "RunOptions(trace_level=RunOptions.FULL_TRACE, timeout_in_ms=5)",
}


def evaluate(source: str) -> object:
    names = {"ConfigProto": tf.ConfigProto, "GPUOptions": tf.GPUOptions, "RunOptions": tf.RunOptions}
    return eval(source, names)  # noqa: S307 - our own literal sources


def record_errors() -> dict:
    recorded = {}
    for name, source in ERRORS.items():
        try:
            evaluate(source)
        except Exception as e:  # noqa: BLE001 - recording whatever protobuf raises
            recorded[name] = {"source": source, "error": type(e).__name__, "message": str(e)}
        else:
            raise AssertionError(f"{source} did not raise")
    return recorded


def record_texts() -> dict:
    texts = {name: {"source": source, "text": str(evaluate(source))} for name, source in TEXTS.items()}
    config = tf.ConfigProto()
    config.gpu_options.allow_growth = True
    config.device_count["GPU"] = 0
    texts["attribute style"] = {"source": None, "text": str(config)}
    return texts


@contextlib.contextmanager
def captured_stdout():
    """The C++ runtime prints with printf: capture file descriptor 1, not sys.stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+") as out:
        os.dup2(out.fileno(), 1)
        text = io.StringIO()
        try:
            yield text
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            out.seek(0)
            text.write(out.read())


def record_placement() -> dict:
    graph = tf.Graph()
    with graph.as_default():
        a = tf.constant([[1.0, 2.0]], name="a")
        b = tf.constant([[1.0], [2.0]], name="b")
        product = tf.matmul(a, b, name="product")
    with captured_stdout() as out:
        with tf.Session(graph=graph, config=tf.ConfigProto(log_device_placement=True)) as sess:
            sess.run(product)
    lines = sorted(line for line in out.getvalue().splitlines() if line)
    with graph.as_default(), tf.device("/gpu:0"):  # TF places the whole graph: pin in a new one
        pinned = tf.identity(product, name="pinned")
    try:
        with tf.Session(graph=graph, config=tf.ConfigProto()) as sess:
            sess.run(pinned)
    except tf.errors.InvalidArgumentError as e:
        message = next(line for line in e.message.split("\n") if line.startswith("Cannot assign"))
    return {"log_device_placement": lines, "hard placement": message}


def main() -> None:
    fixture = {
        "tensorflow": tf.__version__,
        "errors": record_errors(),
        "texts": record_texts(),
        "placement": record_placement(),
    }
    OUTPUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
