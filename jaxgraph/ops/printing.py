"""TF1's ``tf.Print``, ``tf.Assert`` and the ``tf.assert_*`` checks: ops that show tensors' values
in TF1's summary format.

``tf.Print`` is an identity op that, each time it runs, writes a message and a summary of
some tensors to stderr; ``tf.Assert`` is a run-time check whose failure message holds such a
summary (see ``AssertOp``).

The op passes ``input_`` through, so it runs whenever what it feeds runs (TF1's idiom
``x = tf.Print(x, [x, y], "x, y: ")``). Its lowering calls back to the host
(``jax.debug.callback``) with the data tensors; the host formats them as TF1's
``Tensor::SummarizeValue`` does: each tensor in brackets, nested brackets per dimension, the
first ``summarize`` elements (default 3; -1 for all) followed by ``...`` where cut, numbers in
their shortest form (``2``, ``1.5``, ``1e+20``, ``-0``, ``nan``) and booleans as ``1``/``0``.
``first_n`` limits how many runs print (-1 or None: every run); the count is kept per compiled
fetch set. The op is stateful (its effect must not be merged or folded away).
"""

from __future__ import annotations

import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.opdef import op, type_error
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import reduction
from jaxgraph.ops.core import apply1, convert_to_tensor

DEFAULT_SUMMARIZE = 3


def _element(value: Any) -> str:
    """One element as TF1 prints it: shortest float form without a trailing ``.0``; bools as 1/0."""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (float, np.floating)):
        text = str(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)


def summarize_value(array: np.ndarray, limit: int) -> str:
    """``array``'s first ``limit`` elements (all when negative) in TF1's nested-bracket form,
    without the outer brackets ``Print`` adds."""
    flat = array.reshape(-1)
    limit = flat.size if limit < 0 else min(limit, flat.size)
    shape = array.shape
    if not shape:
        text = " ".join(_element(v) for v in flat[:limit])
        return text + ("..." if flat.size > limit else "")
    index = 0
    parts: list[str] = []

    def one_dim(dim: int) -> None:
        nonlocal index
        if index >= limit:
            return
        if dim == len(shape) - 1:
            for i in range(shape[dim]):
                if index >= limit:
                    if dim != 0:
                        parts.append("...")
                    return
                if i > 0:
                    parts.append(" ")
                parts.append(_element(flat[index]))
                index += 1
            return
        for _ in range(shape[dim]):
            opened = index < limit
            if opened:
                parts.append("[")
            one_dim(dim + 1)
            if index < limit or opened:
                parts.append("]")

    one_dim(0)
    return "".join(parts) + ("..." if flat.size > limit else "")


@op("print", "Print", attrs={"message": "", "first_n": -1, "summarize": DEFAULT_SUMMARIZE}, stateful=True)
class PrintOp:
    """``input_`` passed through; prints ``message`` and the summarized data tensors to stderr."""

    def infer(input_, *data, message, first_n, summarize):
        return TensorType(input_.dtype, input_.shape)

    def lower(input_, *data, message, first_n, summarize):
        printed = [0]  # runs printed so far by this compiled program

        def write(*values: np.ndarray) -> None:
            if first_n >= 0:
                if printed[0] >= first_n:
                    return
                printed[0] += 1
            body = "".join(f"[{summarize_value(np.asarray(v), summarize)}]" for v in values)
            sys.stderr.write(f"{message}{body}\n")

        jax.debug.callback(write, *data)
        return input_

    def grad(op, g):
        return (g, *[None] * (len(op.inputs) - 1))


def Print(input_: Any, data: Any, message: str | None = None, first_n: int | None = None,  # noqa: N802
          summarize: int | None = None, name: str | None = None) -> Any:  # fmt: skip
    """``input_`` (passed through) printing ``message`` and the values of the tensors ``data``
    to stderr each time it runs. TF1's ``tf.Print``."""
    tensors = [convert_to_tensor(t) for t in data]
    return apply1(
        "print",
        [convert_to_tensor(input_), *tensors],
        name,
        message=message or "",
        first_n=-1 if first_n is None else int(first_n),
        summarize=DEFAULT_SUMMARIZE if summarize is None else int(summarize),
    )


