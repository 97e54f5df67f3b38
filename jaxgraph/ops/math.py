"""Math ops: elementwise unary and binary arithmetic, comparisons, logic, add_n, matmul.

Elementwise ops are declared from tables (one row per op: name, JAX function, gradient rule);
dtype promotion follows ``jax.numpy`` (``promote_types``), and ``/`` on integers gives
``float32`` as ``jnp.true_divide`` does. Every gradient rule is written in jaxgraph ops, so
gradients are graphs that can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxgraph.ir.dtypes import bool_, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import declare, op, type_error
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType
from jaxgraph.ops import construction, debugging, selection
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import (
    apply1,
    broadcast_type,
    convert_pair,
    convert_to_tensor,
    promoted,
    require,
)

__all__ = [
    "abs", "add", "add_n", "ceil", "cos", "div", "divide", "equal", "exp", "expm1", "floor",
    "floor_div", "floordiv", "floormod", "greater", "greater_equal", "less", "less_equal", "log",
    "log1p", "logical_and", "logical_not", "logical_or", "logical_xor", "matmul", "maximum",
    "minimum", "mod", "mul", "multiply", "neg", "negative", "not_equal", "pow", "reciprocal",
    "relu", "rsqrt", "sigmoid", "sign", "sin", "softplus", "sqrt", "square", "squared_difference",
    "sub", "subtract", "tanh", "truediv",
]  # fmt: skip


convert_operands = convert_pair
"""Converts two operands; a Python scalar takes the other operand's dtype (``ops.core``)."""


# ---- elementwise unary -------------------------------------------------------------------------
def _unary_infer(kind: str, type_name: str) -> Callable[..., TensorType]:
    accepts = {"float": lambda d: d.is_floating, "bool": lambda d: d is bool_}.get(
        kind, lambda d: not d.is_bool
    )
    what = {"float": "a floating-point", "bool": "a bool"}.get(kind, "a numeric")

    def infer(x):
        if not accepts(x.dtype):  # no ``require``: its message would be formatted for every op
            raise type_error(f"{type_name} expects {what} tensor, got {x.dtype.short}{x.shape}")
        return x if not x.ref else TensorType(x.dtype, x.shape)  # the input's type, not a new one

    return infer


def _y(op):
    return op.outputs[0]


def _x(op):
    return op.inputs[0]


def _unary_builder(type_name: str) -> Callable[..., Tensor]:
    def build(x: Any, name: str | None = None) -> Tensor:
        return apply1(type_name, [x], name)

    build.__name__ = build.__qualname__ = type_name
    build.__doc__ = f"Elementwise ``{type_name}`` (TF1's ``tf.{type_name}``)."
    return build


def _unary(type_name, default_name, kind, fn, grad, **traits):
    """Declares an elementwise unary op; ``grad(op, g)`` gives the input's gradient."""
    declare(type_name, default_name, _unary_infer(kind, type_name), fn,
            (lambda op, g: (grad(op, g),)) if grad else None, **traits)  # fmt: skip
    return _unary_builder(type_name)


neg = _unary("neg", "Neg", "number", jnp.negative, lambda op, g: neg(g), involution=True, jax_call="-{0}")
abs = _unary("abs", "Abs", "number", jnp.abs, lambda op, g: g * sign(_x(op)))
sign = _unary("sign", "Sign", "number", jnp.sign, lambda op, g: construction.zeros_like(g))
square = _unary("square", "Square", "number", jnp.square, lambda op, g: g * (2 * _x(op)))
exp = _unary("exp", "Exp", "float", jnp.exp, lambda op, g: g * _y(op))
expm1 = _unary("expm1", "Expm1", "float", jnp.expm1, lambda op, g: g * (_y(op) + 1))
log = _unary("log", "Log", "float", jnp.log, lambda op, g: g / _x(op))
log1p = _unary("log1p", "Log1p", "float", jnp.log1p, lambda op, g: g / (_x(op) + 1))
tanh = _unary("tanh", "Tanh", "float", jnp.tanh, lambda op, g: tanh_grad(_y(op), g))
sigmoid = _unary("sigmoid", "Sigmoid", "float", jax.nn.sigmoid, lambda op, g: sigmoid_grad(_y(op), g))
sqrt = _unary("sqrt", "Sqrt", "float", jnp.sqrt, lambda op, g: g * (0.5 / _y(op)))
rsqrt = _unary("rsqrt", "Rsqrt", "float", jax.lax.rsqrt, lambda op, g: g * (-0.5 * _y(op) / _x(op)))
reciprocal = _unary(
    "reciprocal", "Reciprocal", "float", jnp.reciprocal, lambda op, g: neg(g) * square(_y(op))
)
sin = _unary("sin", "Sin", "float", jnp.sin, lambda op, g: g * cos(_x(op)))
cos = _unary("cos", "Cos", "float", jnp.cos, lambda op, g: neg(g) * sin(_x(op)))
relu = _unary("relu", "Relu", "number", jax.nn.relu, lambda op, g: relu_grad(g, _y(op)))
softplus = _unary("softplus", "Softplus", "float", jax.nn.softplus, lambda op, g: g * sigmoid(_x(op)))
floor = _unary("floor", "Floor", "float", jnp.floor, lambda op, g: construction.zeros_like(g))
ceil = _unary("ceil", "Ceil", "float", jnp.ceil, lambda op, g: construction.zeros_like(g))
logical_not = _unary("logical_not", "LogicalNot", "bool", jnp.logical_not, None)


