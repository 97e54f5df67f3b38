"""Every gradient rule against ``jax.vjp`` of the same op's own JAX lowering.

Each case builds one op from placeholders, asks ``jg.gradients`` for the input gradients
weighted by a random cotangent, and compares with ``jax.vjp`` of ``op.op_def.lower``.
A sample is also checked against central finite differences.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.ops import math as math_ops
from tests.helpers import assert_close

RNG = np.random.default_rng(0)


def _positive(shape):
    return RNG.uniform(0.5, 2.0, size=shape).astype(np.float32)


def _any(shape):
    return RNG.normal(size=shape).astype(np.float32)


def _away_from_zero(shape):
    return (RNG.uniform(0.3, 2.0, size=shape) * RNG.choice([-1, 1], size=shape)).astype(np.float32)


def _distinct(shape):
    """Continuous random values: no ties between elements or inputs (almost surely)."""
    return RNG.uniform(-2.0, 2.0, size=shape).astype(np.float32)


# (id, builder over input tensors, input shapes, value generator, known placeholder shapes or None)
CASES = [
    ("neg", jg.neg, [(3, 4)], _any),
    ("abs", jg.abs, [(3, 4)], _away_from_zero),
    ("sign", jg.sign, [(5,)], _away_from_zero),
    ("square", jg.square, [(3, 4)], _any),
    ("exp", jg.exp, [(2, 3)], _any),
    ("expm1", jg.expm1, [(2, 3)], _any),
    ("log", jg.log, [(2, 3)], _positive),
    ("log1p", jg.log1p, [(2, 3)], _positive),
    ("tanh", jg.tanh, [(2, 3)], _any),
    ("sigmoid", jg.sigmoid, [(2, 3)], _any),
    ("sqrt", jg.sqrt, [(2, 3)], _positive),
    ("rsqrt", jg.rsqrt, [(2, 3)], _positive),
    ("reciprocal", jg.reciprocal, [(2, 3)], _positive),
    ("sin", jg.sin, [(4,)], _any),
    ("cos", jg.cos, [(4,)], _any),
    ("relu", jg.relu, [(3, 4)], _away_from_zero),
    ("softplus", jg.softplus, [(3, 4)], _any),
    ("floor", jg.floor, [(3,)], _any),
    ("ceil", jg.ceil, [(3,)], _any),
    ("add", jg.add, [(3, 4), (4,)], _any),
    ("add_scalar_left", jg.add, [(), (2, 3)], _any),
    ("sub", jg.sub, [(3, 1), (1, 4)], _any),
    ("mul", jg.mul, [(2, 3, 4), (3, 1)], _any),
    ("truediv", jg.truediv, [(3, 4), (3, 4)], _away_from_zero),
    ("mod", jg.mod, [(3, 4), (4,)], _positive),
    ("pow", jg.pow, [(3, 4), (3, 4)], _positive),
    ("maximum", jg.maximum, [(3, 4), (3, 4)], _distinct),
    ("minimum", jg.minimum, [(3, 4), (4,)], _distinct),
    ("squared_difference", jg.squared_difference, [(3, 4), (4,)], _any),
    ("add_n", lambda a, b, c: jg.add_n([a, b, c]), [(2, 3)] * 3, _any),
    ("matmul", jg.matmul, [(3, 4), (4, 5)], _any),
    ("matmul_ta", lambda a, b: jg.matmul(a, b, transpose_a=True), [(4, 3), (4, 5)], _any),
    ("matmul_tb", lambda a, b: jg.matmul(a, b, transpose_b=True), [(3, 4), (5, 4)], _any),
    ("matmul_tab", lambda a, b: jg.matmul(a, b, True, True), [(4, 3), (5, 4)], _any),
    ("matmul_batch", jg.matmul, [(2, 3, 4), (4, 5)], _any),
    ("reduce_sum_all", jg.reduce_sum, [(3, 4)], _any),
    ("reduce_sum_axis", lambda x: jg.reduce_sum(x, axis=1), [(3, 4, 2)], _any),
    ("reduce_sum_keepdims", lambda x: jg.reduce_sum(x, axis=(0, 2), keepdims=True), [(3, 4, 2)], _any),
    ("reduce_mean", lambda x: jg.reduce_mean(x, axis=-1), [(3, 4)], _any),
    ("reduce_max", lambda x: jg.reduce_max(x, axis=0), [(3, 4)], _distinct),
    ("reduce_min", lambda x: jg.reduce_min(x, axis=1, keepdims=True), [(3, 4)], _distinct),
    ("reduce_prod", lambda x: jg.reduce_prod(x, axis=1), [(3, 4)], _positive),
    ("cast", lambda x: jg.cast(x, jg.float16), [(3,)], _any),
    ("identity", jg.identity, [(3,)], _any),
    ("reshape", lambda x: jg.reshape(x, (4, 3)), [(3, 4)], _any),
    ("expand_dims", lambda x: jg.expand_dims(x, 1), [(3, 4)], _any),
    ("where", lambda a, b: jg.where(jg.greater(a, 0.0), a, b), [(3, 4), (4,)], _any),
    ("where_broadcast", lambda a, b: jg.where(jg.greater(a, 0.0), a, b), [(3, 1), (1, 4)], _any),
    ("broadcast_to", lambda x: jg.broadcast_to(x, (2, 3, 4)), [(3, 1)], _any),
    ("relu_grad", math_ops.relu_grad, [(3, 4), (3, 4)], _away_from_zero),
    ("tanh_grad", math_ops.tanh_grad, [(3, 4), (3, 4)], _any),
    ("sigmoid_grad", math_ops.sigmoid_grad, [(3, 4), (3, 4)], _any),
]


# ---- issue 11's sweep: more elementwise math, cumulative ops, einsum, arrays ----------------------
def _unit(shape):
    return RNG.uniform(-0.9, 0.9, size=shape).astype(np.float32)


def _above_one(shape):
    return RNG.uniform(1.2, 3.0, size=shape).astype(np.float32)


CASES += [
    ("tan", jg.tan, [(2, 3)], _unit),
    ("sinh", jg.sinh, [(2, 3)], _any),
    ("cosh", jg.cosh, [(2, 3)], _any),
    ("asin", jg.asin, [(2, 3)], _unit),
    ("acos", jg.acos, [(2, 3)], _unit),
    ("atan", jg.atan, [(2, 3)], _any),
    ("asinh", jg.asinh, [(2, 3)], _any),
    ("acosh", jg.acosh, [(2, 3)], _above_one),
    ("atanh", jg.atanh, [(2, 3)], _unit),
    ("erf", jg.erf, [(2, 3)], _any),
    ("erfc", jg.erfc, [(2, 3)], _any),
    ("lgamma", jg.lgamma, [(2, 3)], _positive),
    ("round", jg.round, [(4,)], _any),
    ("rint", jg.rint, [(4,)], _any),
    ("atan2", jg.atan2, [(3, 4), (4,)], _away_from_zero),
    ("cumsum", lambda x: jg.cumsum(x, 1), [(3, 4)], _any),
    ("cumsum_exclusive_reverse", lambda x: jg.cumsum(x, 0, exclusive=True, reverse=True), [(3, 4)], _any),
    ("cumprod", lambda x: jg.cumprod(x, 1), [(3, 4)], _positive),
    ("cumprod_exclusive", lambda x: jg.cumprod(x, 1, exclusive=True), [(3, 4)], _positive),
    ("cumprod_reverse", lambda x: jg.cumprod(x, 0, reverse=True), [(3, 4)], _positive),
    ("einsum_matmul", lambda a, b: jg.einsum("ij,jk->ik", a, b), [(3, 4), (4, 5)], _any),
    ("einsum_batch_outer", lambda a, b: jg.einsum("bi,bj->bij", a, b), [(2, 3), (2, 4)], _any),
    ("einsum_summed_alone", lambda a, b: jg.einsum("ij,k->jk", a, b), [(3, 4), (2,)], _any),
    ("einsum_transpose", lambda a: jg.einsum("abc->cab", a), [(2, 3, 4)], _any),
    ("reverse", lambda x: jg.reverse(x, [0, 2]), [(2, 3, 4)], _any),
    ("gather_nd", lambda x: jg.gather_nd(x, [[1, 2], [0, 0], [1, 2]]), [(2, 3, 4)], _any),
    (
        "tensor_scatter_nd_add",
        lambda t, u: jg.tensor_scatter_nd_add(t, [[1], [0], [1]], u),
        [(2, 3), (3, 3)],
        _any,
    ),
    ("unsorted_segment_sum", lambda x: jg.unsorted_segment_sum(x, [2, 0, 2, -1], 3), [(4, 2)], _any),
    ("placeholder_with_default", lambda x: jg.placeholder_with_default(x, (2, 3)), [(2, 3)], _any),
]


def _check(builder, shapes, generate, dynamic=False):
    values = [generate(s) for s in shapes]
    inputs = [
        jg.placeholder(jg.float32, [None] * len(s) if dynamic else s, name=f"in{i}")
        for i, s in enumerate(shapes)
    ]
    y = builder(*inputs)
    cotangent = _any(tuple(y.shape) if not dynamic else np.shape(_evaluate(y, inputs, values)))
    cotangent = cotangent.astype(y.dtype.np)
    grads = jg.gradients(y, inputs, grad_ys=jg.constant(cotangent))
    feed = dict(zip(inputs, values))
    op = y.op
    with jg.Session() as sess:
        actual, op_inputs = sess.run([grads, list(op.inputs)], feed)
    floating = [i for i, t in enumerate(op.inputs) if t.dtype.is_floating]

    def lowered(*float_args):
        args = list(op_inputs)
        for i, value in zip(floating, float_args):
            args[i] = value
        return op.op_def.lower(*args, **op.attrs)

    _, vjp = jax.vjp(lowered, *[op_inputs[i] for i in floating])
    expected = dict(zip([op.inputs[i] for i in floating], vjp(cotangent)))
    for tensor, got in zip(inputs, actual):
        assert_close(got, np.asarray(expected[tensor]), rtol=2e-5, atol=2e-5)
    return values, inputs, y, actual, cotangent


def _evaluate(y, inputs, values):
    with jg.Session() as sess:
        return sess.run(y, dict(zip(inputs, values)))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradient_matches_jax_vjp(case):
    _, builder, shapes, generate = case
    _check(builder, shapes, generate)


@pytest.mark.parametrize(
    "name",
    ["mul", "reduce_mean", "matmul_batch", "reduce_max", "sub", "add", "where", "relu_grad", "broadcast_to"],
)
def test_gradient_with_unknown_dims(name):
    _, builder, shapes, generate = next(c for c in CASES if c[0] == name)
    _check(builder, shapes, generate, dynamic=True)


@pytest.mark.parametrize(
    "name", ["tanh", "pow", "matmul", "reduce_prod", "truediv", "mul", "tanh_grad", "sigmoid_grad"]
)
def test_gradient_matches_finite_differences(name):
    _, builder, shapes, generate = next(c for c in CASES if c[0] == name)
    values, inputs, y, grads, cotangent = _check(builder, shapes, generate)

    def objective(vals):
        out = _evaluate(y, inputs, [v.astype(np.float32) for v in vals])
        return float(np.sum(np.asarray(out, np.float64) * cotangent))

    eps = 1e-2
    for k, value in enumerate(values):
        flat = value.astype(np.float64).reshape(-1)
        for i in range(min(flat.size, 3)):
            plus, minus = [v.astype(np.float64) for v in values], [v.astype(np.float64) for v in values]
            plus[k].reshape(-1)[i] += eps
            minus[k].reshape(-1)[i] -= eps
            numeric = (objective(plus) - objective(minus)) / (2 * eps)
            assert np.asarray(grads[k]).reshape(-1)[i] == pytest.approx(numeric, rel=2e-2, abs=2e-2)
