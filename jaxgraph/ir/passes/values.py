"""What the passes know about a tensor's value at compile time, from its op's ``value_attr``."""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.values import ArrayValue


def constant_value(t: Tensor) -> np.ndarray | None:
    """``t``'s value when its op holds it and reads no input (a constant or a fill), else None."""
    op = t.op
    attr = op.op_def.value_attr
    if attr is None or op.inputs:
        return None
    value = op.attrs[attr]
    return value.array if isinstance(value, ArrayValue) else np.full(tuple(t.shape), value, t.dtype.np)


def splat(t: Tensor) -> Any:
    """The single value every element of ``t`` is known to have (None if unknown)."""
    op = t.op
    attr = op.op_def.value_attr
    if attr is None:
        return None
    value = op.attrs[attr]
    if not isinstance(value, ArrayValue):
        return value
    flat = value.array.reshape(-1)
    return flat[0].item() if flat.size and np.all(flat == flat[0]) else None