negative = neg


# ---- activation gradients (TF1's ReluGrad, TanhGrad, SigmoidGrad) ------------------------------
# One op per activation gradient keeps gradient graphs small and readable; each has its own
# gradient rule (TF1's), so second derivatives through the activation still work.
def _activation_grad_infer(type_name: str, kind: str) -> Callable[..., TensorType]:
    unary_infer = _unary_infer(kind, type_name)

    def infer(a, b):
        if a.dtype is not b.dtype or not a.shape.is_compatible_with(b.shape):
            raise type_error(
                f"{type_name} needs two tensors of one type, got {a.dtype.short}{a.shape} and "
                f"{b.dtype.short}{b.shape}"
            )
        result = unary_infer(a)
        if a.shape == b.shape:  # nothing to merge (the common case)
            return result
        return TensorType(a.dtype, TensorShape(x if x is not None else y for x, y in zip(a.shape, b.shape)))

    return infer


def _activation_grad(type_name, default_name, kind, fn, grad, doc):
    """Declares a two-input activation-gradient op; returns its builder."""
    declare(type_name, default_name, _activation_grad_infer(type_name, kind), fn, grad)

    def build(a: Any, b: Any, name: str | None = None) -> Tensor:
        return apply1(type_name, [a, b], name)

    build.__name__ = build.__qualname__ = type_name
    build.__doc__ = doc
    return build


relu_grad = _activation_grad(
    "relu_grad", "ReluGrad", "number",
    lambda g, features: jnp.where(features > 0, g, jnp.zeros_like(g)),
    lambda op, gg: (relu_grad(gg, op.inputs[1]), construction.zeros_like(op.inputs[1])),
    "``relu_grad(gradients, features)``: ``gradients`` where ``features > 0``, else 0.",
)  # fmt: skip
tanh_grad = _activation_grad(
    "tanh_grad", "TanhGrad", "float",
    lambda y, dy: dy * (1 - jnp.square(y)),
    lambda op, gg: (gg * -2.0 * op.inputs[1] * op.inputs[0], tanh_grad(op.inputs[0], gg)),
    "``tanh_grad(y, dy)``: ``dy * (1 - y²)``, the gradient of ``y = tanh(x)``.",
)  # fmt: skip
sigmoid_grad = _activation_grad(
    "sigmoid_grad", "SigmoidGrad", "float",
    lambda y, dy: dy * (y * (1 - y)),
    lambda op, gg: _sigmoid_grad_grad(op.inputs[0], op.inputs[1], gg),
    "``sigmoid_grad(y, dy)``: ``dy * y * (1 - y)``, the gradient of ``y = sigmoid(x)``.",
)  # fmt: skip


def _sigmoid_grad_grad(y: Tensor, dy: Tensor, gg: Tensor) -> tuple[Tensor, Tensor]:
    """TF1's ``_SigmoidGradGrad``: ``d/dy = gg·dy·(1 - 2y)``, ``d/d(dy) = sigmoid_grad(y, gg)``."""
    g_dy = gg * dy
    return g_dy - 2.0 * g_dy * y, sigmoid_grad(y, gg)


