"""More array ops TF1 models use: ``placeholder_with_default``, ``reverse``, ``sequence_mask``,
``linspace``, ``gather_nd``, ``scatter_nd`` / ``tensor_scatter_nd_add``, and the segment sums.

Each op has its type rule, JAX lowering and a gradient rule in jaxgraph ops. Shapes must be
static where XLA needs them: ``sequence_mask`` needs ``maxlen`` (or constant lengths),
``segment_sum`` constant segment ids (or use ``unsorted_segment_sum`` with ``num_segments``).
Indices of ``gather_nd``/``scatter_nd``/``unsorted_segment_sum`` are not checked: as on TF1's
GPU, an out-of-range row of ``gather_nd`` reads zeros and an out-of-range update is dropped.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, bool_, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction, selection
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import apply1, convert_to_tensor, normalize_axes, require, static_ints

__all__ = [
    "gather_nd", "lin_space", "linspace", "placeholder_with_default", "reverse", "reverse_v2",
    "scatter_nd", "segment_mean", "segment_sum", "sequence_mask", "tensor_scatter_nd_add",
    "unsorted_segment_mean", "unsorted_segment_sqrt_n", "unsorted_segment_sum",
]  # fmt: skip


def _constant_value(t: Tensor) -> np.ndarray | None:
    """The value of a ``constant`` op's output; None for any other tensor."""
    return t.op.attrs["value"].array if t.op.type == "constant" else None


# ---- placeholder_with_default ------------------------------------------------------------------
@op("placeholder_with_default", "PlaceholderWithDefault", attrs={"shape": REQUIRED}, stateful=True)
class PlaceholderWithDefault:
    """``input`` unless a value is fed; typed with the (less specific) ``shape``. Stateful, so
    no pass folds a constant default into its readers (which would make it unfeedable)."""

    def infer(x, *, shape):
        shape = TensorShape(shape)
        require(
            len(shape) == len(x.shape) and shape.is_compatible_with(x.shape),
            f"placeholder_with_default: shape {shape} does not fit the default {x}",
        )
        return TensorType(x.dtype, shape)

    def lower(x, *, shape):
        return x

    def grad(op, g):
        return (g,)


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.placeholder_with_default``: ``input``'s value unless the run feeds another
    (of ``shape``, which may have ``None`` dims). A common use: a ``keep_prob`` or
    ``is_training`` flag that defaults for evaluation and is fed for training."""
    dims = tuple(None if d is None or d == -1 else int(d) for d in shape)
    return apply1("placeholder_with_default", [input], name, shape=dims)


# ---- reverse -----------------------------------------------------------------------------------
@op("reverse", "ReverseV2", attrs={"axis": REQUIRED})
class Reverse:
    """``x`` with the order along each of ``axis`` reversed."""

    def infer(x, *, axis):
        normalize_axes(axis, len(x.shape))
        return TensorType(x.dtype, x.shape)

    def lower(x, *, axis):
        return jnp.flip(x, axis)

    def grad(op, g):
        return (reverse(g, op.attrs["axis"]),)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.reverse`` (``reverse_v2``): reverses the order along the listed axes."""
    axes = static_ints([axis] if isinstance(axis, int) else axis, "reverse's axis")
    return apply1("reverse", [tensor], name, axis=tuple(axes))


reverse_v2 = reverse


# ---- sequence_mask and linspace ----------------------------------------------------------------
def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = bool_, name: str | None = None) -> Tensor:
    """TF1's ``tf.sequence_mask``: ``mask[..., j] = j < lengths[...]``, of shape
    ``lengths.shape + [maxlen]``. ``maxlen`` must be static: a Python int, or omitted when
    ``lengths`` is a constant (then ``max(lengths)``, as TF1)."""
    lengths = convert_to_tensor(lengths)
    if maxlen is None:
        value = _constant_value(lengths)
        if value is None:
            raise InvalidArgumentError(
                "sequence_mask without maxlen has a data-dependent shape, which XLA cannot compile: "
                "pass maxlen"
            )
        maxlen = int(np.max(value)) if value.size else 0
    maxlen = static_ints([maxlen], "sequence_mask's maxlen")[0]
    steps = construction.constant(np.arange(maxlen, dtype=lengths.dtype.np))
    mask = math_ops.less(steps, shape_ops.expand_dims(lengths, -1))
    dtype = as_dtype(dtype)
    return mask if dtype is bool_ and name is None else shape_ops.cast(mask, dtype, name=name)


