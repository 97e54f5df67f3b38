"""The IR text format: one line per op, typed, with the creating source line.

    graph(seed=7) {
      %x = placeholder() {dtype=f32, shape=[?,784]} : f32[?,784]  # model.py:3
      %dense/MatMul = matmul(%x, %dense/w/read) : f32[?,10]  # model.py:12
    }

Operands are ``%op_name`` (output 0) or ``%op_name:k``; control inputs follow as ``^%op_name``.
Attributes equal to the op's defaults are left out; ``?`` is None/unknown; a type of unknown
rank prints as ``f32[*]``. ``jaxgraph.ir.parse``
reads this text back and ``print(parse(text)) == text`` for any printed graph.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import numpy as np

from jaxgraph.ir.dtypes import DType
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ir.values import ArrayValue

INLINE_ELEMENTS = 16
"""Constants with at most this many elements print as a list; larger ones as base64 bytes.
String constants always print as a list of JSON strings (each byte a character, ``\u00e9``)."""


def print_graph(graph: Any, indent: str = "", ops: Any = None) -> str:
    """The text of ``graph`` (or of its sub-list ``ops``, e.g. the ops one run needs)."""
    header = "graph" + (f"(seed={graph.seed})" if graph.seed is not None else "") + " {"
    lines = [indent + header]
    lines.extend(format_op(op, indent + "  ") for op in (graph.operations if ops is None else ops))
    lines.append(indent + "}")
    return "\n".join(lines)


def operand(tensor: Any) -> str:
    return f"%{tensor.op.name}" if tensor.value_index == 0 else f"%{tensor.name}"


def format_op(op: Any, indent: str = "") -> str:
    operands = [operand(t) for t in op.inputs] + [f"^%{c.name}" for c in op.control_inputs]
    text = f"{indent}%{op.name} = {op.type}({', '.join(operands)})"
    defaults = op.op_def.attrs
    shown = [(k, v) for k, v in op.attrs.items() if not _same(v, defaults.get(k))]
    if shown:
        text += " {" + ", ".join(f"{k}={format_value(v, indent)}" for k, v in shown) + "}"
    if op.device:
        text += f" @{json.dumps(op.device)}"
    text += " : " + format_types([t.type for t in op.outputs])
    if op.location is not None:
        text += f"  # {location_text(op.location)}"
    return text


def location_text(location: Any) -> str:
    """``file:line`` for a location comment: the file's base name, every character in it that is
    not printable (a line break, a control character) shown as ``?``, so the comment stays one
    line of text that parses back."""
    file = "".join(c if c.isprintable() else "?" for c in os.path.basename(location.file))
    return f"{file}:{int(location.line)}"


def _same(a: Any, b: Any) -> bool:
    """Whether an attribute value is its default: also ``-0.0`` differs from ``0.0`` here."""
    return type(a) is type(b) and a == b and repr(a) == repr(b)


def format_types(types: list[TensorType]) -> str:
    if len(types) == 1:
        return str(types[0])
    return "(" + ", ".join(str(t) for t in types) + ")"


def format_value(value: Any, indent: str = "") -> str:
    """One attribute value in IR syntax."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, DType):
        return value.short
    if isinstance(value, tuple):
        return "[" + ",".join(format_value(v, indent) for v in value) + "]"
    if isinstance(value, ArrayValue):
        return format_array(value)
    if hasattr(value, "operations"):
        return print_graph(value, indent).lstrip()
    raise TypeError(f"cannot print attribute value {value!r}")


def format_array(value: ArrayValue) -> str:
    array = value.array
    prefix = f"tensor<{value.dtype.short}{list_shape(array.shape)}>"
    if array.dtype == object:  # strings, always inline: each a JSON string of its bytes as Latin-1
        return prefix + "[" + ",".join(json.dumps(x.decode("latin-1")) for x in array.reshape(-1)) + "]"
    if array.size <= INLINE_ELEMENTS:
        items = [_format_scalar(x) for x in array.reshape(-1)]
        parsed = parse_scalars(items, array.dtype)
        if parsed.tobytes() == array.tobytes():
            return prefix + "[" + ",".join(items) + "]"
    data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    return prefix + 'b64"' + base64.b64encode(data).decode() + '"'


def list_shape(shape: tuple) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _format_scalar(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    return str(x)


def abbreviated(text: str, limit: int = 24) -> str:
    """``text`` for an error message: its start and length when it is longer than ``limit``."""
    return text if len(text) <= limit else f"{text[: limit // 2]}...({len(text)} characters)"


def parse_scalars(items: list[str], dtype: np.dtype) -> np.ndarray:
    """Inverse of the inline element list of ``format_array``."""
    if dtype.kind in "iu":
        long = next((s for s in items if len(s) > 21), None)  # no int64 or uint64 is longer
        if long is not None:
            raise ValueError(f"integer {abbreviated(long)} is out of range for {dtype}")
    if dtype == np.bool_:
        bad = next((s for s in items if s not in ("true", "false")), None)
        if bad is not None:
            raise ValueError(f"{bad!r} is not a bool (true or false)")
        return np.array([s == "true" for s in items], dtype=dtype)
    if dtype.kind in "iu":
        return np.array([int(s) for s in items], dtype=dtype)
    return np.array([float(s) for s in items], dtype=np.float64).astype(dtype)
