"""Pooling ops (TF1's ``MaxPool``, ``AvgPool`` and their gradient ops) and the ``tf.nn``
builders ``max_pool``, ``avg_pool``, ``max_pool1d/2d/3d``, ``avg_pool1d/2d/3d`` and ``pool``.

One op per kind serves 1-, 2- and 3-D data (the spatial rank comes from ``data_format``), lowered
to ``lax.reduce_window``. As in TF1:

* ``max_pool``'s gradient goes to one position per window, the first maximum in row-major order
  (so tied maxima do not share it), through the ``max_pool_grad`` op (XLA's select-and-scatter);
  ``max_pool_grad``'s own gradient is ``max_pool_grad_grad`` (the window maximum's position picks
  the gradient's value) and the other way round, so max pooling differentiates to any order.
  TF1's ``MaxPoolGrad`` also takes the forward output; here XLA recomputes the window maxima.
* ``avg_pool`` with ``"SAME"`` padding averages each window over the input elements it covers,
  not over the padding. It is linear, so its gradient ``avg_pool_grad`` is its transpose, whose
  gradient is ``avg_pool`` again.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction
from jaxgraph.ops.core import apply1, convert_to_tensor, require
from jaxgraph.ops.windows import (
    FORMATS,
    channel_axis,
    check_input_rank,
    check_padding,
    check_window,
    output_sizes,
    spatial_axes,
    spatial_pads,
    window_list,
)

__all__ = [
    "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool", "max_pool1d", "max_pool2d",
    "max_pool3d", "pool",
]  # fmt: skip

_POOL_ATTRS = {"ksize": REQUIRED, "strides": REQUIRED, "padding": REQUIRED, "data_format": "NHWC"}
_ALL_FORMATS = tuple(f for pair in FORMATS.values() for f in pair)


# ---- shape rule and lowering -------------------------------------------------------------------
def _pool_type(type_name: str, x: TensorType, ksize, strides, padding, data_format) -> TensorType:
    """Checks a pooling op's attributes against ``x``; the type of its output."""
    require(
        data_format in _ALL_FORMATS,
        f"{type_name}: data_format must be one of {', '.join(_ALL_FORMATS)}, got {data_format!r}",
    )
    check_input_rank(type_name, "input", x, data_format)
    check_window(type_name, "ksize", ksize, data_format)
    check_window(type_name, "strides", strides, data_format)
    check_padding(type_name, padding, data_format, explicit_ok=False)
    require(not x.dtype.is_bool, f"{type_name} expects a numeric tensor, got {x}")
    axes = spatial_axes(data_format)
    sizes = output_sizes(type_name, padding, data_format, [x.shape[a] for a in axes],
                         [ksize[a] for a in axes], [strides[a] for a in axes])  # fmt: skip
    dims = list(x.shape)
    for a, size in zip(axes, sizes, strict=True):
        dims[a] = size
    return TensorType(x.dtype, TensorShape(dims))


def _pads(x, ksize, strides, padding, data_format) -> list:
    """``(before, after)`` padding of every dimension of ``x`` (zero at batch and channel)."""
    axes = spatial_axes(data_format)
    spatial = spatial_pads(padding, data_format, [x.shape[a] for a in axes], [ksize[a] for a in axes],
                           [strides[a] for a in axes])  # fmt: skip
    pads = [(0, 0)] * x.ndim
    for a, pair in zip(axes, spatial, strict=True):
        pads[a] = pair
    return pads


def _max(x, *, ksize, strides, padding, data_format):
    """Window maxima; padding holds the dtype's lowest value, so it never wins."""
    low = -np.inf if jnp.issubdtype(x.dtype, jnp.floating) else np.iinfo(x.dtype).min
    pads = _pads(x, ksize, strides, padding, data_format)
    return lax.reduce_window(x, np.array(low, x.dtype), lax.max, ksize, strides, pads)


def _mean(x, *, ksize, strides, padding, data_format):
    """Window means over the covered input elements (padding is not counted)."""
    pads = _pads(x, ksize, strides, padding, data_format)
    total = lax.reduce_window(x, np.zeros((), x.dtype), lax.add, ksize, strides, pads)
    if padding == "VALID":
        count = 1
        for k in ksize:
            count *= k
        return total / jnp.asarray(count, x.dtype)
    spatial = spatial_axes(data_format)
    ones = jnp.ones([x.shape[a] for a in spatial], x.dtype)
    count = lax.reduce_window(ones, np.zeros((), x.dtype), lax.add, [ksize[a] for a in spatial],
                              [strides[a] for a in spatial], [pads[a] for a in spatial])  # fmt: skip
    return total / jnp.expand_dims(count, [0, channel_axis(data_format)])


