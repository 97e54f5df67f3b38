"""Gradient clipping (TF1's ``clip_ops``): composites of math ops, so they differentiate too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import reduction
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """``t`` with every element clamped to ``[clip_value_min, clip_value_max]``; TF1's ``tf.clip_by_value``."""
    t = convert_to_tensor(t)
    return math_ops.minimum(math_ops.maximum(t, clip_value_min), clip_value_max, name=name)


def global_norm(t_list: Sequence[Any], name: str | None = None) -> Tensor:
    """``sqrt(sum of squares of every element of every tensor)`` (None entries skipped); TF1's
    ``tf.global_norm``."""
    with get_default_graph().name_scope(name or "global_norm"):
        squares = [
            reduction.reduce_sum(math_ops.square(convert_to_tensor(t))) for t in t_list if t is not None
        ]
        return math_ops.sqrt(math_ops.add_n(squares))


def clip_by_global_norm(t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple[list[Tensor | None], Tensor]:  # fmt: skip
    """Scales every tensor by ``clip_norm / max(global_norm, clip_norm)``; returns
    ``(clipped list, global_norm)`` as TF1 does."""
    norm = use_norm if use_norm is not None else global_norm(t_list)
    with get_default_graph().name_scope(name or "clip_by_global_norm"):
        clip = shape_ops.cast(convert_to_tensor(clip_norm), norm.dtype)
        scale = clip / math_ops.maximum(norm, clip)
        clipped = [None if t is None else convert_to_tensor(t) * shape_ops.cast(scale, convert_to_tensor(t).dtype)
                   for t in t_list]  # fmt: skip
    return clipped, norm


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """Scales ``t`` so its L2 norm over ``axes`` is at most ``clip_norm``; TF1's ``tf.clip_by_norm``."""
    t = convert_to_tensor(t)
    norm = math_ops.sqrt(reduction.reduce_sum(math_ops.square(t), axis=axes, keepdims=True))
    return t * (clip_norm / math_ops.maximum(norm, clip_norm))
