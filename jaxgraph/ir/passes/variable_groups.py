"""Variable groups: the Variables a rolled program reads as one stack and/or writes from one
stacked value become one ``variable_group`` (the last step of the rolling pass,
``jaxgraph.ir.passes.rolling``).

A rolled training step reads each run of per-layer Variables as a ``stack`` of their reads (the
scans' stacked inputs) and writes them from the elements of an ``unstack`` (the update's
stacked results). Taken one by one, that is L reads stacked and L slices assigned: XLA on CPU
compiles each slice as a kernel of its own. As a group, the executable takes the Variables as
one argument and returns them as one result (``jaxgraph.lowering.groups``), and the Session
keeps them stacked (``jaxgraph.session.variable_store``), each member still named on its own.
"""

from __future__ import annotations

import dataclasses

from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild

ASSIGNS = ("assign", "assign_add", "assign_sub")
"""The ops that write a Variable from a value (their second input)."""


def assigns_groupable(op: Operation, value: Tensor) -> bool:
    """Whether ``op`` assigns ``value`` to a Variable that may join a group (unsharded)."""
    return op.type in ASSIGNS and op.inputs[1] is value and _plain(op.inputs[0].op)


def _plain(op: Operation) -> bool:
    """A Variable (handle op) that may join a group: not sharded over a mesh."""
    return op.type == "variable" and not op.attrs.get("sharding")


@dataclasses.dataclass
class _Group:
    """Variables a rolled program reads as one stack and/or writes from one stacked value."""

    members: tuple[Operation, ...]
    """The ``variable`` ops, in stacking order."""
    stack: Operation | None = None
    """The ``stack`` of their reads, which becomes the group's read."""
    writes: list[Operation] = dataclasses.field(default_factory=list)
    """Their assigns (one each, of one type), which become one assign of the stacked value."""
    value: Tensor | None = None
    """What the assigns write, stacked (an ``unstack``'s input) ..."""
    reverse: bool = False
    """... in reverse member order."""


def group_variables(program: Optimized) -> Optimized:
    """Variables read as one ``stack`` of reads (a rolled run's stacked inputs) and/or written
    one by one from the elements of one ``unstack`` (a rolled update's results) become one
    ``variable_group``: one read of the whole stack, one assign of the whole stacked value. The
    executable then takes and returns each group as one argument and one result (the Session
    keeps the members stacked), instead of a stack of L reads and L slices for L assigns.
    A group forms only when each member is touched by nothing else than its reads and that one
    assign (no control inputs), every read comes before every write, and no member is fetched."""
    groups = _find_groups(program)
    if not groups:
        return program
    return _with_groups(program, groups)


def _find_groups(program: Optimized) -> list[_Group]:
    ops = program.graph.operations
    fetched = set(program.fetches)
    ok: dict[Operation, bool] = {}

    def groupable(var: Operation) -> bool:
        if var not in ok:
            uses = var.outputs[0].uses
            ok[var] = (
                _plain(var)
                and var not in fetched
                and var.outputs[0] not in fetched
                and all((u.type == "read" or u.type in ASSIGNS) and not u.control_inputs for u in uses)
            )
        return ok[var]

    writes = {}
    for op in ops:
        if op.type == "unstack" and op.attrs["axis"] == 0:
            written = _written(op, groupable, fetched)
            if written is not None:
                writes[tuple(a.inputs[0].op for a in written)] = (op, written)
    groups, taken = [], set()
    for op in ops:
        if op.type != "stack" or op.attrs["axis"] != 0 or len(op.inputs) < 2:
            continue
        if not all(t.op.type == "read" and groupable(t.op.inputs[0].op) for t in op.inputs):
            continue
        members = tuple(t.op.inputs[0].op for t in op.inputs)
        if taken.intersection(members) or len(set(members)) < len(members):
            continue
        group = _Group(members, stack=op)
        for order, reverse in ((members, False), (members[::-1], True)):
            if order in writes:
                unstack, group.writes = writes.pop(order)
                group.value, group.reverse = unstack.inputs[0], reverse
                group.writes = group.writes[::-1] if reverse else group.writes
        if _consistent(group):
            groups.append(group)
            taken.update(members)
    for members, (unstack, written) in writes.items():  # written only, never read
        group = _Group(members, writes=written, value=unstack.inputs[0])
        if not taken.intersection(members) and _consistent(group):
            groups.append(group)
            taken.update(members)
    return groups


