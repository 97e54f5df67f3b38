"""Ops that pick elements by data: ``gather`` (by a tensor of indices), ``one_hot`` (indices to
rows) and ``where`` (by a boolean condition).

Where TF1 and JAX differ, jaxgraph decides:

* ``gather`` checks its indices when the graph runs, as TF1 on CPU does (``indices[3] = 7 is not
  in [0, 5)``); XLA cannot raise, so a check op returns a flag the run inspects
  (``ops.debugging``). With the check off (``validate_indices=False`` or
  ``jg.debugging.set_runtime_checks(False)``) it follows ``jnp.take``: negative indices count from
  the end and an index past it gives the fill value (NaN for floats); its gradient drops such
  indices.
* ``one_hot`` gives an all-``off_value`` row for an index outside ``[0, depth)`` (TF1).
* ``where`` needs both branches: ``where(condition)`` alone has a data-dependent shape.
"""

from __future__ import annotations

import builtins
from typing import Any

import jax.numpy as jnp
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, bool_, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction, debugging
from jaxgraph.ops import math as math_ops
from jaxgraph.ops.core import (
    apply1,
    axis_arg,
    broadcast_type,
    check_dims,
    convert_to_tensor,
    normalize_axis,
    python_dtype,
    require,
    scalar_attr,
    static_ints,
)

__all__ = ["gather", "one_hot", "where"]


@op("gather", "GatherV2", attrs={"axis": 0})
class Gather:
    """The slices of ``params`` along ``axis`` at the integer ``indices``. The ``gather`` builder
    checks the indices (``ops.debugging.check_indices``); unchecked, this op follows
    ``jnp.take``: negative indices count from the end, indices past it give the fill value (NaN
    for floats)."""

    def infer(params, indices, *, axis):
        axis = normalize_axis(axis, len(params.shape))
        require(indices.dtype.is_integer, f"gather's indices must be integers, got {indices}")
        shape = params.shape[:axis] + indices.shape + params.shape[axis + 1 :]
        return TensorType(params.dtype, TensorShape(shape))

    def lower(params, indices, *, axis):
        return jnp.take(params, indices, axis=axis, mode="fill")

    def grad(op, g):
        params, indices = op.inputs
        return (apply1("gather_grad", [g, indices, params], axis=op.attrs["axis"]), None)


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    name: str | None = None,
    axis: int | None = None,
    batch_dims: int = 0,
) -> Tensor:
    """TF1's ``tf.gather`` (``batch_dims`` must be 0). An index outside ``[0, params.shape[axis])``
    fails the run with TF1's message (``indices[3] = 7 is not in [0, 5)``), or the build for
    constant indices. ``validate_indices=False`` leaves that check out of this op (None: as
    ``jg.debugging.set_runtime_checks`` says, on by default); see ``Gather`` for what unchecked
    bad indices give."""
    if batch_dims != 0:
        raise InvalidArgumentError(f"gather supports batch_dims=0 only, got {batch_dims}")
    params, indices = convert_to_tensor(params), convert_to_tensor(indices)
    axis = 0 if axis is None else axis_arg(axis)
    with debugging.guarded_scope(name, "GatherV2") as scope:
        indices, problem = debugging.checked_indices(indices, params, axis, validate=validate_indices)
        result = apply1("gather", [params, indices], scope, axis=axis)
    debugging.raise_if(problem, result.op)
    return result


@op("gather_grad", "GatherGrad", attrs={"axis": REQUIRED})
class GatherGrad:
    """The gradient of ``gather``: ``g``'s slices added into zeros shaped like ``params`` at
    ``indices`` (repeated indices sum; out-of-range ones are dropped). ``params`` gives only its
    run-time shape."""

    def infer(g, indices, params, *, axis):
        gathered = Gather.infer(params, indices, axis=axis)
        require(
            g.shape.is_compatible_with(gathered.shape),
            f"gradient {g} does not match gather's result {gathered}",
        )
        return TensorType(g.dtype, params.shape)

    def lower(g, indices, params, *, axis):
        key = (builtins.slice(None),) * (axis % params.ndim) + (indices,)
        return jnp.zeros(params.shape, g.dtype).at[key].add(g, mode="drop")

    def grad(op, gg):
        _, indices, _ = op.inputs
        return (gather(gg, indices, axis=op.attrs["axis"], validate_indices=False), None, None)


@op(
    "one_hot",
    "OneHot",
    attrs={"depth": REQUIRED, "on_value": 1.0, "off_value": 0.0, "axis": -1, "dtype": float32},
)
class OneHot:
    """``on_value`` where an index equals the position along the new axis, ``off_value``
    elsewhere (an index outside ``[0, depth)`` gives a row of ``off_value``)."""

    def infer(indices, *, depth, on_value, off_value, axis, dtype):
        require(indices.dtype.is_integer, f"one_hot's indices must be integers, got {indices}")
        require(
            isinstance(depth, int) and depth >= 0,
            f"one_hot's depth must be a non-negative int, got {depth!r}",
        )
        dims = list(indices.shape)
        dims.insert(normalize_axis(axis, len(dims) + 1), depth)
        check_dims(dims, "one_hot", unknown_ok=True)
        return TensorType(dtype, TensorShape(dims))

    def lower(indices, *, depth, on_value, off_value, axis, dtype):
        axis = axis % (indices.ndim + 1)
        shape = indices.shape[:axis] + (depth,) + indices.shape[axis:]
        hot = jnp.expand_dims(indices, axis) == lax.broadcasted_iota(indices.dtype, shape, axis)
        return jnp.where(hot, jnp.asarray(on_value, dtype.np), jnp.asarray(off_value, dtype.np))


def one_hot(
    indices: Any,
    depth: int,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.one_hot``; the dtype defaults to ``on_value``'s or ``off_value``'s, else float32."""
    if dtype is None:
        given = [v for v in (on_value, off_value) if v is not None]
        dtype = python_dtype(given[0]) if given else float32
    dtype = as_dtype(dtype)
    (depth,) = static_ints((depth,), "one_hot's depth")
    return apply1(
        "one_hot",
        [indices],
        name,
        depth=depth,
        on_value=scalar_attr(1 if on_value is None else on_value, dtype, "one_hot's on_value"),
        off_value=scalar_attr(0 if off_value is None else off_value, dtype, "one_hot's off_value"),
        axis=-1 if axis is None else axis_arg(axis),
        dtype=dtype,
    )


@op("select", "Select")
class Select:
    """``where(condition, x, y)`` with NumPy broadcasting of all three."""

    def infer(condition, x, y):
        require(condition.dtype is bool_, f"where's condition must be bool, got {condition.dtype.short}")
        require(x.dtype is y.dtype, f"where's branches differ in dtype: {x.dtype.short} vs {y.dtype.short}")
        return broadcast_type(x.dtype, condition, x, y)

    def lower(condition, x, y):
        return jnp.where(condition, x, y)

    def grad(op, g):
        condition, x, y = op.inputs
        zero = construction.zeros_like(g)
        return (
            None,
            math_ops.unbroadcast(where(condition, g, zero), x, condition, y),
            math_ops.unbroadcast(where(condition, zero, g), y, condition, x),
        )


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Elementwise ``x if condition else y`` (both branches required: shapes are static); TF1's
    ``tf.where``."""
    if x is None or y is None:
        raise InvalidArgumentError(
            "jg.where(condition) without x and y returns data-dependent shapes, which XLA "
            "cannot compile: pass both x and y"
        )
    x, y = math_ops.convert_operands(x, y)
    return apply1("select", [condition, x, y], name)
