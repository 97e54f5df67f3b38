"""``top_k`` and ``in_top_k`` (TF1's ``TopKV2`` and ``InTopKV2``): the k largest entries of the
last axis, and whether each target class is among an example's k highest predictions.

As in TF1: ``top_k`` returns ``(values, indices)`` sorted in decreasing order, equal values in
increasing index order (``sorted=False`` gives the same order, which TF1 allows); its gradient
goes to the input entries the values came from. ``in_top_k`` counts a target as in the top k when
fewer than k predictions are strictly greater than its own (so ties at the boundary are all in),
and says False for a target out of range or a row holding a non-finite prediction.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import bool_, int32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import reduction, selection
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import apply, apply1, is_int, require

__all__ = ["in_top_k", "top_k"]


@op("top_k", "TopKV2", attrs={"k": REQUIRED, "sorted": True})
class TopK:
    """``(values, indices)`` of the ``k`` largest entries along the last axis."""

    def infer(x, *, k, sorted):
        require(len(x.shape) >= 1, f"top_k: input must have rank >= 1, got {x}")
        require(not x.dtype.is_bool, f"top_k expects a numeric tensor, got {x}")
        require(is_int(k) and k >= 0, f"top_k: k must be a non-negative int, got {k!r}")
        n = x.shape[-1]
        require(n is None or n >= k, f"top_k: input must have at least k={k} columns, got {x}")
        dims = TensorShape(tuple(x.shape[:-1]) + (k,))
        return TensorType(x.dtype, dims), TensorType(int32, dims)

    def lower(x, *, k, sorted):
        values, indices = lax.top_k(x, k)
        return values, indices.astype(jnp.int32)

    def grad(op, g_values, g_indices):
        x, indices = op.inputs[0], op.outputs[1]
        depth = x.shape[-1]
        if depth is None:
            raise InvalidArgumentError("top_k's gradient needs the last dimension of the input known", op)
        spread = selection.one_hot(indices, depth, dtype=g_values.dtype) * shape_ops.expand_dims(g_values, -1)
        return (reduction.reduce_sum(spread, axis=-2),)


def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> tuple[Tensor, Tensor]:
    """TF1's ``tf.nn.top_k``: ``(values, indices)`` of the ``k`` largest entries of the last axis."""
    if not is_int(k):
        raise InvalidArgumentError(f"top_k: k must be a Python int (shapes are static), got {k!r}")
    values, indices = apply("top_k", [input], name, k=int(k), sorted=bool(sorted)).outputs
    return values, indices


@op("in_top_k", "InTopKV2", attrs={"k": REQUIRED})
class InTopK:
    """Whether ``predictions[i, targets[i]]`` is among the ``k`` largest of row ``i``."""

    def infer(predictions, targets, *, k):
        require(len(predictions.shape) == 2, f"in_top_k: predictions must be 2-D, got {predictions}")
        require(len(targets.shape) == 1, f"in_top_k: targets must be 1-D, got {targets}")
        require(
            predictions.dtype.is_floating, f"in_top_k: predictions must be floating-point, got {predictions}"
        )
        require(targets.dtype.is_integer, f"in_top_k: targets must be integers, got {targets}")
        batch = predictions.shape[:1]
        require(
            targets.shape.is_compatible_with(batch),
            f"in_top_k: targets {targets} must have one entry per row of predictions {predictions}",
        )
        return TensorType(bool_, TensorShape([batch[0] if batch[0] is not None else targets.shape[0]]))

    def lower(predictions, targets, *, k):
        classes = predictions.shape[1]
        valid = (targets >= 0) & (targets < classes)
        picked = jnp.take_along_axis(predictions, jnp.clip(targets, 0, classes - 1)[:, None], axis=1)
        above = jnp.sum(predictions > picked, axis=1)
        return valid & jnp.all(jnp.isfinite(predictions), axis=1) & (above < k)


def in_top_k(predictions: Any, targets: Any, k: int, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.in_top_k``: a bool per example, whether its target class is among the ``k``
    highest predictions (ties at the boundary count as in)."""
    if not is_int(k):
        raise InvalidArgumentError(f"in_top_k: k must be a Python int, got {k!r}")
    return apply1("in_top_k", [predictions, targets], name, k=int(k))
