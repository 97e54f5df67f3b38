"""Dropping the run-time checks TF1 makes on CPU only (``cpu_only`` ops: index ranges, integer
division by zero, negative integer powers) from a program that runs on another platform.

TF1 raises for an out-of-range index on CPU, but its GPU kernels do not check (a gather gives
zeros, a cross-entropy NaN). jaxgraph follows it: a check's status has to come back to the host
after every run, which on an accelerator ends the overlap of one step with the next (the
benchmark MLP's train step on an H200 took 2.4× the time of hand-written JAX with the label
check, 1.1× without). The lowering runs this pass for programs placed on a GPU or TPU.
``check_numerics`` and ``Session(check_numerics=True)`` are always kept: the user asked for them.
"""

from __future__ import annotations

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild


def strip_cpu_only_checks(program: Optimized) -> Optimized:
    """``program`` without its ``cpu_only`` check ops (each reader reads the checked input),
    also inside control-flow bodies; the program itself when it has none."""
    if not _holds_checks(program.graph):
        return program
    rebuild = Rebuild(program)
    for op in program.graph.operations:
        if op.op_def.cpu_only:
            rebuild.replace(op, rebuild.tensors[op.inputs[0]])
        elif op.op_def.region:
            rebuild.copy(op, attrs=_stripped_attrs(op))
        else:
            rebuild.copy(op)
    return rebuild.done()


def _holds_checks(graph: Graph) -> bool:
    return any(
        op.op_def.cpu_only or (op.op_def.region and any(_holds_checks(v) for v in _bodies(op)))
        for op in graph.operations
    )


def _bodies(op: Operation) -> list[Graph]:
    return [v for v in op.attrs.values() if isinstance(v, Graph)]


def _stripped_attrs(op: Operation) -> dict:
    return {k: _strip_body(v) if isinstance(v, Graph) else v for k, v in op.attrs.items()}


def _strip_body(body: Graph) -> Graph:
    """A copy of the sub-graph ``body`` without its ``cpu_only`` checks (parameters and results
    stay, so the control-flow op's inputs and outputs still line up)."""
    if not _holds_checks(body):
        return body
    stripped = Graph()
    tensors: dict[Tensor, Tensor] = {}
    ops: dict[Operation, Operation] = {}
    for op in body.operations:
        if op.op_def.cpu_only:
            tensors[op.outputs[0]] = tensors[op.inputs[0]]
            continue
        attrs = _stripped_attrs(op) if op.op_def.region else op.attrs
        new = stripped.add_op(op.type, [tensors[t] for t in op.inputs], attrs, op.name,
                              control_inputs=[ops[c] for c in op.control_inputs if c in ops],
                              device=op.device, location=op.location,
                              types=[t.type for t in op.outputs])  # fmt: skip
        ops[op] = new
        tensors.update(zip(op.outputs, new.outputs))
    return stripped
