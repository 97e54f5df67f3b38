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

import operator
from collections.abc import Sequence
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
_PLAIN = frozenset({type(None), bool, int, str, bytes})
"""The most common of them, found by a set lookup of the exact type."""


_TYPE = operator.attrgetter("type")
"""A tensor's type (``map`` calls it in C)."""
_NEW = object()
"""Not in a ``KeyMemo`` yet."""


class KeyMemo:
    """What ``structure_key`` keeps between the keys of one Session: the build-time part of
    each op keyed before (``_static``; a loop that builds new ops over the same Variables keys
    the shared ops again at every step), and one instance of each distinct part, so that the
    parts of ops built alike are one object (a growing graph gives the garbage collector
    fewer objects to walk)."""

    __slots__ = ("ops", "parts")

    def __init__(self) -> None:
        self.ops: dict[Operation, tuple | None] = {}
        self.parts: dict[tuple, tuple] = {}

    def static(self, op: Operation) -> tuple | None:
        """``_static(op)``, computed at its first key only."""
        static = self.ops.get(op, _NEW)
        if static is _NEW:
            static = _static(op)
            if static is not None:
                static = self.parts.setdefault(static, static)
            self.ops[op] = static
        return static


def structure_key(
    fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor], feed_specs: Sequence[tuple], memo: KeyMemo
) -> tuple[tuple, list[Operation]] | None:
    """The structural key of a fetch set (module docstring) and the ops it covers, in the
    order of the key; None when an attribute has no by-value key. ``feed_specs``: the fed
    values' ``(shape, dtype)``, in the order of ``feeds``; ``memo``: the Session's.

    One walk, depth first from the fetches in order (``jaxgraph.ir.passes.pruning.needed``'s
    ops, each after its inputs and control inputs): an op's entry is written when it is placed,
    its inputs' positions known by then. Two fetch sets of the same structure give their ops
    in corresponding order."""
    fed = {t: ("feed", i) for i, t in enumerate(feeds)}
    ops: list[Operation] = []
    entries: list[tuple] = []
    position: dict[Operation, int] = {}  # -1: being walked (its inputs first)
    effects: list[Operation] = []
    writes = False
    stack = [f.op if isinstance(f, Tensor) else f for f in reversed(fetches) if f not in fed]
    while stack:  # plain loops, no comprehensions: each of those is a call (Python 3.11)
        op = stack.pop()
        at = position.get(op)
        if at is None:  # first visit: the op again once its inputs and control inputs are placed
            position[op] = -1
            stack.append(op)
            for dep in reversed(op.control_inputs):
                if dep not in position:
                    stack.append(dep)
            for t in reversed(op.inputs):
                if t not in fed and t.op not in position:
                    stack.append(t.op)
            continue
        if at != -1:  # a later copy of an op placed before
            continue
        static = memo.ops.get(op, _NEW)
        if static is _NEW:
            static = memo.static(op)
        if static is None:
            return None
        kind, attrs, identity, effect = static
        if effect is not None:
            effects.append(op)
            writes = writes or effect
        position[op] = len(ops)
        ops.append(op)
        # read at every key: output types (``set_shape`` refines them), inputs (they can be
        # replaced) and control inputs (they can be added); the rest is the op's ``static``
        inputs = []
        for t in op.inputs:
            inputs.append(fed.get(t) or (position[t.op], t.value_index))
        controls = tuple([position[c] for c in op.control_inputs]) if op.control_inputs else ()
        entries.append(
            (kind, attrs, tuple(map(_TYPE, op.outputs)), tuple(inputs), controls, op.device, identity)
        )
    fetched = tuple(
        fed.get(f) or (position[f.op], f.value_index) if isinstance(f, Tensor) else ("op", position[f])
        for f in fetches
    )
    fed_types = tuple((t.type, *spec) for t, spec in zip(feeds, feed_specs, strict=True))
    # where nothing writes, any order gives the same values
    order = tuple(position[op] for op in sorted(effects, key=_graph_order)) if writes else ()
    return (tuple(entries), fetched, fed_types, order), ops


def _graph_order(op: Operation) -> int:
    return op.index


_OP_TYPES: dict[str, tuple[bool | None, bool]] = {}
"""By op type: its effect (``_static``) and whether it draws random numbers (``needs_key``)."""


def _static(op: Operation) -> tuple | None:
    """What of an op's entry is fixed when it is built: its type, attributes key, identity
    (``_identity``) and effect (None: pure; True: writes, draws or checks; False: reads); None
    when an attribute has no by-value key."""
    kind = op.type
    info = _OP_TYPES.get(kind)
    if info is None:
        opdef = get_op_def(kind)
        info = _OP_TYPES[kind] = (
            opdef.state != "read" if opdef.stateful and not opdef.parameter else None,
            opdef.needs_key,
        )
    try:
        attrs = _attrs_key(op.attrs) if op.attrs else ()
    except _Unshareable:
        return None
    return kind, attrs, _identity(op, info[1]), info[0]


def _identity(op: Operation, needs_key: bool) -> str | None:
    """The op's name where it decides a value (module docstring), else None (``needs_key``: the
    op draws random numbers)."""
    if op.type == "variable" or (needs_key and op.attrs.get("seed") is None):
        return op.name
    return None


def _attrs_key(attrs: dict[str, Any]) -> tuple:
    """The attributes as a hashable by-value key (raises ``_Unshareable``)."""
    return tuple([(name, _value_key(attrs[name])) for name in sorted(attrs)])


def _value_key(value: Any) -> Any:
    """One attribute value as a hashable by-value key, tagged by its type so ``1``, ``1.0`` and
    ``True`` differ (raises ``_Unshareable``)."""
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
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
