"""Structural keys of fetch sets: what lets a Session run a new fetch set on an executable it
already compiled for a structurally identical one.

Classic TF1 training loops build ops inside the loop (``sess.run(tf.sigmoid(logits))``,
``sess.run(G(z))`` with reused Variables): every iteration fetches new ops, so a cache keyed by
the fetched tensors compiles every step, where TF1's executor just runs the new ops. The
structural key of a fetch set is its pruned sub-graph written without op names: for each op
its type, attributes, output types, device, and where its inputs and control inputs come from
(by position, or by feed position), in a canonical order (depth first from the fetches, inputs
in order: graph order would depend on when shared ops such as a Variable's read were created);
the fetches by position; the feeds by position, placeholder type and fed shape and dtype. It is
taken before specialization and the host split, which follow from it. Where effects can depend
on graph order (a fetch set that writes a Variable, draws random numbers or checks values runs
its stateful ops in graph order), the key also has the graph order of its stateful ops. Names
enter only where they decide a value: a Variable by its name (the Session holds values by
name), and a random op without a ``seed`` attribute (its stream follows its name, as in
``jaxgraph.lowering.codegen.op_seed``). Attribute values are compared by value (constants by
their bytes, floats by their bit pattern, so ``-0.0`` and ``0.0`` differ); a fetch set with an
attribute that cannot be compared by value (a control-flow body, a Python callable) gets no
key and always compiles on its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Container, Sequence
from typing import Any

import numpy as np

from jaxgraph.ir.dtypes import DType
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ir.values import ArrayValue


class _Unshareable(Exception):
    """An attribute value that has no by-value key."""


_BY_VALUE = (type(None), bool, int, str, bytes, DType, TensorShape, TensorType, ArrayValue, np.dtype)
"""Attribute types whose ``==`` and hash compare values (DTypes are canonical instances)."""


def structure_key(
    fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor], feed_specs: Sequence[tuple]
) -> tuple[tuple, list[Operation]] | None:
    """The structural key of a fetch set (module docstring) and the ops it covers, in the
    order of the key; None when an attribute has no by-value key. ``feed_specs``: the fed
    values' ``(shape, dtype)``, in the order of ``feeds``."""
    fed = {t: ("feed", i) for i, t in enumerate(feeds)}
    ops = canonical_order(fetches, fed)
    position = {op: i for i, op in enumerate(ops)}
    try:
        statics = [_static(op) for op in ops]
    except _Unshareable:
        return None
    entries = tuple([_entry(op, static, fed, position) for op, static in zip(ops, statics)])
    fetched = tuple(
        fed.get(f) or (position[f.op], f.value_index) if isinstance(f, Tensor) else ("op", position[f])
        for f in fetches
    )
    fed_types = tuple((t.type, *spec) for t, spec in zip(feeds, feed_specs, strict=True))
    effects = [(op, static[3]) for op, static in zip(ops, statics) if static[3] is not None]
    if any(writes for _, writes in effects):
        order = tuple(position[op] for op in sorted((op for op, _ in effects), key=lambda op: op.index))
    else:  # reads only: any order gives the same values
        order = ()
    return (entries, fetched, fed_types, order), ops


def _entry(op: Operation, static: tuple, fed: dict[Tensor, tuple], position: dict[Operation, int]) -> tuple:
    """One op of a structural key: everything but its name (module docstring); ``static``:
    its ``_static``."""
    kind, attrs, identity, _ = static
    inputs = [fed.get(t) or (position[t.op], t.value_index) for t in op.inputs]
    controls = [position[c] for c in op.control_inputs] if op.control_inputs else ()
    outputs = [t.type for t in op.outputs]  # not cached: ``set_shape`` refines an output's type
    return kind, attrs, tuple(outputs), tuple(inputs), tuple(controls), op.device, identity


_STATICS: weakref.WeakKeyDictionary[Operation, tuple | None] = weakref.WeakKeyDictionary()
"""``_static`` of each op keyed before (None: unshareable): a loop that builds new ops over the
same Variables keys the shared ops again at every step."""
_NEW = object()
"""Not in ``_STATICS`` yet."""


def _static(op: Operation) -> tuple:
    """What of an op's entry is fixed when it is built: its type, attributes key, identity
    (``_identity``) and effect (None: pure; True: writes, draws or checks; False: reads).
    Raises ``_Unshareable``."""
    static = _STATICS.get(op, _NEW)
    if static is _NEW:
        try:
            static = _STATICS[op] = _static_of(op)
        except _Unshareable:
            _STATICS[op] = None
            raise
    if static is None:
        raise _Unshareable(op.type)
    return static


def _static_of(op: Operation) -> tuple:
    """``_static`` of an op not keyed before."""
    opdef = get_op_def(op.type)
    effect = opdef.state != "read" if opdef.stateful and not opdef.parameter else None
    return op.type, _attrs_key(op.attrs) if op.attrs else (), _identity(op), effect


def canonical_order(fetches: Sequence[Tensor | Operation], fed: Container[Tensor]) -> list[Operation]:
    """The ops the fetches need (``jaxgraph.ir.passes.pruning.needed``'s), each after its inputs
    and control inputs: depth first from the fetches in order, inputs in order, then control
    inputs. Two fetch sets of the same structure give their ops in corresponding order."""
    order: list[Operation] = []
    seen: set[Operation] = set()
    stack: list[tuple[Operation, bool]] = []
    for fetch in reversed(fetches):
        if not (isinstance(fetch, Tensor) and fetch in fed):
            stack.append((fetch.op if isinstance(fetch, Tensor) else fetch, False))
    while stack:
        op, expanded = stack.pop()
        if expanded:
            order.append(op)
            continue
        if op in seen:
            continue
        seen.add(op)
        stack.append((op, True))
        for dep in reversed(op.control_inputs):
            if dep not in seen:
                stack.append((dep, False))
        for t in reversed(op.inputs):
            if t not in fed and t.op not in seen:
                stack.append((t.op, False))
    return order


def _identity(op: Operation) -> str | None:
    """The op's name where it decides a value (module docstring), else None."""
    if op.type == "variable":
        return op.name
    if get_op_def(op.type).needs_key and op.attrs.get("seed") is None:
        return op.name
    return None


def _attrs_key(attrs: dict[str, Any]) -> tuple:
    """The attributes as a hashable by-value key (raises ``_Unshareable``)."""
    return tuple([(name, _value_key(attrs[name])) for name in sorted(attrs)])


def _value_key(value: Any) -> Any:
    """One attribute value as a hashable by-value key, tagged by its type so ``1``, ``1.0`` and
    ``True`` differ (raises ``_Unshareable``)."""
    kind = type(value)
    if kind is float:
        return (float, value.hex())  # bit-exact: -0.0 and 0.0 differ, every NaN is one value
    if kind is complex:
        return (complex, value.real.hex(), value.imag.hex())
    if kind in (list, tuple):
        return (kind, tuple(_value_key(v) for v in value))
    if kind is dict:
        return (dict, _attrs_key(value))
    if isinstance(value, np.ndarray) and value.dtype != object:
        return (np.ndarray, value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return (kind, value.tobytes())
    if isinstance(value, _BY_VALUE):
        return (kind, value)
    raise _Unshareable(kind)
