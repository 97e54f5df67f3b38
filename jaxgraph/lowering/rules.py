"""The lowering rules of jaxgraph's ops, for generated programs (``from jaxgraph.lowering import
rules as L``): ``L.<op type>(*inputs, **attrs)`` calls the op's lowering rule with the attributes
not given filled in with their declared defaults, so a generated line shows only what differs::

    logits_grad = L.sparse_softmax_cross_entropy_grad(y, logits)
    g = L.matmul(h, w, transpose_b=True)

A dtype attribute may be given as a JAX scalar type (``dtype=jnp.float32``); large constants
of a generated program are decoded with ``from_base64``. Run-time check statuses (a bool, or an
integer vector whose first element says whether the check passed) are combined by
``checks_passed`` and ``first_failure``; ``if_passed`` keeps the old Variable values of a failed run.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxgraph.ir.dtypes import as_dtype
from jaxgraph.ir.opdef import REGISTRY, REQUIRED
from jaxgraph.ir.values import ArrayValue


def to_base64(array: np.ndarray) -> str:
    """The array's elements, little-endian, in base64 (what ``from_base64`` reads back)."""
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return base64.b64encode(little.tobytes()).decode("ascii")


def from_base64(data: str, dtype: str, shape: Sequence[int]) -> np.ndarray:
    """A constant of a generated program: ``shape`` elements of ``dtype`` (a jaxgraph dtype name),
    little-endian, in base64."""
    native = np.dtype(as_dtype(dtype).np)
    array = np.frombuffer(base64.b64decode(data), dtype=native.newbyteorder("<"))
    return array.astype(native).reshape(tuple(shape))


def checks_passed(*statuses: Any) -> Any:
    """Whether every run-time check passed: a bool scalar from check statuses (a bool, or an
    integer vector whose first element is non-zero when the check passed)."""
    return jnp.all(jnp.stack([jnp.ravel(status)[0] != 0 for status in statuses]))


def if_passed(ok: Any, new: Sequence[Any], old: Sequence[Any]) -> tuple:
    """The new values of the Variables a run updates if its checks passed (``ok``), else the
    old ones (a select XLA computes into the old values' donated buffers)."""
    return tuple(jnp.where(ok, n, o) for n, o in zip(new, old, strict=True))


def first_failure(old: Any, new: Any) -> Any:
    """A check status carried through a loop: ``new`` while ``old`` passed, else ``old`` (the
    first failure is kept, with its detail)."""
    return jnp.where(jnp.ravel(old)[0] != 0, new, old)


def _attr(value: Any) -> Any:
    """An attribute as the lowering rule takes it (JAX scalar types become dtypes, arrays
    become ``ArrayValue``s, as in the graph)."""
    if isinstance(value, type):
        return as_dtype(value)
    if isinstance(value, np.ndarray):
        return ArrayValue(value)
    return value


def _rule(op_type: str) -> Callable[..., Any]:
    """The lowering rule of ``op_type`` with default attributes filled in."""
    opdef = REGISTRY.get(op_type)
    if opdef is None or opdef.lower is None:
        raise AttributeError(f"no lowering rule for op type '{op_type}'")
    lower = opdef.lower
    defaults = {k: v for k, v in opdef.attrs.items() if v is not REQUIRED}

    def call(*inputs: Any, **attrs: Any) -> Any:
        return lower(*inputs, **{**defaults, **{k: _attr(v) for k, v in attrs.items()}})

    call.__name__ = call.__qualname__ = op_type
    call.__doc__ = f"The lowering rule of op type '{op_type}'."
    return call


def __getattr__(name: str) -> Callable[..., Any]:
    rule = _rule(name)
    globals()[name] = rule  # made once per op type
    return rule
