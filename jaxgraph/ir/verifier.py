"""``verify(graph)``: checks the invariants every pass and the lowering rely on.

* names are unique and indexed;
* every data and control input is an op of the same graph created earlier (def before use);
* every op's output types are what its type rule gives for its inputs and attributes;
* Variable handles (``ref`` types) flow only into ops that touch Variable state.

A violation raises ``jaxgraph.errors.InternalError`` naming the op and its source line.
"""

from __future__ import annotations

from collections.abc import Sequence

from jaxgraph.errors import InternalError
from jaxgraph.ir.graph import Graph, Tensor
from jaxgraph.ir.opdef import OpDef, TypeRuleError, get_op_def, output_types


def verify(graph: Graph) -> Graph:
    """Raises InternalError on the first broken invariant; returns the graph otherwise."""
    seen = set()
    for index, op in enumerate(graph.operations):
        if op.graph is not graph or op.index != index:
            raise InternalError("op is not indexed at its position in the graph", op)
        if op.name in seen or graph._by_name.get(op.name) is not op:
            raise InternalError(f"op name '{op.name}' is not unique", op)
        seen.add(op.name)
        opdef = get_op_def(op.type)
        for value in op.attrs.values():
            if isinstance(value, Graph):
                verify(value)
        for t in op.inputs:
            if t.graph is not graph or t.op.index >= index or graph.operations[t.op.index] is not t.op:
                raise InternalError(f"input '{t.name}' is not defined before its use", op)
        for c in op.control_inputs:
            if c.graph is not graph or c.index >= index:
                raise InternalError(f"control input '{c.name}' is not defined before its use", op)
        problem = state_input_problem(opdef, op.inputs)
        if problem:
            raise InternalError(problem, op)
        try:
            result = opdef.infer(*(t.type for t in op.inputs), **op.attrs)
        except TypeRuleError as e:
            raise InternalError(f"type rule fails: {e}", op) from None
        types = output_types(result)
        if tuple(types) != tuple(t.type for t in op.outputs):
            raise InternalError(
                "output types "
                f"{[str(t.type) for t in op.outputs]} differ from its type rule's {list(map(str, types))}",
                op,
            )
    return graph


def state_input_problem(opdef: OpDef, inputs: Sequence[Tensor]) -> str | None:
    """Why ``inputs`` break the rule that Variable handles flow only into state ops (None if not).

    Control-flow ops (``region``) take the handles of the Variables their bodies assign. Shared
    with the parser, which rejects such text before creating the op."""
    for t in inputs:
        if t.type.ref and opdef.state is None and not opdef.region:
            return f"Variable handle '{t.name}' used as a value"
    if opdef.state is not None and not (inputs and inputs[0].type.ref):
        return "a state op's first input must be a Variable handle"
    return None
