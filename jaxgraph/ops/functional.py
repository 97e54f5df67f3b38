"""TF1's higher-order functions over a tensor's leading axis: ``map_fn``, ``foldl``, ``foldr``.

TF1 built them from ``while_loop`` and TensorArrays in Python (its ``functional_ops``); here they
are ``scan_loop`` calls, so they lower to one ``lax.scan`` and are differentiated like ``scan``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from jaxgraph.errors import InvalidArgumentError
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


__all__ = ["foldl", "foldr", "map_fn"]
