"""What every op family builds on: creating ops, converting Python values, common type rules.

Builder functions (``jg.matmul`` ...) sit next to each op's declaration and create the op in the
default graph through ``apply``. Python values become ``constant`` ops via ``convert_to_tensor``;
a Python scalar next to a Tensor takes the Tensor's dtype (JAX's "weak type" rule), so ``x + 1``
stays ``f32`` for an ``f32`` x.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, convert_keeping_values, float32, promote_types, string
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import OpDef, TypeRuleError, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType, broadcast_shapes
from jaxgraph.ir.values import ArrayValue, string_array


def apply(op_type: str, inputs: Sequence[Any], name: str | None = None, **attrs: Any) -> Operation:
    """Creates an op of ``op_type`` in the default graph and returns it."""
    return get_default_graph().create_op(op_type, _tensors(inputs), attrs, name)


def apply1(op_type: str, inputs: Sequence[Any], name: str | None = None, **attrs: Any) -> Tensor:
    """``apply`` for single-output ops: returns the output Tensor. (``apply``'s body, not a
    call to it: every op builder goes through here.)"""
    for x in inputs:  # a loop, not a call: inputs are Tensors already in the common case
        if type(x) is not Tensor:
            inputs = _tensors(inputs)
            break
    return get_default_graph().create_op(op_type, inputs, attrs, name, caller=3).outputs[0]


def _tensors(inputs: Sequence[Any]) -> list[Tensor]:
    """``inputs`` converted to Tensors."""
    return [x if type(x) is Tensor else convert_to_tensor(x) for x in inputs]


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A Tensor from a Tensor, a Variable, a NumPy array, a Python number or nested list.

    Python floats become ``float32`` and ints ``int32`` (TF1); NumPy arrays keep their dtype
    (a 64-bit one too: see ``jaxgraph.ir.dtypes`` for how it computes without JAX's x64 mode).
    """
    if type(value) is np.ndarray:  # checked first: a Variable's initial value, often
        return constant(value, dtype=dtype, name=name)
    if isinstance(value, Tensor):
        if dtype is not None and as_dtype(dtype) is not value.dtype:
            raise type_error_for_conversion(value, as_dtype(dtype))
        return value
    to_tensor = getattr(value, "_to_tensor", None)
    if to_tensor is not None:
        return convert_to_tensor(to_tensor(), dtype, name)
    return constant(value, dtype=dtype, name=name)


def is_tensor(value: Any) -> bool:
    """Whether ``value`` is a Tensor or converts to one as a graph value (a Variable)."""
    return isinstance(value, Tensor) or hasattr(value, "_to_tensor")


def type_error_for_conversion(value: Tensor, dtype: DType) -> Exception:
    return InvalidArgumentError(
        f"Tensor '{value.name}' has dtype {value.dtype.name}, expected {dtype.name}", value.op
    )


def to_numpy(value: Any, dtype: DType | None = None) -> np.ndarray:
    """The NumPy array a Python value denotes, with TF1's default dtypes: Python floats are
    float32, Python ints int32 (int64 when one does not fit in int32), arrays keep their dtype
    (64-bit ones too, whatever JAX's x64 mode: see ``jaxgraph.ir.dtypes``). With ``dtype``, an
    integer array that ``dtype`` cannot hold is refused instead of wrapped."""
    if dtype is not None:
        if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "iu" and dtype.is_integer:
            array, lost = convert_keeping_values(value, dtype.np)
            if lost is not None:
                raise InvalidArgumentError(
                    f"cannot convert {value!r} to {dtype.name}: its value {value[lost].item()!r} does not fit"
                )
            return array
        return np.asarray(value, dtype=dtype.np)
    array = np.asarray(value)
    if not isinstance(value, (np.ndarray, np.generic)) and not hasattr(value, "__array__"):
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu":
            array, lost = convert_keeping_values(array, np.int32)
            array = array if lost is None else np.asarray(value, np.int64)
    if array.dtype.kind in "OSU":  # string values go through values.string_array
        raise InvalidArgumentError(f"unsupported dtype {array.dtype!r}")
    as_dtype(array.dtype)  # rejects unsupported dtypes (complex ...)
    return array


