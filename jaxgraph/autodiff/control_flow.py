"""Gradient rules of the control-flow ops, built as control flow themselves (so they can be
lowered, inspected and differentiated again).

* ``cond``: a ``cond`` on the same predicate whose branches re-trace the forward branch
  (``inline``) and differentiate it.
* ``scan``: a twin of the forward scan also outputs, per step, the carry it started from and
  the body values the gradient reads (residuals; ``merge_scan_twins``, an IR pass registered
  here, runs only the twin), then a
  reverse ``scan`` walks them: it re-traces one forward step, differentiates it, and points the
  gradient ops at the saved residuals (so XLA drops the re-traced forward work), accumulating
  the gradients of captured tensors in its carry.
* ``while_loop``: the loop is re-expressed as a masked ``scan`` and differentiated as such; its
  length is ``maximum_iterations``, or without one a bucket the Session resolves and grows
  when the loop runs longer (``jaxgraph.ops.trip_counts``, ``jaxgraph.session.loop_buckets``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from jaxgraph.autodiff.gradients import gradients
from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir import passes
from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.opdef import register_gradient
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ir.subgraphs import params
from jaxgraph.ops import construction
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops.control_flow import (
    cond,
    inline,
    scan_loop,
    trace_body,
    while_loop,
    with_more_results,
)
from jaxgraph.ops.trip_counts import check_trip_count


def _zeros_for(grads: Sequence[Tensor | None], outputs: Sequence[Tensor]) -> list[Tensor]:
    return [g if g is not None else construction.zeros_like(t) for g, t in zip(grads, outputs)]


def _differentiable(t: Tensor) -> bool:
    return t.dtype.is_floating and not t.type.ref


def _grads_of(ys: list[Tensor], xs: list[Tensor], grad_ys: list[Tensor]) -> list[Tensor]:
    """The gradients of the differentiable ``ys`` with respect to ``xs`` (zeros where none
    flows). Integer and bool tensors stop gradients: an ``x`` that only a loop's condition
    reads gets zeros, as in TF1, not the error that explains such a cut to ``jg.gradients``."""
    pairs = [(y, g) for y, g in zip(ys, grad_ys) if _differentiable(y)]
    if not pairs:
        return [construction.zeros_like(x) for x in xs]
    graph = get_default_graph()
    cuts = [t for op in graph.operations for t in op.outputs if not t.dtype.is_floating and not t.type.ref]
    return gradients([y for y, _ in pairs], xs, grad_ys=[g for _, g in pairs], stop_gradients=cuts,
                     unconnected_gradients="zero")  # fmt: skip


def _reject_state(op: Operation) -> None:
    if any(t.type.ref for t in op.inputs):
        raise InvalidArgumentError(
            f"gradients through a {op.type} whose body assigns Variables are not supported", op
        )


def cond_grad(op: Operation, *grads: Tensor | None) -> list[Tensor | None]:
    _reject_state(op)
    pred, *inputs = op.inputs
    grads = _zeros_for(grads, op.outputs)
    wrt = [i for i, t in enumerate(inputs) if _differentiable(t)]

    def branch(attr: str):
        def fn() -> list[Tensor]:
            graph = get_default_graph()
            inner = [graph.capture(t) for t in inputs]
            outs = inline(op.attrs[attr], inner)
            return _grads_of(outs, [inner[i] for i in wrt], [graph.capture(g) for g in grads])

        return fn

    if not wrt:
        return [None] * len(op.inputs)
    branch_grads = cond(pred, branch("then_branch"), branch("else_branch"), strict=True)
    result: list[Tensor | None] = [None] * len(op.inputs)
    for i, g in zip(wrt, branch_grads):
        result[1 + i] = g
    return result


def scan_grad(op: Operation, *grads: Tensor | None) -> list[Tensor | None]:
    _reject_state(op)
    a = op.attrs
    n_carry, n_xs, body = a["num_carry"], a["num_xs"], a["body"]
    carry0, xs, captured = (
        op.inputs[:n_carry],
        op.inputs[n_carry : n_carry + n_xs],
        op.inputs[n_carry + n_xs :],
    )
    n_ys = len(op.outputs) - n_carry - (n_carry if a["save_carries"] else 0)
    grads = _zeros_for(grads, op.outputs)
    g_final, g_ys = grads[:n_carry], grads[n_carry : n_carry + n_ys]
    # gradients reaching the saved carries (when `op` is itself a gradient's twin: second order)
    g_saved = grads[n_carry + n_ys :] if a["save_carries"] else []
    carry_wrt = [i for i, t in enumerate(carry0) if _differentiable(t)]
    xs_wrt = [i for i, t in enumerate(xs) if _differentiable(t)]
    cap_wrt = [i for i, t in enumerate(captured) if _differentiable(t)]
    body_params = set(params(body))

    def step(state, per_step, used: list[Tensor] | None = None):
        """One reverse step: re-trace the forward step, differentiate it. Given residuals (the
        per-step values the forward twin saved for the body tensors ``needed``), the gradient ops
        read those instead of recomputing them; with ``used``, report which body tensors the
        gradient ops read."""
        g_carry, g_captured = state
        x_t, carry_t, g_y_t, g_saved_t, residuals_t = per_step
        graph = get_default_graph()
        inner_captured = [graph.capture(t) for t in captured]
        copies: dict[Tensor, Tensor] = {}
        outs = inline(body, list(carry_t) + list(x_t) + inner_captured, copies)
        first_grad_op = len(graph.operations)
        full_g_carry = list(carry_t)
        for k, i in enumerate(carry_wrt):
            full_g_carry[i] = g_carry[k]
        wrt = (
            [carry_t[i] for i in carry_wrt] + [x_t[i] for i in xs_wrt] + [inner_captured[i] for i in cap_wrt]
        )
        ys_out = [outs[i] for i in carry_wrt] + list(outs[n_carry:])
        ys_grad = [full_g_carry[i] for i in carry_wrt] + list(g_y_t)
        d = _grads_of(ys_out, wrt, ys_grad)
        grad_ops = graph.operations[first_grad_op:]
        original = {copy: t for t, copy in copies.items()
                    if t not in body_params and t.op.type not in ("constant", "fill")}  # fmt: skip
        if used is not None:
            used.extend(dict.fromkeys(original[t] for g_op in grad_ops for t in g_op.inputs if t in original))
        if residuals_t:
            _redirect(grad_ops, {copies[t]: r for t, r in zip(needed, residuals_t)})
        n_c, n_x = len(carry_wrt), len(xs_wrt)
        new_g_captured = [acc + dg for acc, dg in zip(g_captured, d[n_c + n_x :])]
        g_carry_t = [dc + g_saved_t[i] for dc, i in zip(d[:n_c], carry_wrt)] if g_saved_t else d[:n_c]
        return (g_carry_t, new_g_captured), d[n_c : n_c + n_x]

    init = ([g_final[i] for i in carry_wrt], [construction.zeros_like(captured[i]) for i in cap_wrt])
    # which forward values the gradient reads: found by tracing one reverse step on the side
    needed: list[Tensor] = []
    state_types = [t.type for t in [*init[0], *init[1]]]
    sliced = [TensorType(t.dtype, TensorShape(t.shape[1:])) for t in [*xs, *g_ys, *g_saved]]
    step_types = sliced[:n_xs] + [TensorType(t.dtype, t.shape) for t in carry0] + sliced[n_xs:]
    sizes = [len(init[0]), len(init[1]), n_xs, n_carry, len(g_ys)]

    def probe(*args: Tensor) -> Any:
        parts, rest = [], list(args)
        for size in sizes:
            parts.append(rest[:size])
            rest = rest[size:]
        return step((parts[0], parts[1]), (parts[2], parts[3], parts[4], rest, []), used=needed)

    flat = [*state_types, *step_types]
    trace_body(probe, flat, jax.tree_util.tree_structure(list(range(len(flat)))), "probe")
    twin = get_default_graph().create_op(
        "scan", list(op.inputs),
        {**a, "body": with_more_results(body, needed), "save_carries": True, "twin_of": op.name},
        op.name.rsplit("/", 1)[-1] + "_twin", location=op.location,
    )  # fmt: skip
    twin_ys = n_ys + len(needed)
    saved_carries = list(twin.outputs[n_carry + twin_ys :])
    residual_stacks = list(twin.outputs[n_carry + n_ys : n_carry + twin_ys])
    per_step = (list(xs), saved_carries, list(g_ys), list(g_saved), residual_stacks)
    (g_carry0, g_captured), g_xs = scan_loop(
        step, init, per_step, length=a["length"], reverse=not a["reverse"],
        name=f"{op.name.rsplit('/', 1)[-1]}_grad",
    )  # fmt: skip
    result: list[Tensor | None] = [None] * len(op.inputs)
    for k, i in enumerate(carry_wrt):
        result[i] = g_carry0[k]
    for k, i in enumerate(xs_wrt):
        result[n_carry + i] = g_xs[k]
    for k, i in enumerate(cap_wrt):
        result[n_carry + n_xs + i] = g_captured[k]
    return result


def _redirect(ops: Sequence[Operation], replacements: dict[Tensor, Tensor]) -> None:
    """Makes ``ops`` (just built, same graph) read ``replacements`` instead of the tensors they
    replace (same types): gradient ops read saved forward values instead of recomputing them."""
    for consumer in ops:
        for old in {t for t in consumer.inputs if t in replacements}:
            consumer.replace_input_with(old, replacements[old])


def while_grad(op: Operation, *grads: Tensor | None) -> list[Tensor | None]:
    """The loop re-expressed as a masked ``scan`` and differentiated as such: each step runs
    the body under a ``cond`` on ``active and pred`` (a finished loop's values pass through
    untouched, and nothing of the body, not even a NaN of its derivative, reaches the gradient).
    With ``maximum_iterations=N`` the scan has ``N`` steps; without, its length is the loop's
    bucket, which the Session resolves, and the gradients pass through a
    ``check_trip_count`` that fails (and makes the Session retry with a larger bucket) when the
    forward loop runs past the bucket's end (``jaxgraph.ops.trip_counts``)."""
    _reject_state(op)
    limit = op.attrs["maximum_iterations"]
    n = op.attrs["num_loop_vars"]
    # one stand-in per input: a tensor can be both a loop var's start and a captured value
    stand_ins = [identity_ops.identity(t) for t in op.inputs]
    loop, captured = stand_ins[:n], stand_ins[n:]
    cond_graph, body_graph = op.attrs["cond"], op.attrs["body"]

    def step(state: tuple[list[Tensor], Tensor], _: Any) -> tuple[Any, Any]:
        values, active = state
        graph = get_default_graph()
        inner = [graph.capture(t) for t in captured]
        (pred,) = inline(cond_graph, list(values) + inner)
        go = math_ops.logical_and(active, pred)
        new = cond(go, lambda: inline(body_graph, list(values) + inner), lambda: list(values), strict=True)
        return (list(new), go), []

    short = op.name.rsplit("/", 1)[-1]
    bucket = None if limit is not None else op.name
    (masked, _), _ = scan_loop(step, (loop, construction.constant(True)), None,
                               length=None if limit is None else int(limit), bucket=bucket,
                               name=f"{short}_bounded")  # fmt: skip
    wrt = [i for i, t in enumerate(op.inputs) if _differentiable(t)]
    if not wrt or not any(_differentiable(m) for m in masked):
        return [None] * len(op.inputs)
    input_grads = _grads_of(masked, [stand_ins[i] for i in wrt], _zeros_for(grads, op.outputs))
    if bucket is not None:  # the gradients hold only if the loop stopped inside the bucket
        extra = _iterations_after(cond_graph, body_graph, masked, captured, f"{short}_rest")
        input_grads = check_trip_count(extra, input_grads, bucket)
    result: list[Tensor | None] = [None] * len(op.inputs)
    for i, g in zip(wrt, input_grads):
        result[i] = g
    return result


