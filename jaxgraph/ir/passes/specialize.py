"""Specialization: the sub-graph a fetch set needs, typed again for the shapes of one run's feeds.

TF1 programs may leave shapes to feed time: ``tf.placeholder(tf.float32)`` has an unknown rank,
and a shape argument may be a tensor (``tf.zeros(tf.shape(x))``, ``tf.range(n)``). Lowering needs
static shapes, so before a fetch set is compiled for a feed signature, ``specialize`` copies the
ops the fetches need into a new graph in which

* each fed placeholder has the fed value's shape, and every op's type rule runs again on the new
  input types (an error found only now, e.g. a matmul of mismatched fed shapes, is an
  InvalidArgumentError naming the op and the user's line, as at build time);
* ops that read only their input's type (``shape``, ``size``, ``rank``: the ``type_only`` trait)
  and then every pure op reading only constants fold to constants, so shape computations
  (``tf.shape(x)[0]``, ``tf.stack([n, -1])``) become values;
* ops with ``shape_inputs`` (a reshape to a shape tensor, a fill, a random draw or a range of
  tensor limits) become their static form once those inputs are constants. When such a value
  comes from fed data (``tf.range(n)`` with ``n`` fed), that feed's value is used as a constant:
  the feed is a *value feed*, and its executable is valid for that value only (the Session
  caches it per value, see ``Specialized.value_feeds``).

It runs only when the fetch set needs it (an op of unknown-rank type or with shape inputs);
other fetch sets compile exactly as before. It lives in the IR layer because it is an IR → IR
rewrite asking op traits only (``jaxgraph.ir.opdef``), like the passes it precedes; the Session
gives it the feed signature.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import jax
import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.opdef import TypeRuleError
from jaxgraph.ir.passes.folding import folded_value, host_value
from jaxgraph.ir.passes.pruning import needed, prune
from jaxgraph.ir.passes.values import constant_value
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ir.values import ArrayValue


@dataclasses.dataclass
class Specialized:
    """Fetches and feeds to compile (in the specialized graph, or the originals when nothing
    needed specializing), and ``value_feeds``: the indices of the feeds whose values were
    compiled in as constants."""

    fetches: list[Tensor | Operation]
    feeds: list[Tensor]
    value_feeds: tuple[int, ...] = ()


def needs_specialization(ops: Sequence[Operation]) -> bool:
    """Whether any of ``ops`` has an output of unknown rank or inputs deciding its shape."""
    return any(op.op_def.shape_inputs or any(t.shape.ndims is None for t in op.outputs) for op in ops)


def type_only_value(op: Operation, inputs: Sequence[Tensor]) -> np.ndarray | None:
    """The value of a ``type_only`` op (``shape``, ``size``, ``rank``) whose inputs' shapes are
    known, from its lowering given ``jax.ShapeDtypeStruct`` stand-ins; None otherwise."""
    types = [t.type for t in inputs]
    if not op.op_def.type_only or not all(t.shape.is_fully_defined() for t in types):
        return None
    return host_value(op.op_def, [_stand_in(t) for t in types], op.attrs)


def _stand_in(t: TensorType) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(tuple(t.shape), t.dtype.np)


def value_feeds(ops: Sequence[Operation], feeds: Sequence[Tensor]) -> tuple[int, ...]:
    """Indices of the feeds whose values flow into a shape input of one of ``ops`` (through
    ops reading values: a ``type_only`` op reads only its input's shape)."""
    index = {t: i for i, t in enumerate(feeds)}
    found: set[int] = set()
    seen: set[Operation] = set()
    stack = [
        t
        for op in ops
        for t in op.inputs[len(op.inputs) - op.op_def.shape_inputs :]
        if op.op_def.shape_inputs
    ]
    while stack:
        t = stack.pop()
        if t in index:
            found.add(index[t])
        elif t.op not in seen and not t.op.op_def.type_only:
            seen.add(t.op)
            stack.extend(t.op.inputs)
    return tuple(sorted(found))


def specialize(
    fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor], values: Sequence[object]
) -> Specialized:
    """``fetches`` and ``feeds`` specialized to the fed ``values`` (see the module docstring)."""
    fed = set(feeds)
    ops = prune(fetches, fed)
    if not needs_specialization(ops) or any(op.type == "placeholder" for op in ops):
        return Specialized(list(fetches), list(feeds))  # unfed placeholders: lowering reports them
    by_value = value_feeds(ops, feeds)
    source = next(iter([*fetches, *feeds])).graph
    graph = Graph()
    graph.seed = source.seed
    graph._name_counts = dict(source._name_counts)
    tensors: dict[Tensor, Tensor] = {}
    new_ops: dict[Operation, Operation] = {}
    new_feeds = []
    for i, t in enumerate(feeds):
        array = np.asarray(values[i])
        placeholder = _fed_placeholder(graph, t, tuple(array.shape))
        new_feeds.append(placeholder)
        tensors[t] = _value_constant(graph, t, placeholder, array) if i in by_value else placeholder
    for op in ops:
        if op.outputs and all(t in fed for t in op.outputs):
            new_ops[op] = tensors[op.outputs[0]].op
            continue
        new = _specialized_op(
            graph, op, [tensors[t] for t in op.inputs], [new_ops[c] for c in op.control_inputs]
        )
        new_ops[op] = new
        tensors.update(
            (t, tensors.get(t) if t in fed else n) for t, n in zip(op.outputs, new.outputs, strict=True)
        )
    mapped = [tensors[f] if isinstance(f, Tensor) else new_ops[f] for f in fetches]
    return Specialized(mapped, new_feeds, by_value)