def convert_pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Converts a binary op's operands; a non-Tensor operand takes the other's dtype if it can."""
    if type(a) is Tensor and type(b) is Tensor:  # the common case, made cheap
        return a, b
    a_tensor, b_tensor = is_tensor(a), is_tensor(b)
    if a_tensor and not b_tensor:
        a = convert_to_tensor(a)
        return a, constant(b, dtype=weak_dtype(b, a.dtype))
    if b_tensor and not a_tensor:
        b = convert_to_tensor(b)
        return constant(a, dtype=weak_dtype(a, b.dtype)), b
    return convert_to_tensor(a), convert_to_tensor(b)


def weak_dtype(value: Any, other: DType) -> DType | None:
    """The dtype a Python scalar takes next to a tensor of dtype ``other`` (as in jax.numpy); a
    NumPy value of the same kind takes ``other`` too, as TF1 converts it (``x * np.ones(3)`` is
    float32 for a float32 ``x``, not float64)."""
    if isinstance(value, (np.ndarray, np.generic)):
        same_kind = (value.dtype.kind == "f" and other.is_floating) or (
            value.dtype.kind in "iu" and other.is_integer
        )
        return other if same_kind else None
    if isinstance(value, bool):
        return other if other.is_bool else None
    if isinstance(value, int):
        return other if not other.is_bool else None
    if isinstance(value, float):
        return other if other.is_floating else float32
    return None


# ---- shared pieces of type rules ---------------------------------------------------------------
def broadcast_type(dtype: DType, *types: TensorType) -> TensorType:
    """The result type of an elementwise op with result dtype ``dtype`` over ``types``."""
    shape = types[0].shape
    if len(types) == 2 and shape == types[1].shape:  # a fast path for same-shaped operands
        return TensorType(dtype, shape)
    for t in types[1:]:
        result = broadcast_shapes(shape, t.shape)
        if result is None:
            raise type_error(
                "shapes "
                + " and ".join(f"{x.dtype.short}{x.shape}" for x in types)
                + " cannot be broadcast together"
            )
        shape = result
    return TensorType(dtype, shape)


def promoted(*types: TensorType) -> DType:
    """The promoted dtype of several operands (jax.numpy's promotion lattice)."""
    dtype = types[0].dtype
    if len(types) == 2 and types[1].dtype is dtype:  # a fast path for operands of one dtype
        return dtype
    for t in types[1:]:
        dtype = promote_types(dtype, t.dtype)
    return dtype


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    """``axis`` in ``[-rank, rank)`` as a non-negative int; a TypeRuleError otherwise."""
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise type_error(f"{what} {axis!r} is out of range for a tensor of rank {rank}")
    return axis % rank


def normalize_axes(axis: Any, rank: int) -> tuple[int, ...]:
    """A sorted tuple of distinct non-negative axes (``None`` means all axes)."""
    if axis is None:
        return tuple(range(rank))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    result = tuple(sorted({normalize_axis(a, rank) for a in axes}))
    if len(result) != len(axes):
        raise type_error(f"repeated axis in {axes}")
    return result


def deprecated_argument_lookup(new_name: str, new_value: Any, old_name: str, old_value: Any) -> Any:
    """The value of an argument TF1 renamed (``axis`` was ``reduction_indices``, ``dim``, ...):
    whichever of the two spellings was given. Both given is an error, as in TF1, even when equal."""
    if old_value is None:
        return new_value
    if new_value is not None:
        raise InvalidArgumentError(f"Cannot specify both '{new_name}' and '{old_name}'")
    return old_value


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python or NumPy int (bools are not ints here)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def canonical_axes(axis: Any) -> Any:
    """A builder's ``axis`` argument as an attribute value: None, or a tuple of ints."""
    if axis is None:
        return None
    items = (axis,) if is_int(axis) else axis
    try:
        if all(is_int(a) for a in items):
            return tuple(int(a) for a in items)
    except TypeError:
        pass
    raise InvalidArgumentError(f"axis must be an int, a list of ints or None, got {axis!r}")


def axis_arg(axis: Any, what: str = "axis") -> int:
    """A builder's single ``axis`` argument as an int (floats and bools are not axes)."""
    if is_int(axis):
        return int(axis)
    raise InvalidArgumentError(f"{what} must be an int, got {axis!r}")


def static_ints(values: Any, what: str, unknown: int | None = None) -> tuple[int, ...]:
    """``values`` (a sequence of ints) as a tuple of Python ints: jaxgraph shapes are static.
    A None entry becomes ``unknown`` where that is given (reshape's -1)."""
    if is_tensor(values) or isinstance(values, str):
        raise not_static(values, what)
    try:
        if not all(is_int(v) or (v is None and unknown is not None) for v in values):
            raise TypeError
        return tuple(unknown if v is None else int(v) for v in values)
    except TypeError:
        raise not_static(values, what) from None


def not_static(values: Any, what: str) -> InvalidArgumentError:
    """The error for a Tensor (or other non-ints) where a static list of ints is needed."""
    return InvalidArgumentError(
        f"{what} must be a list of Python ints, got {values!r}: jaxgraph shapes are static "
        "(jg.shape(x) itself is accepted where a shape means x's run-time shape)"
    )


def scalar_attr(value: Any, dtype: DType, what: str = "the fill value") -> Any:
    """A Python scalar as an attribute value of ``dtype``'s kind (fill, pad and one_hot values)."""
    if is_tensor(value):
        raise InvalidArgumentError(f"{what} must be a Python scalar, got {value!r}")
    if dtype.is_bool:
        return bool(value)
    if dtype.is_integer:
        return int(value)
    return float(value)


def python_dtype(value: Any) -> DType:
    """The dtype jaxgraph gives a Python or NumPy scalar (float32 for floats, int32 for ints)."""
    return as_dtype(to_numpy(value).dtype)


INT64_MAX = 2**63 - 1


def check_dims(dims: Any, what: str, unknown_ok: bool = False) -> None:
    """A type error unless every dimension of ``dims`` is an int in ``[0, 2**63)`` (or None, where
    ``unknown_ok``) and the element count fits in int64, as XLA and TF1 require."""
    if any(d is None for d in dims) and not unknown_ok:
        raise type_error(f"{what} needs a fully known shape, got {list(dims)}")
    known = [d for d in dims if d is not None]
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in known):
        raise type_error(f"{what}'s shape {list(dims)} must list ints")
    if any(d < 0 for d in known):
        raise type_error(f"{what}'s shape {list(dims)} has a negative dimension")
    count = 1
    for d in known:
        count *= d
    if count > INT64_MAX or any(d > INT64_MAX for d in known):
        raise type_error(f"{what}'s shape {list(dims)} does not fit in int64 (dimensions and element count)")


