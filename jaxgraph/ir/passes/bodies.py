"""Pruning of control-flow bodies: a body keeps only what its results and effects need (a
gradient loop re-traces forward work it then reads from saved residuals instead)."""

from __future__ import annotations

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild
from jaxgraph.ir.passes.pruning import needed


def prune_body(body: Graph) -> Graph:
    """``body`` without the ops its results and Variable assignments do not need; its parameters
    all stay, since the op's inputs line up with them. Nested bodies are pruned too."""
    roots = [body.operations[-1], *(op for op in body.operations if op.op_def.assigns)]
    keep = needed(roots, set())
    kept = [op for op in body.operations if op in keep or op.op_def.parameter]
    if len(kept) == len(body.operations) and not any(op.op_def.region for op in kept):
        return body
    pruned = Graph()
    tensors: dict[Tensor, Tensor] = {}
    ops: dict[Operation, Operation] = {}
    for op in kept:
        new = pruned.add_op(op.type, [tensors[t] for t in op.inputs], _pruned_attrs(op), op.name,
                            control_inputs=[ops[c] for c in op.control_inputs], device=op.device,
                            location=op.location)  # fmt: skip
        ops[op] = new
        tensors.update(zip(op.outputs, new.outputs))
    return pruned


def _pruned_attrs(op: Operation) -> dict:
    """``op``'s attributes with its sub-graphs pruned."""
    if not op.op_def.region:
        return op.attrs
    return {k: prune_body(v) if isinstance(v, Graph) else v for k, v in op.attrs.items()}


def prune_bodies(program: Optimized) -> Optimized:
    """Prunes the bodies of the program's control-flow ops."""
    if not any(op.op_def.region for op in program.graph.operations):
        return program
    rebuild = Rebuild(program)
    for op in program.graph.operations:
        rebuild.copy(op, attrs=_pruned_attrs(op))
    return rebuild.done()
