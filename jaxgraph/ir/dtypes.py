"""Element types of tensors: the DType objects (``jg.float32`` ...) and NumPy-style promotion.

Promotion follows ``jax.numpy`` (``jnp.promote_types``), computed once per pair and cached, so
type inference stays pure Python per op.

64-bit types work in both of JAX's modes; jaxgraph never changes JAX's configuration, it reads
it. With x64 mode on they compute in 64 bits. With it off (JAX's default) a tensor keeps its
declared dtype in the IR (``t.dtype`` is ``int64``, the IR text says ``i64``, TensorBoard says
int64) but computes in the 32-bit type JAX canonicalizes it to (``computed_as``: int64 -> int32,
uint64 -> uint32, float64 -> float32), as ``jnp.asarray(np.int64(...))`` does. Values that the
narrower type cannot hold (an int64 constant or feed beyond int32's range, a float64 overflowing
float32) are refused with ``narrowing_problem``'s explanation instead of wrapping silently.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from jaxgraph.errors import InvalidArgumentError


class DType:
    """A tensor element type: a TF1-style name (``float32``) and a short IR name (``f32``)."""

    __slots__ = ("name", "short", "np", "is_floating", "is_integer", "is_unsigned", "is_bool")

    def __init__(self, name: str, short: str, np_dtype: Any):
        self.name = name
        self.short = short
        self.np = np.dtype(np_dtype)
        # attributes, not properties: type rules ask them for every op built
        self.is_floating: bool = short.startswith(("f", "bf"))
        self.is_integer: bool = short.startswith(("i", "u"))
        self.is_unsigned: bool = short.startswith("u")
        self.is_bool: bool = short == "bool"

    @property
    def size(self) -> int:
        return self.np.itemsize

    @property
    def as_numpy_dtype(self) -> Any:
        """TF1's spelling of the NumPy scalar type."""
        return self.np.type

    def __repr__(self) -> str:
        return f"jaxgraph.{self.name}"

    def __str__(self) -> str:
        return self.short

    def __reduce__(self) -> tuple:
        """Pickles and copies as the one DType object of its name (``jg.bool`` is ``bool_`` here)."""
        return as_dtype, (self.name,)


float16 = DType("float16", "f16", np.float16)
bfloat16 = DType("bfloat16", "bf16", ml_dtypes.bfloat16)
float32 = DType("float32", "f32", np.float32)
float64 = DType("float64", "f64", np.float64)
int8 = DType("int8", "i8", np.int8)
int16 = DType("int16", "i16", np.int16)
int32 = DType("int32", "i32", np.int32)
int64 = DType("int64", "i64", np.int64)
uint8 = DType("uint8", "u8", np.uint8)
uint16 = DType("uint16", "u16", np.uint16)
uint32 = DType("uint32", "u32", np.uint32)
uint64 = DType("uint64", "u64", np.uint64)
bool_ = DType("bool", "bool", np.bool_)

ALL_DTYPES = (
    float16, bfloat16, float32, float64, int8, int16, int32, int64,
    uint8, uint16, uint32, uint64, bool_,
)  # fmt: skip
BY_SHORT_NAME = {d.short: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES} | {"half": float16, "float": float32, "double": float64}
"""TF1's names, with its C-style aliases: ``tf.placeholder("float", ...)`` is float32 (NumPy's
``"float"`` would be float64)."""
_BY_NUMPY = {d.np: d for d in ALL_DTYPES}
_PYTHON_TYPES = {bool: bool_, int: int32, float: float32}


# ---- strings (TF1's tf.string) ------------------------------------------------------------------
class _StringDType(DType):
    """TF1's ``tf.string``: each element a ``bytes`` object, held in a NumPy object array.

    XLA has no string type: string tensors live on the host, where the Session runs the ops on
    them (``jaxgraph.session.host_ops``); an op lowered to XLA cannot take or give one. ``size``
    is 0, as TF's ``tf.string.size``. NumPy's ``str``, ``bytes`` and ``object`` dtypes map here.
    """

    __slots__ = ()

    @property
    def size(self) -> int:
        return 0


