"""Normalization ops and builders (TF1's ``tf.nn``): ``moments``, ``batch_normalization``,
``fused_batch_norm``, ``l2_normalize``, ``lrn`` / ``local_response_normalization``.

``moments``, ``batch_normalization`` and ``l2_normalize`` are compositions of existing ops, as in
TF1's Python code. ``fused_batch_norm`` and ``lrn`` are single ops (TF1's ``FusedBatchNormV3``
and ``LRN``) with gradient rules written in jaxgraph ops, so they differentiate to any order.

As in TF1, ``fused_batch_norm`` in training mode normalizes with the batch's (biased) variance but
returns the Bessel-corrected one ``sum((x - mean)**2) / (n - 1)`` as ``batch_var``, the value a
moving average of the population variance wants. Unlike TF1, whose gradient ignores what flows
back into ``batch_mean`` and ``batch_var``, the gradient here includes it (it is the derivative
of the op's outputs), so it matches ``jax.vjp`` of the lowering.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction, reduction
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import (
    apply,
    apply1,
    canonical_axes,
    convert_to_tensor,
    deprecated_argument_lookup,
    require,
    require_float,
)

__all__ = [
    "batch_normalization", "fused_batch_norm", "l2_normalize", "local_response_normalization", "lrn",
    "moments",
]  # fmt: skip


# ---- moments, batch_normalization, l2_normalize (compositions, as in TF1) ---------------------
def moments(
    x: Any,
    axes: Any,
    shift: Any = None,
    name: str | None = None,
    keep_dims: bool | None = None,
    keepdims: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1's ``tf.nn.moments``: ``(mean, variance)`` of ``x`` over ``axes`` (the biased variance,
    ``mean((x - mean)**2)``); 16-bit floats are computed in float32. ``shift`` is unused (TF1
    ignores it too)."""
    keep = bool(deprecated_argument_lookup("keepdims", keepdims, "keep_dims", keep_dims))
    axes = canonical_axes(axes)
    with get_default_graph().name_scope(name or "moments"):
        x = convert_to_tensor(x)
        y = shape_ops.cast(x, "float32") if x.dtype.name in ("float16", "bfloat16") else x
        mean = reduction.reduce_mean(y, axes, keepdims=True, name="mean")
        deviation = math_ops.squared_difference(y, identity_ops.stop_gradient(mean))
        variance = reduction.reduce_mean(deviation, axes, keepdims=True, name="variance")
        if not keep:
            mean, variance = shape_ops.squeeze(mean, axes), shape_ops.squeeze(variance, axes)
        if y is not x:
            mean, variance = shape_ops.cast(mean, x.dtype), shape_ops.cast(variance, x.dtype)
        return mean, variance


