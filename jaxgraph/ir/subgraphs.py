"""The sub-graph convention of control-flow bodies (``cond`` branches, ``scan`` and
``while_loop`` bodies, the rolling pass's loop bodies): parameters are the graph's
placeholders (values), then its variable handles; results are the inputs of its final
``results`` op. Here, below ``ops``, so that IR passes use it as the op rules do."""

from __future__ import annotations

from jaxgraph.ir.graph import Graph, Tensor
from jaxgraph.ir.opdef import type_error

PARAMETERS = ("placeholder", "variable")


def params(graph: Graph) -> list[Tensor]:
    """The sub-graph's parameters: placeholders (values), then variable handles."""
    values = [op.outputs[0] for op in graph.operations if op.type == "placeholder"]
    refs = [op.outputs[0] for op in graph.operations if op.type == "variable"]
    return values + refs


def results(graph: Graph) -> list[Tensor]:
    """The sub-graph's results: the inputs of its final ``results`` op."""
    if not graph.operations or graph.operations[-1].type != "results":
        raise type_error("a control-flow sub-graph must end with a 'results' op")
    return list(graph.operations[-1].inputs)


def copy_ops(target: Graph, body: Graph, mapping: dict[Tensor, Tensor], *, rename: bool = False) -> None:
    """Copies ``body``'s ops (not its parameters and results op) into ``target``, each input
    looked up in ``mapping``, which receives each copied output; types are not inferred again
    (IR passes). ``rename``: each copy gets a fresh name of ``target`` (else the same name)."""
    for op in body.operations[:-1]:
        if op.type in PARAMETERS:
            continue
        name = target.unique_name(op.name) if rename else op.name
        new = target.add_op(op.type, [mapping[t] for t in op.inputs], op.attrs, name, device=op.device,
                            location=op.location, types=[t.type for t in op.outputs])  # fmt: skip
        mapping.update(zip(op.outputs, new.outputs))
