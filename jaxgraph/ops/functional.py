"""TF1's higher-order functions: ``map_fn``, ``foldl``, ``foldr`` over a tensor's leading axis,
and ``case`` (a chain of ``cond``s).

TF1 built them from ``while_loop`` and TensorArrays in Python (its ``functional_ops``); here they
are ``scan_loop`` calls, so they lower to one ``lax.scan`` and are differentiated like ``scan``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import int32
from jaxgraph.ops import control_flow, identity, joining, math, printing, reduction, shape
from jaxgraph.ops.control_flow import flatten, scan_loop
from jaxgraph.ops.core import convert_to_tensor


def _as_elems(elems: Any, what: str) -> Any:
    """``elems`` with every leaf a tensor with a leading axis (TF1 converts them too)."""
    leaves, tree = flatten(jax.tree_util.tree_map(convert_to_tensor, elems))
    if not leaves:
        raise InvalidArgumentError(f"{what} needs at least one tensor in elems")
    for leaf in leaves:
        if leaf.shape.ndims == 0:
            raise InvalidArgumentError(
                f"{what}'s elems must have a leading axis to unstack, got a scalar {leaf.name}"
            )
    return jax.tree_util.tree_unflatten(tree, leaves)


def map_fn(fn: Callable[[Any], Any], elems: Any, dtype: Any = None, parallel_iterations: int | None = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
           name: str | None = None) -> Any:  # fmt: skip
    """``fn`` applied to each slice of ``elems`` along axis 0, results stacked. ``elems`` and
    ``fn``'s result may be structures; ``dtype`` (TF1's hint for a result structure unlike
    ``elems``) is not needed, since the result is traced. TF1's ``tf.map_fn``."""
    elems = _as_elems(elems, "map_fn")
    _, ys = scan_loop(lambda carry, x: (carry, fn(x)), (), elems, name=name or "map")
    return ys


def _fold(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any, reverse: bool, what: str,
          name: str | None) -> Any:  # fmt: skip
    elems = _as_elems(elems, what)
    if initializer is None:
        leaves, tree = flatten(elems)
        initializer = jax.tree_util.tree_unflatten(tree, [x[-1] if reverse else x[0] for x in leaves])
        elems = jax.tree_util.tree_unflatten(tree, [x[:-1] if reverse else x[1:] for x in leaves])
    final, _ = scan_loop(
        lambda acc, x: (fn(acc, x), ()), initializer, elems, reverse=reverse, name=name or what
    )
    return final


def foldl(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:  # fmt: skip
    """``acc = fn(acc, x)`` over ``elems``' slices first to last; returns the final ``acc``
    (without ``initializer`` the first slice starts it). TF1's ``tf.foldl``."""
    return _fold(fn, elems, initializer, False, "foldl", name)


def foldr(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:  # fmt: skip
    """``acc = fn(acc, x)`` over ``elems``' slices last to first; returns the final ``acc``
    (without ``initializer`` the last slice starts it). TF1's ``tf.foldr``."""
    return _fold(fn, elems, initializer, True, "foldr", name)


def case(pred_fn_pairs: Any, default: Callable[[], Any] | None = None, exclusive: bool = False,
         strict: bool = False, name: str = "case") -> Any:  # fmt: skip
    """The result of the function paired with the first true predicate (``default()`` when none
    is); only that function's ops run. Without ``default`` the last pair's function is the
    default and the run fails unless some predicate holds; ``exclusive=True`` makes the run fail
    when more than one does. TF1's ``tf.case`` (with its error messages)."""
    pairs = list(pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs)
    if not pairs:
        raise InvalidArgumentError(
            "pred_fn_pairs must be a non-empty list or dict of (predicate, callable) pairs"
        )
    for pred, fn in pairs:
        if not callable(fn):
            raise InvalidArgumentError(f"fn for pred {pred} must be callable.")
    preds = [convert_to_tensor(pred) for pred, _ in pairs]
    fns = [fn for _, fn in pairs]
    with get_default_graph().name_scope(name):
        checks = []
        if exclusive and len(preds) > 1:
            count = reduction.reduce_sum(shape.cast(joining.stack(preds), int32))
            names = ", ".join(p.name for p in preds)
            message = f"Input error: exclusive=True: more than 1 conditions ({names}) evaluated as True:"
            checks.append(printing.Assert(math.less_equal(count, 1), [message, joining.stack(preds)]))
        if default is None:
            default, fns = fns[-1], fns[:-1]
            message = "Input error: None of conditions evaluated as True:"
            checks.append(
                printing.Assert(reduction.reduce_any(joining.stack(preds)), [message, joining.stack(preds)])
            )
            preds = preds[:-1]

        def chain(i: int) -> Any:
            if i == len(preds):
                return default()
            return control_flow.cond(preds[i], fns[i], lambda: chain(i + 1))

        with get_default_graph().control_dependencies(checks):
            result = chain(0)
            return jax.tree_util.tree_map(identity.identity, result)


__all__ = ["case", "foldl", "foldr", "map_fn"]
