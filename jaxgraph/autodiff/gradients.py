"""Reverse-mode differentiation as a graph transformation: ``gradients`` adds gradient ops to the
graph (symbol-to-symbol, TF1's ``tf.gradients``), so gradients are IR that can be printed,
optimised, lowered and differentiated again.

The walk (after TF1's ``gradients_util``): find the ops on a path from ``xs`` to ``ys``; seed
``ys`` with ``grad_ys`` (ones by default); visit those ops in reverse trace order, summing the
gradient contributions of each output (``add_n``) and calling the op's gradient rule. Gradient
ops live under ``gradients/<forward op name>_grad/`` and carry the forward op's source line.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Graph, Operation, Tensor, paused_gc
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.ops import construction, joining
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor

_index = attrgetter("index")
"""An op's position in its graph (the key ops are visited by, latest first)."""


def _as_tensor(x: Any) -> Tensor:
    """A Tensor to differentiate with respect to: Variables by their handle (all reads count)."""
    handle = getattr(x, "handle", None)
    if handle is not None and hasattr(x, "_to_tensor"):
        return handle
    return convert_to_tensor(x)


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _forward_reachable(graph: Graph, xs: Sequence[Tensor]) -> set[Tensor]:
    """Tensors that depend (through data inputs) on any of ``xs``."""
    reached = set(xs)
    start = min((x.op.index for x in xs), default=len(graph.operations))
    for op in graph.operations[start:]:
        if _reads_any(op, reached):
            reached.update(op.outputs)
    return reached


def _path_from_xs(graph: Graph, on_path: set[Operation], xs: Sequence[Tensor],
                  stops: set[Tensor]) -> tuple[set[Tensor], list[Operation]]:  # fmt: skip
    """The tensors that depend on ``xs`` (through data inputs) as far as the gradient asks, and
    the ops of ``on_path`` reading one, latest first (the order gradients flow in). Without
    ``stops`` every input of an op on the path is made by an op on the path, so only the path's
    ops are walked, in graph order: the cost follows the path, not the graph. A stop's maker may
    be off the path, so with stops the graph after the first x is walked (``_forward_reachable``)."""
    if stops:
        reached = _forward_reachable(graph, xs)
        return reached, sorted([op for op in on_path if _reads_any(op, reached)], key=_index, reverse=True)
    reached = set(xs)
    ops = []
    for op in sorted(on_path, key=_index):
        for t in op.inputs:  # a loop, not a call: this runs for every op on the path
            if t in reached:
                reached.update(op.outputs)
                ops.append(op)
                break
    ops.reverse()
    return reached, ops


def _reads_any(op: Operation, tensors: set[Tensor]) -> bool:
    """Whether ``op`` reads one of ``tensors`` (a loop: asked of every op of the graph)."""
    for t in op.inputs:
        if t in tensors:
            return True
    return False


def _backward_reachable(ys: Sequence[Tensor], stops: set[Tensor]) -> set[Operation]:
    """Ops that ``ys`` depend on through data inputs, not looking past ``stops``."""
    ops: set[Operation] = set()
    stack = [y for y in ys if y not in stops]
    push = stack.append
    while stack:
        op = stack.pop().op
        if op in ops:
            continue
        ops.add(op)
        for t in op.inputs:  # a loop, not a generator: this runs for every op on the path
            if t not in stops:
                push(t)
    return ops


def gradients(
    ys: Any,
    xs: Any,
    grad_ys: Any = None,
    name: str = "gradients",
    stop_gradients: Any = None,
    unconnected_gradients: str = "none",
) -> list[Tensor | None]:
    """The symbolic gradients ``d(sum(ys))/dx`` for each ``x`` in ``xs`` (TF1's ``tf.gradients``).

    ``grad_ys`` weights each ``y`` (default: ones). ``stop_gradients`` are treated as constants.
    An ``x`` that ``ys`` do not depend on gets None, or zeros with ``unconnected_gradients="zero"``.
    """
    with paused_gc():
        return _gradients(ys, xs, grad_ys, name, stop_gradients, unconnected_gradients)


def _gradients(
    ys: Any, xs: Any, grad_ys: Any, name: str, stop_gradients: Any, unconnected_gradients: str
) -> list[Tensor | None]:
    if unconnected_gradients not in ("none", "zero"):
        raise InvalidArgumentError(
            f"unconnected_gradients must be 'none' or 'zero', not {unconnected_gradients!r}"
        )
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs = [_as_tensor(x) for x in _as_list(xs)]
    grad_ys = _as_list(grad_ys) if grad_ys is not None else [None] * len(ys)
    if len(grad_ys) != len(ys):
        raise InvalidArgumentError(f"gradients got {len(ys)} ys but {len(grad_ys)} grad_ys")
    stop_list = [_as_tensor(s) for s in _as_list(stop_gradients)] if stop_gradients is not None else []
    graph = get_default_graph()
    _check_graph(graph, ys, "differentiate")
    _check_graph(graph, xs, "differentiate with respect to")
    _check_graph(graph, stop_list, "stop gradients at")
    stops = set(stop_list)
    for x in xs:
        if not x.dtype.is_floating:
            raise InvalidArgumentError(
                f"cannot differentiate with respect to '{x.name}': its dtype {x.dtype.name} is "
                "not floating-point",
                x.op,
            )

    on_path = _backward_reachable(ys, stops)
    from_xs, ops = _path_from_xs(graph, on_path, xs, stops)
    contributions: dict[Tensor, list[Tensor]] = {}
    with graph.name_scope(name) as scope:
        for y, g in zip(ys, grad_ys):
            if g is None:
                with graph.stamp_location(y.op.location):
                    g = construction.ones_like(y, name="grad_ys")
            else:
                g = convert_to_tensor(g, dtype=y.dtype)
            contributions.setdefault(y, []).append(g)
        cuts: list[tuple[Operation, Tensor | None]] = []
        for op in ops:
            _backprop_op(graph, scope, op, contributions, from_xs, stops, cuts)
        results: list[Tensor | None] = []
        for x in xs:
            grads = contributions.get(x)
            if not grads and x.op in on_path:
                reached = _forward_reachable(graph, [x])
                for op, tensor in cuts:
                    if any(t in reached for t in op.inputs):
                        raise _cut_error(x, op, tensor)
            if grads and len(grads) == 1:  # nothing to sum (the common case): no scopes
                results.append(grads[0])
            elif grads:
                with graph.name_scope(f"{scope}{x.op.name}_grad/"), graph.stamp_location(x.op.location):
                    results.append(math_ops.add_n(grads))
            elif unconnected_gradients == "zero":
                results.append(
                    construction.zeros(x.shape, x.dtype) if x.type.ref else construction.zeros_like(x)
                )
            else:
                results.append(None)
    return results


