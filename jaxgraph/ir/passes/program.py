"""What the passes take and give (``Optimized``: a graph plus where the fetches and feeds are in
it) and ``Rebuild``, the one way a pass makes its output graph."""

from __future__ import annotations

import dataclasses
from typing import Any

from jaxgraph.ir.graph import Graph, Operation, Tensor


@dataclasses.dataclass
class Optimized:
    """A graph and where the original fetches and feeds went in it; each pass's input and output.

    ``after_each_pass``: ``(pass name, graph after it)``, in pipeline order, when ``optimize``
    was asked to record them (the per-pass view of the ``ir-opt`` dump)."""

    graph: Graph
    fetches: list[Tensor | Operation]
    feeds: list[Tensor]
    after_each_pass: list[tuple[str, Graph]] = dataclasses.field(default_factory=list)


class Rebuild:
    """Builds a pass's output graph from ``program``'s graph, visited op by op in order.

    For each op the pass either copies it (``copy``, maybe with new inputs or attributes), drops
    it for a tensor equal to its output (``replace``) or for an equal op (``merge``), and may add
    new ops (``create``); ``done()`` gives the new program. Copies keep names, source lines and
    devices, and their output types without re-running the type rule: no pass changes a tensor's
    type (``verify`` checks it between passes in the tests). The input graph is not changed.
    """

    def __init__(self, program: Optimized):
        self.program = program
        self.graph = Graph()
        self.graph.seed = program.graph.seed
        self.graph._name_counts = dict(program.graph._name_counts)  # new names avoid all old ones
        self.tensors: dict[Tensor, Tensor] = {}
        self.ops: dict[Operation, Operation] = {}

    def inputs(self, op: Operation) -> list[Tensor]:
        """``op``'s inputs in the new graph."""
        return [self.tensors[t] for t in op.inputs]

    def controls(self, op: Operation) -> tuple[Operation, ...]:
        """``op``'s control inputs in the new graph."""
        return tuple([self.ops[c] for c in op.control_inputs]) if op.control_inputs else ()

    def copy(
        self, op: Operation, inputs: list[Tensor] | None = None, attrs: dict[str, Any] | None = None
    ) -> Operation:
        """Appends a copy of ``op`` (same output types) reading ``inputs`` (its own by default)."""
        new = self.graph.add_op(
            op.type, self.inputs(op) if inputs is None else inputs, op.attrs if attrs is None else attrs,
            op.name, control_inputs=self.controls(op), device=op.device, location=op.location,
            types=[t.type for t in op.outputs],
        )  # fmt: skip
        self.tensors.update(zip(op.outputs, new.outputs))
        self.ops[op] = new
        return new

    def create(self, op_type: str, attrs: dict[str, Any], name: str, like: Operation) -> Operation:
        """A new input-less op named after ``name`` (made unique), at ``like``'s source line."""
        return self.graph.add_op(op_type, [], attrs, self.graph.unique_name(name), location=like.location)

    def replace(self, op: Operation, tensor: Tensor) -> None:
        """Drops the single-output ``op``: its users read ``tensor`` (of the same type) instead."""
        self.tensors[op.outputs[0]] = tensor
        self.ops[op] = tensor.op

    def merge(self, op: Operation, into: Operation, indices: list[int] | None = None) -> None:
        """Drops ``op`` for ``into``, which computes its outputs (output ``i`` at ``indices[i]``)."""
        for i, t in enumerate(op.outputs):
            self.tensors[t] = into.outputs[i if indices is None else indices[i]]
        self.ops[op] = into

    def done(self) -> Optimized:
        """The new program: the new graph, with the fetches and feeds mapped into it."""
        fetches = [self.tensors[f] if isinstance(f, Tensor) else self.ops[f] for f in self.program.fetches]
        return Optimized(self.graph, fetches, [self.tensors[t] for t in self.program.feeds])
