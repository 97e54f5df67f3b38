"""Update fusion: a rolled per-Variable update goes into the rolled scan that computes its
inputs, and writes the Variable group's rows in place (the last step of the rolling pass).

After rolling and grouping (``rolling``, ``variable_groups``), a deep chain's SGD step is a
backward scan whose stacked results (one gradient per layer) feed an update run without carry
(``lr * g``), assigned to a Variable group. Run as they are, the gradient stack, the update's
stack and the new group stack all live at once. Fused, the backward scan's body also computes
each row's update and its new Variable row (``w - lr * g``) and writes it into the group's
stack, carried through the loop and updated in place (the scan's ``updates``): no gradient
stack, no second stack of Variables. Update rows outside the backward run (the first layer's,
whose gradient block differs) are computed unrolled after the scan and applied to the group
by an assign of their rows padded with zeros (``w - 0`` is ``w`` exactly).
"""

from __future__ import annotations

import dataclasses

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild
from jaxgraph.ir.passes.variable_groups import ASSIGNS
from jaxgraph.ir.subgraphs import copy_ops, params, results

ROW_OPS = {"assign": None, "assign_sub": "sub", "assign_add": "add"}
"""How each assign makes a Variable row from the update's value."""


@dataclasses.dataclass
class _Fusion:
    """An update scan ``update`` fed by the results of the rolled scan ``source``."""

    source: Operation
    update: Operation
    prefix: list[list[Tensor]]
    """Per update xs: the single values of the rows before the source's rows ..."""
    suffix: list[list[Tensor]]
    """... and after them."""
    picks: list[int]
    """Per update xs: which result of the source (counted after its carries) it stacks."""
    assigns: list[Operation]
    """Per update result: its assign to a Variable group."""


def fuse_updates(program: Optimized) -> Optimized:
    """The program with each fusable update scan fused into its source scan (module docstring)."""
    fusions = [f for op in program.graph.operations if (f := _fusion(op, program)) is not None]
    if not fusions:
        return program
    rebuild = Rebuild(program)
    by_source = {f.source: f for f in fusions}
    by_update = {f.update: f for f in fusions}
    dropped = {a for f in fusions for a in f.assigns}
    fused: dict[Operation, Operation] = {}
    fetched = set(program.fetches)
    for op in program.graph.operations:
        if _dead(op, fetched) and any(t.op in by_update for t in op.inputs):
            continue  # an unused unstack of an update's results
        if op in by_source:
            fused[op] = _emit_scan(rebuild, by_source[op])
        elif op in by_update:
            _emit_assigns(rebuild, op, by_update[op], fused[by_update[op].source])
        elif op not in dropped and op not in rebuild.ops:
            rebuild.copy(op)
    return rebuild.done()


def _fusion(op: Operation, program: Optimized) -> _Fusion | None:
    """``op`` as a fusable update scan: rolled, no carry, every result assigned (one use, the
    assign's result unused) to a Variable group read before; every xs a source result,
    possibly with single rows stacked before and after it (the same numbers for all)."""
    attrs = op.attrs
    if (
        op.type != "scan"
        or not attrs["rolled"]
        or attrs["num_carry"]
        or attrs["offsets"]
        or not attrs["num_xs"]
    ):
        return None
    fetched = set(program.fetches)
    assigns = []
    for t in op.outputs:
        uses = [u for u in t.uses if not _dead(u, fetched)]
        if len(uses) != 1 or t in fetched or not _group_assign(uses[0], t, fetched):
            return None
        assigns.append(uses[0])
    if len({a.inputs[0] for a in assigns}) != len(assigns):
        return None
    pieces = [_pieces(x) for x in op.inputs[: attrs["num_xs"]]]
    if any(p is None for p in pieces):
        return None
    sources = {p[1].op for p in pieces}
    source = sources.pop()
    sa = source.attrs
    if sources or source.type != "scan" or not sa["rolled"] or sa["save_carries"] or sa["updates"]:
        return None
    if len({len(p[0]) for p in pieces}) != 1 or any(a.inputs[0].op.index > source.index for a in assigns):
        return None
    captured = op.inputs[attrs["num_xs"] :]
    if any(t.op.index > source.index and not _movable(t.op) for t in captured):
        return None
    prefix = pieces[0][0]
    if prefix and any(a.type == "assign" for a in assigns):
        return None
    if any(p[2] and a.type == "assign" for p, a in zip(pieces, assigns)):
        return None
    picks = [p[1].value_index - sa["num_carry"] for p in pieces]
    fusion = _Fusion(source, op, [p[0] for p in pieces], [p[2] for p in pieces], picks, assigns)
    return (
        fusion
        if _views(fusion) is not None and all(_group_read(a).op.index < source.index for a in assigns)
        else None
    )