def _written(unstack: Operation, groupable, fetched: set) -> list[Operation] | None:
    """The assigns (one type) writing each element of ``unstack`` to a distinct groupable
    Variable, by element; None unless every element has just that one use."""
    assigns = []
    for t in unstack.outputs:
        uses = list(t.uses)
        if (
            len(uses) != 1
            or t in fetched
            or not assigns_groupable(uses[0], t)
            or not groupable(uses[0].inputs[0].op)
        ):
            return None
        if uses[0].outputs[0].uses or uses[0].outputs[0] in fetched:
            return None
        assigns.append(uses[0])
    if len({a.type for a in assigns}) != 1 or len({a.inputs[0].op for a in assigns}) != len(assigns):
        return None
    return assigns


def _consistent(group: _Group) -> bool:
    """Whether every member is read only before its group is written, and either written by
    the group's assigns alone or not at all (else the program keeps them one by one)."""
    reads, writes = [], []
    for var in group.members:
        for u in var.outputs[0].uses:
            (reads if u.type == "read" else writes).append(u)
    if set(writes) != set(group.writes):
        return False
    return not reads or not writes or max(r.index for r in reads) < min(w.index for w in writes)


def _with_groups(program: Optimized, groups: list[_Group]) -> Optimized:
    """``program`` with each group's reads and assigns replaced (see ``group_variables``)."""
    rebuild = Rebuild(program)
    graph = rebuild.graph
    of: dict[Operation, tuple[_Group, int]] = {}
    for group in groups:
        of.update((var, (group, i)) for i, var in enumerate(group.members))
        if group.stack is not None:
            of[group.stack] = (group, -1)
    handles: dict[int, Tensor] = {}
    whole: dict[int, Tensor] = {}
    parts: dict[int, list[Tensor]] = {}

    def handle(group: _Group, like: Operation) -> Tensor:
        if id(group) not in handles:
            first = group.members[0]
            attrs = {"dtype": first.attrs["dtype"], "shape": first.attrs["shape"],
                     "members": tuple(v.name for v in group.members)}  # fmt: skip
            name = graph.unique_name(f"rolled/{first.name}/group")
            handles[id(group)] = graph.add_op(
                "variable_group", [], attrs, name, location=first.location
            ).outputs[0]
        return handles[id(group)]

    def read(group: _Group, like: Operation) -> Tensor:
        if id(group) not in whole:
            ref = handle(group, like)
            whole[id(group)] = graph.add_op(
                "read", [ref], {}, f"{ref.op.name}/read", location=like.location
            ).outputs[0]
        return whole[id(group)]

    for op in program.graph.operations:
        found = of.get(op)
        if found is not None:  # a member's handle (dropped), or the stack of the reads
            if found[1] < 0:
                rebuild.replace(op, read(found[0], op))
            continue
        ref = op.inputs[0].op if op.inputs else None
        found = of.get(ref) if op.type == "read" or op.type in ASSIGNS else None
        if found is None:
            _copy(rebuild, op)
            continue
        group, i = found
        if op.type == "read":
            rebuild.ops[op] = read(group, op).op
            if any(u is not group.stack for u in op.outputs[0].uses):  # read alone as well
                if id(group) not in parts:
                    parts[id(group)] = graph.add_op("unstack", [read(group, op)], {"num": len(group.members), "axis": 0},
                                                    graph.unique_name(f"{handle(group, op).op.name}/unstack"),
                                                    location=op.location).outputs  # fmt: skip
                rebuild.tensors[op.outputs[0]] = parts[id(group)][i]
            continue
        if op not in rebuild.ops:  # the group's first assign: all of them at once
            value = rebuild.tensors[group.value]
            if group.reverse:
                value = graph.add_op("reverse", [value], {"axis": (0,)}, graph.unique_name(f"{op.name}/reverse"),
                                     location=op.location).outputs[0]  # fmt: skip
            name = graph.unique_name(f"{handle(group, op).op.name}/{op.type}")
            assign = graph.add_op(op.type, [handle(group, op), value], {}, name, location=op.location)
            rebuild.ops.update((w, assign) for w in group.writes)
    return rebuild.done()


def _copy(rebuild: Rebuild, op: Operation) -> None:
    """Copies ``op``; control inputs that became one group assign are listed once."""
    controls = rebuild.controls(op)
    if len(set(controls)) == len(controls):
        rebuild.copy(op)
        return
    new = rebuild.graph.add_op(op.type, rebuild.inputs(op), op.attrs, op.name, control_inputs=tuple(dict.fromkeys(controls)),
                               device=op.device, location=op.location, types=[t.type for t in op.outputs])  # fmt: skip
    rebuild.tensors.update(zip(op.outputs, new.outputs))
    rebuild.ops[op] = new