def _check_graph(graph: Graph, tensors: Sequence[Tensor], verb: str) -> None:
    """InvalidArgumentError naming the first tensor that is not of ``graph`` (the default
    graph, where the gradient ops go) or of a graph enclosing it."""
    for t in tensors:
        if t.graph is not graph and not graph._encloses(t.graph):
            raise InvalidArgumentError(
                f"cannot {verb} '{t.name}': it belongs to another graph than the default graph, "
                "where the gradient ops would go (build them under `with its_graph.as_default():`)",
                t.op,
            )


def _aggregate(grads: list[Tensor]) -> Tensor:
    return grads[0] if len(grads) == 1 else math_ops.add_n(grads)


def _cut_error(x: Tensor, op: Operation, tensor: Tensor | None) -> InvalidArgumentError:
    """The error for an ``x`` the ys depend on, but only through a path no gradient can take."""
    if tensor is None:
        return InvalidArgumentError(
            f"no gradient reaches '{x.name}': op type '{op.type}' has no gradient rule (wrap its "
            "inputs in jg.stop_gradient if that is intended)",
            op,
        )
    return InvalidArgumentError(
        f"no gradient reaches '{x.name}': it would flow through '{tensor.name}', a "
        f"{tensor.dtype.name} tensor, and only floating-point tensors carry gradients",
        tensor.op,
    )


def _backprop_op(
    graph: Graph,
    scope: str,
    op: Operation,
    contributions: dict[Tensor, list[Tensor]],
    from_xs: set[Tensor],
    stops: set[Tensor],
    cuts: list[tuple[Operation, Tensor | None]],
) -> None:
    """Sums ``op``'s output gradients and adds its inputs' gradient contributions.

    Where the gradient stops — an op without a gradient rule, or an integer/bool input that
    depends on ``xs`` — the place is recorded in ``cuts`` (TF1 silently gives None there; we
    raise if an ``x`` ends up with no gradient because of it).
    """
    for t in op.outputs:  # a loop, not any(): this runs for every op on the path
        if contributions.get(t):
            break
    else:
        return
    rule = get_op_def(op.type).grad
    if rule is None:
        cuts.append((op, None))
        return
    # ``name_scope(f"{scope}{op.name}_grad/")`` and ``stamp_location(op.location)``, set
    # directly: no scope objects (this runs for every op on the path). Op names are valid, so
    # the scope is valid if ``scope`` is (``Graph._valid_scope``).
    saved = graph._name_stack, graph._valid_scope, graph._location_override
    stack = f"{scope}{op.name}_grad"
    graph._name_stack, graph._location_override = stack, op.location
    graph._valid_scope = stack if saved[1] is saved[0] else None
    try:
        out_grads = []
        for t in op.outputs:
            grads = contributions.get(t)
            out_grads.append(_aggregate(grads) if grads else construction.zeros_like(t))
        in_grads = rule(op, *out_grads)
    finally:
        graph._name_stack, graph._valid_scope, graph._location_override = saved
    if len(in_grads) != len(op.inputs):
        raise InvalidArgumentError(
            f"gradient rule of '{op.type}' returned {len(in_grads)} gradients for {len(op.inputs)} inputs",
            op,
        )
    for t, g in zip(op.inputs, in_grads):
        if t not in from_xs or t in stops:
            continue
        if not t.type.dtype.is_floating:
            cuts.append((op, t))
        elif g is not None:
            contributions.setdefault(t, []).append(g)


def hessians(ys: Any, xs: Any, name: str = "hessians") -> list[Tensor]:
    """Second derivatives ``d²(sum(ys))/dx²`` for each ``x`` (shape ``x.shape + x.shape``); TF1's
    ``tf.hessians``.

    Built as graph ops by differentiating each element of the gradient again (unrolled, so meant
    for small ``x``); each result is a gradient graph that could be differentiated once more.
    """
    results = []
    for x in _as_list(xs):
        x_tensor = _as_tensor(x)
        shape = tuple(x_tensor.shape)
        if None in shape:
            raise InvalidArgumentError(
                f"hessians needs '{x_tensor.name}' to have a fully known shape, not {x_tensor.shape}",
                x_tensor.op,
            )
        n = 1
        for d in shape:
            n *= d
        with get_default_graph().name_scope(name):
            (grad,) = gradients(ys, [x], unconnected_gradients="zero")
            flat = shape_ops.reshape(grad, (n,))
            rows = []
            for i in range(n):
                (row,) = gradients(flat[i], [x], unconnected_gradients="zero")
                rows.append(shape_ops.reshape(row, (n,)))
            results.append(shape_ops.reshape(joining.stack(rows), shape + shape))
    return results
