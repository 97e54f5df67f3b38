"""Ops that make tensors from nothing but attributes: constants, placeholders and fills
(``fill``, ``zeros``, ``ones``, ``zeros_like``, ``ones_like``).

``constant`` itself (the builder every Python value goes through) lives in ``ops.core``; its op
is declared here with the other sources. ``placeholder`` needs a rank (``None`` for an unknown
dimension): jaxgraph tensors have a static rank. A fill's shape is a list of ints, or
``jg.shape(x)`` for x's run-time shape (``full_like`` then fills at run time). Shapes must have
dimensions in ``[0, 2**63)`` and fewer than ``2**63`` elements (XLA's int64 sizes).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, string
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import FED, REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import (
    apply1,
    check_dims,
    constant,
    convert_to_tensor,
    is_int,
    is_tensor,
    python_dtype,
    require,
    scalar_attr,
    static_ints,
)

__all__ = ["constant", "fill", "ones", "ones_like", "placeholder", "zeros", "zeros_like"]


@op("constant", "Const", attrs={"value": REQUIRED, "dtype": REQUIRED}, value_attr="value")
class Constant:
    def infer(*, value, dtype):
        require(value.dtype is dtype, f"constant value has dtype {value.dtype.short}, not {dtype.short}")
        return TensorType(dtype, TensorShape(value.shape))

    def lower(*, value, dtype):
        return jnp.asarray(value.array)

    def host(*, value, dtype):
        return value.array

    def grad(op, g):
        return ()


@op("placeholder", "Placeholder", attrs={"dtype": REQUIRED, "shape": REQUIRED}, parameter=True, host=FED)
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

    ``shape`` lists the dimensions, ``None`` for an unknown one; its rank must be given, except
    for a ``string`` placeholder, a scalar by default (TF1's ``tf.placeholder(tf.string)`` fed
    one str or bytes).
    """
    if shape is None and as_dtype(dtype) is string:
        shape = ()
    if shape is None:
        raise InvalidArgumentError(
            f"placeholder {name or ''!r} needs a shape: jaxgraph tensors have a static rank "
            "(use None for unknown dimensions, e.g. shape=(None, 784))"
        )
    try:
        if isinstance(shape, str) or is_tensor(shape):
            raise TypeError
        dims = (shape,) if isinstance(shape, int) else shape
        if not all(d is None or is_int(d) for d in dims):
            raise TypeError
        dims = tuple(None if d is None or d == -1 else int(d) for d in dims)
    except TypeError:
        raise InvalidArgumentError(f"placeholder's shape must list ints or None, got {shape!r}") from None
    return apply1("placeholder", [], name, dtype=as_dtype(dtype), shape=dims)


@op("fill", "Fill", attrs={"shape": REQUIRED, "value": REQUIRED, "dtype": REQUIRED}, value_attr="value")
class Fill:
    def infer(*, shape, value, dtype):
        check_dims(shape, "fill")
        return TensorType(dtype, TensorShape(shape))

    def lower(*, shape, value, dtype):
        return jnp.full(shape, value, dtype.np)


def fill(dims: Any, value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the Python scalar or scalar Tensor ``value``; TF1's
    ``tf.fill``.

    ``dims`` is a list of ints, or ``jg.shape(x)`` for x's run-time shape.
    """
    source = shape_ops.shape_source(dims)
    if is_tensor(value):
        value = convert_to_tensor(value)
        like = source if source is not None else fill(dims, 0, value.dtype)
        return shape_ops.broadcast_like(value, like, name)
    dtype = as_dtype(dtype) if dtype is not None else python_dtype(value)
    if source is not None:
        return _full_like(source, value, dtype, name)
    shape = static_ints(dims, "fill's dims")
    return apply1("fill", [], name, shape=shape, value=scalar_attr(value, dtype), dtype=dtype)


def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """A tensor of ``shape`` (static, or a 1-D int tensor) filled with 0; TF1's ``tf.zeros``."""
    return fill(shape, 0, as_dtype(dtype), name or "zeros")


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """A tensor of ``shape`` (static, or a 1-D int tensor) filled with 1; TF1's ``tf.ones``."""
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
    return apply1("full_like", [tensor], name, value=scalar_attr(value, dtype), dtype=dtype)


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """Zeros of ``tensor``'s run-time shape and (unless ``dtype`` is given) its dtype; TF1's ``tf.zeros_like``."""
    return _full_like(tensor, 0, dtype, name or "zeros_like")


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """Ones of ``tensor``'s run-time shape and (unless ``dtype`` is given) its dtype; TF1's ``tf.ones_like``."""
    return _full_like(tensor, 1, dtype, name or "ones_like")
