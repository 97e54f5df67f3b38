"""IR → IR passes run before lowering (the ``ir-opt`` dump stage).

``optimize(fetches, feeds)`` copies the ops the fetches need (prune / dead-code elimination)
into a new Graph, and on the way:

* simplifies algebra whose result type is unchanged: ``x*1``, ``1*x``, ``x+0``, ``x-0``,
  ``x/1``, ``x**1``, ``--x``, identity without control inputs, reshape of reshape, reshapes and
  broadcasts to the same static type, casts to the same dtype, transpose of transpose;
* folds ops whose inputs are all constants (small results only) into constants;
* merges identical pure ops (common-subexpression elimination).

Stateful ops (Variables, random draws) are copied as they are. Copies keep their names, source
lines and devices, so errors and dumps still point at the user's code. The source graph is not
changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.ir.values import ArrayValue

FOLD_LIMIT = 4096
"""Largest number of elements a folded constant may have."""


def prune(fetches: Iterable[Tensor | Operation], fed: set[Tensor]) -> list[Operation]:
    """The ops the fetches need, through data and control inputs, stopping at fed tensors;
    in graph (trace) order."""
    needed: set[Operation] = set()
    stack: list[Any] = list(fetches)
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            if item in fed:
                continue
            item = item.op
        if item in needed:
            continue
        needed.add(item)
        stack.extend(item.inputs)
        stack.extend(item.control_inputs)
    return sorted(needed, key=lambda op: op.index)


@dataclasses.dataclass
class Optimized:
    """The optimised graph and where the original fetches and feeds went in it."""

    graph: Graph
    fetches: list[Tensor | Operation]
    feeds: list[Tensor]


def constant_value(t: Tensor) -> np.ndarray | None:
    """The value of ``t`` when it is a constant or a fill (None otherwise)."""
    op = t.op
    if op.type == "constant":
        return op.attrs["value"].array
    if op.type == "fill":
        return np.full(op.attrs["shape"], op.attrs["value"], op.attrs["dtype"].np)
    return None


def _splat(t: Tensor) -> Any:
    """The single value every element of ``t`` is known to have (None if unknown)."""
    op = t.op
    if op.type in ("fill", "full_like"):
        return op.attrs["value"]
    if op.type == "constant":
        array = op.attrs["value"].array
        if array.size and np.all(array == array.reshape(-1)[0]):
            return array.reshape(-1)[0].item()
    return None


def simplify(op: Operation) -> Tensor | None:
    """A tensor (of the new graph) equal to ``op``'s single output, when an algebraic rule
    applies and the type is unchanged; None otherwise. ``op`` lives in the new graph."""
    if len(op.outputs) != 1 or op.control_inputs:
        return None
    out = op.outputs[0]
    inputs = op.inputs
    candidate = None
    if op.type in ("mul", "add", "sub", "truediv"):
        a, b = inputs
        neutral = 1 if op.type in ("mul", "truediv") else 0
        if _splat(b) == neutral:
            candidate = a
        elif op.type in ("mul", "add") and _splat(a) == neutral:
            candidate = b
    elif op.type == "pow" and _splat(inputs[1]) == 1:
        candidate = inputs[0]
    elif op.type == "neg" and inputs[0].op.type == "neg":
        candidate = inputs[0].op.inputs[0]
    elif op.type == "identity":
        candidate = inputs[0]
    elif op.type in ("reshape", "reshape_like", "broadcast_like", "cast"):
        if out.shape.is_fully_defined():
            candidate = inputs[0]
    elif op.type == "transpose":
        perm = op.attrs["perm"]
        if inputs[0].op.type == "transpose":
            inner = inputs[0].op
            perm = tuple(inner.attrs["perm"][p] for p in perm)
            candidate = inner.inputs[0]
        else:
            candidate = inputs[0]
        if perm is None or perm != tuple(range(len(perm))):
            candidate = None
    if candidate is not None and candidate.type == out.type:
        return candidate
    return None


def _canonical_inputs(op: Operation, inputs: list[Tensor]) -> list[Tensor]:
    """Skips an inner op whose effect the outer one subsumes (reshape of reshape)."""
    if op.type == "reshape" and inputs[0].op.type == "reshape" and not inputs[0].op.control_inputs:
        return [inputs[0].op.inputs[0]]
    return inputs


def prune_body(body: Graph) -> Graph:
    """A control-flow body without the ops its results and effects do not need (e.g. forward
    work a gradient loop re-traced but reads from saved residuals instead); its parameters all
    stay, since the op's inputs line up with them. Nested bodies are pruned too."""
    final = body.operations[-1]
    effects = [op for op in body.operations if op.op_def.state in ("write", "update")]
    keep = set(prune([final, *effects], set()))
    dead = [op for op in body.operations if op not in keep and op.type not in ("placeholder", "variable")]
    nested = any(isinstance(v, Graph) for op in body.operations for v in op.attrs.values())
    if not dead and not nested:
        return body
    pruned = Graph()
    mapping: dict[Tensor, Tensor] = {}
    ops: dict[Operation, Operation] = {}
    for op in body.operations:
        if op not in keep and op.type not in ("placeholder", "variable"):
            continue
        attrs = {k: prune_body(v) if isinstance(v, Graph) else v for k, v in op.attrs.items()}
        new = pruned.add_op(op.type, [mapping[t] for t in op.inputs], attrs, op.name,
                               control_inputs=[ops[c] for c in op.control_inputs], device=op.device,
                               location=op.location)  # fmt: skip
        ops[op] = new
        mapping.update(zip(op.outputs, new.outputs))
    return pruned


