"""Ops that make tensors from nothing but attributes: constants, placeholders, fills
(``fill``, ``zeros``, ``ones``, ``zeros_like``, ``ones_like``) and ``range``.

``constant`` itself (the builder every Python value goes through) lives in ``ops.core``; its op
is declared here with the other sources. A ``placeholder`` without a shape has an unknown rank
(TF1's ``tf.placeholder(tf.float32)``). A fill's shape is a list of ints, ``jg.shape(x)`` for x's
run-time shape (``full_like`` then fills at run time), or any int vector tensor (or a list
holding tensors), as ``range``'s limits may be tensors: known when the graph is built, they give
the static op; otherwise its twin (``jaxgraph.ops.shape_args``), made static when the Session
specializes the graph to its feeds. Shapes must have dimensions in ``[0, 2**63)`` and fewer than
``2**63`` elements (XLA's int64 sizes).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, float32, float64, int32, int64, string
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import FED, REQUIRED, op, type_error
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType
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
from jaxgraph.ops.shape_args import declare_twin, known_shape, known_value, static_or_tensor

__all__ = ["constant", "fill", "ones", "ones_like", "placeholder", "range", "zeros", "zeros_like"]


@op("constant", "Const", attrs={"value": REQUIRED, "dtype": REQUIRED}, value_attr="value")
class Constant:
    def infer(*, value, dtype):
        if value.dtype is not dtype:  # no ``require``: its message would be formatted per constant
            raise type_error(f"constant value has dtype {value.dtype.short}, not {dtype.short}")
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
        if shape is None:  # unknown rank: TF1's tf.placeholder(tf.float32)
            return TensorType(dtype, UNKNOWN_RANK)
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

    ``shape`` lists the dimensions, ``None`` for an unknown one; ``shape=None`` (the default)
    leaves even the rank unknown: each run's fed shape decides it (the Session compiles once
    per fed shape, see ``jaxgraph.ir.passes.specialize``), except for a ``string`` placeholder,
    a scalar by default (TF1's ``tf.placeholder(tf.string)`` fed one str or bytes).
    """
    if shape is None and as_dtype(dtype) is string:
        shape = ()
    if shape is None:
        return apply1("placeholder", [], name, dtype=as_dtype(dtype), shape=None)
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


def _fill_partial(*, shape, value, dtype):
    """The type of a fill of a shape known in part (None entries; None: unknown length)."""
    if shape is not None:
        check_dims(shape, "fill", unknown_ok=True)
    return TensorType(dtype, TensorShape(shape))


declare_twin("fill", {"shape": "shape"}, _fill_partial)