def linspace(start: Any, stop: Any, num: int, name: str | None = None, axis: int = 0) -> Tensor:
    """TF1's ``tf.linspace`` (``lin_space``): ``num`` evenly spaced values from ``start`` to
    ``stop`` inclusive. ``num`` must be a Python int; ``start``/``stop`` may be scalar Tensors."""
    if axis != 0:
        raise InvalidArgumentError("linspace supports axis=0 (scalar start and stop) only")
    count = static_ints([num], "linspace's num")[0]
    start, stop = math_ops.convert_operands(start, stop)
    if not start.dtype.is_floating:
        start, stop = shape_ops.cast(start, float32), shape_ops.cast(stop, float32)
    if start.ndim or stop.ndim:
        raise InvalidArgumentError(f"linspace needs scalar start and stop, got {start.type} and {stop.type}")
    fraction = construction.constant(np.linspace(0, 1, count, dtype=start.dtype.np))
    if count == 1:
        return math_ops.add(start, fraction * 0, name=name)
    return math_ops.add(start, (stop - start) * fraction, name=name)


lin_space = linspace


# ---- gather_nd and the scatters ----------------------------------------------------------------
def _index_rows(indices: TensorType, type_name: str) -> int:
    require(indices.dtype.is_integer, f"{type_name} expects integer indices, got {indices}")
    require(len(indices.shape) >= 1 and indices.shape[-1] is not None,
            f"{type_name} needs indices with a static last dimension, got {indices}")  # fmt: skip
    return indices.shape[-1]


@op("gather_nd", "GatherNd")
class GatherNd:
    """``params[tuple(indices[..., :])]``: slices of ``params`` at index rows."""

    def infer(params, indices):
        depth = _index_rows(indices, "gather_nd")
        require(depth <= len(params.shape), f"gather_nd: index rows of {depth} exceed {params}")
        return TensorType(params.dtype, TensorShape(tuple(indices.shape[:-1]) + tuple(params.shape[depth:])))

    def lower(params, indices):
        index = tuple(jnp.moveaxis(indices, -1, 0))
        return jnp.asarray(params).at[index].get(mode="fill", fill_value=0)

    def grad(op, g):
        params, indices = op.inputs
        return tensor_scatter_nd_add(construction.zeros_like(params), indices, g), None


@op("tensor_scatter_nd_add", "TensorScatterAdd")
class TensorScatterNdAdd:
    """``tensor`` plus ``updates`` added at the index rows (repeated rows add up)."""

    def infer(tensor, indices, updates):
        depth = _index_rows(indices, "tensor_scatter_nd_add")
        expected = TensorShape(tuple(indices.shape[:-1]) + tuple(tensor.shape[depth:]))
        require(updates.dtype is tensor.dtype and updates.shape.is_compatible_with(expected),
                f"tensor_scatter_nd_add: updates {updates} must be {tensor.dtype.short}{expected}")  # fmt: skip
        return TensorType(tensor.dtype, tensor.shape)

    def lower(tensor, indices, updates):
        return jnp.asarray(tensor).at[tuple(jnp.moveaxis(indices, -1, 0))].add(updates, mode="drop")

    def grad(op, g):
        return g, None, gather_nd(g, op.inputs[1])


