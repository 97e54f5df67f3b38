"""``ArrayValue``: an immutable, hashable NumPy array, used as the ``value`` attribute of constants."""

from __future__ import annotations

import hashlib

import numpy as np

from jaxgraph.ir.dtypes import DType, as_dtype


class ArrayValue:
    """A read-only array with a stable hash (op attributes must be hashable and immutable)."""

    __slots__ = ("array", "_digest")

    def __init__(self, array: np.ndarray):
        array = np.array(array, copy=True)
        array.setflags(write=False)
        self.array = array
        self._digest = hashlib.sha1(
            array.dtype.str.encode() + str(array.shape).encode() + array.tobytes()
        ).digest()

    @property
    def dtype(self) -> DType:
        return as_dtype(self.array.dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    def __hash__(self) -> int:
        return hash(self._digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArrayValue) and self._digest == other._digest

    def __repr__(self) -> str:
        return f"ArrayValue({self.array!r})"
