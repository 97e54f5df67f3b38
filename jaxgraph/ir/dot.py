"""``graph.to_dot()``: the Graphviz source of a Graph, and the op walk graph exporters share.

Name scopes become nested clusters (boxes labelled with the scope), each op a node labelled with
its short name, op type and device; data edges are labelled with the tensor's type
(``f32[?,10]``), control edges are dashed. Sub-graph attributes (the bodies of ``cond`` /
``while`` / ``scan``) are drawn as clusters inside their op's scope. Render with
``dot -Tsvg g.dot -o g.svg`` or ``jaxgraph dot ... -o g.svg``.
"""

from __future__ import annotations

from collections.abc import Iterator

from jaxgraph.ir.graph import Graph, Operation, Tensor

NODE_SHAPES = {"placeholder": "invhouse", "variable": "cylinder", "constant": "plaintext"}
"""Graphviz node shapes that make the inputs and the state of a graph stand out (default: box)."""


def nested_ops(graph: Graph, prefix: str = "") -> Iterator[tuple[str, Operation]]:
    """``(prefix, op)`` for every op of ``graph`` and, recursively, of its ops' sub-graph attrs.

    An op inside the sub-graph attr ``body`` of op ``while`` gets the prefix ``while/body/``, so
    its full name ``prefix + op.name`` is unique and shows the nesting as a name scope.
    """
    for op in graph.operations:
        yield prefix, op
        for attr, sub in subgraph_attrs(op):
            yield from nested_ops(sub, f"{prefix}{op.name}/{attr}/")


def subgraph_attrs(op: Operation) -> Iterator[tuple[str, Graph]]:
    """``(name, graph)`` for each Graph-valued attr of ``op`` (``name_i`` inside tuples)."""
    for key, value in op.attrs.items():
        if isinstance(value, Graph):
            yield key, value
        elif isinstance(value, tuple):
            yield from ((f"{key}_{i}", v) for i, v in enumerate(value) if isinstance(v, Graph))


def input_name(prefix: str, tensor: Tensor) -> str:
    """TensorFlow's input syntax: ``name`` for output 0, ``name:k`` otherwise."""
    name = prefix + tensor.op.name
    return name if tensor.value_index == 0 else f"{name}:{tensor.value_index}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Cluster:
    """A name scope: its own nodes and its child scopes."""

    def __init__(self) -> None:
        self.nodes: list[str] = []
        self.children: dict[str, _Cluster] = {}

    def at(self, path: list[str]) -> _Cluster:
        cluster = self
        for part in path:
            cluster = cluster.children.setdefault(part, _Cluster())
        return cluster

    def emit(self, lines: list[str], scope: str, indent: str) -> None:
        lines.extend(indent + node for node in self.nodes)
        for name, child in self.children.items():
            full = f"{scope}/{name}" if scope else name
            lines.append(f"{indent}subgraph {_quote('cluster_' + full)} {{")
            lines.append(f"{indent}  label={_quote(name)};")
            child.emit(lines, full, indent + "  ")
            lines.append(indent + "}")


def to_dot(graph: Graph, name: str = "jaxgraph") -> str:
    """Graphviz source of ``graph`` (see the module docstring)."""
    root = _Cluster()
    edges: list[str] = []
    for prefix, op in nested_ops(graph):
        full = prefix + op.name
        *scope, short = full.split("/")
        shape = NODE_SHAPES.get(op.type, "box")
        label = f"{short}\n{op.type}" + (f"\n@{op.device}" if op.device else "")
        root.at(scope).nodes.append(f"{_quote(full)} [label={_quote(label)}, shape={shape}];")
        for t in op.inputs:
            label = str(t.type) if t.value_index == 0 else f":{t.value_index} {t.type}"
            edges.append(f"{_quote(prefix + t.op.name)} -> {_quote(full)} [label={_quote(label)}];")
        for c in op.control_inputs:
            edges.append(f"{_quote(prefix + c.name)} -> {_quote(full)} [style=dashed];")
    lines = [
        f"digraph {_quote(name)} {{",
        "  rankdir=TB;",
        '  node [style=rounded, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
        '  graph [style=rounded, fontname="Helvetica", fontsize=11];',
    ]
    root.emit(lines, "", "  ")
    lines.extend("  " + edge for edge in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
