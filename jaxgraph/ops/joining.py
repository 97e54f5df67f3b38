"""Ops that join, split and repeat tensors: ``concat`` / ``split``, ``stack`` / ``unstack``,
``tile`` and ``pad``.

Their arguments (axes, split sizes, ``tile``'s multiples, ``pad``'s paddings) are static Python
ints: jaxgraph shapes are static. Checks that unknown (``None``) dimensions put off (split sizes,
concat shapes, unstack counts) run when the graph runs and raise ``InvalidArgumentError``.
``pad`` supports TF1's ``"CONSTANT"`` mode. Result shapes must have dimensions in ``[0, 2**63)``
and fewer than ``2**63`` elements (XLA's int64 sizes).
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import indexing
from jaxgraph.ops.core import (
    apply,
    apply1,
    axis_arg,
    check_at_run_time,
    check_dims,
    convert_to_tensor,
    is_tensor,
    normalize_axis,
    not_static,
    require,
    scalar_attr,
    static_ints,
)
from jaxgraph.ops.shape_args import declare_twin, known_shape, static_or_tensor

__all__ = ["concat", "pad", "split", "stack", "tile", "unstack"]


def _with_dim(shape: TensorShape, axis: int, size: int | None) -> TensorShape:
    return TensorShape(shape[:axis] + (size,) + shape[axis + 1 :])


def _common_dtype(types: Sequence[TensorType], what: str) -> DType:
    if any(t.dtype is not types[0].dtype for t in types):
        raise type_error(f"{what} inputs must have the same dtype, got {', '.join(map(str, types))}")
    return types[0].dtype


def _merged_dims(types: Sequence[TensorType], what: str, skip: int | None = None) -> list[int | None]:
    """The dimensions ``types`` agree on (a known size beats an unknown one), ignoring axis
    ``skip``; a type error when they differ in rank or in a known size."""
    dims = list(types[0].shape)
    for t in types[1:]:
        same = len(t.shape) == len(dims) and all(
            i == skip or a is None or b is None or a == b
            for i, (a, b) in enumerate(zip(dims, t.shape, strict=True))
        )
        if not same:
            but = f" except along axis {skip}" if skip is not None else ""
            raise type_error(f"{what} inputs must have the same shape{but}, got {', '.join(map(str, types))}")
        dims = [a if a is not None else b for a, b in zip(dims, t.shape, strict=True)]
    return dims


def _outputs(parts: Sequence[Any]) -> Any:
    """A multi-output lowering's result: one value binds to one name, several are unpacked."""
    return parts[0] if len(parts) == 1 else tuple(parts)


def _split_at(x: Any, sizes: Sequence[int], axis: int) -> Any:
    return _outputs(jnp.split(x, list(itertools.accumulate(sizes))[:-1], axis))


@op("concat", "Concat", attrs={"axis": REQUIRED})
class Concat:
    """Joins tensors along an existing axis."""

    def infer(*xs, axis):
        require(xs, "concat needs at least one input")
        dtype = _common_dtype(xs, "concat")
        require(len(xs[0].shape) > 0, f"concat cannot join scalars ({xs[0]}): use stack")
        axis = normalize_axis(axis, len(xs[0].shape))
        dims = _merged_dims(xs, "concat", skip=axis)
        sizes = [x.shape[axis] for x in xs]
        dims[axis] = None if None in sizes else sum(sizes)
        return TensorType(dtype, TensorShape(dims))

    def lower(*xs, axis):
        check_at_run_time(Concat, *xs, axis=axis)
        return jnp.concatenate(xs, axis)

    def grad(op, g):
        return apply("split_like", [g, *op.inputs], axis=op.attrs["axis"]).outputs


def concat(values: Sequence[Any], axis: int, name: str | None = None) -> Tensor:
    """TF1's ``tf.concat``."""
    return apply1("concat", list(values), name, axis=axis_arg(axis))


@op("split_like", "SplitLike", attrs={"axis": REQUIRED})
class SplitLike:
    """Splits ``x`` along ``axis`` into pieces as long as each of ``likes`` there (the gradient of
    ``concat``; the ``likes`` give only their run-time sizes)."""

    def infer(x, *likes, axis):
        axis = normalize_axis(axis, len(x.shape))
        require(
            all(len(like.shape) == len(x.shape) for like in likes),
            f"split_like's pieces must have the rank of {x}, got {', '.join(map(str, likes))}",
        )
        sizes = [like.shape[axis] for like in likes]
        require(
            None in sizes or x.shape[axis] in (None, sum(sizes)),
            f"pieces of sizes {sizes} do not add up to axis {axis} of {x}",
        )
        return tuple(TensorType(x.dtype, _with_dim(x.shape, axis, s)) for s in sizes)

    def lower(x, *likes, axis):
        check_at_run_time(SplitLike, x, *likes, axis=axis)
        return _split_at(x, [like.shape[axis] for like in likes], axis)

    def grad(op, *grads):
        return (concat(grads, op.attrs["axis"]), *(None for _ in op.inputs[1:]))


