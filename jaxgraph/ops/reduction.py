"""Reduction ops: ``reduce_sum``/``mean``/``max``/``min``/``prod``/``any``/``all`` and ``argmax``/``argmin``.

A family of its own (split out of ``ops.math``) because reductions share their type inference
(``axis``/``keepdims``), lowering and gradient plumbing (broadcasting a reduced gradient back to
the input shape), none of which the elementwise ops use. Gradient rules are written in jaxgraph
ops, so they can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from jaxgraph.ir.dtypes import as_dtype, bool_, int32, int64
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, declare, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import (
    apply1,
    axis_arg,
    canonical_axes,
    deprecated_argument_lookup,
    normalize_axes,
    require,
)

__all__ = [
    "arg_max", "arg_min", "argmax", "argmin", "reduce_all", "reduce_any", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum",
]  # fmt: skip


# ---- reductions --------------------------------------------------------------------------------
def _reduce_infer(type_name: str, kind: str) -> Callable[..., TensorType]:
    def infer(x, *, axis, keepdims):
        # no ``require``: its messages would be formatted for every op
        if kind == "bool" and x.dtype is not bool_:
            raise type_error(f"{type_name} expects a bool tensor, got {x.dtype.short}")
        if kind != "bool" and x.dtype.is_bool:
            raise type_error(f"{type_name} expects a numeric tensor, got bool")
        if x.shape.ndims is None:  # unknown rank: a full reduction is a scalar (TF1)
            return TensorType(x.dtype, TensorShape(() if axis is None and not keepdims else None))
        axes = normalize_axes(axis, len(x.shape))
        if keepdims:
            dims = [1 if i in axes else d for i, d in enumerate(x.shape)]
        else:
            dims = [d for i, d in enumerate(x.shape) if i not in axes]
        return TensorType(x.dtype, TensorShape(dims))

    return infer


def _restore_reduced(g: Tensor, op) -> Tensor:
    """``g`` (a reduction's output gradient) broadcast back to the reduction's input shape."""
    x = op.inputs[0]
    if op.attrs["axis"] is None:  # all axes (also of unknown rank): broadcasting puts them back
        return shape_ops.broadcast_like(g, x)
    axes = normalize_axes(op.attrs["axis"], len(x.shape))
    # after a reduction over leading axes, broadcasting itself puts them back
    if not op.attrs["keepdims"] and axes != tuple(range(len(axes))):
        for axis in axes:
            g = shape_ops.expand_dims(g, axis)
    return shape_ops.broadcast_like(g, x)


def _reduced_count(op) -> Tensor:
    x = op.inputs[0]
    if x.shape.ndims is None:
        return shape_ops.cast(shape_ops.size(x), x.dtype)
    axes = normalize_axes(op.attrs["axis"], len(x.shape))
    dims = [x.shape[a] for a in axes]
    if None not in dims:
        n = 1
        for d in dims:
            n *= d
        return construction.constant(n, dtype=x.dtype)
    return shape_ops.cast(apply1("num_elements", [x], axis=axes), x.dtype)


def _extremum_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    y_full = _restore_reduced(y, op)
    hits = shape_ops.cast(math_ops.equal(x, y_full), g.dtype)
    ties = _restore_reduced(reduce_sum_like(hits, op), op)
    return (_restore_reduced(g, op) * hits / ties,)


def reduce_sum_like(x: Tensor, op) -> Tensor:
    return reduce_sum(x, axis=op.attrs["axis"], keepdims=op.attrs["keepdims"])


def _reduce_lower(fn: Callable[..., Any]) -> Callable[..., Any]:
    def lower(x, *, axis, keepdims):
        return fn(x, axis=axis, keepdims=keepdims)

    return lower


def _reduce_builder(type_name: str) -> Callable[..., Tensor]:
    def build(
        input_tensor: Any,
        axis: Any = None,
        keepdims: bool | None = None,
        name: str | None = None,
        reduction_indices: Any = None,
        keep_dims: bool | None = None,
    ) -> Tensor:
        axis = deprecated_argument_lookup("axis", axis, "reduction_indices", reduction_indices)
        keepdims = deprecated_argument_lookup("keepdims", keepdims, "keep_dims", keep_dims)
        return apply1(type_name, [input_tensor], name, axis=canonical_axes(axis), keepdims=bool(keepdims))

    build.__name__ = build.__qualname__ = type_name
    build.__doc__ = (
        f"TF1's ``tf.{type_name}(input_tensor, axis=None, keepdims=None, name=None, "
        "reduction_indices=None, keep_dims=None)``: the last two are TF1's deprecated spellings "
        "of ``axis`` and ``keepdims``."
    )
    return build


def _reduction(type_name, default_name, kind, fn, grad):
    declare(type_name, default_name, _reduce_infer(type_name, kind), _reduce_lower(fn), grad,
            attrs={"axis": None, "keepdims": False}, unknown_rank=True)  # fmt: skip
    return _reduce_builder(type_name)


def _mean(x, axis, keepdims):
    """``jnp.mean`` keeping an integer input's dtype (truncating, as TF1 does)."""
    dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.integer) else None
    return jnp.mean(x, axis=axis, keepdims=keepdims, dtype=dtype)


