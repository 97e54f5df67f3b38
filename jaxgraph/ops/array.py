"""Array ops: constants and placeholders, identity, casts, shapes (reshape, expand_dims ...),
filling, selection, and the structural ops (transpose, concat, slicing, gather ...).

Each op is declared once, with its type rule, JAX lowering and gradient rule, next to the
TF1-named builder function that creates it.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from jax import lax

from jaxgraph.ir.dtypes import DType, as_dtype, bool_
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import math as math_ops
from jaxgraph.ops.core import (
    apply,
    apply1,
    broadcast_type,
    constant,
    convert_to_tensor,
    normalize_axis,
    require,
)

__all__ = [
    "broadcast_like", "cast", "constant", "expand_dims", "fill", "group", "identity", "no_op",
    "ones", "ones_like", "placeholder", "reshape", "stop_gradient", "where", "zeros",
    "zeros_like",
]  # fmt: skip


# ---- sources -----------------------------------------------------------------------------------
@op("constant", "Const", attrs={"value": REQUIRED, "dtype": REQUIRED})
class Constant:
    def infer(*, value, dtype):
        require(value.dtype is dtype, f"constant value has dtype {value.dtype.short}, not {dtype.short}")
        return TensorType(dtype, TensorShape(value.shape))

    def lower(*, value, dtype):
        return jnp.asarray(value.array)

    def grad(op, g):
        return ()


@op("placeholder", "Placeholder", attrs={"dtype": REQUIRED, "shape": REQUIRED})
class Placeholder:
    """A value fed at run time; lowered as a parameter of the generated function."""

    def infer(*, dtype, shape):
        require(isinstance(dtype, DType), f"placeholder dtype must be a dtype, got {dtype!r}")
        require(isinstance(shape, tuple), f"placeholder shape must be a list of dims, got {shape!r}")
        return TensorType(dtype, TensorShape(shape))

    def grad(op, g):
        return ()


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Tensor:
    """TF1's ``tf.placeholder``: a tensor whose value is fed to ``Session.run``.

    ``shape`` lists the dimensions, ``None`` for an unknown one; its rank must be given.
    """
    from jaxgraph.errors import InvalidArgumentError

    if shape is None:
        raise InvalidArgumentError(
            f"placeholder {name or ''!r} needs a shape: jaxgraph tensors have a static rank "
            "(use None for unknown dimensions, e.g. shape=(None, 784))"
        )
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    dims = tuple(None if d is None or d == -1 else int(d) for d in dims)
    return apply1("placeholder", [], name, dtype=as_dtype(dtype), shape=dims)


# ---- identity and friends ----------------------------------------------------------------------
@op("identity", "Identity")
class Identity:
    def infer(x):
        return TensorType(x.dtype, x.shape)

    def lower(x):
        return x

    def grad(op, g):
        return (g,)


def identity(input: Any, name: str | None = None) -> Tensor:
    return apply1("identity", [input], name)


@op("stop_gradient", "StopGradient")
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


@op("no_op", "NoOp")
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
    from jaxgraph.ir.graph import get_default_graph

    ops = []
    for x in inputs:
        x = x._as_graph_element() if hasattr(x, "_as_graph_element") else x
        ops.append(x.op if isinstance(x, Tensor) else x)
    graph = get_default_graph()
    return graph.create_op("no_op", [], {}, name or "group_deps", control_inputs=ops)


# ---- dtype and shape ---------------------------------------------------------------------------
@op("cast", "Cast", attrs={"dtype": REQUIRED})
class Cast:
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


@op("reshape", "Reshape", attrs={"shape": REQUIRED})
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
        return TensorType(x.dtype, TensorShape(dims))

    def lower(x, *, shape):
        return jnp.reshape(x, shape)

    def grad(op, g):
        return (reshape_like(g, op.inputs[0]),)


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.reshape`` with a static target shape (``-1`` for one inferred dimension)."""
    dims = tuple(-1 if d is None else int(d) for d in shape)
    return apply1("reshape", [tensor], name, shape=dims)


@op("reshape_like", "ReshapeLike")
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


@op("expand_dims", "ExpandDims", attrs={"axis": REQUIRED})
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
    return apply1("expand_dims", [input], name, axis=int(axis))


@op("broadcast_like", "BroadcastLike")
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
        return (math_ops.unbroadcast(g, op.inputs[0]), None)


def broadcast_like(x: Any, like: Tensor, name: str | None = None) -> Tensor:
    return apply1("broadcast_like", [x, like], name)


# ---- filling -----------------------------------------------------------------------------------
@op("fill", "Fill", attrs={"shape": REQUIRED, "value": REQUIRED, "dtype": REQUIRED})
class Fill:
    def infer(*, shape, value, dtype):
        require(
            all(isinstance(d, int) and d >= 0 for d in shape),
            f"fill needs a fully known shape, got {list(shape)}",
        )
        return TensorType(dtype, TensorShape(shape))

    def lower(*, shape, value, dtype):
        return jnp.full(shape, value, dtype.np)


def _scalar_attr(value: Any, dtype: DType) -> Any:
    if dtype.is_bool:
        return bool(value)
    if dtype.is_integer:
        return int(value)
    return float(value)


def fill(dims: Any, value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the Python scalar or scalar Tensor ``value``."""
    shape = tuple(int(d) for d in dims)
    if isinstance(value, Tensor) or hasattr(value, "_to_tensor"):
        value = convert_to_tensor(value)
        return broadcast_like(value, fill(shape, 0, value.dtype), name)
    dtype = as_dtype(dtype) if dtype is not None else constant(value).dtype
    return apply1("fill", [], name, shape=shape, value=_scalar_attr(value, dtype), dtype=dtype)


def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return fill(shape, 0, as_dtype(dtype), name or "zeros")


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return fill(shape, 1, as_dtype(dtype), name or "ones")


@op("full_like", "FullLike", attrs={"value": REQUIRED, "dtype": REQUIRED})
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
            math_ops.unbroadcast(where(condition, g, zero), x),
            math_ops.unbroadcast(where(condition, zero, g), y),
        )


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Elementwise ``x if condition else y`` (both branches required: shapes are static)."""
    from jaxgraph.errors import InvalidArgumentError

    if x is None or y is None:
        raise InvalidArgumentError(
            "jg.where(condition) without x and y returns data-dependent shapes, which XLA "
            "cannot compile: pass both x and y"
        )
    x, y = math_ops.convert_operands(x, y)
    return apply1("select", [condition, x, y], name)