# ---- max pooling -------------------------------------------------------------------------------
def _pool_attrs(op) -> dict:
    return {k: op.attrs[k] for k in _POOL_ATTRS}


@op("max_pool", "MaxPool", attrs=_POOL_ATTRS)
class MaxPool:
    """The maximum of each window."""

    def infer(x, **attrs):
        return _pool_type("max_pool", x, **attrs)

    lower = _max

    def grad(op, g):
        return (apply1("max_pool_grad", [op.inputs[0], g], **_pool_attrs(op)),)


@op("max_pool_grad", "MaxPoolGrad", attrs=_POOL_ATTRS)
class MaxPoolGrad:
    """``max_pool_grad(x, g)``: each window's ``g`` added at the position of its maximum in ``x``."""

    def infer(x, g, **attrs):
        out = _pool_type("max_pool_grad", x, **attrs)
        require(
            g.dtype is x.dtype and g.shape.is_compatible_with(out.shape),
            f"max_pool_grad: the gradient {g} does not match the pooled shape {out}",
        )
        return TensorType(x.dtype, x.shape)

    def lower(x, g, **attrs):
        return jax.vjp(lambda v: _max(v, **attrs), x)[1](g)[0]

    def grad(op, gg):
        x = op.inputs[0]  # piecewise constant in x: zero almost everywhere (TF1's rule)
        return construction.zeros_like(x), apply1("max_pool_grad_grad", [x, gg], **_pool_attrs(op))


@op("max_pool_grad_grad", "MaxPoolGradGrad", attrs=_POOL_ATTRS)
class MaxPoolGradGrad:
    """``max_pool_grad_grad(x, h)``: for each window, ``h`` at the position of its maximum in ``x``
    (the derivative of ``max_pool`` at ``x`` in the direction ``h``)."""

    def infer(x, h, **attrs):
        require(
            h.dtype is x.dtype and h.shape.is_compatible_with(x.shape),
            f"max_pool_grad_grad: {h} does not match the input {x}",
        )
        return _pool_type("max_pool_grad_grad", x, **attrs)

    def lower(x, h, **attrs):
        return jax.jvp(lambda v: _max(v, **attrs), (x,), (h,))[1]

    def grad(op, g):
        x = op.inputs[0]
        return construction.zeros_like(x), apply1("max_pool_grad", [x, g], **_pool_attrs(op))


# ---- average pooling ---------------------------------------------------------------------------
@op("avg_pool", "AvgPool", attrs=_POOL_ATTRS)
class AvgPool:
    """The mean of each window (of its input elements only, with ``"SAME"`` padding)."""

    def infer(x, **attrs):
        require(x.dtype.is_floating, f"avg_pool expects a floating-point tensor, got {x}")
        return _pool_type("avg_pool", x, **attrs)

    lower = _mean

    def grad(op, g):
        x = op.inputs[0]
        like = [] if x.shape.is_fully_defined() else [x]
        return (apply1("avg_pool_grad", [g, *like], input_sizes=tuple(x.shape), **_pool_attrs(op)),)


@op("avg_pool_grad", "AvgPoolGrad", attrs={"input_sizes": REQUIRED, **_POOL_ATTRS})
class AvgPoolGrad:
    """The transpose of ``avg_pool`` applied to ``g``: each window's share spread over it.
    ``input_sizes`` is the result's shape; unknown entries come from the optional ``like``
    input's run-time shape, or (batch and channels) from ``g``."""

    def infer(g, *like, input_sizes, **attrs):
        require(len(like) <= 1, "avg_pool_grad takes at most one shape input")
        sizes = [
            s if s is not None else (like[0].shape[i] if like else None) for i, s in enumerate(input_sizes)
        ]
        require(
            len(sizes) == len(g.shape),
            f"avg_pool_grad: input_sizes {list(input_sizes)} and {g} differ in rank",
        )
        c = channel_axis(attrs["data_format"]) if attrs["data_format"] in _ALL_FORMATS else 0
        for axis in (0, c):
            sizes[axis] = sizes[axis] if sizes[axis] is not None else g.shape[axis]
        out = _pool_type("avg_pool_grad", TensorType(g.dtype, TensorShape(sizes)), **attrs)
        require(
            g.shape.is_compatible_with(out.shape),
            f"avg_pool_grad: the gradient {g} does not match the pooled shape {out}",
        )
        return TensorType(g.dtype, TensorShape(sizes))

    def lower(g, *like, input_sizes, **attrs):
        c = channel_axis(attrs["data_format"])
        known = {0: g.shape[0], c: g.shape[c]}
        shape = (
            tuple(like[0].shape)
            if like
            else tuple(known[i] if d is None else d for i, d in enumerate(input_sizes))
        )
        linear = jax.linear_transpose(lambda x: _mean(x, **attrs), jax.ShapeDtypeStruct(shape, g.dtype))
        return linear(g)[0]

    def grad(op, gg):
        return (apply1("avg_pool", [gg], **_pool_attrs(op)),) + (None,) * (len(op.inputs) - 1)


