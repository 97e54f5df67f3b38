"""The digits MLP of ``digits_mlp.py``, data parallel: one program, four ways, one flag apart.

    python examples/distributed_mlp.py                  # 1 CPU device
    python examples/distributed_mlp.py --devices 8      # 8 forced CPU devices, one process
    python examples/distributed_mlp.py --processes 2    # 2 processes on this machine (spawned)
    python examples/distributed_mlp.py --platform gpu   # the GPUs of this machine

Every process builds the same graph and runs it in ``jg.Session(mesh=jg.distribute.global_mesh())``
(a mesh over the devices of all processes): it feeds its own shard of each global batch, XLA's SPMD
partitioner all-reduces the gradients, Variables stay replicated. With ``--processes N`` the
example starts N copies of itself with ``--task-index i`` (run those by hand, one per host, with
``--workers host0:port,host1:port,...`` for a real cluster); task 0 is the chief, which prints.
Prints the median step time and the test accuracy.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=None, help="force this many CPU devices (one process)")
    parser.add_argument("--processes", type=int, default=1, help="spawn this many processes on 127.0.0.1")
    parser.add_argument("--platform", default="cpu", choices=["cpu", "gpu", "tpu"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch")
    parser.add_argument("--task-index", type=int, default=None, help="(a worker) this process's task")
    parser.add_argument("--workers", default=None, help="(a worker) host:port of every task, comma-separated")
    return parser.parse_args(argv)


def spawn(args: argparse.Namespace) -> int:
    """Starts ``args.processes`` copies of this script on 127.0.0.1; their worst exit status."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workers = ",".join(f"127.0.0.1:{port + i}" for i in range(args.processes))
    common = [sys.executable, __file__, "--steps", str(args.steps), "--batch-size", str(args.batch_size),
              "--platform", args.platform, "--workers", workers]  # fmt: skip
    # Only the chief prints results; the others' stdout (the collectives' own chatter) is dropped
    # so that it cannot interleave with the chief's lines. Their stderr still shows failures.
    procs = [
        subprocess.Popen([*common, "--task-index", str(i)], stdout=None if i == 0 else subprocess.DEVNULL)
        for i in range(args.processes)
    ]
    try:
        return max(p.wait(timeout=600) for p in procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def main(steps: int = 300, batch_size: int = 64, workers: str | None = None, task_index: int | None = None,
         verbose: bool = True) -> tuple[float, float]:  # fmt: skip
    """Trains data parallel over every device of every process; returns (test accuracy, median
    step time in seconds)."""
    import jax
    import numpy as np
    from digits_mlp import build_graph
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    import jaxgraph as jg

    if workers is not None:
        jg.distribute.initialize(
            cluster=jg.train.ClusterSpec({"worker": workers.split(",")}), task_index=task_index
        )
    processes, me, n_devices = jax.process_count(), jax.process_index(), len(jax.devices())
    if batch_size % n_devices:
        raise SystemExit(f"--batch-size {batch_size} must be a multiple of the {n_devices} devices")
    digits = load_digits()
    data = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        data, digits.target.astype(np.int32), test_size=0.25, random_state=0
    )
    local = batch_size // processes  # this process's shard of each global batch

    def shard(array: np.ndarray, start: int, size: int) -> np.ndarray:
        return array[start + me * size // processes : start + (me + 1) * size // processes]

    graph, t = build_graph()
    rng = np.random.default_rng(0)  # the same order in every process
    times = []
    with jg.Session(graph=graph, mesh=jg.distribute.global_mesh()) as sess:
        sess.run(t["init"])
        order = rng.permutation(len(x_train))
        for step in range(steps):
            start = (step * batch_size) % (len(order) - batch_size + 1)
            batch = order[start : start + batch_size]
            began = time.perf_counter()
            sess.run(t["train_op"], {t["x"]: x_train[batch][me * local : (me + 1) * local],
                                     t["y"]: y_train[batch][me * local : (me + 1) * local]})  # fmt: skip
            times.append(time.perf_counter() - began)  # each run waits for its results when multi-process
        n_test = len(x_test) - len(x_test) % n_devices  # a global batch splits evenly over the devices
        accuracy = float(
            sess.run(t["accuracy"], {t["x"]: shard(x_test, 0, n_test), t["y"]: shard(y_test, 0, n_test)})
        )
    step_time = float(np.median(times[1:])) if len(times) > 1 else float("nan")  # the first one compiles
    if verbose and me == 0:
        print(
            f"{processes} process(es), {n_devices} {jax.devices()[0].platform} device(s), global batch {batch_size}"
        )
        print(f"median step time: {step_time * 1e3:.2f} ms over {steps} steps")
        print(f"test accuracy: {accuracy:.2%}")
    return accuracy, step_time


if __name__ == "__main__":
    arguments = parse()
    if arguments.devices:
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={arguments.devices}"
        )
    os.environ.setdefault("JAX_PLATFORMS", arguments.platform)
    if arguments.processes > 1 and arguments.task_index is None:
        sys.exit(spawn(arguments))
    main(arguments.steps, arguments.batch_size, arguments.workers, arguments.task_index)