def gather_nd(params: Any, indices: Any, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """TF1's ``tf.gather_nd``: the slices of ``params`` at the index rows ``indices[..., :]``."""
    if batch_dims != 0:
        raise InvalidArgumentError("gather_nd supports batch_dims=0 only")
    return apply1("gather_nd", [params, indices], name)


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.tensor_scatter_nd_add``: ``tensor`` with ``updates`` added at the index rows."""
    tensor = convert_to_tensor(tensor)
    return apply1("tensor_scatter_nd_add", [tensor, indices, convert_to_tensor(updates, tensor.dtype)], name)


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.scatter_nd``: zeros of the static ``shape`` with ``updates`` added at the
    index rows (repeated rows add up)."""
    updates = convert_to_tensor(updates)
    zeros = construction.zeros(static_ints(shape, "scatter_nd's shape"), updates.dtype)
    return tensor_scatter_nd_add(zeros, indices, updates, name=name)


# ---- segment sums ------------------------------------------------------------------------------
@op("unsorted_segment_sum", "UnsortedSegmentSum", attrs={"num_segments": REQUIRED})
class UnsortedSegmentSum:
    """``out[s] = sum of data[i] where segment_ids[i] == s``; ids outside ``[0, num_segments)``
    are dropped (TF1 drops negative ids)."""

    def infer(data, segment_ids, *, num_segments):
        require(
            segment_ids.dtype.is_integer,
            f"unsorted_segment_sum expects integer segment_ids, got {segment_ids}",
        )
        rank = len(segment_ids.shape)
        require(rank <= len(data.shape) and segment_ids.shape.is_compatible_with(data.shape[:rank]),
                f"unsorted_segment_sum: segment_ids {segment_ids} must be a prefix of data {data}")  # fmt: skip
        return TensorType(data.dtype, TensorShape((num_segments, *data.shape[rank:])))

    def lower(data, segment_ids, *, num_segments):
        rank = segment_ids.ndim
        flat = data.reshape((-1, *data.shape[rank:]))
        return jax.ops.segment_sum(flat, segment_ids.reshape(-1), num_segments)

    def grad(op, g):
        ids = op.inputs[1]
        inside = math_ops.logical_and(
            math_ops.greater_equal(ids, 0), math_ops.less(ids, op.attrs["num_segments"])
        )
        picked = gather_nd(g, shape_ops.expand_dims(ids, -1))  # zeros for ids out of range
        return selection.where(_expand_like(inside, picked), picked, construction.zeros_like(picked)), None


def _expand_like(mask: Tensor, x: Tensor) -> Tensor:
    """``mask`` with trailing axes added up to ``x``'s rank (for broadcasting)."""
    for _ in range(x.ndim - mask.ndim):
        mask = shape_ops.expand_dims(mask, -1)
    return mask


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: int, name: str | None = None) -> Tensor:
    """TF1's ``tf.unsorted_segment_sum`` with a static ``num_segments``."""
    count = static_ints([num_segments], "unsorted_segment_sum's num_segments")[0]
    return apply1("unsorted_segment_sum", [data, segment_ids], name, num_segments=count)


def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.segment_sum`` (sorted ids): the number of segments, ``max(segment_ids) + 1``,
    must be known, so ``segment_ids`` must be a constant; else use ``unsorted_segment_sum``."""
    ids = convert_to_tensor(segment_ids)
    value = _constant_value(ids)
    if value is None:
        raise InvalidArgumentError(
            "segment_sum's output size depends on the values of segment_ids, which XLA cannot compile: "
            "pass constant segment_ids, or use unsorted_segment_sum(data, segment_ids, num_segments)"
        )
    if value.size and np.any(np.diff(value.reshape(-1)) < 0):
        raise InvalidArgumentError("segment ids are not increasing")
    return unsorted_segment_sum(data, ids, int(value.max()) + 1 if value.size else 0, name=name)


def _segment_counts(data: Tensor, segment_ids: Tensor, num_segments: int) -> Tensor:
    """How many rows of ``data`` each segment has, shaped to broadcast against the sums."""
    ids = convert_to_tensor(segment_ids)
    counts = unsorted_segment_sum(construction.ones_like(ids, dtype=data.dtype), ids, num_segments)
    for _ in range(data.ndim - ids.ndim):
        counts = shape_ops.expand_dims(counts, -1)
    return counts


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: int, name: str | None = None) -> Tensor:
    """TF1's ``tf.math.unsorted_segment_mean``: each segment's mean (0 for an empty one)."""
    data = convert_to_tensor(data)
    counts = _segment_counts(data, segment_ids, num_segments)
    sums = unsorted_segment_sum(data, segment_ids, num_segments)
    return math_ops.truediv(sums, math_ops.maximum(counts, 1), name=name)


def unsorted_segment_sqrt_n(
    data: Any, segment_ids: Any, num_segments: int, name: str | None = None
) -> Tensor:
    """TF1's ``tf.math.unsorted_segment_sqrt_n``: each segment's sum over the square root of
    its size (0 for an empty one)."""
    data = convert_to_tensor(data)
    counts = _segment_counts(data, segment_ids, num_segments)
    sums = unsorted_segment_sum(data, segment_ids, num_segments)
    return math_ops.truediv(sums, math_ops.sqrt(math_ops.maximum(counts, 1)), name=name)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.math.segment_mean`` (constant, sorted ids; see ``segment_sum``)."""
    data = convert_to_tensor(data)
    sums = segment_sum(data, segment_ids)
    counts = _segment_counts(data, segment_ids, sums.shape[0])
    return math_ops.truediv(sums, math_ops.maximum(counts, 1), name=name)
