"""Dtype and shape ops: ``cast``, ``shape`` / ``size`` / ``rank``, ``reshape``, ``expand_dims``,
``squeeze``, ``transpose`` and broadcasting (``broadcast_to``).

They change how elements are typed or laid out, never which elements there are; each op is
declared once (type rule, JAX lowering, gradient rule) next to its TF1-named builder.

Where TF1 and JAX differ, jaxgraph decides:

* Shapes are static. Arguments TF1 takes as shape tensors (``reshape``'s shape, ``transpose``'s
  perm) are Python ints. The one run-time form kept is ``jg.shape(x)`` itself:
  ``jg.reshape(y, jg.shape(x))``, ``jg.zeros(jg.shape(x))`` and ``jg.broadcast_to(y, jg.shape(x))``
  mean "x's shape when the graph runs" (``shape_source`` recognises it).
* ``squeeze(x)`` without an axis removes the dimensions known to be 1 (TF1 decides when the graph
  runs, so its rank would be unknown); squeezing an unknown dimension that is not 1 fails when the
  graph runs.
* Shapes (of ``reshape``, ``broadcast_to`` ...) must have dimensions in ``[0, 2**63)`` and fewer
  than ``2**63`` elements (XLA's int64 sizes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, int32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType
from jaxgraph.ops import math as math_ops
from jaxgraph.ops.core import (
    apply1,
    axis_arg,
    broadcast_type,
    check_at_run_time,
    check_dims,
    constant,
    convert_to_tensor,
    deprecated_argument_lookup,
    normalize_axes,
    normalize_axis,
    require,
    static_ints,
)
from jaxgraph.ops.shape_args import declare_twin, known_shape, static_or_tensor

__all__ = [
    "broadcast_like", "broadcast_to", "cast", "expand_dims", "rank", "reshape", "shape", "size",
    "squeeze", "to_bfloat16", "to_double", "to_float", "to_int32", "to_int64", "transpose",
]  # fmt: skip


def shape_source(value: Any) -> Tensor | None:
    """The tensor whose run-time shape ``value`` is, when ``value`` is ``jg.shape(tensor)``."""
    if isinstance(value, Tensor) and value.op.type == "shape":
        return value.op.inputs[0]
    return None


@op("cast", "Cast", attrs={"dtype": REQUIRED}, forwards_input="same_type", jax_call="{0}.astype({dtype})")
class Cast:
    """Converts the element type. As in TF1, the gradient goes back only from a float result to a
    float input: casts of integers (``jg.cast(jg.shape(x)[0], jg.float32)``) end gradient paths."""

    def infer(x, *, dtype):
        return TensorType(dtype, x.shape)

    def lower(x, *, dtype):
        return x.astype(dtype.np)

    def grad(op, g):
        x = op.inputs[0]
        return (cast(g, x.dtype),) if x.dtype.is_floating and g.dtype.is_floating else (None,)


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """``x`` converted to ``dtype`` (returned unchanged when it already has it); TF1's ``tf.cast``."""
    x = convert_to_tensor(x)
    dtype = as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return apply1("cast", [x], name, dtype=dtype)


def _cast_to(dtype: str, tf_name: str) -> Callable[..., Tensor]:
    """TF1's deprecated ``tf.to_<type>(x, name=None)`` shorthands for ``cast(x, dtype)``."""

    def cast_to(x: Any, name: str | None = None) -> Tensor:
        return cast(x, dtype, name)

    cast_to.__name__ = cast_to.__qualname__ = tf_name
    cast_to.__doc__ = f"``x`` cast to {dtype}; TF1's deprecated ``tf.{tf_name}``."
    return cast_to


to_float = _cast_to("float32", "to_float")
to_double = _cast_to("float64", "to_double")
to_int32 = _cast_to("int32", "to_int32")
to_int64 = _cast_to("int64", "to_int64")
to_bfloat16 = _cast_to("bfloat16", "to_bfloat16")


@op("shape", "Shape", attrs={"out_type": int32}, type_only=True, unknown_rank=True)
class Shape:
    """The run-time shape of ``x`` as a vector (its unknown dimensions are known when it runs)."""

    def infer(x, *, out_type):
        require(out_type.is_integer, f"shape's out_type must be an integer dtype, not {out_type.name}")
        return TensorType(out_type, TensorShape((x.shape.ndims,)))

    def lower(x, *, out_type):
        return jnp.asarray(x.shape, out_type.np)


