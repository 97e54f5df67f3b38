"""Starting JAX's multi-controller runtime, and what a Session spanning processes needs.

Every process runs the same Python program (TF1's "between-graph replication" without parameter
servers): it builds the same graph, and its Session, given a mesh over the devices of all
processes (``global_mesh``), compiles the same XLA program, which XLA's SPMD partitioner splits
across them. Two things keep the processes in step:

* **Feeds** are each process's own shard of the global batch: before a run, every fed value of
  rank >= 1 becomes one global ``jax.Array`` (``jax.make_array_from_process_local_data``) whose
  first dimension is the concatenation of the processes' values, in process order; scalars are
  taken as they are (the same on every process).
* **Random numbers**: a graph without a seed gets, on a Session's first run, the seed of process
  0 (broadcast), so random initializers give every process the same Variable values.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import jaxgraph.data  # noqa: F401  (its feed hook, adding iterator values, must run before this one)
from jaxgraph.distribute.cluster import ClusterSpec
from jaxgraph.errors import FailedPreconditionError, InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.session import session as session_module
from jaxgraph.session.feeds import _check_feed, _convert_feed


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, *, cluster: ClusterSpec | dict | None = None,
               task_index: int | None = None, job_name: str = "worker",
               local_device_ids: int | list[int] | None = None, initialization_timeout: int = 300,
               heartbeat_timeout_seconds: int = 100) -> None:  # fmt: skip
    """Joins this process to a multi-process run: ``jax.distributed.initialize`` with TF1's
    cluster description as an alternative (TF1's ``tf.train.Server(cluster, task_index=...)``
    started a process's part of a cluster; here JAX's runtime does).

    Either JAX's arguments (``coordinator_address`` ``"host:port"``, ``num_processes``,
    ``process_id``; all optional where JAX detects them: Cloud TPU, Slurm, Open MPI), or
    ``cluster`` (a ``ClusterSpec`` or its dict) and ``task_index``: the tasks of ``job_name`` are
    the processes, the first one's address is the coordinator's (process 0 serves it there).
    Call it first, before anything runs on a device. A process that does not join within
    ``initialization_timeout`` seconds, or stops answering for ``heartbeat_timeout_seconds``,
    makes JAX's runtime end the other processes (with a message saying so).
    """
    if cluster is not None:
        if coordinator_address is not None or num_processes is not None or process_id is not None:
            raise InvalidArgumentError(
                "give initialize either cluster and task_index, or coordinator_address, "
                "num_processes and process_id, not both"
            )
        coordinator_address, num_processes, process_id = _from_cluster(
            ClusterSpec(cluster), job_name, task_index
        )
    elif task_index is not None:
        raise InvalidArgumentError("task_index needs a cluster (a jg.train.ClusterSpec)")
    if jax.distributed.is_initialized():
        raise FailedPreconditionError("jg.distribute.initialize was already called in this process")
    try:
        jax.distributed.initialize(
            coordinator_address, num_processes, process_id, local_device_ids=local_device_ids,
            initialization_timeout=initialization_timeout,
            heartbeat_timeout_seconds=heartbeat_timeout_seconds,
        )  # fmt: skip
    except RuntimeError as e:  # JAX: already computing on a device
        raise FailedPreconditionError(f"cannot start the distributed runtime: {e}") from None
    except (TypeError, ValueError) as e:  # JAX's checks of the arguments
        raise InvalidArgumentError(f"cannot start the distributed runtime: {e}") from None


def _from_cluster(cluster: ClusterSpec, job_name: str, task_index: int | None) -> tuple[str, int, int]:
    """(coordinator address, number of processes, process id) of task ``task_index``."""
    addresses = cluster.job_tasks(job_name)
    if task_index is None:
        raise InvalidArgumentError(
            f"initialize with a cluster needs the task_index of this process in job {job_name!r}"
        )
    if None in addresses:
        raise InvalidArgumentError(
            f"job {job_name!r} has no task {addresses.index(None)}: tasks must be 0 to n-1"
        )
    cluster.task_address(job_name, task_index)  # raises for an unknown task
    return addresses[0], len(addresses), task_index


def shutdown() -> None:
    """Leaves the multi-process run (``jax.distributed.shutdown``; also done at exit)."""
    jax.distributed.shutdown()


def global_mesh(axis_name: str = "batch") -> Mesh:
    """A one-axis mesh over the devices of all processes: ``jg.Session(mesh=global_mesh())``
    runs data parallel across them. jaxgraph's own (TF1 placed replicas with device strings)."""
    return Mesh(np.array(jax.devices()), (axis_name,))


def is_chief() -> bool:
    """Whether this is process 0, TF1's chief (the one that writes checkpoints and events)."""
    return jax.process_index() == 0


def broadcast_from_chief(values: Any) -> Any:
    """``values`` (a pytree of arrays) as process 0 has them, on every process; the same pytree
    structure and shapes must be given by all. Identity in a single process."""
    if jax.process_count() == 1:
        return values
    return multihost_utils.broadcast_one_to_all(values)


def spans_processes(session: Any) -> bool:
    """Whether ``session`` runs on a mesh with devices of other processes."""
    return session.mesh is not None and session.mesh.is_multi_process


_seeded: weakref.WeakSet = weakref.WeakSet()


def _global_feeds(session: Any, fetches: Any, feed_dict: dict | None) -> dict | None:
    """``Session.run``'s feed hook: for a Session spanning processes, the feeds as global arrays
    (module docstring) and, on its first run, the shared seed."""
    if not spans_processes(session):
        return feed_dict
    if session not in _seeded:
        _seeded.add(session)
        _share_seed(session)
    if not feed_dict:
        return feed_dict
    batch = NamedSharding(session.mesh, PartitionSpec(session.mesh.axis_names[0]))
    return {key: _global_feed(session, key, value, batch) for key, value in feed_dict.items()}


def _share_seed(session: Any) -> None:
    """Gives an unseeded graph's Session process 0's random seed (a seeded graph, or a Session
    whose key was restored, is the same on every process already)."""
    if session.graph.seed is not None or session.snapshot([])[1] is not None:
        return
    seed = broadcast_from_chief(np.frombuffer(os.urandom(4), np.uint32)[0])
    session.load_snapshot({}, np.asarray(jax.random.PRNGKey(int(seed))))


def _global_feed(session: Any, key: Any, value: Any, batch: NamedSharding) -> Any:
    """One fed value of rank >= 1 as the global array of all processes' values (checked and
    converted to the placeholder's dtype first); anything else as it is."""
    try:
        tensor = session.graph.as_graph_element(key)
    except Exception:  # noqa: BLE001 - a bad key: Session.run reports it
        return value
    if isinstance(value, jax.Array) or not isinstance(tensor, Tensor):
        return value
    local = np.asarray(value)
    if local.ndim == 0 or local.dtype.kind in "OSU":
        return local
    global_shape = (local.shape[0] * jax.process_count(), *local.shape[1:])
    dtype = _check_feed(tensor, jax.ShapeDtypeStruct(global_shape, local.dtype))
    if dtype is not None:
        local = _convert_feed(tensor, local, dtype)
    return jax.make_array_from_process_local_data(batch, local, global_shape)


session_module.FEED_HOOKS.add(_global_feeds, wants=spans_processes)