# ---- tf.Assert -----------------------------------------------------------------------------------
@op("assertion", "Assert", attrs={"items": (), "summarize": DEFAULT_SUMMARIZE}, check=True)
class AssertOp:
    """Passes ``condition`` through; the run fails unless it is true, with TF1's message
    ``assertion failed: [text] [values]...``. ``items`` lists the message's parts in order: a
    string, or None for the next data input; the first ``summarize`` values of each data input
    travel in the check's status so the message can show them."""

    def infer(condition, *data, items, summarize):
        if condition.shape.ndims != 0 or condition.dtype.name != "bool":
            raise type_error(f"Assert's condition must be a bool scalar, got {condition}")
        return TensorType(condition.dtype, condition.shape)

    def lower(condition, *data, items, summarize):
        shown = [jnp.ravel(d)[: None if summarize < 0 else summarize].astype(jnp.float32) for d in data]
        return condition, jnp.concatenate([jnp.atleast_1d(condition).astype(jnp.float32), *shown])

    def explain(op, detail):
        parts, inputs, position = [], iter(op.inputs[1:]), 0
        limit = op.attrs["summarize"]
        for item in op.attrs["items"]:
            if item is not None:
                parts.append(f"[{item}]")
                continue
            tensor = next(inputs)
            size = tensor.shape.num_elements()
            shown = size if limit < 0 else min(limit, size)
            values = np.zeros(size, tensor.dtype.np)
            values[:shown] = detail[position : position + shown].astype(tensor.dtype.np)
            position += shown
            parts.append(f"[{summarize_value(values.reshape(tuple(tensor.shape)), limit)}]")
        return "assertion failed: " + " ".join(parts)

    def grad(op, g):
        return (None,) * len(op.inputs)


def Assert(condition: Any, data: Any, summarize: int | None = None, name: str | None = None) -> Any:  # noqa: N802
    """An op that fails the run, with ``data`` (strings and tensors) in its message, unless
    ``condition`` holds; run it by fetching it or through ``control_dependencies``. TF1's
    ``tf.Assert``."""
    items, tensors = [], []
    for item in data:
        if isinstance(item, (str, bytes)):
            items.append(item.decode() if isinstance(item, bytes) else item)
        else:
            items.append(None)
            tensors.append(convert_to_tensor(item))
    limit = DEFAULT_SUMMARIZE if summarize is None else int(summarize)
    return apply1(
        "assertion", [convert_to_tensor(condition), *tensors], name, items=tuple(items), summarize=limit
    ).op


# ---- TF1's check_ops: tf.assert_equal, tf.assert_positive, ... -----------------------------------
_COMPARISONS = {
    "assert_equal": ("==", "equal"),
    "assert_none_equal": ("!=", "not_equal"),
    "assert_less": ("<", "less"),
    "assert_less_equal": ("<=", "less_equal"),
    "assert_greater": (">", "greater"),
    "assert_greater_equal": (">=", "greater_equal"),
}
_SIGNS = {
    "assert_positive": (">", "greater"),
    "assert_negative": ("<", "less"),
    "assert_non_negative": (">=", "greater_equal"),
    "assert_non_positive": ("<=", "less_equal"),
}


def _elementwise_assert(kind: str, x: Any, y: Any, data: Any, summarize: int | None, message: str | None,
                        name: str | None) -> Any:  # fmt: skip
    """An ``Assert`` that ``x <op> y`` holds everywhere, with TF1's default message."""
    signs = kind in _SIGNS
    symbol, fn = (_SIGNS if signs else _COMPARISONS)[kind]
    with get_default_graph().name_scope(name or kind):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype) if not signs else convert_to_tensor(0, dtype=x.dtype)
        condition = reduction.reduce_all(getattr(math_ops, fn)(x, y))
        if data is None:
            right = "0" if signs else "y"
            data = [f"Condition x {symbol} {right} did not hold element-wise:", f"x ({x.name}) = ", x]
            if not signs:
                data += [f"y ({y.name}) = ", y]
            if signs or message is not None:
                data = [message or "", *data]
        return Assert(condition, data, summarize)


def _comparison(kind: str):
    def check(x: Any, y: Any, data: Any = None, summarize: int | None = None, message: str | None = None,
              name: str | None = None) -> Any:  # fmt: skip
        return _elementwise_assert(kind, x, y, data, summarize, message, name)

    symbol = _COMPARISONS[kind][0]
    check.__name__ = check.__qualname__ = kind
    check.__doc__ = f"""An op that fails the run unless ``x {symbol} y`` everywhere (broadcasting). TF1's ``tf.{kind}``."""
    return check


def _sign(kind: str):
    def check(x: Any, data: Any = None, summarize: int | None = None, message: str | None = None,
              name: str | None = None) -> Any:  # fmt: skip
        return _elementwise_assert(kind, x, None, data, summarize, message, name)

    symbol = _SIGNS[kind][0]
    check.__name__ = check.__qualname__ = kind
    check.__doc__ = f"""An op that fails the run unless ``x {symbol} 0`` everywhere. TF1's ``tf.{kind}``."""
    return check


assert_equal, assert_none_equal, assert_less, assert_less_equal, assert_greater, assert_greater_equal = (
    _comparison(kind) for kind in _COMPARISONS
)
assert_positive, assert_negative, assert_non_negative, assert_non_positive = (_sign(kind) for kind in _SIGNS)

__all__ = ["Assert", "Print", *_COMPARISONS, *_SIGNS]
