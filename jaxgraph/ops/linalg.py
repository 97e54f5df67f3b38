"""Matrix helpers (TF1's ``tf.eye``, ``tf.linalg``-style ``matrix_*`` ops, ``tf.einsum``,
``tf.tensordot``, ``tf.trace``).

``einsum`` is one op (lowered to ``jnp.einsum``) whose gradient for each operand is another
``einsum`` (indices the operand alone sums over are broadcast back), so it can be differentiated
again; equations with ``...`` or an index repeated inside one operand are not supported.
The ``matrix_*`` helpers are compositions with constant masks, so the matrix dimensions must be
static; batch dimensions may be unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction, reduction
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import apply1, convert_to_tensor, require

__all__ = [
    "diag", "diag_part", "einsum", "eye", "matrix_band_part", "matrix_diag", "matrix_diag_part",
    "matrix_set_diag", "matrix_transpose", "tensordot", "trace",
]  # fmt: skip


# ---- einsum ------------------------------------------------------------------------------------
def _parse_equation(equation: str, count: int) -> tuple[list[str], str]:
    """``"ij,jk->ik"`` -> ``(["ij", "jk"], "ik")``; implicit outputs as NumPy (sorted indices that
    appear once)."""
    equation = equation.replace(" ", "")
    if "." in equation:
        raise InvalidArgumentError(f"einsum: ellipsis ('...') is not supported, in {equation!r}")
    inputs, _, output = equation.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != count or not all(s.isalpha() or s == "" for s in subscripts + [output]):
        raise InvalidArgumentError(f"einsum: equation {equation!r} does not fit {count} operand(s)")
    if "->" not in equation:
        letters = "".join(subscripts)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return subscripts, output


@op("einsum", "Einsum", attrs={"equation": REQUIRED})
class Einsum:
    """``jnp.einsum(equation, *operands)``."""

    def infer(*operands, equation):
        subscripts, output = _parse_equation(equation, len(operands))
        sizes: dict[str, int | None] = {}
        for sub, t in zip(subscripts, operands, strict=True):
            require(
                t.dtype is operands[0].dtype,
                f"einsum operands differ in dtype: {', '.join(map(str, operands))}",
            )
            require(len(sub) == len(t.shape), f"einsum: subscripts {sub!r} do not fit {t}")
            for c, d in zip(sub, t.shape, strict=True):
                known = sizes.get(c)
                require(known is None or d is None or known == d,
                        f"einsum: index {c!r} has sizes {known} and {d} in {equation!r}")  # fmt: skip
                sizes[c] = d if known is None else known
        require(all(c in sizes for c in output), f"einsum: output index not in any operand, in {equation!r}")
        return TensorType(operands[0].dtype, TensorShape(sizes[c] for c in output))

    def lower(*operands, equation):
        return jnp.einsum(equation, *operands)

    def grad(op, g):
        subscripts, output = _parse_equation(op.attrs["equation"], len(op.inputs))
        return tuple(_einsum_grad(g, output, op.inputs, subscripts, i) for i in range(len(op.inputs)))


def _einsum_grad(g: Tensor, output: str, operands: Sequence[Tensor], subscripts: list[str], i: int) -> Tensor:
    """Operand ``i``'s gradient: an einsum of ``g`` with the other operands; indices only operand
    ``i`` has (summed away) are broadcast back."""
    own = subscripts[i]
    if len(set(own)) != len(own):
        raise InvalidArgumentError(f"einsum: no gradient for {own!r}, an operand with a repeated index")
    others = [s for j, s in enumerate(subscripts) if j != i]
    kept = "".join(c for c in own if c in output or any(c in s for s in others))
    equation = ",".join([output, *others]) + "->" + kept
    result = einsum(equation, g, *(t for j, t in enumerate(operands) if j != i))
    if kept == own:
        return result
    for axis, c in enumerate(own):
        if c not in kept:
            result = shape_ops.expand_dims(result, axis)
    return shape_ops.broadcast_like(result, operands[i])


def einsum(equation: str, *inputs: Any, name: str | None = None, **kwargs: Any) -> Tensor:
    """TF1's ``tf.einsum``: Einstein summation over the operands (``"ij,jk->ik"``, ``"bij->bji"``).

    No ``...`` and no index repeated inside one operand (for the gradient)."""
    if kwargs:
        raise InvalidArgumentError(f"einsum: unexpected arguments {sorted(kwargs)}")
    if not isinstance(equation, str):
        raise InvalidArgumentError(f"einsum's equation must be a string, got {equation!r}")
    _parse_equation(equation, len(inputs))
    return apply1("einsum", list(inputs), name, equation=equation.replace(" ", ""))


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.tensordot``: sums ``a``'s ``axes[0]`` against ``b``'s ``axes[1]`` (or the last
    ``axes`` of ``a`` against the first of ``b`` for an int), as one ``einsum``."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = ([x] if isinstance(x, int) else list(x) for x in axes)
    if len(axes_a) != len(axes_b):
        raise InvalidArgumentError(f"tensordot: axes {axes_a} and {axes_b} differ in length")
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    sub_a = letters[: a.ndim]
    sub_b = list(letters[a.ndim : a.ndim + b.ndim])
    for x, y in zip(axes_a, axes_b, strict=True):
        sub_b[y % b.ndim] = sub_a[x % a.ndim]
    sub_b = "".join(sub_b)
    contracted = {sub_a[x % a.ndim] for x in axes_a}
    output = "".join(c for c in sub_a if c not in contracted) + "".join(
        c for c in sub_b if c not in contracted
    )
    return einsum(f"{sub_a},{sub_b}->{output}", a, b, name=name)


# ---- eye and the diagonal helpers --------------------------------------------------------------
def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None, dtype: Any = float32,
        name: str | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.eye``: an identity matrix (``batch_shape`` copies), a constant."""
    value = np.eye(num_rows, num_columns, dtype=as_dtype(dtype).np)
    if batch_shape is not None:
        value = np.broadcast_to(value, (*batch_shape, *value.shape))
    return construction.constant(value, name=name or "eye")