def check_at_run_time(opdef: OpDef, *arrays: Any, **attrs: Any) -> None:
    """Runs ``opdef``'s type rule again on the concrete shapes of a run (called by lowerings).

    Checks that unknown (``None``) dimensions put off at build time (an index past the end, split
    sizes, concat shapes ...) fail here with ``InvalidArgumentError``, where XLA would clamp.
    """
    try:
        opdef.infer(*(TensorType(as_dtype(a.dtype), TensorShape(a.shape)) for a in arrays), **attrs)
    except TypeRuleError as e:
        raise InvalidArgumentError(f"{e} (when the graph ran)") from None


def require(condition: bool, message: str) -> None:
    if not condition:
        raise type_error(message)


def require_float(t: TensorType, op_name: str) -> None:
    require(t.dtype.is_floating, f"{op_name} expects a floating-point tensor, got {t.dtype.short}{t.shape}")


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """TF1's ``tf.constant``: a tensor holding ``value`` (broadcast to ``shape`` if given).

    ``str`` and ``bytes`` values (and lists of them) make ``string`` tensors (TF1's
    ``tf.constant("Hello")``), which live on the host: see ``jaxgraph.ops.strings``."""
    if dtype is None and type(value) is np.ndarray and value.dtype.kind in "biuf":
        array = value  # a numeric array as it is (a Variable's initial value, often): ArrayValue copies
    else:
        array = _constant_array(value, as_dtype(dtype) if dtype is not None else None)
    if shape is not None:
        array = _broadcast_constant(array, shape)
    value = ArrayValue(array)
    return apply1("constant", [], name, value=value, dtype=value.dtype)


def _constant_array(value: Any, dtype: DType | None) -> np.ndarray:
    """``constant``'s NumPy array of ``value`` as ``dtype`` (None: the value's own dtype):
    string values as ``string_array`` holds them, others as ``_numeric_array`` makes them."""
    array = string_array(value) if dtype is None or dtype is string else None
    if array is None and dtype is string:
        raise InvalidArgumentError(
            f"cannot convert {value!r} to a string tensor: it holds values that are not str or bytes"
        )
    return _numeric_array(value, dtype) if array is None else array


def _numeric_array(value: Any, dtype: DType | None) -> np.ndarray:
    """``constant``'s NumPy array of a value that is not a string."""
    try:
        return to_numpy(value, dtype)
    except (TypeError, ValueError, OverflowError) as e:
        if isinstance(e, InvalidArgumentError):
            if np.asarray(value).dtype == object:
                raise InvalidArgumentError(
                    f"cannot convert {value!r} to a tensor: it holds an int beyond 64 bits or a "
                    "value that is not a number"
                ) from None
            raise
        raise InvalidArgumentError(f"cannot convert {value!r} to a tensor: {e}") from None


def _broadcast_constant(array: np.ndarray, shape: Any) -> np.ndarray:
    """``array`` broadcast to ``constant``'s ``shape`` argument; InvalidArgumentError if it can't."""
    try:
        dims = tuple(int(d) if is_int(d) else d for d in shape)
        check_dims(dims, "constant")
        return np.broadcast_to(array, dims)
    except TypeRuleError as e:
        raise InvalidArgumentError(str(e)) from None
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"cannot broadcast a constant of shape {list(array.shape)} to {shape!r}"
        ) from None