@op("split", "Split", attrs={"num_or_size_splits": REQUIRED, "axis": 0})
class Split:
    """Splits ``x`` along ``axis`` into ``n`` equal pieces (an int) or pieces of the given sizes
    (a tuple; one may be -1: the rest)."""

    def infer(x, *, num_or_size_splits, axis):
        axis = normalize_axis(axis, len(x.shape))
        sizes = _split_sizes(num_or_size_splits, x, axis)
        return tuple(TensorType(x.dtype, _with_dim(x.shape, axis, s)) for s in sizes)

    def lower(x, *, num_or_size_splits, axis):
        check_at_run_time(Split, x, num_or_size_splits=num_or_size_splits, axis=axis)
        x_type = TensorType(as_dtype(x.dtype), TensorShape(x.shape))
        return _split_at(x, _split_sizes(num_or_size_splits, x_type, axis % x.ndim), axis)

    def grad(op, *grads):
        return (concat(grads, op.attrs["axis"]),)


def _split_sizes(spec: int | tuple, x: TensorType, axis: int) -> list[int | None]:
    """The sizes of ``split``'s pieces along ``axis`` (None where unknown)."""
    dim = x.shape[axis]
    if isinstance(spec, int):
        require(spec >= 1, f"split needs at least 1 piece, got {spec}")
        require(
            dim is None or dim % spec == 0,
            f"cannot split axis {axis} of {x} (size {dim}) into {spec} equal pieces",
        )
        return [None if dim is None else dim // spec] * spec
    sizes = list(spec)
    require(
        sizes and all(isinstance(s, int) and s >= -1 for s in sizes) and sizes.count(-1) <= 1,
        f"split sizes {sizes} must be non-negative ints, with at most one -1",
    )
    known = sum(s for s in sizes if s != -1)
    if dim is None:
        return [None if s == -1 else s for s in sizes]
    if -1 in sizes:
        require(known <= dim, f"split sizes {sizes} exceed axis {axis} of {x} (size {dim})")
        return [dim - known if s == -1 else s for s in sizes]
    require(known == dim, f"split sizes {sizes} sum to {known}, but axis {axis} of {x} has size {dim}")
    return sizes


def split(
    value: Any, num_or_size_splits: Any, axis: int = 0, num: int | None = None, name: str | None = None
) -> list[Tensor]:
    """TF1's ``tf.split``: ``num_or_size_splits`` is a number of equal pieces or a list of sizes
    (one may be -1); ``num`` is only checked against the list's length."""
    if isinstance(num_or_size_splits, (int, np.integer)):
        spec: int | tuple = int(num_or_size_splits)
    else:
        spec = static_ints(num_or_size_splits, "split's num_or_size_splits")
        if num is not None and num != len(spec):
            raise InvalidArgumentError(f"split got num={num} but {len(spec)} sizes {list(spec)}")
    return list(apply("split", [value], name, num_or_size_splits=spec, axis=axis_arg(axis)).outputs)


@op("stack", "Stack", attrs={"axis": 0})
class Stack:
    """Joins same-shaped tensors along a new axis."""

    def infer(*xs, axis):
        require(xs, "stack needs at least one input")
        dtype = _common_dtype(xs, "stack")
        dims = _merged_dims(xs, "stack")
        dims.insert(normalize_axis(axis, len(dims) + 1), len(xs))
        return TensorType(dtype, TensorShape(dims))

    def lower(*xs, axis):
        return jnp.stack(xs, axis)

    def grad(op, g):
        return tuple(unstack(g, num=len(op.inputs), axis=op.attrs["axis"]))


def stack(values: Sequence[Any], axis: int = 0, name: str | None = None) -> Tensor:
    """TF1's ``tf.stack``."""
    return apply1("stack", list(values), name, axis=axis_arg(axis))


@op("unstack", "Unstack", attrs={"num": None, "axis": 0})
class Unstack:
    """The slices of ``x`` along ``axis``, as ``num`` tensors (``num``: the axis' static size)."""

    def infer(x, *, num, axis):
        axis = normalize_axis(axis, len(x.shape))
        dim = x.shape[axis]
        require(num is not None or dim is not None, f"cannot unstack axis {axis} of {x}: pass num")
        num = dim if num is None else num
        require(
            isinstance(num, int) and dim in (None, num),
            f"cannot unstack axis {axis} of {x} into {num} tensors",
        )
        dims = TensorShape(d for i, d in enumerate(x.shape) if i != axis)
        return tuple(TensorType(x.dtype, dims) for _ in range(num))

    def lower(x, *, num, axis):
        check_at_run_time(Unstack, x, num=num, axis=axis)
        axis %= x.ndim
        return _outputs([lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])])

    def grad(op, *grads):
        return (stack(grads, op.attrs["axis"]),)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str | None = None) -> list[Tensor]:
    """TF1's ``tf.unstack``; ``num`` is needed when the axis' size is unknown."""
    num = None if num is None else axis_arg(num, "unstack's num")
    return list(apply("unstack", [value], name, num=num, axis=axis_arg(axis)).outputs)


