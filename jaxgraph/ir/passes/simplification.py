"""Algebraic simplification: drops an op whose result equals one of its inputs, with the same
static type (so nothing downstream changes type).

The rules are data: ``identity_rules()`` has one row per ``x + 0``-style rule, made from the
ops' ``identity_element`` and ``commutative`` traits; the ``involution`` and ``forwards_input``
traits give ``--x -> x`` and identity / same-type reshape, broadcast and cast ``-> x``; and
``PATTERNS`` holds the op-specific rewrites (transpose of transpose, reshape of reshape).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import REGISTRY, OpDef, output_types
from jaxgraph.ir.passes.program import Optimized, Rebuild
from jaxgraph.ir.passes.values import splat


@dataclasses.dataclass(frozen=True)
class IdentityRule:
    """``op_type`` returns its input ``result`` when every element of input ``operand`` is ``splat``."""

    op_type: str
    operand: int
    splat: Any
    result: int


def identity_rules(registry: Mapping[str, OpDef] = REGISTRY) -> dict[str, tuple[IdentityRule, ...]]:
    """The rule table by op type: ``x op e -> x`` for each op with an ``identity_element`` e,
    then ``e op x -> x`` when it is also commutative (rows are tried in this order)."""
    table = {}
    for name, opdef in registry.items():
        e = opdef.identity_element
        if e is not None:
            rows = [IdentityRule(name, 1, e, 0)] + (
                [IdentityRule(name, 0, e, 1)] if opdef.commutative else []
            )
            table[name] = tuple(rows)
    return table


def _transpose_of_transpose(op: Operation, inputs: list[Tensor]) -> Tensor | None:
    """``transpose(transpose(x))`` or a transpose whose permutations compose to the identity."""
    x = inputs[0]
    rank = len(x.shape)
    perm = tuple(a % rank for a in op.attrs["perm"])
    if x.op.type == "transpose":
        perm = tuple(x.op.attrs["perm"][p] % rank for p in perm)
        x = x.op.inputs[0]
    return x if perm == tuple(range(rank)) else None


def _reshape_of_reshape(op: Operation, inputs: list[Tensor]) -> list[Tensor]:
    """``reshape(reshape(x))`` reads ``x`` directly when that keeps its type."""
    inner = inputs[0].op
    if inner.type != "reshape" or inner.control_inputs:
        return inputs
    x = inner.inputs[0]
    same = output_types(op.op_def.infer(x.type, **op.attrs)) == (op.outputs[0].type,)
    return [x] if same else inputs


PATTERNS: dict[str, Callable[[Operation, list[Tensor]], Tensor | None]] = {
    "transpose": _transpose_of_transpose
}
"""Op-specific rules: the tensor an op equals (None when the rule does not apply)."""

CANONICAL_INPUTS: dict[str, Callable[[Operation, list[Tensor]], list[Tensor]]] = {
    "reshape": _reshape_of_reshape
}
"""Op-specific rewrites of an op's inputs (the op stays, reading something simpler)."""


def _equal_input(op: Operation, opdef: OpDef, inputs: list[Tensor], rules: dict) -> Tensor | None:
    """The input (or input's input) ``op`` provably equals, by the first rule that matches."""
    for rule in rules.get(op.type, ()):
        if splat(inputs[rule.operand]) == rule.splat:
            return inputs[rule.result]
    if opdef.involution and inputs[0].op.type == op.type:
        return inputs[0].op.inputs[0]
    forwards = opdef.forwards_input
    if forwards == "always" or (forwards == "same_type" and op.outputs[0].shape.is_fully_defined()):
        return inputs[0]
    pattern = PATTERNS.get(op.type)
    return pattern(op, inputs) if pattern is not None else None


def simplify(program: Optimized) -> Optimized:
    """Replaces each single-output pure op without control inputs by the input it equals."""
    return Rebuild.unless_unchanged(program, _simplified)


def _simplified(rebuild: Rebuild) -> Optimized:
    rules = identity_rules()
    for op in rebuild.program.graph.operations:
        inputs = rebuild.inputs(op)
        opdef = op.op_def
        if opdef.pure:
            canonical = CANONICAL_INPUTS.get(op.type)
            inputs = canonical(op, inputs) if canonical is not None else inputs
            candidate = (
                _equal_input(op, opdef, inputs, rules)
                if len(op.outputs) == 1 and not op.control_inputs
                else None
            )
            if candidate is not None and candidate.type == op.outputs[0].type:
                rebuild.replace(op, candidate)
                continue
        rebuild.copy(op, inputs)
    return rebuild.done()