def _iterations_after(cond_graph: Graph, body_graph: Graph, values: list[Tensor], captured: list[Tensor],
                      name: str) -> Tensor:  # fmt: skip
    """How many more iterations the forward loop runs from ``values`` (the state at its gradient
    bucket's end): none, at the cost of one condition, when the loop stopped inside the bucket
    (the masked values are then a state whose condition is false)."""

    def keep_going(count: Tensor, *state: Tensor) -> Tensor:
        (pred,) = inline(cond_graph, list(state) + captured)
        return pred

    def more(count: Tensor, *state: Tensor) -> list[Tensor]:
        return [count + 1, *inline(body_graph, list(state) + captured)]

    count, *_ = while_loop(keep_going, more, [construction.constant(0), *values], name=name,
                           return_same_structure=True)  # fmt: skip
    return count


# ---- the scan twins' IR pass -------------------------------------------------------------------
def _twin_index(original: Operation, twin: Operation, i: int) -> int:
    """Where ``original``'s output ``i`` is among ``twin``'s outputs: carries and ys keep their
    place (the twin only appends ys), saved carries are the twin's last outputs."""
    a = original.attrs
    n_plain = len(original.outputs) - (a["num_carry"] if a["save_carries"] else 0)
    return i if i < n_plain else len(twin.outputs) - (len(original.outputs) - i)