@op("tile", "Tile", attrs={"multiples": REQUIRED})
class Tile:
    """``x`` repeated ``multiples[i]`` times along each axis ``i``."""

    def infer(x, *, multiples):
        valid = len(multiples) == len(x.shape) and all(isinstance(m, int) and m >= 0 for m in multiples)
        check_dims(multiples if valid else (), "tile's multiples")
        require(
            valid,
            f"tile's multiples {list(multiples)} must be {len(x.shape)} non-negative ints, one per "
            f"axis of {x}",
        )
        dims = [
            0 if m == 0 else None if d is None else d * m for d, m in zip(x.shape, multiples, strict=True)
        ]
        check_dims(dims, "tile", unknown_ok=True)
        return TensorType(x.dtype, TensorShape(dims))

    def lower(x, *, multiples):
        return jnp.tile(x, multiples)

    def grad(op, g):
        return (apply1("tile_grad", [g, op.inputs[0]], multiples=op.attrs["multiples"]),)


def _tile_partial(x, *, multiples):
    """The type of a tile by multiples known in part (None entries; None: unknown length)."""
    if x.shape.ndims is None:
        return TensorType(x.dtype, x.shape)
    multiples = (None,) * len(x.shape) if multiples is None else multiples
    require(
        len(multiples) == len(x.shape),
        f"tile's multiples must have {len(x.shape)} entries, one per axis of {x}",
    )
    return TensorType(
        x.dtype,
        TensorShape(
            None if d is None or m is None else d * m for d, m in zip(x.shape, multiples, strict=True)
        ),
    )


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.tile``: ``multiples`` is a list of ints or an int vector tensor (see
    ``jaxgraph.ops.shape_args``)."""
    dims, tensor = static_or_tensor(multiples)
    if tensor is not None:
        return apply1("tile_dynamic", [input, tensor], name, multiples=known_shape(tensor))
    return apply1("tile", [input], name, multiples=static_ints(dims, "tile's multiples"))


@op("tile_grad", "TileGrad", attrs={"multiples": REQUIRED})
class TileGrad:
    """The gradient of ``tile``: the tiles of ``g`` summed into ``x``'s shape (``x`` gives only
    its run-time shape)."""

    def infer(g, x, *, multiples):
        tiled = Tile.infer(x, multiples=multiples)
        require(g.shape.is_compatible_with(tiled.shape), f"gradient {g} does not match tile's result {tiled}")
        return TensorType(g.dtype, x.shape)

    def lower(g, x, *, multiples):
        blocks = [n for m, d in zip(multiples, x.shape, strict=True) for n in (m, d)]
        return g.reshape(blocks).sum(axis=tuple(range(0, len(blocks), 2)))

    def grad(op, gg):
        return (tile(gg, op.attrs["multiples"]), None)


declare_twin("tile", {"multiples": "shape"}, _tile_partial,
             lambda op, g: (apply1("tile_grad_dynamic", [g, op.inputs[0], op.inputs[1]],
                                   multiples=op.attrs["multiples"]), None))  # fmt: skip
declare_twin("tile_grad", {"multiples": "shape"}, lambda g, x, *, multiples: TensorType(g.dtype, x.shape),
             lambda op, gg: (apply1("tile_dynamic", [gg, op.inputs[2]], multiples=op.attrs["multiples"]),
                             None, None))  # fmt: skip


@op("pad", "Pad", attrs={"paddings": REQUIRED, "constant_values": 0})
class Pad:
    """``x`` with ``paddings[i] = (before, after)`` elements of ``constant_values`` added around
    axis ``i``."""

    def infer(x, *, paddings, constant_values):
        valid = len(paddings) == len(x.shape) and all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(n, int) and n >= 0 for n in p)
            for p in paddings
        )
        require(
            valid,
            f"pad's paddings {[list(p) if isinstance(p, tuple) else p for p in paddings]} must be "
            f"{len(x.shape)} pairs [before, after] of non-negative ints, one per axis of {x}",
        )
        dims = [None if d is None else d + b + a for d, (b, a) in zip(x.shape, paddings, strict=True)]
        check_dims(dims, "pad", unknown_ok=True)
        return TensorType(x.dtype, TensorShape(dims))

    def lower(x, *, paddings, constant_values):
        return lax.pad(x, jnp.asarray(constant_values, x.dtype), [(b, a, 0) for b, a in paddings])

    def grad(op, g):
        return (indexing.getitem(g, tuple(builtins.slice(b, -a or None) for b, a in op.attrs["paddings"])),)


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", name: str | None = None, constant_values: Any = 0
) -> Tensor:
    """TF1's ``tf.pad`` in its ``"CONSTANT"`` mode, with static ``paddings``."""
    if str(mode).upper() != "CONSTANT":
        raise InvalidArgumentError(f"pad mode {mode!r} is not supported: jaxgraph pads with a constant only")
    x = convert_to_tensor(tensor)
    if is_tensor(paddings):
        raise not_static(paddings, "pad's paddings")
    pairs = tuple(static_ints(p, "pad's paddings") for p in paddings)
    value = scalar_attr(constant_values, x.dtype, "pad's constant_values")
    return apply1("pad", [x], name, paddings=pairs, constant_values=value)