def shape(input: Any, name: str | None = None, out_type: Any = int32) -> Tensor:
    """TF1's ``tf.shape``: the shape of ``input`` when the graph runs, as an int vector.

    ``input.shape`` is the static shape; this one also knows the unknown (``None``) dimensions.
    """
    return apply1("shape", [input], name, out_type=as_dtype(out_type))


def size(input: Any, name: str | None = None, out_type: Any = int32) -> Tensor:
    """TF1's ``tf.size``: the number of elements of ``input`` when the graph runs (a scalar)."""
    x = convert_to_tensor(input)
    axes = None if x.shape.ndims is None else tuple(range(x.ndim))  # None: all, however many
    count = apply1("num_elements", [x], name or "Size", axis=axes)
    return cast(count, out_type)


@op("rank", "Rank", type_only=True, unknown_rank=True, jax_call="jnp.int32({0}.ndim)")
class Rank:
    """The rank of a tensor of unknown rank (an int32 scalar, known once the graph is
    specialized to its feeds)."""

    def infer(x):
        return TensorType(int32, TensorShape(()))

    def lower(x):
        return jnp.int32(len(x.shape))


def rank(input: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.rank``: an int32 constant when the rank is static, else a ``rank`` op."""
    x = convert_to_tensor(input)
    if x.shape.ndims is None:
        return apply1("rank", [x], name)
    return constant(x.ndim, dtype=int32, name=name or "Rank")


@op(
    "reshape",
    "Reshape",
    attrs={"shape": REQUIRED},
    forwards_input="same_type",
    jax_call="jnp.reshape({0}, {shape})",
    unknown_rank=True,
)
class Reshape:
    def infer(x, *, shape):
        unknown = [i for i, d in enumerate(shape) if d == -1]
        require(len(unknown) <= 1, f"reshape to {list(shape)}: at most one dimension may be -1")
        require(all(d >= -1 for d in shape), f"reshape to {list(shape)}: negative dimension")
        known = 1
        for d in shape:
            known *= d if d != -1 else 1
        total = None if x.shape.ndims is None else x.shape.num_elements()
        dims = [None if d == -1 else d for d in shape]
        if total is not None:
            if unknown:
                require(
                    known > 0 and total % known == 0,
                    f"cannot reshape {x.dtype.short}{x.shape} ({total} elements) to {list(shape)}",
                )
                dims[unknown[0]] = total // known
            else:
                require(
                    total == known,
                    f"cannot reshape {x.dtype.short}{x.shape} ({total} elements) to {list(shape)}",
                )
        check_dims(dims, "reshape", unknown_ok=True)
        return TensorType(x.dtype, TensorShape(dims))

    def lower(x, *, shape):
        return jnp.reshape(x, shape)

    def grad(op, g):
        return (reshape_like(g, op.inputs[0]),)


def _reshape_partial(x, *, shape):
    """The type of a reshape to a shape known in part (``shape``: its entries, None where unknown;
    None for an unknown length): TF1 infers no ``-1`` entry then."""
    if shape is None:
        return TensorType(x.dtype, UNKNOWN_RANK)
    require(list(shape).count(-1) <= 1, f"reshape to {list(shape)}: at most one dimension may be -1")
    require(all(d is None or d >= -1 for d in shape), f"reshape to {list(shape)}: negative dimension")
    return TensorType(x.dtype, TensorShape(None if d == -1 else d for d in shape))


declare_twin("reshape", {"shape": "shape"}, _reshape_partial,
             lambda op, g: (reshape_like(g, op.inputs[0]), None))  # fmt: skip


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.reshape`` to a list of ints (``-1`` for one inferred dimension), to
    ``jg.shape(x)`` (x's run-time shape), or to any int vector tensor (a list holding tensors
    such as ``[jg.shape(x)[0], -1]`` is packed, as TF1 does)."""
    source = shape_source(shape)
    if source is not None:
        return reshape_like(tensor, source, name)
    dims, tensor_shape = static_or_tensor(shape)
    if tensor_shape is not None:
        return apply1("reshape_dynamic", [tensor, tensor_shape], name, shape=known_shape(tensor_shape))
    dims = static_ints(dims, "reshape's shape", unknown=-1)
    return apply1("reshape", [tensor], name, shape=dims)


@op("reshape_like", "ReshapeLike", forwards_input="same_type", unknown_rank=True)
class ReshapeLike:
    """Reshapes ``x`` to the run-time shape of ``like`` (gradients of reshapes with unknown dims)."""

    def infer(x, like):
        return TensorType(x.dtype, like.shape)

    def lower(x, like):
        return jnp.reshape(x, like.shape)

    def grad(op, g):
        return (reshape_like(g, op.inputs[0]), None)


def as_scalar(value: Any, what: str) -> Tensor:
    """``value`` as a scalar tensor where TF1 requires one (a rate, a keep probability): a
    tensor of unknown rank (a shapeless placeholder) is reshaped to ``[]``, so that what is built
    from it keeps known shapes, as TF1 sets them; any other rank is an error."""
    tensor = convert_to_tensor(value)
    if tensor.shape.ndims is None:
        return reshape(tensor, ())
    if tensor.shape.ndims != 0:
        raise InvalidArgumentError(f"{what} must be a scalar, got {tensor.type}")
    return tensor


def reshape_like(x: Any, like: Tensor, name: str | None = None) -> Tensor:
    x = convert_to_tensor(x)
    if x.shape == like.shape and like.shape.is_fully_defined():
        return x
    if like.shape.is_fully_defined():
        return reshape(x, like.shape, name)
    return apply1("reshape_like", [x, like], name)


@op("expand_dims", "ExpandDims", attrs={"axis": REQUIRED}, jax_call="jnp.expand_dims({0}, {axis})")
class ExpandDims:
    def infer(x, *, axis):
        axis = normalize_axis(axis, len(x.shape) + 1)
        dims = list(x.shape)
        dims.insert(axis, 1)
        return TensorType(x.dtype, TensorShape(dims))

    def lower(x, *, axis):
        return jnp.expand_dims(x, axis)

    def grad(op, g):
        return (reshape_like(g, op.inputs[0]),)


def expand_dims(
    input: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Tensor:
    """``input`` with a new axis of size 1 inserted at ``axis`` (``dim`` is TF1's deprecated
    spelling); TF1's ``tf.expand_dims``."""
    axis = deprecated_argument_lookup("axis", axis, "dim", dim)
    if axis is None:
        raise InvalidArgumentError("Must specify an axis argument to tf.expand_dims()")
    return apply1("expand_dims", [input], name, axis=axis_arg(axis))


@op("squeeze", "Squeeze", attrs={"axis": REQUIRED})
class Squeeze:
    """Removes the given axes, each of size 1."""

    def infer(x, *, axis):
        axes = normalize_axes(axis, len(x.shape))
        for a in axes:
            require(
                x.shape[a] in (1, None), f"cannot squeeze axis {a} of {x}: its size is {x.shape[a]}, not 1"
            )
        return TensorType(x.dtype, TensorShape(d for i, d in enumerate(x.shape) if i not in axes))

    def lower(x, *, axis):
        check_at_run_time(Squeeze, x, axis=axis)
        return jnp.squeeze(x, axis)

    def grad(op, g):
        return (reshape_like(g, op.inputs[0]),)


def squeeze(input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None) -> Tensor:
    """TF1's ``tf.squeeze``. Without ``axis`` it removes the dimensions known to be 1 (an unknown
    dimension stays, so the rank is static)."""
    x = convert_to_tensor(input)
    axis = axis if axis is not None else squeeze_dims
    if axis is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        axes = static_ints((axis,) if isinstance(axis, (int, np.integer)) else axis, "squeeze's axis")
    return apply1("squeeze", [x], name, axis=axes)


@op("transpose", "Transpose", attrs={"perm": REQUIRED}, jax_call="jnp.transpose({0}, {perm})")
class Transpose:
    """Permutes the axes: result axis ``i`` is input axis ``perm[i]``."""

    def infer(x, *, perm):
        return TensorType(x.dtype, TensorShape(x.shape[a] for a in _permutation(perm, x)))

    def lower(x, *, perm):
        return jnp.transpose(x, perm)

    def grad(op, g):
        axes = _permutation(op.attrs["perm"], op.inputs[0].type)
        return (transpose(g, tuple(sorted(range(len(axes)), key=axes.__getitem__))),)


def _permutation(perm: tuple, x: TensorType) -> tuple[int, ...]:
    rank = len(x.shape)
    valid = (
        len(perm) == rank
        and all(isinstance(a, int) and -rank <= a < rank for a in perm)
        and len({a % rank for a in perm}) == rank
    )
    require(valid, f"transpose's perm {list(perm)} is not a permutation of the axes of {x}")
    return tuple(a % rank for a in perm)


def transpose(a: Any, perm: Any = None, name: str | None = None) -> Tensor:
    """TF1's ``tf.transpose``; without ``perm`` the axes are reversed."""
    x = convert_to_tensor(a)
    perm = tuple(reversed(range(x.ndim))) if perm is None else static_ints(perm, "transpose's perm")
    return apply1("transpose", [x], name, perm=perm)


@op("broadcast_like", "BroadcastLike", forwards_input="same_type", unknown_rank=True,
    jax_call="jnp.broadcast_to({0}, {1}.shape)")  # fmt: skip
class BroadcastLike:
    """Broadcasts ``x`` to the run-time shape of ``like`` (gradients of reductions)."""

    def infer(x, like):
        if x.shape.ndims is None or like.shape.ndims is None:
            return TensorType(x.dtype, like.shape)
        result = broadcast_type(x.dtype, x, like)
        require(
            tuple(result.shape) == tuple(like.shape) or not like.shape.is_fully_defined(),
            f"cannot broadcast {x.dtype.short}{x.shape} to {like.dtype.short}{like.shape}",
        )
        return TensorType(x.dtype, like.shape)

    def lower(x, like):
        return jnp.broadcast_to(x, like.shape)

    def grad(op, g):
        return (math_ops.unbroadcast(g, op.inputs[0], op.inputs[1]), None)


def broadcast_like(x: Any, like: Tensor, name: str | None = None) -> Tensor:
    """``x`` broadcast (NumPy's rules) to the shape of ``like``, known when it runs.

    jaxgraph's own op (TF1 has no public twin; ``tf.broadcast_to(x, tf.shape(like))`` is
    the nearest); gradients and ``zeros_like``-style builders use it for dynamic shapes.
    """
    return apply1("broadcast_like", [x, like], name)


@op("broadcast_to", "BroadcastTo", attrs={"shape": REQUIRED})
class BroadcastTo:
    """``x`` broadcast (NumPy's rules) to a static shape."""

    def infer(x, *, shape):
        check_dims(shape, "broadcast_to")
        fits = len(x.shape) <= len(shape) and all(
            d in (1, None, t) for d, t in zip(reversed(x.shape), reversed(shape), strict=False)
        )
        require(fits, f"cannot broadcast {x} to {list(shape)}")
        return TensorType(x.dtype, TensorShape(shape))

    def lower(x, *, shape):
        check_at_run_time(BroadcastTo, x, shape=shape)
        return jnp.broadcast_to(x, shape)

    def grad(op, g):
        return (math_ops.unbroadcast(g, op.inputs[0], op.outputs[0]),)


def _broadcast_partial(x, *, shape):
    """The type of a broadcast to a shape known in part (None entries; None: unknown length)."""
    return TensorType(x.dtype, UNKNOWN_RANK if shape is None else TensorShape(shape))


declare_twin("broadcast_to", {"shape": "shape"}, _broadcast_partial,
             lambda op, g: (apply1("sum_to_like", [g, op.inputs[0]]), None))  # fmt: skip


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.broadcast_to`` to a list of ints, to ``jg.shape(x)`` (x's run-time shape), or
    to any int vector tensor."""
    source = shape_source(shape)
    if source is not None:
        return broadcast_like(input, source, name)
    dims, tensor_shape = static_or_tensor(shape)
    if tensor_shape is not None:
        return apply1("broadcast_to_dynamic", [input, tensor_shape], name, shape=known_shape(tensor_shape))
    return apply1("broadcast_to", [input], name, shape=static_ints(dims, "broadcast_to's shape"))
