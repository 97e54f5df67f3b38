"""Neural-network ops: softmax, log-softmax, the fused cross-entropy losses, bias_add, l2_loss,
dropout and embedding lookup (TF1's ``tf.nn``; the public namespace is ``jaxgraph.nn``).

Softmax and the cross-entropy losses are single (fused) ops lowered to numerically stable JAX
(max-shifted ``softmax`` and ``log_softmax``, TF1's ``max(x, 0) - x*z + log1p(exp(-|x|))``), so
logits of 1e4 give exact losses instead of ``inf``/``nan``. 16-bit float inputs are computed in
float32 and rounded back, as TF's GPU kernels do. Every gradient rule is written in jaxgraph ops,
so the losses can be differentiated twice.

Where TF1 and JAX differ:

* A label of ``sparse_softmax_cross_entropy_with_logits`` outside ``[0, num_classes)`` and an id
  of ``embedding_lookup`` outside ``[0, len(params))`` fail the run, as on TF1's CPU
  (``labels[1] = 7 is not in [0, 5)``): XLA cannot raise, so a check op returns a flag the run
  inspects (``ops.debugging``). With the checks off (``jg.debugging.set_runtime_checks(False)``,
  or ``validate_indices=False`` for one lookup) the loss and gradient are NaN for such a label,
  as on TF1's GPU, and a lookup gives a NaN row.
* ``dropout`` accepts ``None`` entries in ``noise_shape``, meaning "this dimension of ``x``", so
  an unknown batch dimension works without TF1's dynamic ``tf.shape(x)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import debugging, reduction, selection
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import random as random_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import (
    apply1,
    axis_arg,
    check_dims,
    convert_to_tensor,
    deprecated_argument_lookup,
    normalize_axis,
    require,
    require_float,
)

__all__ = [
    "bias_add", "dropout", "elu", "embedding_lookup", "l2_loss", "leaky_relu", "log_softmax",
    "relu6", "sigmoid_cross_entropy_with_logits", "softmax", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
]  # fmt: skip


# ---- shared pieces -----------------------------------------------------------------------------
def _widened(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run in float32 on 16-bit float operands, its result cast back to their dtype."""

    def lower(*args, **attrs):
        narrow = next((a.dtype for a in args if jnp.issubdtype(a.dtype, jnp.floating)), None)
        if narrow is None or jnp.finfo(narrow).bits >= 32:
            return fn(*args, **attrs)
        wide = [a.astype(jnp.float32) if a.dtype == narrow else a for a in args]
        return fn(*wide, **attrs).astype(narrow)

    return lower


def _merged(a: TensorShape, b: TensorShape) -> TensorShape:
    """Two compatible shapes combined: each dimension known if either knows it."""
    return TensorShape(x if x is not None else y for x, y in zip(a, b, strict=True))


def _without(shape: TensorShape, axis: int) -> TensorShape:
    return TensorShape(d for i, d in enumerate(shape) if i != axis)


def _softmax_backward(y: Tensor, g: Tensor, axis: int) -> Tensor:
    """The gradient through ``y = softmax(x, axis)``: ``y * (g - sum(g * y, axis))``."""
    return y * (g - reduction.reduce_sum(g * y, axis=axis, keepdims=True))


def _axis_attr(axis: int | None, dim: int | None) -> int:
    """TF1's ``axis`` argument (``dim`` is its deprecated spelling; None means the last axis)."""
    chosen = deprecated_argument_lookup("axis", axis, "dim", dim)
    return -1 if chosen is None else axis_arg(chosen)


# ---- softmax and log_softmax -------------------------------------------------------------------
def _softmax_infer(type_name: str) -> Callable[..., TensorType]:
    def infer(logits, *, axis):
        require_float(logits, type_name)
        normalize_axis(axis, len(logits.shape))
        return TensorType(logits.dtype, logits.shape)

    return infer


