"""Static shapes and tensor types.

A ``TensorShape`` is a tuple of dimensions, each an ``int`` or ``None`` (unknown, printed ``?``);
it behaves like TF1's ``TensorShape`` (``as_list()``, iteration, ``ndims``). The rank itself may be
unknown, as for TF1's ``tf.placeholder(tf.float32)``: ``TensorShape(None)`` (``UNKNOWN_RANK``,
printed ``[*]``) has ``ndims``/``rank``/``dims`` None and, as in TF1, raises ValueError from
``len()``, iteration and ``as_list()`` (so code that needs the rank cannot silently read it as 0).
Type rules see such shapes only when their op declares it (``jaxgraph.ir.opdef``); the Session
specializes a graph to its fed shapes before lowering, so lowering never sees them.
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


_texts: dict[tuple, str] = {}
"""``str`` of each shape printed lately (by its dimensions)."""


class TensorShape(tuple):
    """An immutable tuple of ``int | None`` dimensions; TF1's ``tf.TensorShape``.
    ``TensorShape(None)`` is the shape of unknown rank (``UNKNOWN_RANK``)."""

    __slots__ = ()

    def __new__(cls, dims: Iterable[int | None] | None = ()) -> TensorShape:
        if type(dims) is TensorShape:  # immutable: the shape itself (a common case, made cheap)
            return dims
        if dims is None or (isinstance(dims, TensorShape) and dims.ndims is None):
            return UNKNOWN_RANK
        if type(dims) is tuple:  # Python ints already (type rules' results): taken as they are
            for d in dims:
                if type(d) is not int and d is not None:
                    break
            else:
                return tuple.__new__(cls, dims)
        return tuple.__new__(cls, [None if d is None else int(d) for d in dims])

    @property
    def ndims(self) -> int | None:
        return len(self)

    @property
    def rank(self) -> int | None:
        return self.ndims

    @property
    def dims(self) -> list[int | None]:
        return list(self)

    def as_list(self) -> list[int | None]:
        return list(self)

    def __getitem__(self, key):
        """A dimension, or for a slice a TensorShape (so it keeps printing as ``[2,?]``)."""
        if type(key) is slice:  # the dims of a slice are valid dims already
            return tuple.__new__(TensorShape, tuple.__getitem__(self, key))
        return tuple.__getitem__(self, key)

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
        if self == other:  # a fast path: tuples equal to a tuple (not a list or unknown rank)
            return True
        other = tuple(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other, strict=False)
        )

    def __str__(self) -> str:
        # cached: type rules format their error messages eagerly, so this runs per op built
        text = _texts.get(self)
        if text is None:
            if len(_texts) >= 4096:
                _texts.clear()
            text = _texts[self] = "[" + ",".join("?" if d is None else str(d) for d in self) + "]"
        return text

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"


class _UnknownRank(TensorShape):
    """The shape of unknown rank (one instance, ``UNKNOWN_RANK``), with TF1's behaviour:
    indexing gives an unknown dimension (a slice, the unknown shape again); ``len()``,
    iteration and ``as_list()`` raise ValueError; it is compatible with every shape."""

    __slots__ = ()

    def __new__(cls) -> _UnknownRank:
        return tuple.__new__(cls, ())

    @property
    def ndims(self) -> None:
        return None

    @property
    def dims(self) -> None:
        return None

    def __len__(self) -> int:
        raise ValueError("Cannot take the length of shape with unknown rank.")

    def __iter__(self):
        raise ValueError("Cannot iterate over a shape with unknown rank.")

    def __bool__(self) -> bool:
        return False  # TF1: a shape is truthy when its rank is known

    def __getitem__(self, key):
        return self if isinstance(key, slice) else None

    def as_list(self) -> list[int | None]:
        raise ValueError("as_list() is not defined on an unknown TensorShape.")

    def is_fully_defined(self) -> bool:
        return False

    def num_elements(self) -> None:
        return None

    def is_compatible_with(self, other: Iterable[int | None]) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return other is self

    def __ne__(self, other: object) -> bool:
        return other is not self

    def __hash__(self) -> int:
        return hash("jaxgraph.TensorShape(None)")

    def __str__(self) -> str:
        return "[*]"

    def __repr__(self) -> str:
        return "TensorShape(None)"

    def __reduce__(self) -> tuple:
        return TensorShape, (None,)


UNKNOWN_RANK = _UnknownRank()
"""The shape of unknown rank: ``TensorShape(None)``."""


def has_unknown_rank(shape: tuple) -> bool:
    """Whether ``shape`` is the shape of unknown rank."""
    return shape is UNKNOWN_RANK


def broadcast_shapes(a: tuple, b: tuple) -> TensorShape | None:
    """NumPy broadcasting of two static shapes; None when they can never broadcast.

    An unknown dimension against 1 stays unknown; against a known ``n > 1`` it becomes ``n``
    (the run checks the rest). With a shape of unknown rank the result's rank is unknown too.
    """
    if a is UNKNOWN_RANK or b is UNKNOWN_RANK:
        return UNKNOWN_RANK
    if a == b or not b:  # fast paths: same shapes, or with a scalar
        return TensorShape(a)
    if not a:
        return TensorShape(b)
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