# ---- elementwise binary ------------------------------------------------------------------------
def broadcast_axes(out: Sequence[int | None], x: Sequence[int | None],
                   partners: Sequence[Sequence[int | None]]) -> list[int] | None:  # fmt: skip
    """The axes of ``out`` that NumPy broadcasting added or stretched for an operand of shape
    ``x``, proved from static shapes; None when unknown dimensions leave it open.

    ``partners`` are the shapes of the other operands of the same broadcast: where none of them
    has a dimension other than 1 on an axis, ``x`` alone set that axis, even if it is unknown.
    A shape of unknown rank leaves it open.
    """
    if out is UNKNOWN_RANK or x is UNKNOWN_RANK or UNKNOWN_RANK in partners:
        return None
    if out == x and None not in x:  # no broadcast (the common case): a fast path
        return []
    lead = len(out) - len(x)
    if lead < 0:
        return None
    axes = list(range(lead))
    for i, d in enumerate(x):
        axis = lead + i
        if (d is not None and d != 1) or out[axis] == 1:
            continue
        others = [p[axis - len(out) + len(p)] for p in partners if axis - len(out) + len(p) >= 0]
        if all(p == 1 for p in others):
            continue
        if d == 1 and (out[axis] is not None or any(p not in (None, 1) for p in others)):
            axes.append(axis)
            continue
        return None
    return axes


def sum_to(g: Tensor, x: Tensor, axes: list[int] | None) -> Tensor:
    """``g`` summed over ``axes`` (from ``broadcast_axes``) and reshaped to ``x``'s shape; a
    ``sum_to_like`` op, which finds the axes from the run-time shapes, when ``axes`` is None."""
    if axes is None:
        return apply1("sum_to_like", [g, x])
    if not axes:
        return g
    lead = len(g.shape) - len(x.shape)
    # ``reduce_sum(g, axis=axes, keepdims=not lead)`` without the builder's argument checks
    summed = apply1("reduce_sum", [g], None, axis=tuple(axes), keepdims=not lead)
    return summed if not lead or len(axes) == lead else shape_ops.reshape_like(summed, x)


def unbroadcast(g: Tensor, x: Tensor, *partners: Tensor) -> Tensor:
    """Sums ``g`` down to the shape of ``x`` (the gradient of NumPy broadcasting), where
    ``partners`` are the other operands ``x`` was broadcast with.

    Decided from the static types when the gradient is built: nothing when no broadcast can have
    happened, a ``reduce_sum`` (and a reshape) over the axes it provably added, and a
    ``sum_to_like`` op only when unknown dimensions leave it open until run time.
    """
    return sum_to(g, x, broadcast_axes(g.shape, x.shape, [p.shape for p in partners]))


@op("sum_to_like", "SumToLike", unknown_rank=True)
class SumToLike:
    """Sums ``g`` over the axes broadcasting added to ``like``'s run-time shape."""

    def infer(g, like):
        known = g.shape.ndims is not None and like.shape.ndims is not None
        require(not known or len(g.shape) >= len(like.shape), f"cannot sum {g} down to {like}")
        return TensorType(g.dtype, like.shape)

    def lower(g, like):
        lead = g.ndim - like.ndim
        axes = tuple(range(lead)) + tuple(
            lead + i for i, d in enumerate(like.shape) if d == 1 and g.shape[lead + i] != 1
        )
        return jnp.sum(g, axis=axes, keepdims=True).reshape(like.shape) if axes else g

    def grad(op, gg):
        return (shape_ops.broadcast_like(gg, op.inputs[0]), None)


def _binary_infer(kind: str, type_name: str) -> Callable[..., TensorType]:
    def infer(a, b):
        dtype = promoted(a, b)
        if kind == "bool":
            if a.dtype is not bool_ or b.dtype is not bool_:
                raise type_error(f"{type_name} expects bool tensors, got {a.dtype.short} and {b.dtype.short}")
        elif kind != "equality" and dtype.is_bool:  # equal / not_equal also compare bools (TF1)
            raise type_error(f"{type_name} expects numeric tensors, got {a.dtype.short} and {b.dtype.short}")
        result = broadcast_type(dtype, a, b)
        if kind in ("compare", "equality"):
            return TensorType(bool_, result.shape)
        if kind == "truediv" and not dtype.is_floating:
            return TensorType(float32, result.shape)
        return result

    return infer


def _grad_pair(rule: Callable[..., tuple]) -> Callable[..., tuple]:
    def grad(op, g):
        a, b = op.inputs
        ga, gb = rule(op, g, a, b)
        return (
            unbroadcast(ga, a, b) if ga is not None else None,
            unbroadcast(gb, b, a) if gb is not None else None,
        )

    return grad


def _pow_grad(op, g, a, b):
    y = op.outputs[0]
    positive = greater(a, 0)
    safe_a = selection.where(positive, a, construction.ones_like(a))
    return (
        g * b * pow(a, b - 1),
        g * selection.where(positive, log(safe_a) * y, construction.zeros_like(y)),
    )


