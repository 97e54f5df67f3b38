"""``examples/distributed_mlp.py`` in its CPU modes (short): 1 device in this process, 8 forced
CPU devices and 2 spawned processes in subprocesses (bounded by timeouts)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import EXAMPLES, load_example

ROOT = os.path.dirname(str(EXAMPLES))


def test_one_device_learns(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))  # it imports its sibling digits_mlp
    accuracy, step_time = load_example("distributed_mlp").main(steps=150, verbose=False)
    assert accuracy >= 0.9 and step_time > 0


@pytest.mark.parametrize(("flags", "first_line"), [
    (["--devices", "8"], "1 process(es), 8 cpu device(s), global batch 64"),
    (["--processes", "2"], "2 process(es), 2 cpu device(s), global batch 64"),
])  # fmt: skip
def test_cpu_modes_learn(flags, first_line):
    env = {**os.environ, "PYTHONPATH": ROOT, "XLA_FLAGS": "", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, str(EXAMPLES / "distributed_mlp.py"), "--steps", "150", *flags],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    lines = lines[lines.index(first_line) :]  # after the chief's collective-library chatter, if any
    assert lines[1].startswith("median step time: ") and lines[1].endswith(" ms over 150 steps")
    assert float(lines[2].removeprefix("test accuracy: ").removesuffix("%")) >= 90
