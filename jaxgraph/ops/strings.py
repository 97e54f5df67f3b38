"""String ops: ``as_string``, ``string_join`` (``strings.join``), as far as TF1 tutorials use them.

XLA has no string type, so string ops have no JAX lowering: each declares a ``host`` rule over
NumPy object arrays of ``bytes``, which the Session runs on the host after the XLA executable
(``jaxgraph.session.host_ops``): the numeric inputs of a string op are computed by XLA, then the
string values on the host. An op lowered to XLA that would take or give a string tensor is
refused when it is built (``jaxgraph.ir.graph``). Option errors that TF1's kernels raise when
the graph runs (``precision`` on an int ...) are raised here when the op is built, with TF1's
messages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, string
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import apply1, require

__all__ = ["as_string", "join", "string_join"]

_FLAGS = " +-0#"
"""The ``fill`` characters TF1's ``AsString`` accepts: printf flags."""


def _format(dtype: Any, precision: int, scientific: bool, shortest: bool, width: int, fill: str) -> str:
    """The printf format TF1's ``AsString`` kernel builds (``%08.3f`` ...), after its checks, in
    its order; a TypeRuleError with TF1's message when an option does not fit ``dtype``."""
    require(len(fill) <= 1, "Fill string must be one or fewer characters")
    require(not (scientific and shortest) or dtype.is_integer or dtype.is_bool,
            "Cannot select both scientific and shortest notation")  # fmt: skip
    require(not fill or fill in _FLAGS, f'Fill argument not supported: "{fill}"')
    if dtype.is_integer or dtype.is_bool:
        require(
            not (scientific or shortest),
            f"scientific and shortest format not supported for datatype {dtype.name}",
        )
        require(precision < 0, f"precision not supported for datatype {dtype.name}")
    require(dtype.is_floating or dtype.is_integer or dtype.is_bool or dtype is string,
            f"Value for attr 'T' of {dtype.name} is not in the list of allowed values")  # fmt: skip
    conversion = (
        "s"
        if dtype is string
        else "d"
        if dtype.is_integer
        else "g"
        if shortest
        else "e"
        if scientific
        else "f"
    )
    return (
        "%"
        + fill
        + (str(width) if width > -1 else "")
        + (f".{precision}" if precision > -1 else "")
        + conversion
    )


@op(
    "as_string",
    "AsString",
    attrs={"precision": -1, "scientific": False, "shortest": False, "width": -1, "fill": ""},
)
class AsString:
    """Each element as text, formatted as C's printf does with the format TF1 builds."""

    def infer(x, *, precision, scientific, shortest, width, fill):
        _format(x.dtype, precision, scientific, shortest, width, fill)
        return TensorType(string, x.shape)

    def host(x, *, precision, scientific, shortest, width, fill):
        if x.dtype == np.bool_:  # TF1 ignores the options for bools
            return _map(lambda v: b"true" if v else b"false", x)
        dtype = as_dtype(x.dtype)
        if dtype.is_unsigned:  # C's %u ignores the sign flags
            fill = fill.strip(" +")
        text = _format(dtype, precision, scientific, shortest, width, fill).encode()
        if dtype is string:  # TF1 formats strings only to pad them (then precision truncates)
            return _map(lambda v: text % v if width > -1 else v, x)
        if dtype.is_integer:
            return _map(lambda v: text % int(v), x)
        spaced = _format(dtype, precision, scientific, shortest, width, fill.replace("0", "")).encode()
        return _map(lambda v: _format_float(text, spaced, float(v)), x)


def _format_float(text: bytes, spaced: bytes, value: float) -> bytes:
    """``text % value`` as C's printf gives it: ``inf`` and ``nan`` (``-nan`` when its sign bit
    is set) are padded with spaces (the format ``spaced``: without the ``0`` flag)."""
    if math.isfinite(value):
        return text % value
    shown = spaced % math.copysign(math.inf, value)
    return shown.replace(b"inf", b"nan") if math.isnan(value) else shown


def _map(function: Any, x: np.ndarray) -> np.ndarray:
    """``function`` of each element of ``x``, as an object array of ``x``'s shape."""
    result = np.empty(x.shape, dtype=object)
    result.reshape(-1)[:] = [function(v) for v in np.asarray(x).reshape(-1)]
    return result


def as_string(input: Any, precision: int = -1, scientific: bool = False, shortest: bool = False,
              width: int = -1, fill: str = "", name: str | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.as_string``: each element of a number, bool or string tensor as text.

    Floats use ``%f`` (``%e`` with ``scientific``, ``%g`` with ``shortest``) with ``precision``
    digits, integers ``%d``; ``width`` pads to that many characters, with spaces, or zeros when
    ``fill`` is ``"0"`` (``fill`` may also be a printf flag: ``"-"`` left-aligns, ``"+"`` adds the
    sign). Runs on the host, as all string ops (see the module docstring).
    """
    return apply1("as_string", [input], name, precision=int(precision), scientific=bool(scientific),
                  shortest=bool(shortest), width=int(width), fill=str(fill))  # fmt: skip


def _join_shape(types: Sequence[TensorType]) -> TensorShape:
    """The shape of ``string_join``: its non-scalar inputs' shape, which they must share (TF1
    broadcasts scalars only)."""
    shape: tuple | None = None
    for t in types:
        if len(t.shape) == 0:
            continue
        if shape is None:
            shape = tuple(t.shape)
            continue
        require(
            len(t.shape) == len(shape), f"Shapes must be equal rank, but are {len(shape)} and {len(t.shape)}"
        )
        for i, (a, b) in enumerate(zip(shape, t.shape, strict=True)):
            require(a is None or b is None or a == b,
                    f"Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                    f"Shapes are {list(shape)} and {list(t.shape)}.")  # fmt: skip
        shape = tuple(a if a is not None else b for a, b in zip(shape, t.shape, strict=True))
    return TensorShape(shape or ())


@op("string_join", "StringJoin", attrs={"separator": ""})
class StringJoin:
    """Joins its string inputs elementwise with ``separator``; scalars go with every element."""

    def infer(*inputs, separator):
        require(len(inputs) > 0, "string_join needs at least one input")
        for t in inputs:
            require(t.dtype is string, f"string_join joins string tensors, got {t}")
        return TensorType(string, _join_shape(inputs))

    def host(*inputs, separator):
        shapes = [x.shape for x in inputs if x.ndim]
        if any(s != shapes[0] for s in shapes):
            mismatch = next(s for s in shapes if s != shapes[0])
            raise InvalidArgumentError(f"Input shapes do not match: {list(shapes[0])} vs. {list(mismatch)}")
        shape = shapes[0] if shapes else ()
        parts = [np.broadcast_to(x, shape).reshape(-1) for x in inputs]
        result = np.empty(shape, dtype=object)
        result.reshape(-1)[:] = [separator.encode().join(items) for items in zip(*parts)]
        return result


def string_join(inputs: Sequence[Any], separator: str = "", name: str | None = None) -> Tensor:
    """TF1's ``tf.string_join``: the string tensors ``inputs`` joined elementwise with
    ``separator``; they share one shape, or are scalars (joined with every element)."""
    if isinstance(inputs, (str, bytes, Tensor)) or not isinstance(inputs, Sequence):
        raise InvalidArgumentError(f"string_join expects a list of string tensors, got {inputs!r}")
    return apply1("string_join", list(inputs), name, separator=str(separator))


def join(inputs: Sequence[Any], separator: str = "", name: str | None = None) -> Tensor:
    """TF1's ``tf.strings.join``: the same as ``string_join``."""
    return string_join(inputs, separator, name)
