"""``jg.distribute``: one jaxgraph program on several processes and hosts, on JAX's own
multi-controller runtime (``jax.distributed``) and XLA's SPMD partitioner.

``initialize`` joins the run (JAX's arguments, or TF1's ``ClusterSpec`` and ``task_index``);
``jg.Session(mesh=global_mesh())`` then spans the devices of all processes: each process feeds
its shard of the global batch, Variables are replicated, XLA all-reduces the gradients, and
fetched values are the global ones (the same on every process). ``docs/distributed.md`` maps
TF1's execution model (client, master, workers, devices) to this.
"""

from jaxgraph.distribute.cluster import ClusterSpec
from jaxgraph.distribute.runtime import (
    broadcast_from_chief,
    global_mesh,
    initialize,
    is_chief,
    shutdown,
    spans_processes,
)

__all__ = [
    "ClusterSpec", "broadcast_from_chief", "global_mesh", "initialize", "is_chief", "shutdown",
    "spans_processes",
]  # fmt: skip
