"""Resolving loop buckets: the step counts of the bounded loops that differentiate unbounded
``while_loop``\\ s (see ``jaxgraph.ops.trip_counts``).

Such a loop (a ``scan``, and the ``check_trip_count`` guarding it) carries a ``bucket``
attribute naming the forward loop, and its ``length`` is left open in the graph. Before
lowering, ``resolve_loop_bounds`` sets every ``length`` from a table of buckets (the Session's,
which grows when a loop runs longer), in control-flow bodies too. Output types are kept: a
stacked tensor of a bucketed loop keeps its unknown leading dimension in the IR, and JAX
traces the real one.
"""

from __future__ import annotations

from collections.abc import Mapping

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild

INITIAL_BUCKET = 16
"""The steps of a loop's gradient before its first run tells its trip count (a bucket grows to
the next power of two that holds the trip count, see ``bucket_for``)."""


def bucket_for(trip_count: int) -> int:
    """The bucket holding ``trip_count`` iterations: the next power of two, at least
    ``INITIAL_BUCKET`` (few sizes, so few compilations as trip counts vary)."""
    bucket = INITIAL_BUCKET
    while bucket < trip_count:
        bucket *= 2
    return bucket


def resolve_loop_bounds(program: Optimized, buckets: Mapping[str, int]) -> tuple[Optimized, dict[str, int]]:
    """``program`` with every bucketed op's ``length`` set from ``buckets`` (by the op's
    ``bucket``; ``INITIAL_BUCKET`` for one not in it), and the buckets it used."""
    used: dict[str, int] = {}
    if not _has_buckets(program.graph):
        return program, used
    rebuild = Rebuild(program)
    for op in program.graph.operations:
        rebuild.copy(op, attrs=_resolved_attrs(op, buckets, used))
    return rebuild.done(), used


def _has_buckets(graph: Graph) -> bool:
    return any(
        op.attrs.get("bucket") is not None
        or any(_has_buckets(v) for v in op.attrs.values() if isinstance(v, Graph))
        for op in graph.operations
    )


def _resolved_attrs(op: Operation, buckets: Mapping[str, int], used: dict[str, int]) -> dict:
    """``op``'s attributes with its length resolved and its sub-graphs' lengths too."""
    attrs = {k: _resolved_graph(v, buckets, used) if isinstance(v, Graph) else v for k, v in op.attrs.items()}
    name = attrs.get("bucket")
    if name is not None:
        used[name] = attrs["length"] = buckets.get(name, INITIAL_BUCKET)
    return attrs


def _resolved_graph(graph: Graph, buckets: Mapping[str, int], used: dict[str, int]) -> Graph:
    """A copy of the sub-graph ``graph`` with its bucketed lengths set (itself if it has none)."""
    if not _has_buckets(graph):
        return graph
    copy = Graph()
    tensors: dict[Tensor, Tensor] = {}
    ops: dict[Operation, Operation] = {}
    for op in graph.operations:
        new = copy.add_op(
            op.type, [tensors[t] for t in op.inputs], _resolved_attrs(op, buckets, used), op.name,
            control_inputs=[ops[c] for c in op.control_inputs], device=op.device, location=op.location,
            types=[t.type for t in op.outputs],
        )  # fmt: skip
        ops[op] = new
        tensors.update(zip(op.outputs, new.outputs))
    return copy