def _fold(op: Operation) -> np.ndarray | None:
    """Evaluates a pure op whose inputs are all constants (small results only)."""
    opdef = get_op_def(op.type)
    if opdef.stateful or opdef.lower is None or not op.inputs or op.control_inputs:
        return None
    if any(isinstance(v, Graph) for v in op.attrs.values()):  # control flow: not folded
        return None
    if any(not t.shape.is_fully_defined() or t.shape.num_elements() > FOLD_LIMIT for t in op.outputs):
        return None
    values = [constant_value(t) for t in op.inputs]
    if any(v is None for v in values):
        return None
    import jax

    with jax.default_device(jax.devices("cpu")[0]):
        result = opdef.lower(*values, **op.attrs)
    if isinstance(result, (tuple, list)):
        return None
    return np.asarray(result)


def optimize(fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor]) -> Optimized:
    """Prunes, simplifies, folds and de-duplicates the sub-graph computing ``fetches``."""
    fed = set(feeds)
    ops = prune(fetches, fed)
    source = ops[0].graph if ops else Graph()
    graph = Graph()
    graph.seed = source.seed
    mapping: dict[Tensor, Tensor] = {}
    op_mapping: dict[Operation, Operation] = {}
    seen: dict[Any, Operation] = {}
    new_feeds = []
    for t in feeds:
        if t.op.type == "placeholder" and len(t.op.outputs) == 1:
            new = graph.add_op("placeholder", [], dict(t.op.attrs), t.op.name, location=t.op.location)  # fmt: skip
        else:
            new = graph.add_op("placeholder", [], {"dtype": t.dtype, "shape": tuple(t.shape)},
                                  f"{t.op.name}/fed_{t.value_index}", location=t.op.location)  # fmt: skip
        mapping[t] = new.outputs[0]
        new_feeds.append(new.outputs[0])
    ops, stands_for = _merge_saving_scans(ops)
    for op in ops:
        if all(t in fed for t in op.outputs) and op.outputs:
            op_mapping[op] = mapping[op.outputs[0]].op
            continue
        inputs = _canonical_inputs(op, [mapping[t] for t in op.inputs])
        controls = tuple(op_mapping[c] for c in op.control_inputs)
        opdef = get_op_def(op.type)
        key = None
        if not opdef.stateful:
            key = (op.type, tuple(inputs), tuple(op.attrs.items()), controls)
            existing = seen.get(key)
            if existing is not None:
                _map_outputs(op, existing, mapping, fed, op_mapping, stands_for)
                continue
        attrs = {k: prune_body(v) if isinstance(v, Graph) else v for k, v in op.attrs.items()}
        new_op = graph.add_op(op.type, inputs, attrs, op.name, control_inputs=controls,
                                 device=op.device, location=op.location)  # fmt: skip
        replacement = simplify(new_op) if not opdef.stateful else None
        if replacement is None and not opdef.stateful:
            folded = _fold(new_op)
            if folded is not None:
                replacement = _constant(graph, new_op, folded, seen)
        if replacement is not None:
            mapping[op.outputs[0]] = replacement if op.outputs[0] not in fed else mapping[op.outputs[0]]
            op_mapping[op] = replacement.op
            continue
        if key is not None:
            seen[key] = new_op
        _map_outputs(op, new_op, mapping, fed, op_mapping, stands_for)
    new_fetches = [mapping[f] if isinstance(f, Tensor) else op_mapping[f] for f in fetches]
    live = prune(new_fetches, set(new_feeds))
    graph = _compact(graph, live)
    return Optimized(graph, new_fetches, new_feeds)