def fill(dims: Any, value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the Python scalar or scalar Tensor ``value``; TF1's
    ``tf.fill``.

    ``dims`` is a list of ints, ``jg.shape(x)`` for x's run-time shape, or an int vector tensor.
    """
    source = shape_ops.shape_source(dims)
    if is_tensor(value):
        value = convert_to_tensor(value)
        if source is not None:
            return shape_ops.broadcast_like(value, source, name)
        return shape_ops.broadcast_to(value, dims, name)
    dtype = as_dtype(dtype) if dtype is not None else python_dtype(value)
    if source is not None:
        return _full_like(source, value, dtype, name)
    shape, tensor = static_or_tensor(dims)
    value = scalar_attr(value, dtype)
    if tensor is not None:
        return apply1("fill_dynamic", [tensor], name, shape=known_shape(tensor), value=value, dtype=dtype)
    return apply1("fill", [], name, shape=static_ints(shape, "fill's dims"), value=value, dtype=dtype)


def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """A tensor of ``shape`` (static, or a 1-D int tensor) filled with 0; TF1's ``tf.zeros``."""
    return fill(shape, 0, as_dtype(dtype), name or "zeros")


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """A tensor of ``shape`` (static, or a 1-D int tensor) filled with 1; TF1's ``tf.ones``."""
    return fill(shape, 1, as_dtype(dtype), name or "ones")


@op(
    "full_like",
    "FullLike",
    attrs={"value": REQUIRED, "dtype": REQUIRED},
    value_attr="value",
    unknown_rank=True,
)
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


RANGE_DTYPES = (int32, int64, float32, float64)
"""TF1's ``tf.range`` dtypes, in the order its dtype inference ranks them."""


def _range_length(start: Any, limit: Any, delta: Any) -> int:
    """TF1's element count of ``range(start, limit, delta)``, or a type error for bad limits."""
    require(delta != 0, f"Requires delta != 0: {delta}")
    require(delta < 0 or start <= limit, f"Requires start <= limit when delta > 0: {start}/{limit}")
    require(delta > 0 or start >= limit, f"Requires start >= limit when delta < 0: {start}/{limit}")
    if all(isinstance(v, int) for v in (start, limit, delta)):
        return (abs(limit - start) + abs(delta) - 1) // abs(delta)
    return math.ceil(abs((limit - start) / delta))


@op("range", "Range", attrs={"start": 0, "limit": REQUIRED, "delta": 1, "dtype": int32})
class Range:
    """``start, start + delta, ...`` up to (not including) ``limit``; TF1's ``Range`` op."""

    def infer(*, start, limit, delta, dtype):
        require(
            dtype in RANGE_DTYPES, f"range's dtype must be int32, int64, float32 or float64, not {dtype.name}"
        )
        n = _range_length(start, limit, delta)
        check_dims((n,), "range")
        return TensorType(dtype, TensorShape((n,)))

    def lower(*, start, limit, delta, dtype):
        return jnp.arange(start, limit, delta, dtype=dtype.np)


declare_twin("range", {"start": "scalar", "limit": "scalar", "delta": "scalar"},
             lambda *, start, limit, delta, dtype: TensorType(dtype, TensorShape((None,))))  # fmt: skip


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Tensor:  # noqa: A001
    """TF1's ``tf.range(start, limit=None, delta=1, dtype=None, name="range")``: the numbers
    ``start, start + delta, ...`` before ``limit`` (``range(n)`` counts from 0).

    The dtype, unless given, is the widest of the arguments' (int32 < int64 < float32 < float64;
    Python ints are int32, floats float32), as TF1 infers it. Tensor arguments not known when the
    graph is built are read when the Session compiles for its feeds (a fed value then gets its
    own executable). No gradient, as in TF1.
    """
    if limit is None:
        start, limit = 0, start
    args = [convert_to_tensor(v) if is_tensor(v) else v for v in (start, limit, delta)]
    kinds = [v.dtype if is_tensor(v) else python_dtype(v) if not isinstance(v, np.generic)
             else as_dtype(convert_to_tensor(v).dtype) for v in args]  # fmt: skip
    inferred = as_dtype(dtype) if dtype is not None else _widest(kinds)
    known = [known_value(v) if is_tensor(v) else np.asarray(v) for v in args]
    if all(v is not None for v in known):
        python = int if inferred.is_integer else float
        values = [python(np.asarray(v).astype(inferred.np).item()) for v in known]
        return apply1("range", [], name, start=values[0], limit=values[1], delta=values[2], dtype=inferred)
    tensors = [shape_ops.cast(convert_to_tensor(v, python_dtype(v)) if not is_tensor(v) else v, inferred)
               for v in args]  # fmt: skip
    return apply1("range_dynamic", tensors, name, dtype=inferred)


def _widest(kinds: list[DType]) -> DType:
    """TF1's range dtype inference: the latest of the arguments' dtypes in ``RANGE_DTYPES``."""
    bad = next((k for k in kinds if k not in RANGE_DTYPES), None)
    if bad is not None:
        raise InvalidArgumentError(
            f"range's arguments must be int32, int64, float32 or float64, not {bad.name}"
        )
    return builtins.max(kinds, key=RANGE_DTYPES.index)
