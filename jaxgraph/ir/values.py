"""``ArrayValue``: an immutable, hashable NumPy array, used as the ``value`` attribute of constants;
``string_array``: the NumPy form of string values (an object array of ``bytes``)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from jaxgraph.ir.dtypes import DType, as_dtype


class ArrayValue:
    """A read-only array with a stable hash (op attributes must be hashable and immutable).

    The hash (a digest of dtype, shape and bytes) is computed on first use: every constant
    built makes one, and only passes and caches comparing constants need it."""

    __slots__ = ("array", "dtype", "_hash_digest")

    def __init__(self, array: np.ndarray):
        array = np.array(array, copy=True)
        array.setflags(write=False)
        self.array = array
        self.dtype: DType = as_dtype(array.dtype)
        self._hash_digest: bytes | None = None

    @property
    def _digest(self) -> bytes:
        """SHA-1 of the dtype, shape and elements (made once)."""
        if self._hash_digest is None:
            array = self.array
            data = array.tobytes() if array.dtype != object else _string_bytes(array)
            self._hash_digest = hashlib.sha1(
                array.dtype.str.encode() + str(array.shape).encode() + data
            ).digest()
        return self._hash_digest

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    def __hash__(self) -> int:
        return hash(self._digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArrayValue) and self._digest == other._digest

    def __repr__(self) -> str:
        return f"ArrayValue({self.array!r})"


def _string_bytes(array: np.ndarray) -> bytes:
    """The elements of a string array as one unambiguous byte string (each one length-prefixed),
    for the digest: an object array's own bytes are pointers."""
    return b"".join(len(b).to_bytes(8, "little") + b for b in array.reshape(-1))


def string_array(value: Any) -> np.ndarray | None:
    """``value`` as TF1 holds strings (an object array of ``bytes``, ``str`` encoded as UTF-8),
    or None when it is not a string value: a ``str``, ``bytes``, a NumPy string array or a
    (nested) list of them. An object array or list mixing strings with other values is not one."""
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (str, bytes, np.str_, np.bytes_, list, tuple)):
        try:
            array = np.array(value, dtype=object)
        except ValueError:  # ragged nesting
            return None
    else:
        return None
    if array.dtype.kind not in "SUO" or array.size == 0 and array.dtype.kind == "O":
        return None
    flat = array.reshape(-1)
    if not all(isinstance(x, (str, bytes)) for x in flat):
        return None
    encoded = [x.encode() if isinstance(x, str) else bytes(x) for x in flat]
    result = np.empty(array.shape, dtype=object)
    result.reshape(-1)[:] = encoded
    return result
