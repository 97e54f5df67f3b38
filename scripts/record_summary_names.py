"""Record how TF1 rewrites summary names into ``tests/summary/fixtures/summary_names.json`` (run
with a TensorFlow venv: ``/tmp/tfvenv/bin/python scripts/record_summary_names.py``).

For each name: the op name (the tag) ``tf.summary.scalar`` and ``tf.summary.histogram`` give,
in a fresh graph, and the messages TF logs on its ``tensorflow`` logger at INFO.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "summary" / "fixtures" / "summary_names.json"
NAMES = [
    "W1:0",
    "my loss",
    "/lead",
    "//two/slashes",
    "a/b",
    "a-b.c",
    "x!y",
    "layer 1/weights:0",
    "ok_name",
    "tab\there",
]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.getMessage()))


def main() -> None:
    collect = Collect()
    logger = logging.getLogger("tensorflow")
    logger.addHandler(collect)
    logger.setLevel(logging.DEBUG)
    cases = []
    for kind in ("scalar", "histogram"):
        for name in NAMES:
            collect.records.clear()
            with tf.Graph().as_default():
                value = tf.constant(1.0) if kind == "scalar" else tf.constant([1.0, 2.0])
                summary = getattr(tf.summary, kind)(name, value)
                again = getattr(tf.summary, kind)(name, value)
            logs = [message for _, message in collect.records if message.startswith("Summary name")]
            cases.append({"kind": kind, "name": name, "tag": summary.op.name, "second tag": again.op.name,
                          "levels": sorted({level for level, m in collect.records if m.startswith("Summary")}),
                          "logs": logs})  # fmt: skip
    OUTPUT.write_text(json.dumps({"tensorflow": tf.__version__, "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUTPUT}")


if __name__ == "__main__":
    main()
