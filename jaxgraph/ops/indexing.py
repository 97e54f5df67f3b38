"""Static indexing: ``x[key]`` (``getitem``, the ``strided_slice`` op), ``strided_slice`` and
``slice``, each with its gradient op.

Where TF1 and JAX differ, jaxgraph decides:

* ``x[key]`` is NumPy basic indexing (ints, slices with any step, ``None``/``jg.newaxis``,
  ``...``) with static keys; indexing by a Tensor is ``jg.gather`` (``ops.selection``).
* An index past the end of an unknown (``None``) dimension fails when the graph runs with
  ``InvalidArgumentError``: XLA would clamp it.
* ``slice`` (TF1's ``tf.slice``) rejects a slice past the end, as TF1 does; ``x[a:b]`` clamps, as
  NumPy and TF1's ``strided_slice`` do.
* Gradients place the cotangent with ``lax.pad`` (interior padding for steps), so no scatter.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import apply1, check_at_run_time, is_tensor, require, static_ints

__all__ = ["newaxis", "slice", "strided_slice"]

newaxis = None
"""``x[:, jg.newaxis]`` inserts an axis of size 1 (NumPy's ``np.newaxis``)."""


# An index (``strided_slice``'s ``index`` attribute) has one entry per item of a NumPy basic
# indexing key: an int, a ``(start, stop, step)`` slice (bounds may be None), None for a new axis
# of size 1, or "..." for the Ellipsis.
def _index_entry_ok(item: Any) -> bool:
    if item is None or item == "..." or (isinstance(item, int) and not isinstance(item, bool)):
        return True
    return (
        isinstance(item, tuple)
        and len(item) == 3
        and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in item)
        and item[2] is not None
    )


def _expand_index(index: tuple, rank: int) -> tuple:
    """``index`` with its Ellipsis (or the implied one at the end) replaced by full slices; a type
    error for a malformed index."""
    if not isinstance(index, tuple) or not all(_index_entry_ok(i) for i in index):
        raise type_error(f"malformed index {index!r}")
    problem = None
    if any(isinstance(i, tuple) and i[2] == 0 for i in index):
        problem = "slice step cannot be zero"
    elif sum(i == "..." for i in index) > 1:
        problem = "an index can have only one ellipsis ('...')"
    consumed = sum(isinstance(i, (int, tuple)) for i in index)
    if consumed > rank:
        problem = f"too many indices for a tensor of rank {rank}"
    if problem:
        raise type_error(f"{problem}: {_format_index(index)}")
    at = next((k for k, i in enumerate(index) if i == "..."), len(index))
    return index[:at] + ((None, None, 1),) * (rank - consumed) + index[at + 1 :]


def _format_index(index: tuple) -> str:
    """``index`` in Python's indexing syntax, e.g. ``[1:, ..., None, ::-1]``."""

    def text(item: Any) -> str:
        if isinstance(item, tuple):
            start, stop, step = ("" if v is None else str(v) for v in item)
            return f"{start}:{stop}" + ("" if item[2] == 1 else f":{step}")
        return str(item)

    return "[" + ", ".join(map(text, index)) + "]"


def _slice_length(start: int | None, stop: int | None, step: int, dim: int | None) -> int | None:
    """The length of ``x[start:stop:step]`` along a dimension of size ``dim`` (None: unknown)."""
    if dim is not None:
        return len(range(*builtins.slice(start, stop, step).indices(dim)))
    # Only an empty slice has a length known for every size: both bounds counted from the same
    # end and ordered against the step.
    if start is None:
        start = 0 if step > 0 else -1
    if stop is not None and (start < 0) == (stop < 0) and (stop - start) * step <= 0:
        return 0
    return None