def _map_outputs(op, new_op, mapping, fed, op_mapping, stands_for=None) -> None:
    for old, new in zip(op.outputs, new_op.outputs):
        if old not in fed:
            mapping[old] = new
    op_mapping[op] = new_op
    for original in (stands_for or {}).get(op, ()):
        for i, old in enumerate(original.outputs):
            if old not in fed:
                mapping[old] = new_op.outputs[_twin_index(original, op, i)]
        op_mapping[original] = new_op


def _twin_index(original: Operation, twin: Operation, i: int) -> int:
    """Where ``original``'s output ``i`` is among ``twin``'s outputs: carries and ys keep their
    place (the twin only appends ys), saved carries are the twin's last outputs."""
    a = original.attrs
    n_carry = a["num_carry"]
    n_plain = len(original.outputs) - (n_carry if a["save_carries"] else 0)
    return i if i < n_plain else len(twin.outputs) - (len(original.outputs) - i)


def _merge_saving_scans(ops: list[Operation]) -> tuple[list[Operation], dict[Operation, list[Operation]]]:
    """A scan and the twin its gradient made (``twin_of``: same inputs, extra results) compute
    the same thing: run only the (last) twin, at the original's place (its inputs are defined
    there). Returns the new op order and, for each moved twin, the scans it stands for."""
    by_name = {op.name: op for op in ops if op.type == "scan"}
    twins = {}
    for op in ops:
        original = by_name.get(op.attrs["twin_of"]) if op.type == "scan" else None
        if original is not None and original.inputs == op.inputs:
            twins[original] = op
    if not twins:
        return ops, {}

    def last(op: Operation) -> Operation:
        while op in twins:
            op = twins[op]
        return op

    moved = set(twins.values())
    order = [last(op) for op in ops if op not in moved]
    stands_for: dict[Operation, list[Operation]] = {}
    for original in twins:
        stands_for.setdefault(last(original), []).append(original)
    return order, stands_for


def _constant(graph: Graph, op: Operation, value: np.ndarray, seen: dict[Any, Operation]) -> Tensor:
    """A constant op holding ``value`` (an existing equal one if there is one)."""
    dtype = op.outputs[0].dtype
    attrs = {"value": ArrayValue(value.astype(dtype.np)), "dtype": dtype}
    key = ("constant", (), tuple(attrs.items()), ())
    if key not in seen:
        name = graph.unique_name(op.name + "/folded")
        seen[key] = graph.add_op("constant", [], attrs, name, location=op.location)
    return seen[key].outputs[0]


def _compact(graph: Graph, live: list[Operation]) -> Graph:
    """Drops the ops of ``graph`` that nothing live uses (left behind by rewrites)."""
    keep = set(live)
    graph.operations = [op for op in graph.operations if op in keep or op.type == "placeholder"]
    for index, op in enumerate(graph.operations):
        op.index = index
    graph._by_name = {op.name: op for op in graph.operations}
    return graph