def _dead(op: Operation, fetched: set) -> bool:
    """A pure op nothing uses (left for ``dce``: the rolling pass's unused unstacks)."""
    return op.op_def.pure and op not in fetched and not any(t.uses or t in fetched for t in op.outputs)


def _movable(op: Operation) -> bool:
    """A constant-like op (no inputs, no state) that may be copied early, for the fused scan."""
    return not op.inputs and not op.control_inputs and not op.op_def.stateful


def _group_assign(op: Operation, value: Tensor, fetched: set) -> bool:
    """Whether ``op`` assigns ``value`` to a Variable group and nothing reads its result."""
    return (
        op.type in ASSIGNS
        and op.inputs[1] is value
        and op.inputs[0].op.type == "variable_group"
        and not op.outputs[0].uses
        and op.outputs[0] not in fetched
    )


def _pieces(x: Tensor) -> tuple[list[Tensor], Tensor, list[Tensor]] | None:
    """``x`` as (single rows before, a scan's stacked result, single rows after), or None."""
    if x.op.type == "scan":
        return [], x, []
    if x.op.type != "concat" or x.op.attrs["axis"] != 0:
        return None
    parts = list(x.op.inputs)
    middle = [i for i, p in enumerate(parts) if p.op.type == "scan"]
    if len(middle) != 1 or any(
        p.op.type != "stack" or p.op.attrs["axis"] != 0 for i, p in enumerate(parts) if i != middle[0]
    ):
        return None
    m = middle[0]
    return (
        [t for p in parts[:m] for t in p.op.inputs],
        parts[m],
        [t for p in parts[m + 1 :] for t in p.op.inputs],
    )


def _group_read(assign: Operation) -> Tensor | None:
    """The value of the group ``assign`` writes, as read before it."""
    return next((u.outputs[0] for u in assign.inputs[0].uses if u.type == "read"), None)


def _views(fusion: _Fusion) -> tuple[list[Tensor], list[int | None], list[int]] | None:
    """The fused scan's xs and offsets (the source's, plus a view of each written group not
    viewed yet) and, per update result, the xs that views its group's rows; None when a
    group has no read."""
    source, sa = fusion.source, fusion.source.attrs
    n_xs, first = sa["num_xs"], sa["num_carry"]
    xs = list(source.inputs[first : first + n_xs])
    offsets = list(sa["offsets"] or (None,) * n_xs)
    row = len(fusion.prefix[0])
    viewed = []
    for assign in fusion.assigns:
        stack = _group_read(assign)
        if stack is None:
            return None
        hit = next((i for i, (x, o) in enumerate(zip(xs, offsets)) if x is stack and o == row), None)
        if hit is None:
            xs.append(stack)
            offsets.append(row)
            hit = len(xs) - 1
        viewed.append(hit)
    return xs, offsets, viewed


def _emit_scan(rebuild: Rebuild, fusion: _Fusion) -> Operation:
    """The fused scan in place of the source scan; its update results follow the source's."""
    source, sa = fusion.source, fusion.source.attrs
    xs, offsets, viewed = _views(fusion)
    first = sa["num_carry"] + sa["num_xs"]
    captured = list(source.inputs[first:]) + list(fusion.update.inputs[fusion.update.attrs["num_xs"] :])
    body = _fused_body(fusion, xs)
    n_ys = len(source.outputs) - sa["num_carry"]
    updates = tuple((n_ys + k, x) for k, x in enumerate(viewed))
    attrs = {**sa, "body": body, "num_xs": len(xs), "offsets": tuple(offsets), "updates": updates,
             "rolled": f"{sa['rolled']}, with {fusion.update.name} ({fusion.update.attrs['rolled']})"}  # fmt: skip
    for t in captured:
        if t not in rebuild.tensors:  # a constant defined after the source (see _movable)
            rebuild.copy(t.op)
    inputs = [rebuild.tensors[t] for t in [*source.inputs[: sa["num_carry"]], *xs, *captured]]
    scan = rebuild.graph.add_op(
        "scan", inputs, attrs, source.name, device=source.device, location=source.location
    )
    rebuild.tensors.update(zip(source.outputs, scan.outputs))
    rebuild.ops[source] = scan
    return scan