@op("softmax", "Softmax", attrs={"axis": -1})
class Softmax:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed max-shifted."""

    infer = _softmax_infer("softmax")
    lower = _widened(jax.nn.softmax)

    def grad(op, g):
        return (_softmax_backward(op.outputs[0], g, op.attrs["axis"]),)


@op("log_softmax", "LogSoftmax", attrs={"axis": -1})
class LogSoftmax:
    """``x - logsumexp(x)`` along ``axis``."""

    infer = _softmax_infer("log_softmax")
    lower = _widened(jax.nn.log_softmax)

    def grad(op, g):
        axis = op.attrs["axis"]
        return (g - math_ops.exp(op.outputs[0]) * reduction.reduce_sum(g, axis=axis, keepdims=True),)


def softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Tensor:
    """TF1's ``tf.nn.softmax`` along ``axis`` (default: the last)."""
    return apply1("softmax", [logits], name, axis=_axis_attr(axis, dim))


def log_softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Tensor:
    """TF1's ``tf.nn.log_softmax`` along ``axis`` (default: the last)."""
    return apply1("log_softmax", [logits], name, axis=_axis_attr(axis, dim))


# ---- cross-entropy losses ----------------------------------------------------------------------
def _check_xent_args(name: str, sentinel: Any, labels: Any, logits: Any) -> None:
    """TF1 forces ``labels=``/``logits=`` keywords: positional calls mixed them up too often."""
    if sentinel is not None:
        raise InvalidArgumentError(f"Only call `{name}` with named arguments (labels=..., logits=..., ...)")
    if labels is None or logits is None:
        raise InvalidArgumentError(f"`{name}` needs both labels and logits")


def _paired_type(type_name: str, labels: TensorType, logits: TensorType) -> TensorType:
    """Checks dense labels against logits (same float dtype, same shape); their merged type."""
    require_float(logits, type_name)
    require(
        labels.dtype is logits.dtype,
        f"{type_name}: labels ({labels.dtype.short}) and logits ({logits.dtype.short}) differ in dtype",
    )
    require(
        labels.shape.is_compatible_with(logits.shape),
        f"{type_name}: labels {labels} and logits {logits} must have the same shape",
    )
    return TensorType(logits.dtype, _merged(labels.shape, logits.shape))


@op("softmax_cross_entropy_with_logits", "SoftmaxCrossEntropyWithLogits", attrs={"axis": -1})
class SoftmaxCrossEntropyWithLogits:
    """``-sum(labels * log_softmax(logits), axis)``; one loss per example.

    Both inputs get a gradient (TF1's ``_v2``); the v1 builder stops the labels' gradient.
    """

    def infer(labels, logits, *, axis):
        merged = _paired_type("softmax_cross_entropy_with_logits", labels, logits)
        return TensorType(merged.dtype, _without(merged.shape, normalize_axis(axis, len(merged.shape))))

    @_widened
    def lower(labels, logits, *, axis):
        return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)

    def grad(op, g):
        labels, logits = op.inputs
        axis = op.attrs["axis"]
        g = shape_ops.expand_dims(g, normalize_axis(axis, len(logits.shape)))
        return g * -log_softmax(logits, axis), g * (softmax(logits, axis) - labels)


def softmax_cross_entropy_with_logits_v2(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Tensor:
    """TF1's ``tf.nn.softmax_cross_entropy_with_logits_v2``: gradients flow to labels too."""
    _check_xent_args("softmax_cross_entropy_with_logits_v2", _sentinel, labels, logits)
    labels, logits = math_ops.convert_operands(labels, logits)
    return apply1("softmax_cross_entropy_with_logits", [labels, logits], name, axis=_axis_attr(axis, dim))


def softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    dim: int | None = None,
    name: str | None = None,
    axis: int | None = None,
) -> Tensor:
    """TF1's ``tf.nn.softmax_cross_entropy_with_logits``: per-example loss, no gradient to labels."""
    _check_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    labels, logits = math_ops.convert_operands(labels, logits)
    return softmax_cross_entropy_with_logits_v2(
        labels=identity_ops.stop_gradient(labels), logits=logits, axis=axis, dim=dim, name=name
    )


