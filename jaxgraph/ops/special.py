"""More elementwise math (TF1's ``tf.math``): trigonometric and hyperbolic functions, ``erf``,
``lgamma``, ``digamma``, rounding, the ``is_nan``/``is_inf``/``is_finite`` tests, ``atan2``,
and compositions TF1 defines in Python (``log_sigmoid``, ``div_no_nan``, ``scalar_mul``).

The ops are declared with ``ops.math``'s table helpers (type rule, JAX lowering, gradient rule in
jaxgraph ops, so second derivatives work); ``round`` rounds half to even, as TF1 does.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import jax.scipy.special as jsp

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import bool_
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import declare
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops import construction, selection
from jaxgraph.ops import math as math_ops
from jaxgraph.ops.core import apply1, convert_to_tensor, require
from jaxgraph.ops.math import _binary, _unary, _x, _y

__all__ = [
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh", "digamma", "div_no_nan",
    "erf", "erfc", "is_finite", "is_inf", "is_nan", "lgamma", "log_sigmoid", "multiply_no_nan",
    "realdiv", "reciprocal_no_nan", "rint", "round", "scalar_mul", "sinh", "tan", "xdivy", "xlogy",
]  # fmt: skip


def _zero(op, g):
    return construction.zeros_like(g)


def _sqrt_one_minus_square(x: Tensor) -> Tensor:
    return math_ops.sqrt(1 - math_ops.square(x))


tan = _unary("tan", "Tan", "float", jnp.tan, lambda op, g: g * (1 + math_ops.square(_y(op))))
sinh = _unary("sinh", "Sinh", "float", jnp.sinh, lambda op, g: g * cosh(_x(op)))
cosh = _unary("cosh", "Cosh", "float", jnp.cosh, lambda op, g: g * sinh(_x(op)))
asin = _unary("asin", "Asin", "float", jnp.arcsin, lambda op, g: g / _sqrt_one_minus_square(_x(op)))
acos = _unary("acos", "Acos", "float", jnp.arccos, lambda op, g: -g / _sqrt_one_minus_square(_x(op)))
atan = _unary("atan", "Atan", "float", jnp.arctan, lambda op, g: g / (1 + math_ops.square(_x(op))))
asinh = _unary("asinh", "Asinh", "float", jnp.arcsinh, lambda op, g: g / cosh(_y(op)))
acosh = _unary("acosh", "Acosh", "float", jnp.arccosh, lambda op, g: g / sinh(_y(op)))
atanh = _unary("atanh", "Atanh", "float", jnp.arctanh, lambda op, g: g / (1 - math_ops.square(_x(op))))
erf = _unary("erf", "Erf", "float", jsp.erf,
             lambda op, g: g * (2 / jnp.sqrt(jnp.pi)) * math_ops.exp(-math_ops.square(_x(op))))  # fmt: skip
erfc = _unary("erfc", "Erfc", "float", jsp.erfc,
              lambda op, g: g * (-2 / jnp.sqrt(jnp.pi)) * math_ops.exp(-math_ops.square(_x(op))))  # fmt: skip
digamma = _unary("digamma", "Digamma", "float", jsp.digamma, None)
lgamma = _unary("lgamma", "Lgamma", "float", jsp.gammaln, lambda op, g: g * digamma(_x(op)))
rint = _unary("rint", "Rint", "float", jnp.rint, _zero)
round = _unary("round", "Round", "number", jnp.round, _zero)  # noqa: A001  (TF1's tf.round; half to even)
_atan2 = _binary(
    "atan2", "Atan2", "number", jnp.arctan2,
    lambda op, g, y, x: (g * x / (math_ops.square(x) + math_ops.square(y)),
                         -g * y / (math_ops.square(x) + math_ops.square(y))),
)  # fmt: skip


def _require_floating(what: str, x: Tensor) -> None:
    if not x.dtype.is_floating:
        raise InvalidArgumentError(f"{what} expects floating-point tensors, got {x.type}")


def atan2(y: Any, x: Any, name: str | None = None) -> Tensor:
    """Elementwise ``arctan(y / x)`` in the quadrant of ``(x, y)``; TF1's ``tf.atan2``."""
    y, x = math_ops.convert_operands(y, x)
    _require_floating("atan2", y)
    return _atan2(y, x, name)


