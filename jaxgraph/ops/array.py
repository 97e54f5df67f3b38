"""Array ops: constants and placeholders, identity, casts, shapes (reshape, expand_dims ...),
filling, selection, and the structural ops (transpose, concat, split, slicing, gather ...).

Each op is declared once, with its type rule, JAX lowering and gradient rule, next to the
TF1-named builder function that creates it.

Where TF1 and JAX differ, jaxgraph decides:

* Shapes are static. Arguments TF1 takes as shape tensors (``reshape``'s shape, ``tile``'s
  multiples, ``pad``'s paddings, slice bounds) are Python ints. The one run-time form kept is
  ``jg.shape(x)`` itself: ``jg.reshape(y, jg.shape(x))``, ``jg.zeros(jg.shape(x))`` and
  ``jg.broadcast_to(y, jg.shape(x))`` mean "x's shape when the graph runs".
* ``x[key]`` is NumPy basic indexing (ints, slices with any step, ``None``/``jg.newaxis``,
  ``...``) with static keys; indexing by a Tensor is ``jg.gather``. ``squeeze(x)`` without an
  axis removes the dimensions known to be 1 (TF1 decides when the graph runs, so its rank would
  be unknown).
* Checks that unknown (``None``) dimensions put off — an index past the end, split sizes, concat
  shapes — run when the graph runs and raise ``InvalidArgumentError``: XLA would clamp an index.
* ``gather`` checks its indices when the graph runs, as TF1 on CPU does (``indices[3] = 7 is not
  in [0, 5)``); XLA cannot raise, so a check op returns a flag the run inspects
  (``ops.debugging``). With the check off (``validate_indices=False`` or
  ``jg.debugging.set_runtime_checks(False)``) it follows ``jnp.take``: negative indices count from
  the end and an index past it gives the fill value (NaN for floats); its gradient drops such
  indices. ``one_hot`` gives an all-``off_value`` row for an index outside ``[0, depth)`` (TF1).
* ``slice`` (TF1's ``tf.slice``) rejects a slice past the end, as TF1 does; ``x[a:b]`` clamps, as
  NumPy and TF1's ``strided_slice`` do.
* Shapes (of ``fill``, ``placeholder``, ``reshape``, ``broadcast_to``, results of ``tile`` ...)
  must have dimensions in ``[0, 2**63)`` and fewer than ``2**63`` elements (XLA's int64 sizes).
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, bool_, float32, int32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, OpDef, TypeRuleError, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import debugging
from jaxgraph.ops import math as math_ops
from jaxgraph.ops.core import (
    apply,
    apply1,
    axis_arg,
    broadcast_type,
    check_dims,
    constant,
    convert_to_tensor,
    is_int,
    normalize_axes,
    normalize_axis,
    require,
    to_numpy,
)

__all__ = [
    "broadcast_like", "broadcast_to", "cast", "concat", "constant", "expand_dims", "fill",
    "gather", "group", "identity", "newaxis", "no_op", "one_hot", "ones", "ones_like", "pad",
    "placeholder", "rank", "reshape", "shape", "size", "slice", "split", "squeeze", "stack",
    "stop_gradient", "strided_slice", "tile", "to_float", "transpose", "unstack", "where",
    "zeros", "zeros_like",
]  # fmt: skip

newaxis = None
"""``x[:, jg.newaxis]`` inserts an axis of size 1 (NumPy's ``np.newaxis``)."""


# ---- helpers shared by builders and type rules --------------------------------------------------
def _is_tensor(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_to_tensor")


def _static_ints(values: Any, what: str, unknown: int | None = None) -> tuple[int, ...]:
    """``values`` (a sequence of ints) as a tuple of Python ints: jaxgraph shapes are static.
    A None entry becomes ``unknown`` where that is given (reshape's -1)."""
    if _is_tensor(values) or isinstance(values, str):
        raise _not_static(values, what)
    try:
        if not all(is_int(v) or (v is None and unknown is not None) for v in values):
            raise TypeError
        return tuple(unknown if v is None else int(v) for v in values)
    except TypeError:
        raise _not_static(values, what) from None


def _not_static(values: Any, what: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"{what} must be a list of Python ints, got {values!r}: jaxgraph shapes are static "
        "(jg.shape(x) itself is accepted where a shape means x's run-time shape)"
    )


def _shape_source(value: Any) -> Tensor | None:
    """The tensor whose run-time shape ``value`` is, when ``value`` is ``jg.shape(tensor)``."""
    if isinstance(value, Tensor) and value.op.type == "shape":
        return value.op.inputs[0]
    return None


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


def _check_at_run_time(opdef: OpDef, *arrays: Any, **attrs: Any) -> None:
    """Runs ``opdef``'s type rule again on the concrete shapes of a run (called by lowerings):
    the checks an unknown dimension put off fail here with a clear error."""
    try:
        opdef.infer(*(TensorType(as_dtype(a.dtype), TensorShape(a.shape)) for a in arrays), **attrs)
    except TypeRuleError as e:
        raise InvalidArgumentError(f"{e} (when the graph ran)") from None


def _outputs(parts: Sequence[Any]) -> Any:
    """A multi-output lowering's result: one value binds to one name, several are unpacked."""
    return parts[0] if len(parts) == 1 else tuple(parts)


def _split_at(x: Any, sizes: Sequence[int], axis: int) -> Any:
    return _outputs(jnp.split(x, list(itertools.accumulate(sizes))[:-1], axis))


# ---- sources -----------------------------------------------------------------------------------
@op("constant", "Const", attrs={"value": REQUIRED, "dtype": REQUIRED}, value_attr="value")
class Constant:
    def infer(*, value, dtype):
        require(value.dtype is dtype, f"constant value has dtype {value.dtype.short}, not {dtype.short}")
        return TensorType(dtype, TensorShape(value.shape))

    def lower(*, value, dtype):
        return jnp.asarray(value.array)

    def grad(op, g):
        return ()


@op("placeholder", "Placeholder", attrs={"dtype": REQUIRED, "shape": REQUIRED}, parameter=True)
class Placeholder:
    """A value fed at run time; lowered as a parameter of the generated function."""

    def infer(*, dtype, shape):
        require(isinstance(dtype, DType), f"placeholder dtype must be a dtype, got {dtype!r}")
        require(
            isinstance(shape, tuple) and all(d is None or isinstance(d, int) and d >= 0 for d in shape),
            f"placeholder shape must list sizes >= 0 or None, got {shape!r}",
        )
        check_dims(shape, "placeholder", unknown_ok=True)
        return TensorType(dtype, TensorShape(shape))

    def grad(op, g):
        return ()


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Tensor:
    """TF1's ``tf.placeholder``: a tensor whose value is fed to ``Session.run``.

    ``shape`` lists the dimensions, ``None`` for an unknown one; its rank must be given.
    """
    if shape is None:
        raise InvalidArgumentError(
            f"placeholder {name or ''!r} needs a shape: jaxgraph tensors have a static rank "
            "(use None for unknown dimensions, e.g. shape=(None, 784))"
        )
    try:
        if isinstance(shape, str) or _is_tensor(shape):
            raise TypeError
        dims = (shape,) if isinstance(shape, int) else shape
        if not all(d is None or is_int(d) for d in dims):
            raise TypeError
        dims = tuple(None if d is None or d == -1 else int(d) for d in dims)
    except TypeError:
        raise InvalidArgumentError(f"placeholder's shape must list ints or None, got {shape!r}") from None
    return apply1("placeholder", [], name, dtype=as_dtype(dtype), shape=dims)


# ---- identity and friends ----------------------------------------------------------------------
@op("identity", "Identity", forwards_input="always", jax_call="{0}")
class Identity:
    def infer(x):
        return TensorType(x.dtype, x.shape)

    def lower(x):
        return x

    def grad(op, g):
        return (g,)


def identity(input: Any, name: str | None = None) -> Tensor:
    return apply1("identity", [input], name)


@op("stop_gradient", "StopGradient", jax_call="lax.stop_gradient({0})")
class StopGradient:
    """Identity whose gradient is cut (its input gets no gradient through it)."""

    def infer(x):
        return TensorType(x.dtype, x.shape)

    def lower(x):
        return lax.stop_gradient(x)

    def grad(op, g):
        return (None,)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:
    return apply1("stop_gradient", [input], name)


@op("no_op", "NoOp", jax_call="None")
class NoOp:
    """Does nothing; its control inputs are what a run executes (``jg.group``, initializers)."""

    def infer():
        return None

    def lower():
        return ()


def no_op(name: str | None = None) -> Any:
    return apply("no_op", [], name)


def group(*inputs: Any, name: str | None = None) -> Any:
    """An Operation that runs all ``inputs`` (Tensors or Operations)."""
    ops = []
    for x in inputs:
        x = x._as_graph_element() if hasattr(x, "_as_graph_element") else x
        ops.append(x.op if isinstance(x, Tensor) else x)
    graph = get_default_graph()
    return graph.create_op("no_op", [], {}, name or "group_deps", control_inputs=ops)


# ---- dtype and shape ---------------------------------------------------------------------------
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
    x = convert_to_tensor(x)
    dtype = as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return apply1("cast", [x], name, dtype=dtype)


def to_float(x: Any, name: str | None = None) -> Tensor:
    return cast(x, "float32", name)


@op("shape", "Shape", attrs={"out_type": int32})
class Shape:
    """The run-time shape of ``x`` as a vector (its unknown dimensions are known when it runs)."""

    def infer(x, *, out_type):
        require(out_type.is_integer, f"shape's out_type must be an integer dtype, not {out_type.name}")
        return TensorType(out_type, TensorShape((len(x.shape),)))

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
    count = apply1("num_elements", [x], name or "Size", axis=tuple(range(x.ndim)))
    return cast(count, out_type)


def rank(input: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.rank``; ranks are static in jaxgraph, so this is an int32 constant."""
    return constant(convert_to_tensor(input).ndim, dtype=int32, name=name or "Rank")


@op(
    "reshape",
    "Reshape",
    attrs={"shape": REQUIRED},
    forwards_input="same_type",
    jax_call="jnp.reshape({0}, {shape})",
)
class Reshape:
    def infer(x, *, shape):
        unknown = [i for i, d in enumerate(shape) if d == -1]
        require(len(unknown) <= 1, f"reshape to {list(shape)}: at most one dimension may be -1")
        require(all(d >= -1 for d in shape), f"reshape to {list(shape)}: negative dimension")
        known = 1
        for d in shape:
            known *= d if d != -1 else 1
        total = x.shape.num_elements()
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


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.reshape`` with a static target shape (``-1`` for one inferred dimension), or
    ``jg.shape(x)`` for x's run-time shape."""
    source = _shape_source(shape)
    if source is not None:
        return reshape_like(tensor, source, name)
    dims = _static_ints(shape, "reshape's shape", unknown=-1)
    return apply1("reshape", [tensor], name, shape=dims)


@op("reshape_like", "ReshapeLike", forwards_input="same_type")
class ReshapeLike:
    """Reshapes ``x`` to the run-time shape of ``like`` (gradients of reshapes with unknown dims)."""

    def infer(x, like):
        return TensorType(x.dtype, like.shape)

    def lower(x, like):
        return jnp.reshape(x, like.shape)

    def grad(op, g):
        return (reshape_like(g, op.inputs[0]), None)


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


def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:
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
        _check_at_run_time(Squeeze, x, axis=axis)
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
        axes = _static_ints((axis,) if isinstance(axis, (int, np.integer)) else axis, "squeeze's axis")
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
    perm = tuple(reversed(range(x.ndim))) if perm is None else _static_ints(perm, "transpose's perm")
    return apply1("transpose", [x], name, perm=perm)


# ---- broadcasting ------------------------------------------------------------------------------
@op(
    "broadcast_like", "BroadcastLike", forwards_input="same_type", jax_call="jnp.broadcast_to({0}, {1}.shape)"
)
class BroadcastLike:
    """Broadcasts ``x`` to the run-time shape of ``like`` (gradients of reductions)."""

    def infer(x, like):
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
        _check_at_run_time(BroadcastTo, x, shape=shape)
        return jnp.broadcast_to(x, shape)

    def grad(op, g):
        return (math_ops.unbroadcast(g, op.inputs[0], op.outputs[0]),)


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.broadcast_to`` to a list of ints, or to ``jg.shape(x)`` (x's run-time shape)."""
    source = _shape_source(shape)
    if source is not None:
        return broadcast_like(input, source, name)
    return apply1("broadcast_to", [input], name, shape=_static_ints(shape, "broadcast_to's shape"))


# ---- filling -----------------------------------------------------------------------------------
@op("fill", "Fill", attrs={"shape": REQUIRED, "value": REQUIRED, "dtype": REQUIRED}, value_attr="value")
class Fill:
    def infer(*, shape, value, dtype):
        check_dims(shape, "fill")
        return TensorType(dtype, TensorShape(shape))

    def lower(*, shape, value, dtype):
        return jnp.full(shape, value, dtype.np)


def _scalar_attr(value: Any, dtype: DType, what: str = "the fill value") -> Any:
    """A Python scalar as an attribute value of ``dtype``'s kind."""
    if _is_tensor(value):
        raise InvalidArgumentError(f"{what} must be a Python scalar, got {value!r}")
    if dtype.is_bool:
        return bool(value)
    if dtype.is_integer:
        return int(value)
    return float(value)


def _python_dtype(value: Any) -> DType:
    """The dtype jaxgraph gives a Python or NumPy scalar (float32 for floats, int32 for ints)."""
    return as_dtype(to_numpy(value).dtype)


def fill(dims: Any, value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the Python scalar or scalar Tensor ``value``.

    ``dims`` is a list of ints, or ``jg.shape(x)`` for x's run-time shape.
    """
    source = _shape_source(dims)
    if _is_tensor(value):
        value = convert_to_tensor(value)
        like = source if source is not None else fill(dims, 0, value.dtype)
        return broadcast_like(value, like, name)
    dtype = as_dtype(dtype) if dtype is not None else _python_dtype(value)
    if source is not None:
        return _full_like(source, value, dtype, name)
    shape = _static_ints(dims, "fill's dims")
    return apply1("fill", [], name, shape=shape, value=_scalar_attr(value, dtype), dtype=dtype)


def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return fill(shape, 0, as_dtype(dtype), name or "zeros")


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return fill(shape, 1, as_dtype(dtype), name or "ones")


@op("full_like", "FullLike", attrs={"value": REQUIRED, "dtype": REQUIRED}, value_attr="value")
class FullLike:
    """A tensor with ``x``'s run-time shape filled with ``value``."""

    def infer(x, *, value, dtype):
        return TensorType(dtype, x.shape)

    def lower(x, *, value, dtype):
        return jnp.full(x.shape, value, dtype.np)

    def grad(op, g):
        return (None,)


def _full_like(tensor: Any, value: Any, dtype: Any, name: str | None) -> Tensor:
    tensor = convert_to_tensor(tensor)
    dtype = as_dtype(dtype) if dtype is not None else tensor.dtype
    if tensor.shape.is_fully_defined():
        return fill(tensor.shape, value, dtype, name)
    return apply1("full_like", [tensor], name, value=_scalar_attr(value, dtype), dtype=dtype)


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    return _full_like(tensor, 0, dtype, name or "zeros_like")


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    return _full_like(tensor, 1, dtype, name or "ones_like")


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


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.tile`` with static ``multiples``."""
    return apply1("tile", [input], name, multiples=_static_ints(multiples, "tile's multiples"))


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
        return (getitem(g, tuple(builtins.slice(b, -a or None) for b, a in op.attrs["paddings"])),)


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", name: str | None = None, constant_values: Any = 0
) -> Tensor:
    """TF1's ``tf.pad`` in its ``"CONSTANT"`` mode, with static ``paddings``."""
    if str(mode).upper() != "CONSTANT":
        raise InvalidArgumentError(f"pad mode {mode!r} is not supported: jaxgraph pads with a constant only")
    x = convert_to_tensor(tensor)
    if _is_tensor(paddings):
        raise _not_static(paddings, "pad's paddings")
    pairs = tuple(_static_ints(p, "pad's paddings") for p in paddings)
    value = _scalar_attr(constant_values, x.dtype, "pad's constant_values")
    return apply1("pad", [x], name, paddings=pairs, constant_values=value)


# ---- joining and splitting ---------------------------------------------------------------------
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
        _check_at_run_time(Concat, *xs, axis=axis)
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
        _check_at_run_time(SplitLike, x, *likes, axis=axis)
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
        _check_at_run_time(Split, x, num_or_size_splits=num_or_size_splits, axis=axis)
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
        spec = _static_ints(num_or_size_splits, "split's num_or_size_splits")
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
        _check_at_run_time(Unstack, x, num=num, axis=axis)
        axis %= x.ndim
        return _outputs([lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])])

    def grad(op, *grads):
        return (stack(grads, op.attrs["axis"]),)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str | None = None) -> list[Tensor]:
    """TF1's ``tf.unstack``; ``num`` is needed when the axis' size is unknown."""
    num = None if num is None else axis_arg(num, "unstack's num")
    return list(apply("unstack", [value], name, num=num, axis=axis_arg(axis)).outputs)


# ---- static indexing ---------------------------------------------------------------------------
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
        _check_at_run_time(StridedSlice, x, index=index)
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
        _check_at_run_time(StridedSliceGrad, g, x, index=index)
        return _unslice(g, x.shape, _expand_index(index, x.ndim))

    def grad(op, gg):
        return (apply1("strided_slice", [gg], index=op.attrs["index"]), None)


def _index_bound(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if _is_tensor(value):
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
    if _is_tensor(item):
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
    begin = _static_ints(begin, "strided_slice's begin")
    end = _static_ints(end, "strided_slice's end")
    strides = (1,) * len(begin) if strides is None else _static_ints(strides, "strided_slice's strides")
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
        _check_at_run_time(Slice, x, begin=begin, size=size)
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
    begin = _static_ints(begin, "slice's begin")
    size = _static_ints(size, "slice's size")
    return apply1("slice", [input_], name, begin=begin, size=size)


# ---- gathering ---------------------------------------------------------------------------------
@op("gather", "GatherV2", attrs={"axis": 0})
class Gather:
    """The slices of ``params`` along ``axis`` at the integer ``indices``. The ``gather`` builder
    checks the indices (``ops.debugging.check_indices``); unchecked, this op follows
    ``jnp.take``: negative indices count from the end, indices past it give the fill value (NaN
    for floats)."""

    def infer(params, indices, *, axis):
        axis = normalize_axis(axis, len(params.shape))
        require(indices.dtype.is_integer, f"gather's indices must be integers, got {indices}")
        shape = params.shape[:axis] + indices.shape + params.shape[axis + 1 :]
        return TensorType(params.dtype, TensorShape(shape))

    def lower(params, indices, *, axis):
        return jnp.take(params, indices, axis=axis, mode="fill")

    def grad(op, g):
        params, indices = op.inputs
        return (apply1("gather_grad", [g, indices, params], axis=op.attrs["axis"]), None)


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    name: str | None = None,
    axis: int | None = None,
    batch_dims: int = 0,
) -> Tensor:
    """TF1's ``tf.gather`` (``batch_dims`` must be 0). An index outside ``[0, params.shape[axis])``
    fails the run with TF1's message (``indices[3] = 7 is not in [0, 5)``), or the build for
    constant indices. ``validate_indices=False`` leaves that check out of this op (None: as
    ``jg.debugging.set_runtime_checks`` says, on by default); see ``Gather`` for what unchecked
    bad indices give."""
    if batch_dims != 0:
        raise InvalidArgumentError(f"gather supports batch_dims=0 only, got {batch_dims}")
    params, indices = convert_to_tensor(params), convert_to_tensor(indices)
    axis = 0 if axis is None else axis_arg(axis)
    with debugging.guarded_scope(name, "GatherV2") as scope:
        indices, problem = debugging.checked_indices(indices, params, axis, validate=validate_indices)
        result = apply1("gather", [params, indices], scope, axis=axis)
    debugging.raise_if(problem, result.op)
    return result


@op("gather_grad", "GatherGrad", attrs={"axis": REQUIRED})
class GatherGrad:
    """The gradient of ``gather``: ``g``'s slices added into zeros shaped like ``params`` at
    ``indices`` (repeated indices sum; out-of-range ones are dropped). ``params`` gives only its
    run-time shape."""

    def infer(g, indices, params, *, axis):
        gathered = Gather.infer(params, indices, axis=axis)
        require(
            g.shape.is_compatible_with(gathered.shape),
            f"gradient {g} does not match gather's result {gathered}",
        )
        return TensorType(g.dtype, params.shape)

    def lower(g, indices, params, *, axis):
        key = (builtins.slice(None),) * (axis % params.ndim) + (indices,)
        return jnp.zeros(params.shape, g.dtype).at[key].add(g, mode="drop")

    def grad(op, gg):
        _, indices, _ = op.inputs
        return (gather(gg, indices, axis=op.attrs["axis"], validate_indices=False), None, None)


@op(
    "one_hot",
    "OneHot",
    attrs={"depth": REQUIRED, "on_value": 1.0, "off_value": 0.0, "axis": -1, "dtype": float32},
)
class OneHot:
    """``on_value`` where an index equals the position along the new axis, ``off_value``
    elsewhere (an index outside ``[0, depth)`` gives a row of ``off_value``)."""

    def infer(indices, *, depth, on_value, off_value, axis, dtype):
        require(indices.dtype.is_integer, f"one_hot's indices must be integers, got {indices}")
        require(
            isinstance(depth, int) and depth >= 0,
            f"one_hot's depth must be a non-negative int, got {depth!r}",
        )
        dims = list(indices.shape)
        dims.insert(normalize_axis(axis, len(dims) + 1), depth)
        check_dims(dims, "one_hot", unknown_ok=True)
        return TensorType(dtype, TensorShape(dims))

    def lower(indices, *, depth, on_value, off_value, axis, dtype):
        axis = axis % (indices.ndim + 1)
        shape = indices.shape[:axis] + (depth,) + indices.shape[axis:]
        hot = jnp.expand_dims(indices, axis) == lax.broadcasted_iota(indices.dtype, shape, axis)
        return jnp.where(hot, jnp.asarray(on_value, dtype.np), jnp.asarray(off_value, dtype.np))


def one_hot(
    indices: Any,
    depth: int,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.one_hot``; the dtype defaults to ``on_value``'s or ``off_value``'s, else float32."""
    if dtype is None:
        given = [v for v in (on_value, off_value) if v is not None]
        dtype = _python_dtype(given[0]) if given else float32
    dtype = as_dtype(dtype)
    (depth,) = _static_ints((depth,), "one_hot's depth")
    return apply1(
        "one_hot",
        [indices],
        name,
        depth=depth,
        on_value=_scalar_attr(1 if on_value is None else on_value, dtype, "one_hot's on_value"),
        off_value=_scalar_attr(0 if off_value is None else off_value, dtype, "one_hot's off_value"),
        axis=-1 if axis is None else axis_arg(axis),
        dtype=dtype,
    )


# ---- selection ---------------------------------------------------------------------------------
@op("select", "Select")
class Select:
    """``where(condition, x, y)`` with NumPy broadcasting of all three."""

    def infer(condition, x, y):
        require(condition.dtype is bool_, f"where's condition must be bool, got {condition.dtype.short}")
        require(x.dtype is y.dtype, f"where's branches differ in dtype: {x.dtype.short} vs {y.dtype.short}")
        return broadcast_type(x.dtype, condition, x, y)

    def lower(condition, x, y):
        return jnp.where(condition, x, y)

    def grad(op, g):
        condition, x, y = op.inputs
        zero = zeros_like(g)
        return (
            None,
            math_ops.unbroadcast(where(condition, g, zero), x, condition, y),
            math_ops.unbroadcast(where(condition, zero, g), y, condition, x),
        )


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Elementwise ``x if condition else y`` (both branches required: shapes are static)."""
    if x is None or y is None:
        raise InvalidArgumentError(
            "jg.where(condition) without x and y returns data-dependent shapes, which XLA "
            "cannot compile: pass both x and y"
        )
    x, y = math_ops.convert_operands(x, y)
    return apply1("select", [condition, x, y], name)
