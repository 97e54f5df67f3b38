"""Nested element structures as ``tf.data`` (``tf.nest``) sees them: tuples (namedtuples too)
and dicts (in sorted key order) are structure; everything else, lists included, is a leaf
(TF1's ``from_tensor_slices([1, 2, 3])`` is one tensor, not three)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jaxgraph.ir.shapes import TensorShape


def flatten(structure: Any) -> list[Any]:
    """The leaves of ``structure`` in ``tf.nest`` order."""
    return list(_leaves(structure))


def _leaves(structure: Any) -> Iterator[Any]:
    if isinstance(structure, dict):
        for key in sorted(structure):
            yield from _leaves(structure[key])
    elif isinstance(structure, tuple) and not _is_shape(structure):
        for item in structure:
            yield from _leaves(item)
    else:
        yield structure


def _is_shape(value: Any) -> bool:
    """TensorShapes are tuples, but leaves (a component's shape)."""
    return isinstance(value, TensorShape)


def pack(template: Any, flat: list[Any]) -> Any:
    """``flat`` (as ``flatten`` orders it) in the structure of ``template``."""
    items = iter(flat)
    return map_structure(lambda _: next(items), template)


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """``structure`` with ``fn`` applied to every leaf."""
    if isinstance(structure, dict):
        return {key: map_structure(fn, structure[key]) for key in sorted(structure)}
    if isinstance(structure, tuple) and not _is_shape(structure):
        items = [map_structure(fn, item) for item in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return fn(structure)