def _sliced_dims(dims: Sequence[int | None], index: tuple) -> list[int | None]:
    """The dimensions of ``x[index]`` for an ``x`` of dimensions ``dims``."""
    result: list[int | None] = []
    axis = 0
    for item in _expand_index(index, len(dims)):
        if item is None:
            result.append(1)
            continue
        dim = dims[axis]
        if isinstance(item, int):
            if dim is not None and not -dim <= item < dim:
                raise type_error(f"index {item} is out of bounds for axis {axis} with size {dim}")
        else:
            result.append(_slice_length(*item, dim))
        axis += 1
    return result


def _unslice(g: Any, dims: tuple[int, ...], index: tuple) -> Any:
    """Zeros of shape ``dims`` holding ``g`` where ``x[index]`` took its elements (``index``
    expanded): ``g`` padded (``lax.pad``, interior padding for steps), so no scatter is needed."""
    items = tuple(i for i in index if i is not None)
    g = g.reshape(_sliced_dims(dims, items))
    config = []
    for axis, (item, dim) in enumerate(zip(items, dims, strict=True)):
        if isinstance(item, int):
            g = jnp.expand_dims(g, axis)
            config.append((item % dim, dim - item % dim - 1, 0))
            continue
        start, stop, step = builtins.slice(*item).indices(dim)
        n = len(range(start, stop, step))
        if n == 0:
            config.append((dim, 0, 0))
            continue
        if step < 0:
            g = jnp.flip(g, axis)
            start, step = start + (n - 1) * step, -step
        config.append((start, dim - start - (n - 1) * step - 1, step - 1))
    return lax.pad(g, jnp.zeros((), g.dtype), config)


@op("strided_slice", "StridedSlice", attrs={"index": REQUIRED})
class StridedSlice:
    """``x[index]``: NumPy basic indexing with a static index (see ``getitem``)."""

    def infer(x, *, index):
        return TensorType(x.dtype, TensorShape(_sliced_dims(x.shape, index)))

    def lower(x, *, index):
        check_at_run_time(StridedSlice, x, index=index)
        key = _expand_index(index, x.ndim)
        return x[tuple(builtins.slice(*i) if isinstance(i, tuple) else i for i in key)]

    def grad(op, g):
        return (apply1("strided_slice_grad", [g, op.inputs[0]], index=op.attrs["index"]),)


@op("strided_slice_grad", "StridedSliceGrad", attrs={"index": REQUIRED})
class StridedSliceGrad:
    """The gradient of ``x[index]``: ``g`` placed at ``index`` in zeros shaped like ``x`` (``x``
    gives only its run-time shape)."""

    def infer(g, x, *, index):
        sliced = TensorShape(_sliced_dims(x.shape, index))
        require(
            g.shape.is_compatible_with(sliced),
            f"gradient {g} does not match {x}{_format_index(index)} of shape {sliced}",
        )
        return TensorType(g.dtype, x.shape)

    def lower(g, x, *, index):
        check_at_run_time(StridedSliceGrad, g, x, index=index)
        return _unslice(g, x.shape, _expand_index(index, x.ndim))

    def grad(op, gg):
        return (apply1("strided_slice", [gg], index=op.attrs["index"]), None)