def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    offset: Any,
    scale: Any,
    variance_epsilon: float,
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.nn.batch_normalization``: ``scale * (x - mean) / sqrt(variance + epsilon) +
    offset``, computed as TF1 does (``x * inv + (offset - mean * inv)``); ``offset`` and ``scale``
    may be None."""
    with get_default_graph().name_scope(name or "batchnorm"):
        x = convert_to_tensor(x)
        inv = math_ops.rsqrt(math_ops.add(variance, variance_epsilon))
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else math_ops.neg(mean * inv)
        return x * shape_ops.cast(inv, x.dtype) + shape_ops.cast(shift, x.dtype)


def l2_normalize(
    x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None
) -> Tensor:
    """TF1's ``tf.nn.l2_normalize``: ``x / sqrt(max(sum(x**2, axis), epsilon))`` (``dim`` is the
    deprecated spelling of ``axis``; None normalizes over all axes)."""
    axis = canonical_axes(deprecated_argument_lookup("axis", axis, "dim", dim))
    with get_default_graph().name_scope(name or "l2_normalize"):
        x = convert_to_tensor(x)
        square_sum = reduction.reduce_sum(math_ops.square(x), axis, keepdims=True)
        return x * math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))


# ---- fused_batch_norm --------------------------------------------------------------------------
def _channels(data_format: str, rank: int) -> tuple[int, tuple[int, ...]]:
    """The channel axis and the reduced axes of ``data_format``."""
    c = 1 if data_format == "NCHW" else rank - 1
    return c, tuple(a for a in range(rank) if a != c)


@op("fused_batch_norm", "FusedBatchNormV3",
    attrs={"epsilon": 0.001, "data_format": "NHWC", "is_training": True})  # fmt: skip
class FusedBatchNorm:
    """``(y, batch_mean, batch_var)`` of 4-D ``x`` per channel: in training the batch statistics
    (``batch_var`` Bessel-corrected), else the given ``mean`` and ``variance`` (5 inputs)."""

    def infer(x, scale, offset, *stats, epsilon, data_format, is_training):
        require(data_format in ("NHWC", "NCHW"), f"fused_batch_norm: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")  # fmt: skip
        require(len(x.shape) == 4, f"fused_batch_norm: x must be 4-D ({data_format}), got {x}")
        require_float(x, "fused_batch_norm")
        require(
            len(stats) == (0 if is_training else 2),
            "fused_batch_norm: mean and variance must be given when is_training is False (and only then)",
        )
        c = x.shape[_channels(data_format, 4)[0]]
        for what, t in zip(("scale", "offset", "mean", "variance"), (scale, offset, *stats)):
            require(
                len(t.shape) == 1 and t.shape.is_compatible_with([c]) and t.dtype is scale.dtype,
                f"fused_batch_norm: {what} must be a vector of the {c} channels of x in "
                f"{scale.dtype.short}, got {t}",
            )
        require_float(scale, "fused_batch_norm")
        vector = TensorType(scale.dtype, TensorShape([c]))
        return TensorType(x.dtype, x.shape), vector, vector

    def lower(x, scale, offset, *stats, epsilon, data_format, is_training):
        c, axes = _channels(data_format, 4)
        wide = x.astype(scale.dtype)
        if is_training:
            mean, variance = jnp.mean(wide, axes), jnp.var(wide, axes)
            count = np.prod([x.shape[a] for a in axes])
            reported = variance * (count / max(count - 1, 1))
        else:
            mean, variance = stats
            reported = variance
        shape = [1, 1, 1, 1]
        shape[c] = -1
        inv = lax.rsqrt(variance + epsilon) * scale
        y = (wide - mean.reshape(shape)) * inv.reshape(shape) + offset.reshape(shape)
        return y.astype(x.dtype), mean, reported

    def grad(op, gy, g_mean, g_var):
        return _fused_batch_norm_grad(op, gy, g_mean, g_var)


def _fused_batch_norm_grad(op, gy: Tensor, g_mean: Tensor, g_var: Tensor) -> tuple:
    """The gradients of ``fused_batch_norm`` in jaxgraph ops. In inference mode the given mean and
    variance get none, as in TF1 (its moving statistics are not trained by gradient even when
    they are trainable Variables); in training mode the batch statistics outputs pass theirs
    back to ``x``."""
    x, scale, offset = op.inputs[:3]
    c, axes = _channels(op.attrs["data_format"], 4)
    eps = op.attrs["epsilon"]

    def vec(t: Tensor) -> Tensor:  # a per-channel vector, broadcast against x
        return t if c == 3 else shape_ops.reshape(t, [-1, 1, 1])

    wide, gy = shape_ops.cast(x, scale.dtype), shape_ops.cast(gy, scale.dtype)
    mean = op.outputs[1] if op.attrs["is_training"] else op.inputs[3]
    centered = wide - vec(mean)
    if op.attrs["is_training"]:
        variance = reduction.reduce_mean(math_ops.square(centered), axes)
    else:
        variance = op.inputs[4]
    inv = math_ops.rsqrt(variance + eps)
    g_offset = reduction.reduce_sum(gy, axes)
    g_scale = reduction.reduce_sum(gy * centered, axes) * inv
    if not op.attrs["is_training"]:  # TF1's rule: no gradient to the given mean and variance
        g_x = gy * vec(scale * inv)
        return shape_ops.cast(g_x, x.dtype), g_scale, g_offset, None, None
    count = reduction.reduce_sum(construction.ones_like(gy), axes)
    normalized = centered * vec(inv)
    mean_gy = reduction.reduce_mean(gy, axes, keepdims=True)
    mean_gy_n = reduction.reduce_mean(gy * normalized, axes, keepdims=True)
    g_x = vec(scale * inv) * (gy - mean_gy - normalized * mean_gy_n)
    g_x = g_x + vec(g_mean / count) + centered * vec(2.0 * g_var / math_ops.maximum(count - 1.0, 1.0))
    return shape_ops.cast(g_x, x.dtype), g_scale, g_offset


def fused_batch_norm(
    x: Any,
    scale: Any,
    offset: Any,
    mean: Any = None,
    variance: Any = None,
    epsilon: float = 0.001,
    data_format: str = "NHWC",
    is_training: bool = True,
    name: str | None = None,
    exponential_avg_factor: float = 1.0,
) -> tuple[Tensor, Tensor, Tensor]:
    """TF1's ``tf.nn.fused_batch_norm``: ``(y, batch_mean, batch_var)`` of 4-D ``x`` per channel.
    Training: the batch's statistics (``batch_var`` Bessel-corrected, as TF1's); inference
    (``is_training=False``): the given ``mean`` and ``variance``. ``exponential_avg_factor`` other
    than 1 is not supported."""
    if exponential_avg_factor != 1.0:
        raise InvalidArgumentError("fused_batch_norm: exponential_avg_factor other than 1.0 is not supported")
    stats = [] if is_training else [mean, variance]
    if not is_training and (mean is None or variance is None):
        raise InvalidArgumentError(
            "fused_batch_norm: mean and variance must be given when is_training is False"
        )
    result = apply("fused_batch_norm", [x, scale, offset, *stats], name, epsilon=float(epsilon),
                   data_format=data_format, is_training=bool(is_training))  # fmt: skip
    return tuple(result.outputs)


# ---- local response normalization -------------------------------------------------------------
@op("lrn_window_sum", "LRNWindowSum", attrs={"depth_radius": REQUIRED})
class LRNWindowSum:
    """``s[..., d] = sum(x[..., d - r : d + r + 1])`` over the last axis (zero beyond its ends);
    symmetric, so it is its own transpose (and gradient)."""

    def infer(x, *, depth_radius):
        require_float(x, "lrn_window_sum")
        return TensorType(x.dtype, x.shape)

    def lower(x, *, depth_radius):
        window = (1,) * (x.ndim - 1) + (2 * depth_radius + 1,)
        pads = [(0, 0)] * (x.ndim - 1) + [(depth_radius, depth_radius)]
        return lax.reduce_window(x, np.zeros((), x.dtype), lax.add, window, (1,) * x.ndim, pads)

    def grad(op, g):
        return (apply1("lrn_window_sum", [g], depth_radius=op.attrs["depth_radius"]),)


@op("lrn", "LRN", attrs={"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5})
class LRN:
    """TF1's ``LRN``: ``x / (bias + alpha * window_sum(x**2)) ** beta`` over the last axis (alpha
    is not divided by the window size, unlike Caffe's)."""

    def infer(x, *, depth_radius, bias, alpha, beta):
        require(len(x.shape) == 4, f"lrn: input must be 4-D, got {x}")
        require_float(x, "lrn")
        require(depth_radius >= 0, f"lrn: depth_radius must be non-negative, got {depth_radius}")
        return TensorType(x.dtype, x.shape)

    def lower(x, *, depth_radius, bias, alpha, beta):
        squares = LRNWindowSum.lower(jnp.square(x), depth_radius=depth_radius)
        return x * (bias + alpha * squares) ** -beta

    def grad(op, g):
        x = op.inputs[0]
        r, bias, alpha, beta = (op.attrs[k] for k in ("depth_radius", "bias", "alpha", "beta"))
        denominator = bias + alpha * apply1("lrn_window_sum", [math_ops.square(x)], depth_radius=r)
        spread = apply1("lrn_window_sum", [g * x * math_ops.pow(denominator, -beta - 1.0)], depth_radius=r)
        return (g * math_ops.pow(denominator, -beta) - (2.0 * alpha * beta) * x * spread,)


def local_response_normalization(
    input: Any,
    depth_radius: int = 5,
    bias: float = 1.0,
    alpha: float = 1.0,
    beta: float = 0.5,
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.nn.local_response_normalization`` (``tf.nn.lrn``): ``input / (bias + alpha *
    sqr_sum) ** beta``, ``sqr_sum`` the sum of squares over ``depth_radius`` channels each side."""
    return apply1("lrn", [input], name, depth_radius=int(depth_radius), bias=float(bias), alpha=float(alpha),
                  beta=float(beta))  # fmt: skip


lrn = local_response_normalization
