"""``ClusterSpec``: TF1's description of a cluster as jobs of task addresses.

jaxgraph uses it only to start JAX's distributed runtime (``jaxgraph.distribute.initialize``):
the tasks of one job are the processes, the first one's address is the coordinator's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jaxgraph.errors import InvalidArgumentError


class ClusterSpec:
    """TF1's ``tf.train.ClusterSpec({"worker": ["host:port", ...], ...})``.

    A job maps to a list of addresses (task ``i`` at position ``i``) or to a dict
    ``{task_index: address}`` (a sparse job). Methods as TF1: ``as_dict``, ``jobs``, ``num_tasks``,
    ``task_indices``, ``task_address``, ``job_tasks``; an unknown job or task raises
    InvalidArgumentError (a ValueError, as TF1's) with TF1's message. TF1's ``as_cluster_def``
    (a ``ClusterDef`` proto) is not provided: nothing in jaxgraph reads one.
    """

    def __init__(self, cluster: Mapping[str, Sequence[str] | Mapping[int, str]] | ClusterSpec) -> None:
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        if not isinstance(cluster, Mapping):
            raise TypeError(
                "`cluster` must be a dictionary mapping one or more job names to lists of network "
                "addresses, or a `ClusterDef` protocol buffer"
            )
        self._jobs: dict[str, dict[int, str]] = {}
        self._sparse: set[str] = set()
        for job, tasks in cluster.items():
            if isinstance(tasks, Mapping):
                self._sparse.add(job)
                items = sorted(tasks.items())
            else:
                items = list(enumerate(tasks))
            for _, address in items:
                if not isinstance(address, (str, bytes)):
                    raise TypeError(f"Task address {address!r} must be bytes or unicode")
            self._jobs[job] = {int(i): _text(address) for i, address in items}

    def as_dict(self) -> dict[str, list[str] | dict[int, str]]:
        """``{job: [address, ...]}``; a sparse job as ``{task_index: address}`` (TF1)."""
        return {
            job: dict(tasks) if job in self._sparse else [tasks[i] for i in sorted(tasks)]
            for job, tasks in self._jobs.items()
        }

    @property
    def jobs(self) -> list[str]:
        """The job names, in the order given (TF1's ``ClusterSpec.jobs``)."""
        return list(self._jobs)

    def num_tasks(self, job_name: str) -> int:
        """How many tasks ``job_name`` has (TF1)."""
        return len(self._tasks(job_name))

    def task_indices(self, job_name: str) -> list[int]:
        """The task indices of ``job_name``, ascending (TF1)."""
        return sorted(self._tasks(job_name))

    def task_address(self, job_name: str, task_index: int) -> str:
        """The address of task ``task_index`` of ``job_name`` (TF1)."""
        tasks = self._tasks(job_name)
        if task_index not in tasks:
            raise InvalidArgumentError(f"No task with index {task_index!r} in job {job_name!r}")
        return tasks[task_index]

    def job_tasks(self, job_name: str) -> list[str | None]:
        """The addresses of ``job_name`` by task index, None where a sparse job has no task (TF1)."""
        tasks = self._tasks(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []

    def _tasks(self, job_name: str) -> dict[int, str]:
        try:
            return self._jobs[job_name]
        except KeyError:
            raise InvalidArgumentError(f"No such job in cluster: {job_name!r}") from None

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ClusterSpec) and self.as_dict() == other.as_dict()

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def __repr__(self) -> str:
        return f"ClusterSpec({self.as_dict()!r})"


def _text(address: str | bytes) -> str:
    return address.decode() if isinstance(address, bytes) else address