string = _StringDType("string", "string", np.object_)
BY_SHORT_NAME[string.short] = string
_BY_NAME[string.name] = string
_BY_NUMPY[string.np] = string


def as_dtype(value: Any) -> DType:
    """Converts a DType, a name (``"float32"`` / ``"f32"``), a NumPy/JAX dtype or a Python type.

    Python's ``float`` and ``int`` are float32 and int32 (TF1's defaults), not NumPy's 64 bits.
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, np.dtype) and value in _BY_NUMPY:  # a fast path for NumPy's dtypes
        return _BY_NUMPY[value]
    if isinstance(value, str):
        found = _BY_NAME.get(value) or BY_SHORT_NAME.get(value)
        if found is not None:
            return found
    elif isinstance(value, type) and value in _PYTHON_TYPES:
        return _PYTHON_TYPES[value]
    if value is not None:  # np.dtype(None) is float64
        try:
            numpy_dtype = np.dtype(value)
            return string if numpy_dtype.kind in "SU" else _BY_NUMPY[numpy_dtype]
        except (TypeError, KeyError):
            pass
    raise InvalidArgumentError(f"unsupported dtype {value!r}")


@functools.cache
def promote_types(a: DType, b: DType) -> DType:
    """The result type of a binary op on ``a`` and ``b``, as ``jax.numpy`` computes it."""
    if a is b:
        return a
    return as_dtype(jnp.promote_types(a.np, b.np))


def x64_enabled() -> bool:
    """Whether the user switched on JAX's 64-bit mode (we only read it, never set it)."""
    return bool(jax.config.jax_enable_x64)


_NARROWED = {"int64": int32, "uint64": uint32, "float64": float32}
"""The 32-bit type JAX computes each 64-bit type in while its x64 mode is off."""


def computed_as(dtype: DType) -> DType:
    """The dtype ``dtype``'s values are computed in: ``dtype`` itself, except that with JAX's x64
    mode off a 64-bit type computes in its 32-bit sibling (int64 -> int32, uint64 -> uint32,
    float64 -> float32), JAX's canonicalization. Lowering and feeds use it; the IR does not."""
    narrowed = _NARROWED.get(dtype.name)
    return dtype if narrowed is None or x64_enabled() else narrowed


def computed_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """An op's attributes as its lowering rule takes them: each dtype as ``computed_as`` it."""
    return {k: computed_as(v) if isinstance(v, DType) else v for k, v in attrs.items()}


def convert_keeping_values(array: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, tuple | None]:
    """``array`` converted to ``dtype``, and the index of its first element the conversion did
    not keep (None when all were kept): an integer outside ``dtype``'s range (it would wrap) or a
    finite float that overflows to infinity. Cheap when nothing narrows: a widening integer
    conversion is not compared, and float overflow is detected by NumPy while it converts."""
    array = np.asarray(array)
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and not np.can_cast(array.dtype, dtype, casting="safe"):
        converted = array.astype(dtype)
        lost = converted != array
    else:
        try:
            with np.errstate(over="raise", invalid="ignore"):
                return array.astype(dtype), None
        except FloatingPointError:
            with np.errstate(over="ignore"):
                converted = array.astype(dtype)
            lost = np.isinf(converted) & np.isfinite(array)
    if not lost.any():
        return converted, None
    return converted, tuple(int(i) for i in np.argwhere(lost)[0])


def narrowing_problem(dtype: DType, values: Any) -> str | None:
    """Why ``values`` of the 64-bit ``dtype`` cannot be computed in 32 bits while JAX's x64 mode
    is off (None when they can, or when ``dtype`` computes as itself), e.g. ``value 3000000000 at
    [2] does not fit in int32 (int64 is computed in 32 bits because JAX's x64 mode is off; ...)``.
    """
    computed = computed_as(dtype)
    if computed is dtype:
        return None
    array = np.asarray(values)
    _, where = convert_keeping_values(array, computed.np)
    if where is None:
        return None
    at = f" at {list(where)}" if where else ""
    return (
        f"value {array[where].item()!r}{at} does not fit in {computed.name} ({dtype.name} is computed "
        "in 32 bits because JAX's x64 mode is off; jax.config.update('jax_enable_x64', True) enables it)"
    )
