"""Variable state ops: ``variable`` declares a named, typed state slot; ``read``, ``assign``,
``assign_add`` and ``assign_sub`` use it.

Values never live in the graph: a Session holds them by variable name. The lowering threads
each Variable's value through the generated code in trace order, so among the ops a run
executes, a read sees every assign traced before it.
"""

from __future__ import annotations

from jaxgraph.ir.opdef import REQUIRED, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import require


@op(
    "variable", "Variable", attrs={"dtype": REQUIRED, "shape": REQUIRED, "sharding": None},
    stateful=True, parameter=True,
)  # fmt: skip
class VariableOp:
    """The handle of a Variable (type ``ref<...>``); the op's name is the variable's name.
    ``sharding``: how a Session with a mesh splits its value, a PartitionSpec as a tuple with
    one entry per leading dimension (a mesh axis name, a tuple of them, or None)."""

    def infer(*, dtype, shape, sharding):
        for d in shape:  # a loop, not all(): this runs for every Variable
            if not isinstance(d, int) or d < 0:  # the message only when needed
                raise type_error(f"a Variable needs a fully known shape, got {list(shape)}")
        if sharding is not None:
            require(
                isinstance(sharding, tuple) and all(map(_is_axes, sharding)),
                f"a Variable's sharding is a tuple of mesh axis names, tuples of them or None, "
                f"got {sharding!r}",
            )
            require(
                len(sharding) <= len(shape),
                f"sharding {list(sharding)} has more entries than the Variable's rank {len(shape)}",
            )
        return TensorType(dtype, TensorShape(shape), ref=True)


def _is_axes(entry: object) -> bool:
    """Whether one sharding entry is None, an axis name or a tuple of axis names."""
    names = entry if isinstance(entry, tuple) else (entry,)
    return entry is None or all(isinstance(name, str) for name in names)


@op("read", "read", state="read", jax_call="{0}")
class Read:
    """The Variable's current value."""

    def infer(ref):
        return TensorType(ref.dtype, ref.shape)

    def lower(value):
        return value

    def grad(op, g):
        return (g,)


def _assign_infer(op_name: str):
    def infer(ref, value):  # no ``require``: its messages would be formatted for every op
        if not ref.ref:
            raise type_error(f"{op_name} needs a Variable as its first input")
        if value.dtype is not ref.dtype:
            raise type_error(f"{op_name} of a {value.dtype.short} value to a {ref.dtype.short} Variable")
        if not value.shape.is_compatible_with(ref.shape):
            raise type_error(
                f"{op_name} of a value of shape {value.shape} to a Variable of shape {ref.shape}"
            )
        return TensorType(ref.dtype, ref.shape)

    return infer


@op("assign", "Assign", state="write", jax_call="{0}")
class Assign:
    """Replaces the Variable's value; outputs the new value."""

    infer = _assign_infer("assign")

    def lower(value):
        return value


@op("assign_add", "AssignAdd", state="update", jax_call="{0} + {1}")
class AssignAdd:
    infer = _assign_infer("assign_add")

    def lower(old, value):
        return old + value


@op("assign_sub", "AssignSub", state="update", jax_call="{0} - {1}")
class AssignSub:
    infer = _assign_infer("assign_sub")

    def lower(old, value):
        return old - value


@op(
    "variable_group", "VariableGroup", attrs={"dtype": REQUIRED, "shape": REQUIRED, "members": REQUIRED},
    stateful=True, parameter=True,
)  # fmt: skip
class VariableGroupOp:
    """The handle of a run of same-typed Variables held as one stacked value (``ref<...>`` of
    shape ``[len(members), *shape]``): made by the rolling pass only (never by users), so that
    a rolled program reads and updates the run's Variables as one argument and one result.
    ``members`` names the Variables, in stacking order; ``shape`` is one member's shape. The
    Session keeps each member individually addressable (``jaxgraph.session.variable_store``)."""

    def infer(*, dtype, shape, members):
        require(
            isinstance(members, tuple) and len(members) >= 1 and all(isinstance(m, str) for m in members),
            f"a Variable group's members are a tuple of Variable names, got {members!r}",
        )
        require(len(set(members)) == len(members), f"a Variable group names a Variable twice: {members!r}")
        return TensorType(dtype, TensorShape((len(members), *shape)), ref=True)