def _select_grad(pick_a: Callable[..., Tensor]) -> Callable[..., tuple]:
    def rule(op, g, a, b):
        mask = pick_a(a, b)
        zero = construction.zeros_like(g)
        return selection.where(mask, g, zero), selection.where(mask, zero, g)

    return rule


def _binary_builder(
    type_name: str, default_name: str, guard: tuple[str, str] | None
) -> Callable[..., Tensor]:
    """The builder of a binary op; ``guard = (test, message)``: on integers, the second operand
    must pass ``test`` (TF1's CPU kernels raise ``message``; XLA would give garbage), checked when
    the op is built for a constant, else when it runs (``ops.debugging``)."""

    def build(x: Any, y: Any, name: str | None = None) -> Tensor:
        x, y = convert_operands(x, y)
        if guard is None or not promoted(x.type, y.type).is_integer:
            return apply1(type_name, [x, y], name)
        with debugging.guarded_scope(name, default_name) as scope:
            y, problem = debugging.checked_values(y, *guard)
            result = apply1(type_name, [x, y], scope)
        debugging.raise_if(problem, result.op)
        return result

    build.__name__ = build.__qualname__ = type_name
    tf1_name = _TF1_BINARY_NAMES.get(type_name, type_name)
    build.__doc__ = f"Elementwise ``{type_name}`` with NumPy broadcasting; TF1's ``tf.{tf1_name}``."
    return build


# The binary ops whose TF1 name differs from the op type's (for the builders' docstrings).
_TF1_BINARY_NAMES = {"sub": "subtract", "mul": "multiply"}


def _binary(type_name, default_name, kind, fn, grad, guard=None, **traits):
    """Declares an elementwise binary op; ``grad(op, g, a, b)`` gives ``(ga, gb)`` before
    un-broadcasting; ``guard``: see ``_binary_builder``."""
    declare(type_name, default_name, _binary_infer(kind, type_name), fn, _grad_pair(grad) if grad else None,
            **traits)  # fmt: skip
    return _binary_builder(type_name, default_name, guard)


_NONZERO_DIVISOR = ("nonzero", debugging.DIVISION_BY_ZERO)


add = _binary("add", "Add", "number", jnp.add, lambda op, g, a, b: (g, g), commutative=True, identity_element=0, jax_call="{0} + {1}")  # fmt: skip
sub = _binary(
    "sub",
    "Sub",
    "number",
    jnp.subtract,
    lambda op, g, a, b: (g, neg(g)),
    identity_element=0,
    jax_call="{0} - {1}",
)
mul = _binary("mul", "Mul", "number", jnp.multiply, lambda op, g, a, b: (g * b, a * g), commutative=True, identity_element=1, jax_call="{0} * {1}")  # fmt: skip
truediv = _binary(
    "truediv", "RealDiv", "truediv", jnp.true_divide, lambda op, g, a, b: (g / b, neg(g) * a / square(b)),
    identity_element=1, jax_call="{0} / {1}",
)  # fmt: skip
floordiv = _binary("floordiv", "FloorDiv", "number", jnp.floor_divide, None, _NONZERO_DIVISOR)
mod = _binary(
    "mod", "FloorMod", "number", jnp.mod, lambda op, g, a, b: (g, neg(g) * floordiv(a, b)), _NONZERO_DIVISOR
)
pow = _binary("pow", "Pow", "number", jnp.power, _pow_grad, ("nonnegative", debugging.NEGATIVE_POWER),
              identity_element=1)  # fmt: skip
maximum = _binary("maximum", "Maximum", "number", jnp.maximum, _select_grad(lambda a, b: greater_equal(a, b)))
minimum = _binary("minimum", "Minimum", "number", jnp.minimum, _select_grad(lambda a, b: less_equal(a, b)))
squared_difference = _binary(
    "squared_difference",
    "SquaredDifference",
    "number",
    lambda a, b: jnp.square(a - b),
    lambda op, g, a, b: (g * 2 * (a - b), g * -2 * (a - b)),
)
equal = _binary("equal", "Equal", "equality", jnp.equal, None)
not_equal = _binary("not_equal", "NotEqual", "equality", jnp.not_equal, None)
less = _binary("less", "Less", "compare", jnp.less, None)
less_equal = _binary("less_equal", "LessEqual", "compare", jnp.less_equal, None)
greater = _binary("greater", "Greater", "compare", jnp.greater, None)
greater_equal = _binary("greater_equal", "GreaterEqual", "compare", jnp.greater_equal, None)
logical_and = _binary("logical_and", "LogicalAnd", "bool", jnp.logical_and, None)
logical_or = _binary("logical_or", "LogicalOr", "bool", jnp.logical_or, None)
logical_xor = _binary("logical_xor", "LogicalXor", "bool", jnp.logical_xor, None)