def _sparse_type(type_name: str, labels: TensorType, logits: TensorType) -> TensorType:
    """Checks class-id labels against logits; the type of the per-example losses."""
    require_float(logits, type_name)
    require(len(logits.shape) >= 1, f"{type_name} needs logits of rank >= 1, got {logits}")
    require(
        labels.dtype.is_integer,
        f"{type_name} expects integer labels (class ids), got {labels}",
    )
    batch = TensorShape(logits.shape[:-1])
    require(
        labels.shape.is_compatible_with(batch),
        f"{type_name}: labels {labels} must have the shape of logits {logits} without its last axis, {batch}",
    )
    return TensorType(logits.dtype, _merged(labels.shape, batch))


def _sparse_parts(labels, logits):
    """The pieces both sparse-xent lowerings need: a valid-label mask and in-range labels."""
    classes = logits.shape[-1]
    valid = (labels >= 0) & (labels < classes)
    return valid, jnp.clip(labels, 0, classes - 1)


@op("sparse_softmax_cross_entropy_with_logits", "SparseSoftmaxCrossEntropyWithLogits")
class SparseSoftmaxCrossEntropyWithLogits:
    """``-log_softmax(logits)[label]`` per example; NaN for an out-of-range label (the builder
    checks the labels, see the module's docstring)."""

    def infer(labels, logits):
        return _sparse_type("sparse_softmax_cross_entropy_with_logits", labels, logits)

    @_widened
    def lower(labels, logits):
        valid, safe = _sparse_parts(labels, logits)
        log_probs = jax.nn.log_softmax(logits, axis=-1)  # max-shifted: no cancellation at 1e4
        picked = jnp.take_along_axis(log_probs, safe[..., None], axis=-1)[..., 0]
        return jnp.where(valid, -picked, jnp.nan)

    def grad(op, g):
        labels, logits = op.inputs
        backprop = apply1("sparse_softmax_cross_entropy_grad", [labels, logits])
        return None, shape_ops.expand_dims(g, -1) * backprop


@op("sparse_softmax_cross_entropy_grad", "SparseSoftmaxCrossEntropyGrad")
class SparseSoftmaxCrossEntropyGrad:
    """``softmax(logits) - one_hot(labels)``: the sparse loss's gradient for its logits."""

    def infer(labels, logits):
        _sparse_type("sparse_softmax_cross_entropy_grad", labels, logits)
        return TensorType(logits.dtype, logits.shape)

    @_widened
    def lower(labels, logits):
        valid, safe = _sparse_parts(labels, logits)
        probs = jax.nn.softmax(logits, axis=-1)
        backprop = probs - jax.nn.one_hot(safe, logits.shape[-1], dtype=probs.dtype)
        return jnp.where(valid[..., None], backprop, jnp.nan)

    def grad(op, g):
        return None, _softmax_backward(softmax(op.inputs[1], -1), g, -1)


def sparse_softmax_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.sparse_softmax_cross_entropy_with_logits``: ``labels`` are class ids of
    shape ``logits.shape[:-1]``; the loss per example, no gradient to labels."""
    _check_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    labels, logits = convert_to_tensor(labels), convert_to_tensor(logits)
    type_name = "sparse_softmax_cross_entropy_with_logits"
    with debugging.guarded_scope(name, "SparseSoftmaxCrossEntropyWithLogits") as scope:
        labels, problem = debugging.checked_indices(labels, logits, -1, "labels")
        result = apply1(type_name, [labels, logits], scope)
    debugging.raise_if(problem, result.op)
    return result


@op("sigmoid_cross_entropy_with_logits", "SigmoidCrossEntropyWithLogits")
class SigmoidCrossEntropyWithLogits:
    """Elementwise logistic loss in TF1's stable form ``max(x, 0) - x*z + log1p(exp(-|x|))``."""

    def infer(labels, logits):
        return _paired_type("sigmoid_cross_entropy_with_logits", labels, logits)

    @_widened
    def lower(labels, logits):
        return jnp.maximum(logits, 0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))

    def grad(op, g):
        labels, logits = op.inputs
        return g * -logits, g * (math_ops.sigmoid(logits) - labels)


def sigmoid_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Tensor:
    """TF1's ``tf.nn.sigmoid_cross_entropy_with_logits`` (gradients to logits and labels)."""
    _check_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    labels, logits = math_ops.convert_operands(labels, logits)
    return apply1("sigmoid_cross_entropy_with_logits", [labels, logits], name)


