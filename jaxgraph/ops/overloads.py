"""Python operators on Tensors and Variables (``+ - * / // % ** @``, unary ``-``, ``abs``,
comparisons, ``& | ^ ~`` on bools, and ``x[...]`` indexing), mapped to jaxgraph ops.

``==`` and ``!=`` stay identity comparisons, as in TF1, so Tensors can be dict keys and set
members; use ``jg.equal`` / ``jg.not_equal`` for elementwise comparison. Installed on ``Tensor``
when ``jaxgraph.ops`` is imported, so gradient rules can use them; ``jaxgraph.tracer`` installs
them on ``Variable`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jaxgraph.ops import indexing
from jaxgraph.ops import math as math_ops

_BINARY = {
    "add": math_ops.add, "sub": math_ops.sub, "mul": math_ops.mul, "truediv": math_ops.truediv,
    "floordiv": math_ops.floordiv, "mod": math_ops.mod, "pow": math_ops.pow,
    "matmul": math_ops.matmul, "and": math_ops.logical_and, "or": math_ops.logical_or,
    "xor": math_ops.logical_xor,
}  # fmt: skip
_COMPARE = {
    "lt": math_ops.less,
    "le": math_ops.less_equal,
    "gt": math_ops.greater,
    "ge": math_ops.greater_equal,
}
_UNARY = {"neg": math_ops.neg, "abs": math_ops.abs, "invert": math_ops.logical_not, "pos": lambda x: x}


def _forward(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda self, other: fn(self, other)


def _reflected(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda self, other: fn(other, self)


def install(cls: type) -> None:
    """Adds the operators to ``cls`` (Tensor, or a class with ``_to_tensor``)."""
    for name, fn in _BINARY.items():
        setattr(cls, f"__{name}__", _forward(fn))
        setattr(cls, f"__r{name}__", _reflected(fn))
    for name, fn in _COMPARE.items():
        setattr(cls, f"__{name}__", _forward(fn))
    for name, fn in _UNARY.items():
        setattr(cls, f"__{name}__", fn)
    cls.__getitem__ = lambda self, key: indexing.getitem(self, key)
    cls.__hash__ = object.__hash__
