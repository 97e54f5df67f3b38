"""Pruning: the sub-graph a fetch set needs (``prune``), copied out of the user's graph with the
fed tensors as placeholders (``extract``, the pipeline's start), and dead-code elimination
(``dce``, its end: drops what the rewrites left unused)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild


def needed(fetches: Iterable[Tensor | Operation], fed: set[Tensor]) -> set[Operation]:
    """The ops the fetches need, through data and control inputs, stopping at fed tensors."""
    ops: set[Operation] = set()
    stack: list[Any] = list(fetches)
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            if item in fed:
                continue
            item = item.op
        if item in ops:
            continue
        ops.add(item)
        stack.extend(item.inputs)
        stack.extend(item.control_inputs)
    return ops


def prune(fetches: Iterable[Tensor | Operation], fed: set[Tensor]) -> list[Operation]:
    """The ops the fetches need, through data and control inputs, stopping at fed tensors;
    in graph (trace) order."""
    return sorted(needed(fetches, fed), key=lambda op: op.index)


def _feed_placeholder(graph: Graph, t: Tensor) -> Tensor:
    """The placeholder standing for the fed ``t`` (a copy of ``t``'s placeholder if it is one)."""
    if t.op.type == "placeholder" and len(t.op.outputs) == 1:
        attrs, name = dict(t.op.attrs), t.op.name
    else:
        shape = tuple(t.shape) if t.shape.ndims is not None else None  # None: unknown rank
        attrs, name = {"dtype": t.dtype, "shape": shape}, f"{t.op.name}/fed_{t.value_index}"
    return graph.add_op("placeholder", [], attrs, name, location=t.op.location).outputs[0]


def extract(fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor]) -> Optimized:
    """A new graph holding the ops ``fetches`` need (in trace order) after one placeholder per
    feed; an op whose outputs are all fed is left out. The user's graph is not changed."""
    fed = set(feeds)
    source = next((x.graph for x in [*fetches, *feeds]), None) or Graph()
    rebuild = Rebuild(Optimized(source, list(fetches), list(feeds)))
    placeholders = {t: _feed_placeholder(rebuild.graph, t) for t in feeds}
    rebuild.tensors.update(placeholders)
    for op in prune(fetches, fed):
        if op.outputs and all(t in fed for t in op.outputs):
            rebuild.ops[op] = placeholders[op.outputs[0]].op
            continue
        rebuild.copy(op)
        rebuild.tensors.update((t, placeholders[t]) for t in op.outputs if t in fed)
    return rebuild.done()


def dce(program: Optimized) -> Optimized:
    """Dead-code elimination: keeps the feeds and the ops the fetches need."""
    live = needed(program.fetches, set(program.feeds)) | {t.op for t in program.feeds}
    if len(live) == len(program.graph.operations):
        return program
    rebuild = Rebuild(program)
    for op in program.graph.operations:
        if op in live:
            rebuild.copy(op)
    return rebuild.done()
