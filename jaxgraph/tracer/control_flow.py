"""Control-flow builders with TF1's signatures: ``cond``, ``while_loop``, ``scan``.

Each branch or body is traced into its own sub-graph (``Graph`` with ``outer`` set): its
parameters are placeholders for the values it receives, and outer tensors it uses are captured
as extra parameters (Variables it assigns are captured as handles, so the assign reaches the
outer Variable in program order). Structures of tensors (tuples, lists, dicts, namedtuples)
are flattened with ``jax.tree_util``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Graph, Tensor, get_default_graph
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import array as array_ops
from jaxgraph.ops.core import convert_to_tensor


def _is_leaf(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_to_tensor")


def flatten(structure: Any) -> tuple[list[Tensor], Any]:
    """Tensors of a nested structure (Python numbers and Variables converted), and its treedef."""
    leaves, tree = jax.tree_util.tree_flatten(structure, is_leaf=_is_leaf)
    return [convert_to_tensor(x) for x in leaves], tree


class _Body:
    """A Python function traced into a sub-graph."""

    def __init__(self, graph: Graph, results: list[Tensor], tree: Any):
        self.graph, self.results, self.tree = graph, results, tree

    def captured(self) -> list[Tensor]:
        """The outer tensors this body captured, values first then Variable handles."""
        items = list(self.graph.captures.items())
        return [o for o, i in items if not i.type.ref] + [o for o, i in items if i.type.ref]


def trace_body(fn: Callable[..., Any], arg_types: list[TensorType], arg_tree: Any, name: str,
               captures: list[Tensor] = ()) -> _Body:  # fmt: skip
    """Traces ``fn`` over placeholders of ``arg_types`` (rebuilt into ``arg_tree``) into a new
    sub-graph of the default graph. ``captures`` are captured first, in this order, so bodies
    traced together can share one parameter list."""
    outer = get_default_graph()
    graph = Graph()
    graph.outer, graph.seed = outer, outer.seed
    with graph.as_default():
        args = [
            array_ops.placeholder(t.dtype, tuple(t.shape), name=f"{name}_{i}")
            for i, t in enumerate(arg_types)
        ]
        for t in [c for c in captures if not c.type.ref] + [c for c in captures if c.type.ref]:
            graph.capture(t)
        out = fn(*jax.tree_util.tree_unflatten(arg_tree, args)) if arg_tree is not None else fn()
        results, tree = flatten(out)
        graph.create_op("results", results, {}, "results")
    return _Body(graph, results, tree)


def _traced_together(make: Callable[[list[Tensor]], list[_Body]]) -> list[_Body]:
    """Traces bodies that must share parameters: again with the union of their captures if they
    captured different outer tensors."""
    bodies = make([])
    union: list[Tensor] = []
    for body in bodies:
        union += [t for t in body.captured() if t not in union]
    if any(body.captured() != _ordered(union) for body in bodies):
        bodies = make(union)
    return bodies


def _ordered(tensors: list[Tensor]) -> list[Tensor]:
    return [t for t in tensors if not t.type.ref] + [t for t in tensors if t.type.ref]


def cond(pred: Any, true_fn: Callable[[], Any] | None = None, false_fn: Callable[[], Any] | None = None,
         strict: bool = False, name: str | None = None) -> Any:  # fmt: skip
    """TF1's ``tf.cond``: ``true_fn()`` if ``pred`` else ``false_fn()``; both must return the same
    structure of tensors."""
    if true_fn is None or false_fn is None:
        raise InvalidArgumentError("cond needs both true_fn and false_fn")
    pred = convert_to_tensor(pred)
    then_body, else_body = _traced_together(
        lambda caps: [
            trace_body(true_fn, [], None, "then", caps),
            trace_body(false_fn, [], None, "else", caps),
        ]
    )
    if then_body.tree != else_body.tree:
        raise InvalidArgumentError(
            f"cond's branches return different structures: {then_body.tree} vs {else_body.tree}", pred.op
        )
    op = get_default_graph().create_op(
        "cond", [pred, *then_body.captured()], {"then_branch": then_body.graph, "else_branch": else_body.graph},
        name or "cond",
    )  # fmt: skip
    return _unflatten(then_body.tree, list(op.outputs), strict)


def _unflatten(tree: Any, outputs: list[Tensor], strict: bool = True) -> Any:
    result = jax.tree_util.tree_unflatten(tree, outputs)
    if (
        not strict
        and isinstance(result, (list, tuple))
        and len(result) == 1
        and type(result) in (list, tuple)
    ):
        return result[0]
    return result


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               name: str | None = None, maximum_iterations: int | None = None,
               return_same_structure: bool = False) -> Any:  # fmt: skip
    """TF1's ``tf.while_loop``: repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``.

    Differentiable when ``maximum_iterations`` is set (a bounded loop); shapes must not change
    across iterations (``shape_invariants`` may relax dimensions to None).
    """
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    inputs, tree = flatten(structure)
    types = [TensorType(t.dtype, t.shape) for t in inputs]
    if shape_invariants is not None:
        invariants = [shape_invariants] if single else shape_invariants
        specs = jax.tree_util.tree_leaves(invariants, is_leaf=lambda s: isinstance(s, (TensorShape, tuple, list))
                                          and all(d is None or isinstance(d, int) for d in s))  # fmt: skip
        types = [TensorType(t.dtype, TensorShape(s)) for t, s in zip(types, specs)]

    def wrap(fn: Callable[..., Any], returns_vars: bool) -> Callable[..., Any]:
        def traced(*structured: Any) -> Any:
            out = fn(*structured)
            if returns_vars and single and not isinstance(out, (list, tuple)):
                out = [out]
            return out

        return traced

    cond_body, loop_body = _traced_together(
        lambda caps: [trace_body(wrap(cond, False), types, tree, "loop_var", caps),
                      trace_body(wrap(body, True), types, tree, "loop_var", caps)]
    )  # fmt: skip
    if any(t.type.ref for t in cond_body.graph.captures.values()) and any(
        op.op_def.state in ("write", "update") for op in cond_body.graph.operations
    ):
        raise InvalidArgumentError("while_loop's cond must not assign Variables")
    if len(loop_body.results) != len(inputs):
        raise InvalidArgumentError(
            f"while_loop's body returns {len(loop_body.results)} tensor(s) for {len(inputs)} loop variable(s)"
        )
    attrs = {"cond": cond_body.graph, "body": loop_body.graph, "num_loop_vars": len(inputs),
             "maximum_iterations": None if maximum_iterations is None else int(maximum_iterations)}  # fmt: skip
    op = get_default_graph().create_op("while_loop", [*inputs, *loop_body.captured()], attrs, name or "while")
    result = jax.tree_util.tree_unflatten(tree, list(op.outputs))
    if not return_same_structure and len(op.outputs) == 1:
        return op.outputs[0]
    return result[0] if single else result


def scan(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name: str | None = None) -> Any:  # fmt: skip
    """TF1's ``tf.scan``: ``acc = fn(acc, x)`` over the leading axis of ``elems`` (a structure);
    returns the stacked accumulators. Without ``initializer`` the first element starts it."""
    xs, xs_tree = flatten(elems)
    if not xs:
        raise InvalidArgumentError("scan needs at least one tensor in elems")
    first = None
    if initializer is None:
        first = [x[-1] if reverse else x[0] for x in xs]
        init_structure = jax.tree_util.tree_unflatten(xs_tree, first)
        xs = [x[:-1] if reverse else x[1:] for x in xs]
    else:
        init_structure = initializer
    carry, carry_tree = flatten(init_structure)
    outs = scan_loop(
        lambda c, x: (lambda acc: (acc, acc))(fn(c, x)), init_structure, jax.tree_util.tree_unflatten(xs_tree, xs),
        reverse=reverse, name=name,
    )  # fmt: skip
    stacked = flatten(outs[1])[0]
    if first is not None:
        parts = [array_ops.expand_dims(f, 0) for f in first]
        stacked = [array_ops.concat([s, p] if reverse else [p, s], 0) for s, p in zip(stacked, parts)]
    return jax.tree_util.tree_unflatten(carry_tree, stacked)


def scan_loop(fn: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any, length: int | None = None,
              reverse: bool = False, name: str | None = None) -> tuple[Any, Any]:  # fmt: skip
    """``lax.scan``-style loop: ``carry, y = fn(carry, x)``; returns ``(final carry, stacked ys)``."""
    carry, carry_tree = flatten(init)
    x_list, x_tree = flatten(xs) if xs is not None else ([], None)
    carry_types = [TensorType(c.dtype, c.shape) for c in carry]
    x_types = [TensorType(x.dtype, TensorShape(x.shape[1:])) for x in x_list]
    n_carry = len(carry)
    y_tree_box: list[Any] = []

    def body(*args: Any) -> Any:
        c = jax.tree_util.tree_unflatten(carry_tree, list(args[:n_carry]))
        x = jax.tree_util.tree_unflatten(x_tree, list(args[n_carry:])) if x_tree is not None else None
        new_carry, y = fn(c, x)
        new_flat, new_tree = flatten(new_carry)
        if new_tree != carry_tree:
            raise InvalidArgumentError(
                f"scan's body changed the carry's structure: {carry_tree} -> {new_tree}"
            )
        y_flat, y_tree = flatten(y)
        y_tree_box.append(y_tree)
        return new_flat + y_flat

    all_types = carry_types + x_types
    flat_tree = jax.tree_util.tree_structure(list(range(len(all_types))))
    traced = trace_body(body, all_types, flat_tree, "scan_arg")
    attrs = {"body": traced.graph, "num_carry": n_carry, "num_xs": len(x_list), "length": length,
             "reverse": bool(reverse)}  # fmt: skip
    op = get_default_graph().create_op("scan", [*carry, *x_list, *traced.captured()], attrs, name or "scan")
    outputs = list(op.outputs)
    final = jax.tree_util.tree_unflatten(carry_tree, outputs[:n_carry])
    ys = jax.tree_util.tree_unflatten(y_tree_box[-1], outputs[n_carry:])
    return final, ys


__all__ = ["cond", "scan", "scan_loop", "while_loop"]