def _square(x: Tensor, what: str) -> int:
    """The static size of ``x``'s last axis (the diagonal's length)."""
    if x.ndim < 1 or x.shape[-1] is None:
        raise InvalidArgumentError(f"{what} needs a static last dimension, got {x.type}")
    return x.shape[-1]


def matrix_diag(diagonal: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.matrix_diag``: batched square matrices with ``diagonal`` (last axis) on the
    diagonal, zeros elsewhere."""
    d = convert_to_tensor(diagonal)
    n = _square(d, "matrix_diag")
    mask = construction.constant(np.eye(n, dtype=d.dtype.np))
    return math_ops.multiply(shape_ops.expand_dims(d, -1), mask, name=name)


def matrix_diag_part(input: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.matrix_diag_part``: the main diagonals of the last two axes (``min(m, n)`` long)."""
    x = convert_to_tensor(input)
    if x.ndim < 2 or None in x.shape[-2:]:
        raise InvalidArgumentError(f"matrix_diag_part needs static matrix dimensions, got {x.type}")
    m, n = x.shape[-2:]
    k = min(m, n)
    picked = x[..., :k, :k] if (m, n) != (k, k) else x
    mask = construction.constant(np.eye(k, dtype=x.dtype.np))
    return reduction.reduce_sum(picked * mask, axis=-1, name=name)


def matrix_set_diag(input: Any, diagonal: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.matrix_set_diag``: ``input`` with its main diagonals replaced by ``diagonal``."""
    x, d = convert_to_tensor(input), convert_to_tensor(diagonal)
    if x.ndim < 2 or None in x.shape[-2:] or x.shape[-2] != x.shape[-1]:
        raise InvalidArgumentError(f"matrix_set_diag supports static square matrices, got {x.type}")
    off = construction.constant(1 - np.eye(x.shape[-1], dtype=x.dtype.np))
    return math_ops.add(x * off, matrix_diag(d), name=name)


def diag(diagonal: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.diag`` for a vector: the square matrix with it on the diagonal."""
    d = convert_to_tensor(diagonal)
    if d.ndim != 1:
        raise InvalidArgumentError(f"diag supports a vector (rank 1), got {d.type}")
    return matrix_diag(d, name=name)


def diag_part(input: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.diag_part`` for a square matrix: its diagonal."""
    x = convert_to_tensor(input)
    if x.ndim != 2:
        raise InvalidArgumentError(f"diag_part supports a matrix (rank 2), got {x.type}")
    return matrix_diag_part(x, name=name)


def trace(x: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.trace``: the sum of each matrix's main diagonal (last two axes)."""
    return reduction.reduce_sum(matrix_diag_part(x), axis=-1, name=name)


def matrix_band_part(input: Any, num_lower: int, num_upper: int, name: str | None = None) -> Tensor:
    """TF1's ``tf.matrix_band_part``: keeps ``num_lower`` sub-diagonals and ``num_upper``
    super-diagonals (negative: all), zeros the rest. ``(x, -1, 0)`` is the lower triangle."""
    x = convert_to_tensor(input)
    if x.ndim < 2 or None in x.shape[-2:]:
        raise InvalidArgumentError(f"matrix_band_part needs static matrix dimensions, got {x.type}")
    if not all(isinstance(v, int) for v in (num_lower, num_upper)):
        raise InvalidArgumentError("matrix_band_part's num_lower and num_upper must be Python ints")
    m, n = x.shape[-2:]
    rows, cols = np.arange(m)[:, None], np.arange(n)[None, :]
    keep = ((num_lower < 0) | (rows - cols <= num_lower)) & ((num_upper < 0) | (cols - rows <= num_upper))
    return math_ops.multiply(x, construction.constant(keep.astype(x.dtype.np)), name=name)


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """TF1's ``tf.matrix_transpose``: swaps the last two axes."""
    a = convert_to_tensor(a)
    if a.ndim < 2:
        raise InvalidArgumentError(f"matrix_transpose needs rank >= 2, got {a.type}")
    perm = list(range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2]
    return shape_ops.transpose(a, perm, name=name)