# ---- bias_add and l2_loss ----------------------------------------------------------------------
@op("bias_add", "BiasAdd")
class BiasAdd:
    """``value + bias`` with a rank-1 ``bias`` matching ``value``'s last axis."""

    def infer(value, bias):
        require(len(value.shape) >= 2, f"bias_add needs a value of rank >= 2, got {value}")
        require(len(bias.shape) == 1, f"bias_add needs a bias of rank 1, got {bias}")
        require(
            value.dtype is bias.dtype,
            f"bias_add: value ({value.dtype.short}) and bias ({bias.dtype.short}) differ in dtype",
        )
        channels, size = value.shape[-1], bias.shape[0]
        require(
            channels is None or size is None or channels == size,
            f"bias_add: bias {bias} does not match the last axis of value {value}",
        )
        return TensorType(
            value.dtype, TensorShape(value.shape[:-1] + (channels if channels is not None else size,))
        )

    def lower(value, bias):
        return value + bias

    def grad(op, g):
        return g, reduction.reduce_sum(g, axis=list(range(len(g.shape) - 1)))


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.bias_add`` for channels-last data (``data_format`` None or ``"NHWC"``)."""
    if data_format not in (None, "NHWC", "NWC", "NDHWC"):
        raise InvalidArgumentError(f"bias_add supports channels-last data only, not {data_format!r}")
    value, bias = math_ops.convert_operands(value, bias)
    return apply1("bias_add", [value, bias], name)


@op("l2_loss", "L2Loss")
class L2Loss:
    """``sum(t ** 2) / 2``, a scalar (weight decay)."""

    def infer(t):
        require_float(t, "l2_loss")
        return TensorType(t.dtype, TensorShape(()))

    @_widened
    def lower(t):
        return jnp.sum(jnp.square(t)) / 2

    def grad(op, g):
        return (g * op.inputs[0],)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.l2_loss``: half the sum of squares, without the square root."""
    return apply1("l2_loss", [t], name)


# ---- activations built from math ops -----------------------------------------------------------
def relu6(features: Any, name: str | None = None) -> Tensor:
    """``min(max(x, 0), 6)``; TF1's ``tf.nn.relu6``."""
    return math_ops.minimum(math_ops.relu(features), 6, name=name)


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """``max(alpha * x, x)`` (TF1's formula, for ``alpha <= 1``)."""
    features = convert_to_tensor(features)
    return math_ops.maximum(features * alpha, features, name=name)


def elu(features: Any, name: str | None = None) -> Tensor:
    """``x`` if ``x > 0`` else ``exp(x) - 1``; the ``exp`` sees ``min(x, 0)`` so that large
    positive ``x`` cannot turn the unused branch's gradient into ``0 * inf``. TF1's ``tf.nn.elu``."""
    features = convert_to_tensor(features)
    negative = math_ops.expm1(math_ops.minimum(features, 0))
    return selection.where(math_ops.greater(features, 0), features, negative, name=name)


# ---- dropout -----------------------------------------------------------------------------------
@op("random_uniform_like", "RandomUniformLike", attrs={"shape": REQUIRED, "dtype": float32, "seed": None},
    needs_key=True)  # fmt: skip
class RandomUniformLike:
    """Uniform ``[0, 1)`` draws of ``shape``, whose ``None`` dims take ``x``'s run-time size.

    Dropout's noise for tensors with an unknown (batch) dimension; ``x``'s value is not read.
    """

    def infer(x, *, shape, dtype, seed):
        require(
            len(shape) == len(x.shape),
            f"random_uniform_like: shape {list(shape)} and {x} differ in rank",
        )
        require(dtype.is_floating, f"random_uniform_like draws floating-point values, not {dtype.short}")
        random_ops.check_seed_attr(seed, "random_uniform_like")
        dims = [x.shape[i] if d is None else d for i, d in enumerate(shape)]
        check_dims(dims, "random_uniform_like", unknown_ok=True)
        return TensorType(dtype, TensorShape(dims))

    def lower(key, x, *, shape, dtype, seed):
        dims = tuple(x.shape[i] if d is None else d for i, d in enumerate(shape))
        return jax.random.uniform(key, dims, dtype.np)

    def grad(op, g):
        return (None,)