def merge_scan_twins(program: passes.Optimized) -> passes.Optimized:
    """A scan and the twin its gradient made (``twin_of``: same inputs, extra results) compute
    the same thing: runs only the (last) twin, at the original's place (its inputs are defined
    there), and reads every scan it stands for from it."""
    ops = program.graph.operations
    by_name = {op.name: op for op in ops if op.type == "scan"}
    twins = {}
    for op in ops:
        original = by_name.get(op.attrs["twin_of"]) if op.type == "scan" else None
        if original is not None and original.inputs == op.inputs:
            twins[original] = op
    if not twins:
        return program

    def last(op: Operation) -> Operation:
        while op in twins:
            op = twins[op]
        return op

    moved = set(twins.values())
    rebuild = passes.Rebuild(program)
    for op in ops:
        if op in moved:
            continue
        twin = last(op)
        new = rebuild.copy(twin)
        if twin is op:
            continue
        for original in (o for o in twins if last(o) is twin):
            rebuild.merge(
                original, new, [_twin_index(original, twin, i) for i in range(len(original.outputs))]
            )
    return rebuild.done()


register_gradient("cond", cond_grad)
register_gradient("scan", scan_grad)
register_gradient("while_loop", while_grad)
passes.register("merge-scan-twins", merge_scan_twins, before="cse")
