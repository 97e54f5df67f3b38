"""Run-time checks kept in the graph (effects JAX would drop): ``check_numerics``, and the checks
op builders add where TF1's CPU kernels raise but XLA would return garbage.

A check op passes its input through and also returns a status that the run inspects before it
commits anything (``OpDef.check``); a failed check raises ``InvalidArgumentError`` naming the
check op, whose name is scoped under the op it guards (``embedding_lookup/CheckIndices``), and
the user's source line. The builders add them:

* ``check_indices``: ``gather``, ``nn.embedding_lookup`` and the labels of
  ``nn.sparse_softmax_cross_entropy_with_logits`` need indices in ``[0, n)`` (TF1's message
  ``indices[3] = 7 is not in [0, 5)``); unchecked, XLA gives NaN or wraps negative indices.
* ``check_values``: integer ``floordiv`` / ``mod`` need a non-zero divisor ("Integer division by
  zero") and integer ``pow`` a non-negative exponent; unchecked, XLA gives garbage.

When the guarded operand is a constant the check happens when the op is built instead, and no
check op is added. Checks cost a little (a reduction over the checked operand, and a select of
old or new value per updated Variable); ``set_runtime_checks(False)`` leaves them out
of the ops built afterwards, and ``gather`` / ``embedding_lookup`` take TF1's
``validate_indices=False`` for one op.

Checks inside ``cond`` / ``scan`` / ``while_loop`` bodies count too: a loop carries each check's
status from step to step and reports the first step that failed (a check in a ``while_loop``'s
condition function is not seen: its results other than the predicate are dropped).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops.core import apply1, normalize_axis, require

_checks_enabled = True


def set_runtime_checks(enabled: bool) -> bool:
    """Whether op builders add run-time checks (index ranges, integer division by zero, integer
    powers with negative exponents) to the ops built from now on; returns the previous setting.

    On by default, as TF1 checks on CPU. Turning checks off saves their cost; a bad index then
    gives NaN (``gather``) or wraps around, and a bad integer division gives an unspecified value.
    """
    global _checks_enabled
    previous, _checks_enabled = _checks_enabled, bool(enabled)
    return previous


def runtime_checks_enabled() -> bool:
    """The setting of ``set_runtime_checks``. jaxgraph's own; TF1 has no counterpart."""
    return _checks_enabled


@contextlib.contextmanager
def guarded_scope(name: str | None, default_name: str) -> Iterator[str]:
    """The name scope of an op and its checks: yields the op's exact name (``scope/``), the checks
    built inside are named ``scope/Check...`` (TF1's ``Assert`` ops are scoped the same way)."""
    with get_default_graph().name_scope(name or default_name) as scope:
        yield scope


def raise_if(problem: str | None, op: Operation) -> None:
    """Raises the build-time failure of a check on a constant operand, naming the guarded op."""
    if problem is not None:
        raise InvalidArgumentError(problem, op)


def _constant_value(t: Tensor) -> np.ndarray | None:
    return t.op.attrs["value"].array if t.op.type == "constant" else None


# ---- check_numerics ----------------------------------------------------------------------------
@op("check_numerics", "CheckNumerics", attrs={"message": REQUIRED}, check=True)
class CheckNumerics:
    """Passes ``x`` through; the run fails, naming this op, if ``x`` has a NaN or Inf."""

    def infer(x, *, message):
        require(x.dtype.is_floating, f"check_numerics expects a floating-point tensor, got {x.dtype.short}")
        return TensorType(x.dtype, x.shape)

    def lower(x, *, message):
        return x, jnp.all(jnp.isfinite(x))

    def explain(op, detail):
        return f"{op.attrs['message']} (check_numerics)"

    def grad(op, g):
        return (g,)


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Tensor:
    """TF1's ``tf.debugging.check_numerics``: ``tensor``, checked for NaN/Inf when it runs."""
    return apply1("check_numerics", [tensor], name, message=str(message))


