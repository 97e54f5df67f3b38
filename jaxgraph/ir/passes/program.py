"""What the passes take and give (``Optimized``: a graph plus where the fetches and feeds are in
it) and ``Rebuild``, the one way a pass makes its output graph."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
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
    settled: set[str] = dataclasses.field(default_factory=set)
    """Idempotent passes whose output this program is (``settled_by``): running one again would
    change nothing. A pass that gives back its input unchanged keeps them; a new program (every
    ``Rebuild``'s) starts with none."""


def settled_by(name: str, run: Callable[[Optimized], Optimized]) -> Callable[[Optimized], Optimized]:
    """The idempotent pass ``run`` (its output is its own fixed point), skipped on a program it
    already settled and not changed since: ``cse-again`` after folding and simplification
    changed nothing (most large graphs) costs a look-up instead of a walk of every op."""

    def settle(program: Optimized) -> Optimized:
        if name in program.settled:
            return program
        result = run(program)
        result.settled.add(name)
        return result

    settle.__name__ = settle.__qualname__ = run.__name__
    settle.__doc__ = run.__doc__
    return settle


class Rebuild:
    """Builds a pass's output graph from ``program``'s graph, visited op by op in order.

    For each op the pass either copies it (``copy``, maybe with new inputs or attributes), drops
    it for a tensor equal to its output (``replace``) or for an equal op (``merge``), and may add
    new ops (``create``); ``done()`` gives the new program. Copies keep names, source lines and
    devices, and their output types without re-running the type rule: no pass changes a tensor's
    type (``verify`` checks it between passes in the tests). The input graph is not changed.
    """

    def __init__(self, program: Optimized, *, tentative: bool = False):
        self.program = program
        self._kept: int | None = 0 if tentative else None
        """Tentative (see ``unless_unchanged``): how many ops were kept as they are so far."""
        self.graph = Graph()
        self.graph.seed = program.graph.seed
        self.graph._name_counts = dict(program.graph._name_counts)  # new names avoid all old ones
        self.tensors: dict[Tensor, Tensor] = {}
        self.ops: dict[Operation, Operation] = {}

    @staticmethod
    def unless_unchanged(program: Optimized, run: Callable[[Rebuild], Optimized]) -> Optimized:
        """``run(rebuild)`` for a pass that usually changes nothing: first with a tentative
        ``Rebuild``, which copies nothing (every op stands for itself) and gives back
        ``program`` itself if every op is kept as it is; at the first change it stops
        (``_Changed``) and the pass runs again on a real one. Most passes over large graphs
        change nothing, and copying every op was most of their time."""
        try:
            return run(Rebuild(program, tentative=True))
        except _Changed:
            return run(Rebuild(program))

    def inputs(self, op: Operation) -> list[Tensor]:
        """``op``'s inputs in the new graph."""
        if self._kept is not None:
            return list(op.inputs)
        return [self.tensors[t] for t in op.inputs]

    def controls(self, op: Operation) -> tuple[Operation, ...]:
        """``op``'s control inputs in the new graph."""
        if self._kept is not None:
            return op.control_inputs
        return tuple([self.ops[c] for c in op.control_inputs]) if op.control_inputs else ()

    def _change(self) -> None:
        """A tentative rebuild stops at its first change (see ``unless_unchanged``)."""
        if self._kept is not None:
            raise _Changed

    def copy(
        self, op: Operation, inputs: list[Tensor] | None = None, attrs: dict[str, Any] | None = None
    ) -> Operation:
        """Appends a copy of ``op`` (same output types) reading ``inputs`` (its own by default)."""
        if self._kept is not None:
            same = inputs is None or (
                len(inputs) == len(op.inputs) and all(map(operator.is_, inputs, op.inputs))
            )
            if not same or (attrs is not None and attrs is not op.attrs):
                raise _Changed
            self._kept += 1
            return op
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
        self._change()
        return self.graph.add_op(op_type, [], attrs, self.graph.unique_name(name), location=like.location)

    def replace(self, op: Operation, tensor: Tensor) -> None:
        """Drops the single-output ``op``: its users read ``tensor`` (of the same type) instead."""
        self._change()
        self.tensors[op.outputs[0]] = tensor
        self.ops[op] = tensor.op

    def merge(self, op: Operation, into: Operation, indices: list[int] | None = None) -> None:
        """Drops ``op`` for ``into``, which computes its outputs (output ``i`` at ``indices[i]``)."""
        self._change()
        for i, t in enumerate(op.outputs):
            self.tensors[t] = into.outputs[i if indices is None else indices[i]]
        self.ops[op] = into

    def done(self) -> Optimized:
        """The new program: the new graph, with the fetches and feeds mapped into it (tentative:
        the program itself, if it kept every op)."""
        if self._kept is not None:
            if self._kept != len(self.program.graph.operations):
                raise _Changed
            return self.program
        fetches = [self.tensors[f] if isinstance(f, Tensor) else self.ops[f] for f in self.program.fetches]
        return Optimized(self.graph, fetches, [self.tensors[t] for t in self.program.feeds])


class _Changed(Exception):
    """A tentative ``Rebuild`` met a change: the pass must run on a real one."""