# ---- builders ----------------------------------------------------------------------------------
def _pool(type_name: str, spatial: int | None, value: Any, ksize: Any, strides: Any, padding: Any,
          data_format: str | None, name: str | None) -> Tensor:  # fmt: skip
    """A pooling op over ``value`` with TF1's arguments; ``spatial`` fixes the rank's default format."""
    x = convert_to_tensor(value)
    n = spatial if spatial is not None else len(x.shape) - 2
    fmt = data_format if data_format is not None else FORMATS.get(n, ("NHWC",))[0]
    if fmt in _ALL_FORMATS:
        ksize, strides = window_list(ksize, fmt, "ksize"), window_list(strides, fmt, "strides")
    padding = padding.upper() if isinstance(padding, str) else padding
    return apply1(
        type_name, [x], name, ksize=tuple(ksize), strides=tuple(strides), padding=padding, data_format=fmt
    )


def max_pool(
    value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: str | None = None,
    input: Any = None,
) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.max_pool``: the maximum of each ``ksize`` window (``"SAME"`` or ``"VALID"``)."""
    value = value if input is None else input
    return _pool("max_pool", 2, value, ksize, strides, padding, data_format, name)


def avg_pool(
    value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: str | None = None,
    input: Any = None,
) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.avg_pool``: the mean of each window; with ``"SAME"`` over its input elements only."""
    value = value if input is None else input
    return _pool("avg_pool", 2, value, ksize, strides, padding, data_format, name)


def max_pool2d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.max_pool2d`` (``max_pool``)."""
    return _pool("max_pool", 2, input, ksize, strides, padding, data_format, name)


def avg_pool2d(
    value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: str | None = None,
    input: Any = None,
) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.avg_pool2d`` (``avg_pool``)."""
    return avg_pool(value, ksize, strides, padding, data_format, name, input)


def max_pool1d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC", name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.max_pool1d`` over ``NWC`` (or ``NCW``) data."""
    return _pool("max_pool", 1, input, ksize, strides, padding, data_format, name)


def avg_pool1d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC", name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.avg_pool1d`` over ``NWC`` (or ``NCW``) data."""
    return _pool("avg_pool", 1, input, ksize, strides, padding, data_format, name)


def max_pool3d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC", name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.max_pool3d`` over ``NDHWC`` (or ``NCDHW``) data."""
    return _pool("max_pool", 3, input, ksize, strides, padding, data_format, name)


def avg_pool3d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC", name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.avg_pool3d`` over ``NDHWC`` (or ``NCDHW``) data."""
    return _pool("avg_pool", 3, input, ksize, strides, padding, data_format, name)


def pool(
    input: Any,
    window_shape: Any,
    pooling_type: str,
    padding: str,
    dilation_rate: Any = None,
    strides: Any = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.pool`` with ``pooling_type`` ``"MAX"`` or ``"AVG"`` (no dilation): the
    spatial rank is the input's rank minus 2."""
    rate = dilations if dilations is not None else dilation_rate
    if rate is not None and any(r != 1 for r in ([rate] if isinstance(rate, int) else rate)):
        raise InvalidArgumentError("pool: dilation_rate other than 1 is not supported")
    if pooling_type not in ("MAX", "AVG"):
        raise InvalidArgumentError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    kind = "max_pool" if pooling_type == "MAX" else "avg_pool"
    return _pool(kind, None, input, window_shape, strides or 1, padding, data_format, name)
