"""Feed handling for ``Session.run``: a ``feed_dict``'s values as arrays, each feed checked
against its placeholder (shape, dtype kind) and converted to the placeholder's dtype with a range
check, so a narrowing conversion raises instead of wrapping or overflowing.

Pure functions of the feeds and the placeholders, kept apart from ``session.py`` so the Session
reads as the run loop and its state; ``Session.run`` calls them directly (no extra indirection).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype
from jaxgraph.ir.graph import Tensor


def _feeds(feed_dict: Any) -> tuple[list[tuple[Any, Any]], list[Any]]:
    """A feed_dict's items, and its values as arrays (TF1 also takes nested lists and scalars)."""
    if not feed_dict:
        return [], []
    if not isinstance(feed_dict, Mapping):
        raise InvalidArgumentError(
            f"feed_dict must be a dict {{tensor: value}}, got {type(feed_dict).__name__}"
        )
    items = list(feed_dict.items())
    values = []
    for key, value in items:
        if not (hasattr(value, "shape") and hasattr(value, "dtype")):
            try:
                value = np.asarray(value)
            except (TypeError, ValueError) as e:
                name = getattr(key, "name", None)
                shown = repr(key) if not isinstance(name, str) else f"'{name}'"
                raise InvalidArgumentError(f"feed for {shown} is not an array: {e}") from None
        if value.dtype.kind in "SU":  # strings of any length: one dtype, so one compilation
            value = value.astype(object)
        values.append(value)
    return items, values


def _feed_label(key: Any) -> str:
    name = getattr(key, "name", key)
    return f"'{name}'" if isinstance(name, str) else repr(key)


def _spec(shape: Any, dtype: Any) -> str:
    return f"{as_dtype(dtype).short}[{','.join(str(d) for d in shape)}]"


def _check_feed(tensor: Tensor, value: Any) -> Any:
    """Validates a feed; returns the NumPy dtype to convert it to (None: use as is). A value
    may change width (and integers signedness), not kind; ``_convert_feed`` checks its range."""
    target = tensor.type
    if target.ref:
        raise InvalidArgumentError(f"cannot feed the Variable handle '{tensor.name}'", tensor.op)
    try:
        source = as_dtype(value.dtype)
    except InvalidArgumentError:
        raise InvalidArgumentError(
            f"feed for '{tensor.name}' has unsupported dtype {value.dtype}", tensor.op
        ) from None
    if not target.shape.is_compatible_with(value.shape):
        raise InvalidArgumentError(
            f"feed for '{tensor.name}' has shape {list(value.shape)}, which does not match "
            f"{target.dtype.short}{target.shape}",
            tensor.op,
        )
    if source is target.dtype:
        return None
    integers = source.np.kind in "iu" and target.dtype.np.kind in "iu"  # signed <-> unsigned: range-checked
    if not integers and not np.can_cast(source.np, target.dtype.np, casting="same_kind"):
        raise InvalidArgumentError(
            f"feed for '{tensor.name}' has dtype {source.name}, which cannot be converted to "
            f"{target.dtype.name} without changing its kind",
            tensor.op,
        )
    return target.dtype.np


def _convert_feed(tensor: Tensor, value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` converted to the placeholder's ``dtype``; InvalidArgumentError when a narrowing
    conversion (int64 to int32, float64 to float16, int to uint8 ...) would wrap or overflow
    instead of keeping a value. Cheap: floats let NumPy report overflow while it converts, and
    integers compare the converted values with the originals only when the target is narrower."""
    if dtype.kind not in "iu" or np.can_cast(value.dtype, dtype, casting="safe"):
        try:
            with np.errstate(over="raise"):
                return np.asarray(value, dtype)
        except FloatingPointError:
            original = np.asarray(value)
            with np.errstate(over="ignore"):
                overflow = np.isinf(original.astype(dtype)) & np.isfinite(original)
            bad, limits = original[overflow].flat[0], f"up to {float(np.finfo(dtype).max)!r} in magnitude"
    else:
        original = np.asarray(value)
        converted = original.astype(dtype)
        if (converted == original).all():  # nothing wrapped
            return converted
        info = np.iinfo(dtype)
        low = original.min()
        bad, limits = low if low < info.min else original.max(), f"from {info.min} to {info.max}"
    raise InvalidArgumentError(
        f"feed for '{tensor.name}' has the value {bad.item()!r}, which {as_dtype(dtype).name} cannot "
        f"hold ({limits})",
        tensor.op,
    )
