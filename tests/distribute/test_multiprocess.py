"""Two processes on 127.0.0.1 train the digits MLP data parallel (``tests/distribute/worker.py``,
XLA's CPU collectives: gloo) and end with the Variables of one process trained on the whole
batches; the chief alone writes; a dead process ends the other with a clear error. Every worker
runs under a timeout in its own process group, killed in a ``finally``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import numpy as np

import jaxgraph as jg
from tests.distribute.worker import build, global_batches

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 240  # seconds a 2-process run may take on a loaded 2-core machine (~30 s usually)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_workers(mode: str, out) -> list[tuple[int, str]]:
    """Runs tasks 0 and 1 of ``mode``; their (exit status, output)."""
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "", "PYTHONUNBUFFERED": "1"}
    port = free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.distribute.worker", mode, str(task), str(port), str(out)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        for task in (0, 1)
    ]
    try:
        outputs = [p.communicate(timeout=TIMEOUT)[0] for p in procs]
        return [(p.returncode, text) for p, text in zip(procs, outputs)]
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=30)


def single_process_params() -> dict[str, np.ndarray]:
    """The Variables after training in this process on the whole global batches."""
    graph, t = build()
    with jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        for x, y in global_batches():
            sess.run(t["train_op"], {t["x"]: x, t["y"]: y})
        with graph.as_default():
            return {v.op.name: np.asarray(sess.run(v)) for v in jg.global_variables()}


def assert_params_equal(path, expected: dict[str, np.ndarray]) -> None:
    with np.load(path) as saved:
        assert sorted(saved.files) == sorted(expected)
        for name, value in expected.items():
            np.testing.assert_allclose(saved[name], value, rtol=2e-5, atol=2e-6, err_msg=name)


def test_two_processes_train_like_one_process_on_the_whole_batch(tmp_path):
    results = run_workers("train", tmp_path)
    assert [rc for rc, _ in results] == [0, 0], results
    expected = single_process_params()
    assert int(expected["global_step"]) == 4
    for task in (0, 1):
        assert_params_equal(tmp_path / f"params-{task}.npz", expected)


def test_monitored_training_session_chief_writes_and_all_resume(tmp_path):
    results = run_workers("monitored", tmp_path)
    assert [rc for rc, _ in results] == [0, 0], results
    assert all("starts at step 0" in text for _, text in results)
    expected = single_process_params()
    for task in (0, 1):
        assert_params_equal(tmp_path / f"params-{task}.npz", expected)
    files = sorted(os.listdir(tmp_path / "ckpt"))
    events = [f for f in files if f.startswith("events.out.tfevents.")]
    assert len(events) == 1  # the chief's
    assert [f for f in files if f.endswith(".json")] == [
        "model.ckpt-0.json",
        "model.ckpt-2.json",
        "model.ckpt-4.json",
    ]
    assert jg.train.latest_checkpoint(str(tmp_path / "ckpt")) == str(tmp_path / "ckpt" / "model.ckpt-4")

    again = run_workers("monitored", tmp_path)  # both restore step 4 (the chief's, broadcast): no step left
    assert [rc for rc, _ in again] == [0, 0], again
    assert all("starts at step 4" in text for _, text in again)
    for task in (0, 1):
        assert_params_equal(tmp_path / f"params-{task}.npz", expected)


def test_a_dead_worker_makes_the_chief_fail_with_unavailable_error(tmp_path):
    (chief_rc, chief_out), (worker_rc, _) = run_workers("die1", tmp_path)
    assert worker_rc == -signal.SIGKILL
    assert (
        "jaxgraph.errors.UnavailableError: a collective of this multi-process run failed: another process "
        "has stopped or cannot be reached (UNKNOWN: Gloo"
    ) in chief_out
    assert chief_rc != 0  # and JAX's runtime ends it once the heartbeat timeout (5 s) has passed


def test_a_dead_chief_makes_jax_end_the_worker(tmp_path):
    (chief_rc, _), (worker_rc, worker_out) = run_workers("die0", tmp_path)
    assert chief_rc == -signal.SIGKILL
    assert "Terminating process because the JAX distributed service detected fatal errors" in worker_out
    assert worker_rc == -signal.SIGABRT
