"""One process of the multi-process tests: ``python -m tests.distribute.worker MODE TASK PORT OUT``.

It joins a 2-process run on 127.0.0.1 (``jg.distribute.initialize`` with a ClusterSpec), trains
the digits MLP data parallel on its half of each global batch (``global_batches``) and writes its
Variables to ``OUT/params-TASK.npz``. Modes: ``train`` (a plain Session), ``monitored``
(``jg.train.MonitoredTrainingSession``, checkpoints in ``OUT/ckpt``), ``die0`` / ``die1`` (that
task kills itself after the first step; the other one's next run raises).
"""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

STEPS = 4
GLOBAL_BATCH = 32


def global_batches(steps: int = STEPS) -> list[tuple[np.ndarray, np.ndarray]]:
    """The global batches every run trains on (the first ``steps * GLOBAL_BATCH`` digits)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)
    return [
        (x[i : i + GLOBAL_BATCH], y[i : i + GLOBAL_BATCH])
        for i in range(0, steps * GLOBAL_BATCH, GLOBAL_BATCH)
    ]


def own_half(batch: np.ndarray, task: int) -> np.ndarray:
    """Task ``task``'s shard of a global batch (of 2)."""
    half = len(batch) // 2
    return batch[task * half : (task + 1) * half]


def build():
    """The digits MLP of ``examples/digits_mlp.py`` (its graph, seeded)."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
    from digits_mlp import build_graph

    return build_graph()


def save(sess, graph, path: str) -> None:
    import jaxgraph as jg

    with graph.as_default():
        variables = jg.global_variables()
    np.savez(path, **{v.op.name: np.asarray(sess.run(v)) for v in variables})


def main(mode: str, task: int, port: int, out: str) -> None:
    import jaxgraph as jg

    cluster = jg.train.ClusterSpec({"worker": [f"127.0.0.1:{port}", f"127.0.0.1:{port + 1}"]})
    jg.distribute.initialize(
        cluster=cluster, task_index=task, initialization_timeout=60, heartbeat_timeout_seconds=5
    )
    graph, t = build()
    if mode == "monitored":
        return train_monitored(graph, t, task, out)
    with jg.Session(graph=graph, mesh=jg.distribute.global_mesh()) as sess:
        sess.run(t["init"])
        for step, (x, y) in enumerate(global_batches()):
            if mode.startswith("die") and step == 1:
                if task == int(mode[-1]):
                    os.kill(os.getpid(), signal.SIGKILL)
                time.sleep(1)  # the other task is gone by now
            sess.run(t["train_op"], {t["x"]: own_half(x, task), t["y"]: own_half(y, task)})
        save(sess, graph, os.path.join(out, f"params-{task}.npz"))


def train_monitored(graph, t, task: int, out: str) -> None:
    """Trains to step STEPS with a MonitoredTrainingSession checkpointing to ``OUT/ckpt`` (it
    resumes from the latest checkpoint there), then writes the Variables."""
    import jaxgraph as jg

    batches = global_batches()
    with graph.as_default():
        hooks = [jg.train.StopAtStepHook(last_step=STEPS)]
        step = jg.train.get_global_step()
        with jg.train.MonitoredTrainingSession(
            is_chief=jg.distribute.is_chief(), checkpoint_dir=os.path.join(out, "ckpt"), hooks=hooks,
            save_checkpoint_steps=2, save_summaries_steps=1, mesh=jg.distribute.global_mesh(),
        ) as sess:  # fmt: skip
            print("starts at step", sess.run(step), flush=True)
            while not sess.should_stop():
                x, y = batches[int(sess.run(step))]
                sess.run(t["train_op"], {t["x"]: own_half(x, task), t["y"]: own_half(y, task)})
            save(sess, graph, os.path.join(out, f"params-{task}.npz"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