# ---- is_nan, is_inf, is_finite ------------------------------------------------------------------
def _test(type_name: str, default_name: str, fn: Any) -> Any:
    """Declares an elementwise floating-point test (bool result, no gradient); its builder."""

    def infer(x):
        require(
            x.dtype.is_floating, f"{type_name} expects a floating-point tensor, got {x.dtype.short}{x.shape}"
        )
        return TensorType(bool_, x.shape)

    declare(type_name, default_name, infer, fn, None)

    def build(x: Any, name: str | None = None) -> Tensor:
        return apply1(type_name, [x], name)

    build.__name__ = build.__qualname__ = type_name
    build.__doc__ = f"Elementwise ``{type_name}`` (bool); TF1's ``tf.{type_name}`` / ``tf.math.{type_name}``."
    return build


is_nan = _test("is_nan", "IsNan", jnp.isnan)
is_inf = _test("is_inf", "IsInf", jnp.isinf)
is_finite = _test("is_finite", "IsFinite", jnp.isfinite)


# ---- compositions (TF1 defines these in Python) -------------------------------------------------
def log_sigmoid(x: Any, name: str | None = None) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``; TF1's ``tf.log_sigmoid``."""
    return math_ops.neg(math_ops.softplus(math_ops.neg(x)), name=name)


def div_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``, or 0 where ``y == 0`` (with no NaN gradient either); TF1's ``tf.div_no_nan``."""
    x, y = math_ops.convert_operands(x, y)
    zero = math_ops.equal(y, 0)
    safe = selection.where(zero, construction.ones_like(y), y)
    quotient = math_ops.truediv(x, safe)
    return selection.where(zero, construction.zeros_like(quotient), quotient, name=name)


def realdiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.realdiv``: true division of floating-point tensors."""
    x, y = math_ops.convert_operands(x, y)
    _require_floating("realdiv", x)
    return math_ops.truediv(x, y, name=name)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.scalar_mul``: ``scalar * x`` for a scalar ``scalar``."""
    scalar = convert_to_tensor(scalar) if not isinstance(scalar, (int, float)) else scalar
    if isinstance(scalar, Tensor) and scalar.ndim != 0:
        raise InvalidArgumentError(f"Only scalar multiply works, got shape {scalar.shape.as_list()}")
    return math_ops.multiply(scalar, x, name=name)


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.math.multiply_no_nan``: ``x * y``, or 0 where ``y == 0`` (even if ``x`` is
    NaN or infinite)."""
    x, y = math_ops.convert_operands(x, y)
    product = math_ops.multiply(x, y)
    return selection.where(math_ops.equal(y, 0), construction.zeros_like(product), product, name=name)


def reciprocal_no_nan(x: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.math.reciprocal_no_nan``: ``1 / x``, or 0 where ``x == 0``."""
    x = convert_to_tensor(x)
    return div_no_nan(construction.ones_like(x), x, name=name)


def xlogy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.math.xlogy``: ``x * log(y)``, or 0 where ``x == 0``."""
    x, y = math_ops.convert_operands(x, y)
    zero = math_ops.equal(x, 0)
    safe = selection.where(zero, construction.ones_like(y), y)
    return multiply_no_nan(math_ops.log(safe), x, name=name)


def xdivy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.math.xdivy``: ``x / y``, or 0 where ``x == 0``."""
    x, y = math_ops.convert_operands(x, y)
    zero = math_ops.equal(x, 0)
    quotient = math_ops.truediv(x, selection.where(zero, construction.ones_like(y), y))
    return selection.where(zero, construction.zeros_like(quotient), quotient, name=name)