def _index_bound(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if is_tensor(value):
        raise InvalidArgumentError(
            f"slice bounds must be Python ints, got the Tensor '{value.name}': jaxgraph shapes are static"
        )
    raise InvalidArgumentError(f"slice bounds must be ints or None, got {value!r}")


def _index_entry(item: Any) -> Any:
    """One item of a ``__getitem__`` key as an ``index`` entry."""
    if item is Ellipsis:
        return "..."
    if item is None:
        return None
    if isinstance(item, builtins.slice):
        step = _index_bound(item.step)
        return (_index_bound(item.start), _index_bound(item.stop), 1 if step is None else step)
    if isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
        return int(item)
    if is_tensor(item):
        raise InvalidArgumentError(
            f"cannot index with the Tensor '{item.name}': x[...] takes static ints, slices, None "
            "and ...; to pick elements by a tensor of indices use jg.gather(x, indices, axis=...)"
        )
    raise InvalidArgumentError(
        f"unsupported index {item!r}: x[...] takes ints, slices, None (jg.newaxis) and ...; "
        "to pick elements by an array of indices use jg.gather(x, indices, axis=...)"
    )


def getitem(tensor: Any, key: Any) -> Tensor:
    """``tensor[key]`` (``Tensor.__getitem__``): NumPy basic indexing with static keys.

    Ints (negative ones count from the end) remove an axis, slices take any step and None bounds,
    ``None`` / ``jg.newaxis`` insert an axis of size 1, ``...`` stands for the axes not indexed.
    A result dimension is unknown (None) where it depends on an unknown input dimension.
    """
    items = key if isinstance(key, tuple) else (key,)
    return apply1("strided_slice", [tensor], index=tuple(_index_entry(item) for item in items))


def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.strided_slice`` with static ``begin`` / ``end`` / ``strides``; bit ``i`` of a
    mask applies to entry ``i`` (as in TF1: ignore begin/end, ``...``, new axis, take one index)."""
    begin = static_ints(begin, "strided_slice's begin")
    end = static_ints(end, "strided_slice's end")
    strides = (1,) * len(begin) if strides is None else static_ints(strides, "strided_slice's strides")
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError(
            f"strided_slice's begin, end and strides differ in length: {list(begin)}, {list(end)}, "
            f"{list(strides)}"
        )
    index: list[Any] = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides, strict=True)):
        bit = 1 << i
        if ellipsis_mask & bit:
            index.append("...")
        elif new_axis_mask & bit:
            index.append(None)
        elif shrink_axis_mask & bit:
            index.append(b)
        else:
            index.append((None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return apply1("strided_slice", [input_], name, index=tuple(index))


@op("slice", "Slice", attrs={"begin": REQUIRED, "size": REQUIRED})
class Slice:
    """TF1's ``Slice``: ``size[i]`` elements from ``begin[i]`` on along each axis (-1: all the
    rest). Unlike ``x[...]``, which clamps as NumPy does, a slice past the end is an error (TF1's
    messages), when the op is built or, for an unknown dimension, when it runs."""

    def infer(x, *, begin, size):
        require(
            len(begin) == len(size) == len(x.shape),
            f"slice's begin {list(begin)} and size {list(size)} must have one entry per axis of {x}",
        )
        dims = []
        for i, (b, s, d) in enumerate(zip(begin, size, x.shape, strict=True)):
            end = "?" if d is None else d
            require(0 <= b and (d is None or b <= d), f"Expected begin[{i}] in [0, {end}], but got {b}")
            rest = None if d is None else d - b
            require(
                s == -1 or 0 <= s and (rest is None or s <= rest),
                f"Expected size[{i}] in [0, {'?' if rest is None else rest}], but got {s}",
            )
            dims.append(rest if s == -1 else s)
        return TensorType(x.dtype, TensorShape(dims))

    def lower(x, *, begin, size):
        check_at_run_time(Slice, x, begin=begin, size=size)
        return x[tuple(builtins.slice(*i[:2]) for i in _slice_index(begin, size))]

    def grad(op, g):
        index = _slice_index(op.attrs["begin"], op.attrs["size"])
        return (apply1("strided_slice_grad", [g, op.inputs[0]], index=index),)


def _slice_index(begin: tuple, size: tuple) -> tuple:
    """The ``strided_slice`` index taking what ``slice(begin, size)`` takes."""
    return tuple((b, None if s == -1 else b + s, 1) for b, s in zip(begin, size, strict=True))


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.slice``: ``size[i]`` elements from ``begin[i]`` on along each axis (-1: all the
    rest), i.e. ``x[b0:b0+s0, b1:b1+s1, ...]``, except that a slice past the end is an error."""
    begin = static_ints(begin, "slice's begin")
    size = static_ints(size, "slice's size")
    return apply1("slice", [input_], name, begin=begin, size=size)
