"""Static shapes and tensor types.

A ``TensorShape`` is a tuple of dimensions, each an ``int`` or ``None`` (unknown, printed ``?``);
it behaves like TF1's ``TensorShape`` (``as_list()``, iteration, ``ndims``). Ranks are always
known: every jaxgraph tensor has a static rank, which keeps type rules simple and total.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from jaxgraph.ir.dtypes import DType

MAX_RANK = 64
"""Most dimensions a tensor can have: NumPy's limit, and every fed or fetched value is a NumPy array."""
MAX_ELEMENTS = 2**63 - 1
"""Most elements a tensor can have (TF1's and XLA's element counts are int64)."""


def shape_problem(dims: tuple) -> str | None:
    """Why the non-negative dimensions ``dims`` cannot be a tensor's static shape (None when they
    can): more than ``MAX_RANK`` of them, or more than ``MAX_ELEMENTS`` elements when the known
    non-zero dimensions are multiplied (so every dimension, and the size of any constant, fits in
    int64 however the zero-sized ones are placed)."""
    if len(dims) > MAX_RANK:
        return f"rank {len(dims)} exceeds the maximum of {MAX_RANK}"
    count = 1
    for d in dims:
        count *= d or 1  # None (unknown) and 0 count as 1
        if count > MAX_ELEMENTS:
            return f"more than {MAX_ELEMENTS} elements (2**63 - 1)"
    return None


class TensorShape(tuple):
    """An immutable tuple of ``int | None`` dimensions; TF1's ``tf.TensorShape``."""

    __slots__ = ()

    def __new__(cls, dims: Iterable[int | None] = ()) -> TensorShape:
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def ndims(self) -> int:
        return len(self)

    rank = ndims

    @property
    def dims(self) -> list[int | None]:
        return list(self)

    def as_list(self) -> list[int | None]:
        return list(self)

    def __getitem__(self, key):
        """A dimension, or for a slice a TensorShape (so it keeps printing as ``[2,?]``)."""
        item = super().__getitem__(key)
        return TensorShape(item) if isinstance(key, slice) else item

    def is_fully_defined(self) -> bool:
        return None not in self

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def is_compatible_with(self, other: Iterable[int | None]) -> bool:
        """Same rank and every pair of known dimensions equal."""
        other = tuple(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other, strict=False)
        )

    def __str__(self) -> str:
        return "[" + ",".join("?" if d is None else str(d) for d in self) + "]"

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"


def broadcast_shapes(a: tuple, b: tuple) -> TensorShape | None:
    """NumPy broadcasting of two static shapes; None when they can never broadcast.

    An unknown dimension against 1 stays unknown; against a known ``n > 1`` it becomes ``n``
    (the run checks the rest).
    """
    result = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == 1:
            result.append(y)
        elif y == 1:
            result.append(x)
        elif x is None:
            result.append(y)
        elif y is None or x == y:
            result.append(x)
        else:
            return None
    return TensorShape(reversed(result))


class TensorType(NamedTuple):
    """The static type of a tensor: dtype and shape; ``ref`` marks a Variable handle."""

    dtype: DType
    shape: TensorShape
    ref: bool = False

    def __str__(self) -> str:
        text = f"{self.dtype.short}{self.shape}"
        return f"ref<{text}>" if self.ref else text