# ---- index ranges ------------------------------------------------------------------------------
@op("check_indices", "CheckIndices", attrs={"axis": REQUIRED, "what": "indices"}, check=True, cpu_only=True)
class CheckIndices:
    """Passes integer ``indices`` through; the run fails if one is outside ``[0, n)``, ``n``
    being the run-time size of ``params`` along ``axis`` (only its shape is read). The status
    holds the first bad index' position and value and ``n``, for TF1's message."""

    def infer(indices, params, *, axis, what):
        require(indices.dtype.is_integer, f"{what} must be integers, got {indices}")
        normalize_axis(axis, len(params.shape))
        return TensorType(indices.dtype, indices.shape)

    def lower(indices, params, *, axis, what):
        indices = jnp.asarray(indices)  # a constant arrives as a NumPy array: index it with tracers
        bound = params.shape[axis]
        status_type = jnp.promote_types(indices.dtype, jnp.int32)
        if indices.size == 0:  # nothing to check
            return indices, jnp.asarray([1] + [0] * (indices.ndim + 1) + [bound], status_type)
        bad = (indices < 0) | (indices >= bound)
        first = jnp.argmax(bad.ravel())
        position = jnp.unravel_index(first, indices.shape) if indices.ndim else ()
        parts = [~jnp.any(bad), *position, indices.ravel()[first], bound]
        return indices, jnp.stack([jnp.asarray(p).astype(status_type) for p in parts])

    def explain(op, detail):
        return _out_of_range(op.attrs["what"], detail)

    def grad(op, g):
        return (None, None)


def checked_indices(
    indices: Tensor, params: Tensor, axis: int, what: str = "indices", validate: bool | None = None
) -> tuple[Tensor, str | None]:
    """``indices`` guarded by a ``check_indices`` op (when checks are on), for use as the indices
    of an op over ``params``' ``axis``. Constant indices against a static size are checked now
    instead: the result is then ``indices`` itself and the problem found (None if in range)."""
    if not (runtime_checks_enabled() if validate is None else validate):
        return indices, None
    if not indices.dtype.is_integer or not -params.ndim <= axis < params.ndim:
        return indices, None  # the guarded op's type rule reports these
    bound = params.shape[axis]
    value = _constant_value(indices)
    if value is None or bound is None:
        return apply1("check_indices", [indices, params], axis=axis, what=what), None
    bad = np.flatnonzero((value < 0) | (value >= bound))
    if not len(bad):
        return indices, None
    return indices, _out_of_range(what, [*np.unravel_index(bad[0], value.shape), value.flat[bad[0]], bound])


def _out_of_range(what: str, detail: Any) -> str:
    """TF1's message for an index out of range, from ``[*position, value, bound]``."""
    *position, value, bound = (int(v) for v in detail)
    where = f"[{','.join(map(str, position))}]" if position else ""
    return f"{what}{where} = {value} is not in [0, {bound})"


# ---- value tests (integer division, integer powers) ----------------------------------------------
_VALUE_TESTS: dict[str, Callable[[Any], Any]] = {
    "nonzero": lambda x: x != 0,
    "nonnegative": lambda x: x >= 0,
}


@op("check_values", "CheckValues", attrs={"test": REQUIRED, "message": REQUIRED}, check=True, cpu_only=True)
class CheckValues:
    """Passes ``x`` through; the run fails with ``message`` unless every element passes ``test``
    (``"nonzero"`` or ``"nonnegative"``)."""

    def infer(x, *, test, message):
        require(
            test in _VALUE_TESTS, f"check_values' test must be one of {sorted(_VALUE_TESTS)}, got {test!r}"
        )
        return TensorType(x.dtype, x.shape)

    def lower(x, *, test, message):
        return x, jnp.all(_VALUE_TESTS[test](x))

    def explain(op, detail):
        return op.attrs["message"]

    def grad(op, g):
        return (None,)


DIVISION_BY_ZERO = "Integer division by zero"
NEGATIVE_POWER = "Integers to negative integer powers are not allowed."


def checked_values(x: Tensor, test: str, message: str) -> tuple[Tensor, str | None]:
    """``x`` guarded by a ``check_values`` op (when checks are on); a constant ``x`` is tested
    now instead: the result is then ``x`` itself and ``message`` if it fails (else None)."""
    if not runtime_checks_enabled():
        return x, None
    value = _constant_value(x)
    if value is None:
        return apply1("check_values", [x], test=test, message=message), None
    return x, None if np.all(_VALUE_TESTS[test](value)) else message