subtract, multiply, divide, floor_div, floormod = sub, mul, truediv, floordiv, mod


def div(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.div``: floor division for integers, true division for floats."""
    x, y = convert_operands(x, y)
    return floordiv(x, y, name) if not promoted(x.type, y.type).is_floating else truediv(x, y, name)


# ---- add_n -------------------------------------------------------------------------------------
@op("add_n", "AddN")
class AddN:
    def infer(*xs):
        require(len(xs) >= 1, "add_n needs at least one input")
        for x in xs[1:]:
            require(
                x.dtype is xs[0].dtype and x.shape.is_compatible_with(xs[0].shape),
                f"add_n inputs differ: {xs[0]} vs {x}",
            )
        return TensorType(xs[0].dtype, xs[0].shape)

    def lower(*xs):
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total

    def grad(op, g):
        return tuple(g for _ in op.inputs)


def add_n(inputs: list[Any], name: str | None = None) -> Tensor:
    """Sum of same-typed tensors; TF1's ``tf.add_n``."""
    tensors = [convert_to_tensor(x) for x in inputs]
    return tensors[0] if len(tensors) == 1 else apply1("add_n", tensors, name)


# ---- matmul ------------------------------------------------------------------------------------
@op("matmul", "MatMul", attrs={"transpose_a": False, "transpose_b": False}, jax_call="jnp.matmul({0}, {1})")
class MatMul:
    """Matrix product of the last two axes; leading (batch) axes broadcast."""

    def infer(a, b, *, transpose_a, transpose_b):
        if len(a.shape) < 2 or len(b.shape) < 2:
            raise type_error(
                f"matmul needs tensors of rank >= 2, got {a.dtype.short}{a.shape} and {b.dtype.short}{b.shape}"
            )
        if a.dtype is not b.dtype:
            raise type_error(f"matmul operands differ in dtype: {a.dtype.short} vs {b.dtype.short}")
        m, k1 = a.shape[-2:] if not transpose_a else a.shape[-2:][::-1]
        k2, n = b.shape[-2:] if not transpose_b else b.shape[-2:][::-1]
        if k1 is not None and k2 is not None and k1 != k2:
            raise type_error(
                f"matmul inner dimensions differ: {a.dtype.short}{a.shape}"
                f"{'ᵀ' if transpose_a else ''} @ {b.dtype.short}{b.shape}{'ᵀ' if transpose_b else ''}"
                f" ({k1} != {k2})"
            )
        if len(a.shape) == 2 and len(b.shape) == 2:  # no batch axes (the common case, made cheap)
            return TensorType(a.dtype, TensorShape((m, n)))
        batch = broadcast_type(a.dtype, TensorType(a.dtype, a.shape[:-2]), TensorType(b.dtype, b.shape[:-2]))
        return TensorType(a.dtype, TensorShape(tuple(batch.shape) + (m, n)))

    def lower(a, b, *, transpose_a, transpose_b):
        if transpose_a:
            a = jnp.swapaxes(a, -1, -2)
        if transpose_b:
            b = jnp.swapaxes(b, -1, -2)
        return jnp.matmul(a, b)

    def grad(op, g):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            ga, gb = matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)
        elif not ta and tb:
            ga, gb = matmul(g, b), matmul(g, a, transpose_a=True)
        elif ta and not tb:
            ga, gb = matmul(b, g, transpose_b=True), matmul(a, g)
        else:
            ga, gb = (
                matmul(b, g, transpose_a=True, transpose_b=True),
                matmul(g, a, transpose_a=True, transpose_b=True),
            )
        return _unbroadcast_batch(ga, a, b), _unbroadcast_batch(gb, b, a)


def _unbroadcast_batch(g: Tensor, x: Tensor, partner: Tensor) -> Tensor:
    """A matmul operand's gradient summed over the batch axes broadcasting gave it (none for
    rank-2 operands: only the leading batch axes broadcast)."""
    if g.shape.ndims == 2 == x.shape.ndims:  # no batch axes (the common case, made cheap)
        return g
    return sum_to(g, x, broadcast_axes(g.shape[:-2], x.shape[:-2], [partner.shape[:-2]]))


def matmul(
    a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, name: str | None = None
) -> Tensor:
    """TF1's ``tf.matmul`` (rank >= 2, batch axes broadcast)."""
    a, b = convert_operands(a, b)
    return apply1("matmul", [a, b], name, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b))