def _noise_shape(x: Tensor, noise_shape: Any) -> tuple[int | None, ...]:
    """Dropout's noise shape: ``x``'s shape, or ``noise_shape`` (broadcastable to it) with its
    ``None`` dims taken from ``x``."""
    dims = tuple(x.shape) if noise_shape is None else tuple(noise_shape)
    if len(dims) != len(x.shape) or not all(
        d is None or d == 1 or s is None or d == s for d, s in zip(dims, x.shape, strict=False)
    ):
        raise InvalidArgumentError(
            f"dropout: noise_shape {list(dims)} does not broadcast to x's shape {x.shape}"
        )
    return tuple(s if d is None else int(d) for d, s in zip(dims, x.shape, strict=True))


def _fraction(value: Any, what: str, low_open: bool) -> Any:
    """A Python fraction checked against its range, or a scalar Tensor; TF1's messages."""
    if isinstance(value, Tensor) or hasattr(value, "_to_tensor"):
        return shape_ops.as_scalar(value, f"dropout: {what}")
    value = float(value)
    inside = 0 < value <= 1 if low_open else 0 <= value < 1
    if not inside:
        interval = "(0, 1]" if low_open else "[0, 1)"
        raise InvalidArgumentError(
            f"{what} must be a scalar tensor or a float in the range {interval}, got {value:g}"
        )
    return value


def dropout(
    x: Any,
    keep_prob: Any = None,
    noise_shape: Any = None,
    seed: int | None = None,
    name: str | None = None,
    rate: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.dropout``: each unit (or each ``noise_shape`` slice) is kept with
    probability ``keep_prob = 1 - rate`` and scaled by ``1 / keep_prob``, else zeroed.

    Give exactly one of ``keep_prob`` and ``rate``: Python floats or scalar Tensors (a
    placeholder lets one graph train with dropout and evaluate without). A new mask is drawn on
    every run.
    """
    if (keep_prob is None) == (rate is None):
        raise InvalidArgumentError("dropout needs exactly one of keep_prob and rate")
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise InvalidArgumentError(
            f"x has to be a floating point tensor since it's going to be scaled. Got a {x.dtype.name} tensor instead."
        )
    if rate is None:
        keep_prob = _fraction(keep_prob, "keep_prob", low_open=True)
        rate = 1 - keep_prob
    else:
        rate = _fraction(rate, "rate", low_open=False)
        keep_prob = 1 - rate
    if isinstance(keep_prob, float) and keep_prob == 1:
        return x
    shape = _noise_shape(x, noise_shape)
    with get_default_graph().name_scope(name or "dropout"):
        if None in shape:
            seed = random_ops.op_seed(seed)
            noise = apply1("random_uniform_like", [x], shape=shape, dtype=x.dtype, seed=seed)
        else:
            noise = random_ops.random_uniform(shape, dtype=x.dtype, seed=seed)
        kept = math_ops.greater_equal(noise, rate)
        return selection.where(kept, x * (1 / keep_prob), 0)


# ---- embedding lookup --------------------------------------------------------------------------
def embedding_lookup(
    params: Any,
    ids: Any,
    partition_strategy: str = "mod",
    name: str | None = None,
    validate_indices: bool | None = None,
    max_norm: float | None = None,
) -> Tensor:
    """TF1's ``tf.nn.embedding_lookup``: the rows of ``params`` at integer ``ids``
    (``gather(params, ids, axis=0)``; the result has shape ``ids.shape + params.shape[1:]``).

    ``params`` is a Tensor, a Variable or a one-element list of them; sharded lists and
    ``max_norm`` are not supported. An id outside ``[0, len(params))`` fails the run
    (``validate_indices``: see ``jg.gather``).
    """
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise InvalidArgumentError(
                f"embedding_lookup supports one params tensor, not a list of {len(params)} shards"
            )
        params = params[0]
    if max_norm is not None:
        raise InvalidArgumentError("embedding_lookup does not support max_norm")
    return selection.gather(params, ids, validate_indices, name=name or "embedding_lookup", axis=0)