def _fed_placeholder(graph: Graph, t: Tensor, shape: tuple) -> Tensor:
    """The placeholder of the fed ``t``, typed with the fed shape (named as ``extract`` does)."""
    single = t.op.type == "placeholder" and len(t.op.outputs) == 1
    name = t.op.name if single else f"{t.op.name}/fed_{t.value_index}"
    attrs = {"dtype": t.dtype, "shape": shape}
    return graph.add_op("placeholder", [], attrs, name, location=t.op.location).outputs[0]


def _value_constant(graph: Graph, t: Tensor, placeholder: Tensor, array: np.ndarray) -> Tensor:
    """A constant holding the fed value of the value feed ``t``, read in place of its placeholder."""
    value = ArrayValue(np.asarray(array, dtype=t.dtype.np))
    name = graph.unique_name(placeholder.op.name + "/value")
    return graph.add_op(
        "constant", [], {"value": value, "dtype": t.dtype}, name, location=t.op.location
    ).outputs[0]


def _specialized_op(
    graph: Graph, op: Operation, inputs: list[Tensor], controls: list[Operation]
) -> Operation:
    """``op`` added to ``graph`` on ``inputs`` with its type rule run again: as a constant when
    it folds, as its static form when its shape inputs are now constants."""
    opdef = op.op_def
    value = None if controls else type_only_value(op, inputs)
    if value is not None:
        return _constant(graph, op, value, op.outputs[0].dtype, op.name)
    op_type, attrs = op.type, op.attrs
    if opdef.shape_inputs:
        op_type, attrs, inputs = _static_form(op, inputs)
    new = graph.add_op(op_type, inputs, attrs, op.name, control_inputs=controls, device=op.device,
                       location=op.location)  # fmt: skip
    value = None if controls else folded_value(new, inputs)
    if value is None:
        return new
    graph.erase(new)
    return _constant(graph, op, value, new.outputs[0].dtype, op.name)


def _constant(graph: Graph, op: Operation, value: np.ndarray, dtype, name: str) -> Operation:
    attrs = {"value": ArrayValue(np.asarray(value).astype(dtype.np)), "dtype": dtype}
    return graph.add_op("constant", [], attrs, name, device=op.device, location=op.location)


def _static_form(op: Operation, inputs: list[Tensor]) -> tuple[str, dict, list[Tensor]]:
    """The static op type, attributes and inputs of ``op``, whose shape inputs (in ``inputs``,
    the specialized graph's tensors) must be constants now."""
    count = op.op_def.shape_inputs
    values = [constant_value(t) for t in inputs[-count:]]
    if any(v is None for v in values):
        culprit = _run_time_source(inputs[-count:][values.index(None)])
        raise InvalidArgumentError(
            f"a shape argument of '{op.name}' depends on '{culprit.name}' ({culprit.type}), whose "
            "value is known only when the graph runs: jaxgraph compiles static shapes, so compute "
            "it from fed values or from tensor shapes (jg.shape)",
            op,
        )
    try:
        op_type, attrs = op.op_def.static_form(op.attrs, values)
    except TypeRuleError as e:
        raise InvalidArgumentError(str(e), op) from None
    return op_type, attrs, inputs[:-count]


def _run_time_source(t: Tensor) -> Operation:
    """The first op ``t`` depends on whose value is not a compile-time constant (a Variable, a
    random draw, a fed tensor ...)."""
    for op in sorted(needed([t], set()), key=lambda o: o.index):
        if not op.op_def.foldable and op.op_def.value_attr is None:
            return op
    return t.op