def _fused_body(fusion: _Fusion, xs: list[Tensor]) -> Graph:
    """The source's body, then the update's block on its picked results, then each new
    Variable row (the row read through its view, combined with the update as its assign does)."""
    source, sa = fusion.source, fusion.source.attrs
    src_body, upd_body = sa["body"], fusion.update.attrs["body"]
    body = Graph()
    src_params = params(src_body)
    n_src_captured = len(src_params) - sa["num_carry"] - sa["num_xs"]

    def param(dtype, shape: tuple, name: str) -> Tensor:
        return body.add_op("placeholder", [], {"dtype": dtype, "shape": shape}, name).outputs[0]

    def like(t: Tensor) -> Tensor:
        return param(t.type.dtype, tuple(t.type.shape), t.op.name)

    carried = [like(p) for p in src_params[: sa["num_carry"]]]
    rows = [like(p) for p in src_params[sa["num_carry"] : sa["num_carry"] + sa["num_xs"]]]
    rows += [
        param(x.dtype, tuple(x.shape)[1:], f"{source.name}/row_{i}") for i, x in enumerate(xs[sa["num_xs"] :])
    ]
    closed = [like(p) for p in src_params[sa["num_carry"] + sa["num_xs"] :]]
    upd_params = params(upd_body)
    closed += [like(p) for p in upd_params[fusion.update.attrs["num_xs"] :]]
    mapping = dict(zip(src_params, carried + rows[: sa["num_xs"]] + closed[:n_src_captured]))
    copy_ops(body, src_body, mapping)
    src_results = [mapping[t] for t in results(src_body)]
    picked = [src_results[sa["num_carry"] + j] for j in fusion.picks]
    mapping.update(zip(upd_params, picked + closed[n_src_captured:]))
    copy_ops(body, upd_body, mapping)
    _, _, viewed = _views(fusion)
    new_rows = []
    for value, assign, x in zip(results(upd_body), fusion.assigns, viewed):
        combine = ROW_OPS[assign.type]
        u = mapping[value]
        new_rows.append(
            u
            if combine is None
            else body.add_op(
                combine, [rows[x], u], {}, f"{assign.name}/row", location=assign.location
            ).outputs[0]
        )
    body.add_op("results", src_results + new_rows, {}, f"{source.name}/results")
    return body


def _emit_assigns(rebuild: Rebuild, update: Operation, fusion: _Fusion, scan: Operation) -> None:
    """In place of the update scan: each group assigned the fused scan's updated stack, then
    the update's rows outside the source's run (unrolled) applied to their rows."""
    graph = rebuild.graph
    first = len(scan.outputs) - len(fusion.assigns)
    upd_body = update.attrs["body"]
    n_xs = update.attrs["num_xs"]
    captured = [rebuild.tensors[t] for t in update.inputs[n_xs:]]
    outside = []  # per outside row: the update's results
    for rows in zip(*fusion.prefix, strict=True) if fusion.prefix[0] else ():
        outside.append(_inline(graph, upd_body, [rebuild.tensors[t] for t in rows] + captured))
    after = []
    for rows in zip(*fusion.suffix, strict=True) if fusion.suffix[0] else ():
        after.append(_inline(graph, upd_body, [rebuild.tensors[t] for t in rows] + captured))
    for k, assign in enumerate(fusion.assigns):
        handle = rebuild.tensors[assign.inputs[0]]
        name = graph.unique_name(assign.name)
        last = graph.add_op("assign", [handle, scan.outputs[first + k]], {}, name, location=assign.location)
        if outside or after:
            stacked = scan.outputs[first + k]
            n = update.attrs["length"] - len(outside) - len(after)
            zeros = graph.add_op("fill", [], {"shape": (n, *stacked.shape[1:]), "value": 0.0, "dtype": stacked.dtype},
                                 graph.unique_name(f"{assign.name}/zeros"), location=assign.location).outputs[0]  # fmt: skip
            parts = []
            if outside:
                parts.append(_stack(graph, [r[k] for r in outside], assign))
            parts.append(zeros)
            if after:
                parts.append(_stack(graph, [r[k] for r in after], assign))
            value = graph.add_op("concat", parts, {"axis": 0}, graph.unique_name(f"{assign.name}/rows"),
                                 location=assign.location).outputs[0]  # fmt: skip
            last = graph.add_op(assign.type, [handle, value], {}, graph.unique_name(assign.name), location=assign.location,
                                control_inputs=[last])  # fmt: skip
        rebuild.ops[assign] = last
    rebuild.ops[update] = scan


def _stack(graph: Graph, values: list[Tensor], like: Operation) -> Tensor:
    return graph.add_op("stack", values, {"axis": 0}, graph.unique_name(f"{like.name}/stack"),
                        location=like.location).outputs[0]  # fmt: skip


def _inline(graph: Graph, body: Graph, inputs: list[Tensor]) -> list[Tensor]:
    """The results of ``body`` with its parameters bound to ``inputs``, its ops copied into
    ``graph`` (unique names)."""
    mapping = dict(zip(params(body), inputs, strict=True))
    copy_ops(graph, body, mapping, rename=True)
    return [mapping[t] for t in results(body)]