reduce_sum = _reduction("reduce_sum", "Sum", "number", jnp.sum, lambda op, g: (_restore_reduced(g, op),))
reduce_mean = _reduction(
    "reduce_mean", "Mean", "number", _mean, lambda op, g: (_restore_reduced(g, op) / _reduced_count(op),)
)
reduce_max = _reduction("reduce_max", "Max", "number", jnp.max, _extremum_grad)
reduce_min = _reduction("reduce_min", "Min", "number", jnp.min, _extremum_grad)
reduce_prod = _reduction(
    "reduce_prod",
    "Prod",
    "number",
    jnp.prod,
    lambda op, g: (_restore_reduced(g * op.outputs[0], op) / op.inputs[0],),
)
reduce_any = _reduction("reduce_any", "Any", "bool", jnp.any, None)
reduce_all = _reduction("reduce_all", "All", "bool", jnp.all, None)


@op("num_elements", "NumElements", attrs={"axis": REQUIRED}, type_only=True, unknown_rank=True)
class NumElements:
    """The run-time number of elements of ``x`` along ``axis`` (an int32 scalar; None: all axes)."""

    def infer(x, *, axis):
        if x.shape.ndims is not None:
            normalize_axes(axis, len(x.shape))
        return TensorType(int32, TensorShape(()))

    def lower(x, *, axis):
        n = 1
        for a in range(len(x.shape)) if axis is None else axis:
            n *= x.shape[a]
        return jnp.int32(n)


def _arg_infer(type_name: str) -> Callable[..., TensorType]:
    def infer(x, *, axis, output_type):
        (axis,) = normalize_axes(axis, len(x.shape))
        require(output_type.is_integer, f"{type_name} output_type must be an integer dtype")
        return TensorType(output_type, TensorShape(d for i, d in enumerate(x.shape) if i != axis))

    return infer


def _arg_lower(fn: Callable[..., Any]) -> Callable[..., Any]:
    def lower(x, *, axis, output_type):
        return fn(x, axis=axis).astype(output_type.np)

    return lower


for _name, _default, _fn in [("argmax", "ArgMax", jnp.argmax), ("argmin", "ArgMin", jnp.argmin)]:
    declare(_name, _default, _arg_infer(_name), _arg_lower(_fn), None,
            attrs={"axis": REQUIRED, "output_type": int32})  # fmt: skip


def _arg_extremum(type_name: str, input: Any, axis: Any, name: str | None, dimension: Any, output_type: Any):
    """``argmax``/``argmin`` with TF1's deprecated ``dimension`` spelling of ``axis`` (default 0)."""
    axis = deprecated_argument_lookup("axis", axis, "dimension", dimension)
    return apply1(
        type_name,
        [input],
        name,
        axis=axis_arg(0 if axis is None else axis),
        output_type=as_dtype(output_type),
    )


def argmax(
    input: Any, axis: int | None = None, name: str | None = None, dimension: int | None = None,
    output_type: Any = int64,
) -> Tensor:  # fmt: skip
    """Index of the largest value along ``axis`` (default 0; ``dimension`` is TF1's deprecated
    spelling). ``output_type`` defaults to int64 as in TF1 (computed in int32 while JAX's x64 mode
    is off, see ``jaxgraph.ir.dtypes``). TF1's ``tf.argmax``."""
    return _arg_extremum("argmax", input, axis, name, dimension, output_type)


def argmin(
    input: Any, axis: int | None = None, name: str | None = None, dimension: int | None = None,
    output_type: Any = int64,
) -> Tensor:  # fmt: skip
    """Index of the smallest value along ``axis`` (default 0); see ``argmax``. TF1's ``tf.argmin``."""
    return _arg_extremum("argmin", input, axis, name, dimension, output_type)


def arg_max(input: Any, dimension: int, name: str | None = None, output_type: Any = int64) -> Tensor:
    """TF1's deprecated ``tf.arg_max(input, dimension)``: ``argmax`` along ``dimension``."""
    return _arg_extremum("argmax", input, None, name, dimension, output_type)


def arg_min(input: Any, dimension: int, name: str | None = None, output_type: Any = int64) -> Tensor:
    """TF1's deprecated ``tf.arg_min(input, dimension)``: ``argmin`` along ``dimension``."""
    return _arg_extremum("argmin", input, None, name, dimension, output_type)
