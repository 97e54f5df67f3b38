"""Cumulative ops (TF1's ``tf.cumsum``, ``tf.cumprod``) and the reductions TF1 composes in
Python (``tf.reduce_logsumexp``, ``tf.count_nonzero``).

``cumsum``/``cumprod`` take TF1's ``exclusive`` (start from the identity) and ``reverse`` (run
from the end). Their gradients are TF1's: ``cumsum``'s is a ``cumsum`` the other way;
``cumprod``'s is ``cumsum(y * g, reverse=not reverse) / x``, so, as in TF1, it is NaN where
``x`` is 0.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from jax import lax

from jaxgraph.ir.dtypes import as_dtype, int32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops import construction, reduction, selection, special
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import apply1, axis_arg, convert_to_tensor, normalize_axis, require

__all__ = [
    "count_nonzero",
    "cumprod",
    "cumsum",
    "reduce_euclidean_norm",
    "reduce_logsumexp",
    "reduce_std",
    "reduce_variance",
]


def _cumulative_infer(type_name: str):
    def infer(x, *, axis, exclusive, reverse):
        require(not x.dtype.is_bool, f"{type_name} expects a numeric tensor, got {x.dtype.short}{x.shape}")
        normalize_axis(axis, len(x.shape))
        return TensorType(x.dtype, x.shape)

    return infer


def _cumulative(fn, identity):
    """``fn`` (``lax.cumsum``/``lax.cumprod``) with TF1's ``exclusive`` and ``reverse``."""

    def lower(x, *, axis, exclusive, reverse):
        axis %= x.ndim
        y = fn(x, axis=axis, reverse=reverse)
        if not exclusive:
            return y
        pad = [(0, 0, 0)] * x.ndim
        pad[axis] = (0, 1, 0) if reverse else (1, 0, 0)
        start = 1 if reverse else 0
        shifted = lax.pad(y, jnp.array(identity, x.dtype), pad)
        return lax.slice_in_dim(shifted, start, start + x.shape[axis], axis=axis)

    return lower


_ATTRS = {"axis": REQUIRED, "exclusive": False, "reverse": False}


@op("cumsum", "Cumsum", attrs=_ATTRS)
class Cumsum:
    """Running sums along ``axis``."""

    infer = _cumulative_infer("cumsum")
    lower = _cumulative(lax.cumsum, 0)

    def grad(op, g):
        a = op.attrs
        return (cumsum(g, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"]),)


@op("cumprod", "Cumprod", attrs=_ATTRS)
class Cumprod:
    """Running products along ``axis``."""

    infer = _cumulative_infer("cumprod")
    lower = _cumulative(lax.cumprod, 1)

    def grad(op, g):
        a = op.attrs
        summed = cumsum(op.outputs[0] * g, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])
        return (summed / op.inputs[0],)


def cumsum(
    x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """TF1's ``tf.cumsum``: running sums along ``axis`` (``exclusive``: leave out each element
    itself; ``reverse``: from the end)."""
    return apply1("cumsum", [x], name, axis=axis_arg(axis), exclusive=bool(exclusive), reverse=bool(reverse))


def cumprod(
    x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """TF1's ``tf.cumprod``: running products along ``axis`` (``exclusive``, ``reverse`` as in
    ``cumsum``)."""
    return apply1("cumprod", [x], name, axis=axis_arg(axis), exclusive=bool(exclusive), reverse=bool(reverse))


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None,
                     reduction_indices: Any = None, keep_dims: bool | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.reduce_logsumexp``: ``log(sum(exp(x)))`` over ``axis``, shifted by the
    (gradient-stopped, finite) maximum as TF1 does, so large values do not overflow."""
    x = convert_to_tensor(input_tensor)
    axis = reduction_indices if axis is None else axis
    keepdims = keepdims if keep_dims is None else keep_dims
    raw_max = reduction.reduce_max(x, axis=axis, keepdims=True)
    finite_max = selection.where(special.is_finite(raw_max), raw_max, construction.zeros_like(raw_max))
    shift = identity_ops.stop_gradient(finite_max)
    summed = reduction.reduce_sum(math_ops.exp(x - shift), axis=axis, keepdims=keepdims)
    # summing the size-1 axes of the shift drops them like the sum's (unknown dims included)
    return math_ops.add(
        math_ops.log(summed), reduction.reduce_sum(shift, axis=axis, keepdims=keepdims), name=name
    )


def count_nonzero(input_tensor: Any = None, axis: Any = None, keepdims: bool | None = None, dtype: Any = int32,
                  name: str | None = None, reduction_indices: Any = None, keep_dims: bool | None = None,
                  input: Any = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.count_nonzero``: how many elements along ``axis`` are not zero (not False).
    ``dtype`` defaults to int32: TF1's int64 needs JAX's x64 mode (as ``argmax``'s
    ``output_type``)."""
    x = convert_to_tensor(input if input_tensor is None else input_tensor)
    axis = reduction_indices if axis is None else axis
    keepdims = bool(keep_dims if keepdims is None else keepdims)
    nonzero = math_ops.not_equal(x, False if x.dtype.is_bool else 0)
    counts = reduction.reduce_sum(shape_ops.cast(nonzero, as_dtype(dtype)), axis=axis, keepdims=keepdims)
    return identity_ops.identity(counts, name=name)


def reduce_variance(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """TF1's ``tf.math.reduce_variance``: ``mean(|x - mean(x)|²)`` over ``axis``."""
    x = convert_to_tensor(input_tensor)
    mean = reduction.reduce_mean(x, axis=axis, keepdims=True)
    return reduction.reduce_mean(
        math_ops.squared_difference(x, mean), axis=axis, keepdims=keepdims, name=name
    )


def reduce_std(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """TF1's ``tf.math.reduce_std``: the square root of ``reduce_variance``."""
    return math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims), name=name)


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.math.reduce_euclidean_norm``: ``sqrt(sum(x²))`` over ``axis``."""
    x = convert_to_tensor(input_tensor)
    return math_ops.sqrt(reduction.reduce_sum(math_ops.square(x), axis=axis, keepdims=keepdims), name=name)
