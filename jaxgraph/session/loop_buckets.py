"""A Session's loop buckets: how many steps the gradient of each unbounded ``while_loop`` runs.

JAX cannot reverse ``lax.while_loop``; jaxgraph differentiates a ``while_loop`` without
``maximum_iterations`` as a masked loop of a *bucket* of steps (``jaxgraph.ops.trip_counts``).
A Session keeps one bucket per loop of each graph it runs, starting at ``INITIAL_BUCKET``; the
fetch sets it compiles use them (``jaxgraph.ir.passes.loop_bounds``). A run in which a loop
outruns its bucket fails a check (``TripCountExceeded``, with the true trip count) and changes
nothing; the Session then grows that bucket to the next power of two holding the trip count
(``bucket_for``), records why in ``recompile_reasons``, compiles the fetch set again and reruns
it. Buckets only grow, so trip counts that vary below a bucket reuse one executable.
"""

from __future__ import annotations

import threading

from jaxgraph.ir.graph import Graph
from jaxgraph.ir.passes.loop_bounds import INITIAL_BUCKET, bucket_for
from jaxgraph.lowering import Executable
from jaxgraph.ops.trip_counts import TripCountExceeded

__all__ = ["LoopBuckets", "TripCountExceeded", "compiled_for"]


class LoopBuckets:
    """The buckets of a Session's unbounded loops, by graph and loop name (thread-safe)."""

    def __init__(self) -> None:
        self._buckets: dict[Graph, dict[str, int]] = {}
        self._lock = threading.Lock()

    def of(self, graph: Graph) -> dict[str, int]:
        """The buckets of ``graph``'s loops so far (a copy; a loop not in it gets the initial one)."""
        with self._lock:
            return dict(self._buckets.get(graph, {}))

    def grow(self, graph: Graph, overflow: TripCountExceeded) -> str:
        """Makes the bucket of the loop ``overflow`` names hold its trip count; returns why the
        fetch set compiles again, e.g. ``"while_loop 'while' ran 37 iterations, more than its
        gradient's bucket of 16: bucket 64"``."""
        with self._lock:
            buckets = self._buckets.setdefault(graph, {})
            new = max(buckets.get(overflow.loop, INITIAL_BUCKET), bucket_for(overflow.trip_count))
            buckets[overflow.loop] = new
        return (
            f"while_loop '{overflow.loop}' ran {overflow.trip_count} iterations, more than its "
            f"gradient's bucket of {overflow.length}: bucket {new}"
        )


def compiled_for(executable: Executable, overflow: TripCountExceeded) -> bool:
    """Whether ``overflow`` came from a run of ``executable`` (its check is one of its ops)."""
    return any(op is overflow.op for op, _ in executable.lowered.checks)
