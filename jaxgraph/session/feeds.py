"""Feed handling for ``Session.run``: a ``feed_dict``'s values as arrays, each feed checked
against its placeholder (shape, dtype kind) and converted to the dtype the placeholder computes in
(its own; the 32-bit one for a 64-bit placeholder while JAX's x64 mode is off) with a range
check, so a narrowing conversion raises instead of wrapping or overflowing; and the fetches and
feed keys of a run resolved to the graph's tensors and ops (``_resolve``), with TF1-style errors
for a tensor of another graph or a misspelt name.

Pure functions of the feeds and the placeholders, kept apart from ``session.py`` so the Session
reads as the run loop and its state; ``Session.run`` calls them directly (no extra indirection).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxgraph.errors import InvalidArgumentError, NotFoundError
from jaxgraph.ir.dtypes import as_dtype, computed_as, convert_keeping_values, narrowing_problem
from jaxgraph.ir.graph import Graph, Operation, Tensor


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


def _with_values(cache_key: tuple, value_feeds: tuple[int, ...], feed_values: list) -> tuple:
    """``cache_key`` extended with the values of the feeds that decide shapes (``value_feeds``):
    a fetch set compiled with such a value is valid for that value only."""
    values = tuple(
        (i, np.asarray(feed_values[i]).dtype.str, np.asarray(feed_values[i]).tobytes()) for i in value_feeds
    )
    return (*cache_key[:3], values)


def _value_changes(old_key: tuple, new_key: tuple) -> str:
    """Why a fetch set compiles again for new values of feeds that decide shapes, e.g.
    ``"value of feed 'n:0' decides a shape: 3 -> 5"`` (``old_key`` may have no values)."""
    old = dict((i, v) for i, *v in old_key[3]) if len(old_key) > 3 else {}
    changes = []
    for i, dtype, data in new_key[3]:
        key, shape, _ = new_key[2][i]
        before = old.get(i)
        shown = _shown_value(data, dtype, shape)
        was = _shown_value(before[1], before[0], shape) if before else "another value"
        if before is None or before[1] != data:
            changes.append(f"value of feed {_feed_label(key)} decides a shape: {was} -> {shown}")
    return "; ".join(changes) or "same feeds (another fetch structure)"


def _shown_value(data: bytes, dtype: str, shape: tuple) -> str:
    """A fed value for a message: its elements, at most 8 of them."""
    array = np.frombuffer(data, dtype=np.dtype(dtype))
    text = np.array2string(array[:8].reshape(shape) if array.size <= 8 else array[:8], separator=", ")
    return text if array.size <= 8 else text[:-1] + ", ...]"


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
    computed = computed_as(target.dtype)  # int32 for an int64 placeholder while x64 mode is off
    if source is computed:
        return None
    integers = source.np.kind in "iu" and target.dtype.np.kind in "iu"  # signed <-> unsigned: range-checked
    if not integers and not np.can_cast(source.np, target.dtype.np, casting="same_kind"):
        raise InvalidArgumentError(
            f"feed for '{tensor.name}' has dtype {source.name}, which cannot be converted to "
            f"{target.dtype.name} without changing its kind",
            tensor.op,
        )
    return computed.np


def _convert_feed(tensor: Tensor, value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` converted to the ``dtype`` the placeholder computes in; InvalidArgumentError when
    a narrowing conversion (int64 to int32, float64 to float16, int to uint8 ...) would wrap or
    overflow instead of keeping a value (cheap: see ``convert_keeping_values``). A 64-bit
    placeholder computing in 32 bits (JAX's x64 mode off) says so and how to change it."""
    converted, lost = convert_keeping_values(value, dtype)
    if lost is None:
        return converted
    problem = narrowing_problem(tensor.dtype, value)
    if problem is not None:
        raise InvalidArgumentError(f"feed for '{tensor.name}': the {problem}", tensor.op)
    limits = (
        f"from {np.iinfo(dtype).min} to {np.iinfo(dtype).max}"
        if dtype.kind in "iu"
        else f"up to {float(np.finfo(dtype).max)!r} in magnitude"
    )
    raise InvalidArgumentError(
        f"feed for '{tensor.name}' has the value {np.asarray(value)[lost].item()!r}, which "
        f"{as_dtype(dtype).name} cannot hold ({limits})",
        tensor.op,
    )


def _resolve(
    graph: Graph, leaves: list, feed_items: list, feed_values: list
) -> tuple[list, list, list, list]:
    """The fetches as graph elements and their slots among the fetched tensors (None: an
    Operation); the fed tensors and the dtype each feed converts to (``_check_feed``)."""
    fetch_elements: list[Tensor | Operation] = []
    slots: list[int | None] = []
    n_tensors = 0
    for leaf in leaves:
        element = _as_element(graph, leaf, "fetch")
        fetch_elements.append(element)
        if isinstance(element, Tensor):
            slots.append(n_tensors)
            n_tensors += 1
        else:
            slots.append(None)
    feeds: list[Tensor] = []
    feed_dtypes: list = []
    for (key, _), value in zip(feed_items, feed_values, strict=False):
        tensor = _as_element(graph, key, "feed")
        if not isinstance(tensor, Tensor):
            raise InvalidArgumentError(f"cannot feed the Operation '{tensor.name}': feed its output tensors")
        if tensor in feeds:
            raise InvalidArgumentError(f"'{tensor.name}' is fed twice (one key is {key!r})", tensor.op)
        feed_dtypes.append(_check_feed(tensor, value))
        feeds.append(tensor)
    return fetch_elements, slots, feeds, feed_dtypes


def _as_element(graph: Graph, obj: Any, what: str) -> Tensor | Operation:
    """A fetch or feed key as a Tensor/Operation of ``graph``, with a TF1-style error that says
    how to fix a tensor of another graph or a misspelt name."""
    kind = type(obj)
    if (kind is Tensor or kind is Operation) and obj.graph is graph:
        return obj  # the common case, as ``graph.as_graph_element`` gives it back
    element = getattr(obj, "_as_graph_element", lambda: obj)()
    if isinstance(element, (Tensor, Operation)) and element.graph is not graph:
        raise InvalidArgumentError(
            f"cannot {what} '{element.name}': it belongs to another graph than the Session's (build it "
            "inside `with sess.graph.as_default():`, or create the Session with "
            "jg.Session(graph=the graph it belongs to))"
        )
    try:
        element = graph.as_graph_element(obj)
    except NotFoundError as e:
        raise NotFoundError(f"cannot {what} {obj!r}: {e.message}{_did_you_mean(graph, obj)}") from None
    except InvalidArgumentError as e:
        raise InvalidArgumentError(f"cannot {what} {obj!r}: {e.message}") from None
    except TypeError as e:
        raise InvalidArgumentError(f"cannot {what} {obj!r}: {e}") from None
    return element


def _did_you_mean(graph: Graph, name: Any) -> str:
    """``"; did you mean 'dense/w:0'?"`` for the graph's closest tensor (``name:0``) or op name
    to a misspelt ``name`` (nothing when none is close)."""
    if not isinstance(name, str):
        return ""
    if ":" in name:
        names = [t.name for op in graph.operations for t in op.outputs]
    else:
        names = [op.name for op in graph.operations]
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""
