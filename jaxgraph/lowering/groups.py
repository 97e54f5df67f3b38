"""Variable groups in the executable's calling convention.

The rolling pass (``jaxgraph.ir.passes.variable_groups``) may replace a run of
same-typed Variables, read as one stack and/or written from one stacked value, by a
``variable_group`` op: its handle's value is the members' values stacked along a new leading
axis, in its ``members`` order. The lowering treats it like a Variable named after the group
op: one parameter (donated when the run writes it) and one updated result. The Session maps a
group back to its members (``jaxgraph.session.variable_store``). Programs without groups keep
the convention of one parameter and one result per Variable.
"""

from __future__ import annotations

from collections.abc import Mapping

from jaxgraph.ir.graph import Operation

VARIABLE_OPS = ("variable", "variable_group")
"""The op types whose handle the lowering threads as a Variable (a parameter and a result)."""


def variable_groups(var_ops: Mapping[str, Operation]) -> dict[str, tuple[str, ...]]:
    """The members of each group among a lowered program's Variables, by group name."""
    return {name: op.attrs["members"] for name, op in var_ops.items() if op.type == "variable_group"}


def handle_of(var_ops: Mapping[str, Operation], name: str) -> Operation | None:
    """The handle op a Variable named ``name`` is reached through: its own, or its group's."""
    if name in var_ops:
        return var_ops[name]
    return next((op for op in var_ops.values() if name in op.attrs.get("members", ())), None)
