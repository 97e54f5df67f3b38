"""Common-subexpression elimination: a pure op equal to an earlier one (same type, inputs,
attributes and control inputs; inputs in any order for commutative ops) is dropped for it."""

from __future__ import annotations

from typing import Any

from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild, settled_by


def _position(t: Tensor) -> tuple[int, int]:
    return t.op.index, t.value_index


def _cse(program: Optimized) -> Optimized:
    """Merges each pure op into the first equal one (once merged, no two pure ops are equal, so
    a second run changes nothing: ``settled_by``)."""
    return Rebuild.unless_unchanged(program, _merged)


cse = settled_by("cse", _cse)


def _merged(rebuild: Rebuild) -> Optimized:
    program = rebuild.program
    seen: dict[Any, Operation] = {}
    for op in program.graph.operations:
        inputs = rebuild.inputs(op)
        opdef = op.op_def
        if not opdef.pure:
            rebuild.copy(op, inputs)
            continue
        operands = sorted(inputs, key=_position) if opdef.commutative else inputs
        key = (op.type, tuple(operands), tuple(op.attrs.items()), rebuild.controls(op))
        existing = seen.get(key)
        if existing is not None:
            rebuild.merge(op, existing)
        else:
            seen[key] = rebuild.copy(op, inputs)
    return rebuild.done()
