"""The math op family (jaxgraph/ops/math.py) against NumPy: values, static result types
(shapes with unknown dims, dtype promotion, weak Python scalars) and build-time errors.

Each parametrized case builds one graph holding every op under test and fetches all of them in a
single ``Session.run``, so the suite compiles one executable per case.
"""

from __future__ import annotations

import inspect
import re

import ml_dtypes
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close, run

F32, BF16, F16, I32, BOOL = jg.float32, jg.bfloat16, jg.float16, jg.int32, jg.bool
FLOAT_TOLERANCE = {F32: (1e-5, 1e-6), F16: (3e-3, 3e-3), BF16: (2e-2, 2e-2)}


def tolerance(dtype: jg.DType) -> tuple[float, float]:
    """(rtol, atol): exact for integers and bools, relaxed for low-precision floats."""
    return FLOAT_TOLERANCE.get(dtype, (0, 0))


def sample(dtype: jg.DType, shape: tuple, kind: str = "any", seed: int = 0) -> np.ndarray:
    """Test data: ``any`` spans both signs, ``positive`` stays away from zero.

    Low-precision floats use multiples of 1/8 (exact in f16 and bf16)."""
    rng = np.random.default_rng(seed)
    if dtype is BOOL:
        return rng.random(shape) < 0.5
    if dtype.is_integer:
        low, high = (1, 5) if kind == "positive" else (-5, 6)
        return rng.integers(low, high, size=shape).astype(dtype.np)
    low, high = (0.25, 2.0) if kind == "positive" else (-2.0, 2.0)
    values = rng.uniform(low, high, size=shape)
    if dtype is not F32:
        values = np.round(values * 8) / 8
    return values.astype(dtype.np)


def expected(value: np.ndarray, dtype: jg.DType) -> np.ndarray:
    """A float64/int64 NumPy reference result, cast to the dtype the op must produce."""
    return np.asarray(value).astype(dtype.np)


def check_all(results: dict, references: dict, dtypes: dict) -> None:
    """Compares each fetched result with its reference at its dtype's tolerance."""
    for key, value in results.items():
        rtol, atol = tolerance(dtypes[key])
        try:
            assert_close(value, expected(references[key], dtypes[key]), rtol=rtol, atol=atol)
        except AssertionError as e:
            raise AssertionError(f"{key}: {e}") from None


def wide(x: np.ndarray) -> np.ndarray:
    """``x`` as float64 (floats) or int64 (ints) for computing references."""
    if x.dtype == np.bool_:
        return x
    return x.astype(np.int64) if x.dtype.kind in "iu" else x.astype(np.float64)


# ---- unary -------------------------------------------------------------------------------------
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    # name: (builder, NumPy reference, accepted dtype kind, input kind)
    "neg": (jg.neg, np.negative, "number", "any"),
    "abs": (jg.abs, np.abs, "number", "any"),
    "sign": (jg.sign, np.sign, "number", "any"),
    "square": (jg.square, np.square, "number", "any"),
    "relu": (jg.relu, lambda x: np.maximum(x, 0), "number", "any"),
    "exp": (jg.exp, np.exp, "float", "any"),
    "expm1": (jg.expm1, np.expm1, "float", "any"),
    "log": (jg.log, np.log, "float", "positive"),
    "log1p": (jg.log1p, np.log1p, "float", "positive"),
    "tanh": (jg.tanh, np.tanh, "float", "any"),
    "sigmoid": (jg.sigmoid, _sigmoid, "float", "any"),
    "sqrt": (jg.sqrt, np.sqrt, "float", "positive"),
    "rsqrt": (jg.rsqrt, lambda x: 1 / np.sqrt(x), "float", "positive"),
    "reciprocal": (jg.reciprocal, np.reciprocal, "float", "positive"),
    "sin": (jg.sin, np.sin, "float", "any"),
    "cos": (jg.cos, np.cos, "float", "any"),
    "softplus": (jg.softplus, lambda x: np.logaddexp(0, x), "float", "any"),
    "floor": (jg.floor, np.floor, "float", "any"),
    "ceil": (jg.ceil, np.ceil, "float", "any"),
    "logical_not": (jg.logical_not, np.logical_not, "bool", "any"),
}


def accepts(kind: str, dtype: jg.DType) -> bool:
    if kind == "bool":
        return dtype is BOOL
    if kind == "float":
        return dtype.is_floating
    return dtype is not BOOL


SHAPES = [  # (placeholder shape, fed shape)
    ((), ()),
    ((None,), (5,)),
    ((2, None, 4), (2, 3, 4)),
]


@pytest.mark.parametrize("dtype", [F32, BF16, F16, I32, BOOL], ids=str)
@pytest.mark.parametrize("static, shape", SHAPES, ids=str)
def test_unary_ops_match_numpy(dtype, static, shape):
    inputs = {kind: sample(dtype, shape, kind) for kind in ("any", "positive")}
    placeholders = {kind: jg.placeholder(dtype, static, name=kind) for kind in inputs}
    outputs, references = {}, {}
    for name, (build, reference, kind, domain) in UNARY.items():
        if not accepts(kind, dtype):
            continue
        out = build(placeholders[domain])
        assert (out.op.type, out.dtype, out.shape.as_list()) == (name, dtype, list(static))
        outputs[name] = out
        references[name] = reference(wide(inputs[domain]))
    results = run(outputs, {placeholders[k]: v for k, v in inputs.items()})
    check_all(results, references, dict.fromkeys(outputs, dtype))


@pytest.mark.parametrize(
    "build, dtype, message",
    [
        (jg.tanh, BOOL, "tanh expects a floating-point tensor, got bool[2]"),
        (jg.exp, I32, "exp expects a floating-point tensor, got i32[2]"),
        (jg.neg, BOOL, "neg expects a numeric tensor, got bool[2]"),
        (jg.logical_not, F32, "logical_not expects a bool tensor, got f32[2]"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_unary_rejects_wrong_dtype(build, dtype, message):
    x = jg.placeholder(dtype, (2,))
    with pytest.raises(errors.InvalidArgumentError) as info:
        build(x)
    assert info.value.message == message
    assert info.value.op.type == build.__name__


# ---- binary ------------------------------------------------------------------------------------
BINARY = {
    # name: (builder, reference, kind, (lhs input kind, rhs input kind))
    "add": (jg.add, np.add, "number", ("any", "any")),
    "sub": (jg.subtract, np.subtract, "number", ("any", "any")),
    "mul": (jg.multiply, np.multiply, "number", ("any", "any")),
    "truediv": (jg.truediv, np.true_divide, "truediv", ("any", "positive")),
    "floordiv": (jg.floordiv, np.floor_divide, "number", ("any", "positive")),
    "mod": (jg.mod, np.mod, "number", ("any", "positive")),
    "maximum": (jg.maximum, np.maximum, "number", ("any", "any")),
    "minimum": (jg.minimum, np.minimum, "number", ("any", "any")),
    "squared_difference": (jg.squared_difference, lambda a, b: (a - b) ** 2, "number", ("any", "any")),
    "equal": (jg.equal, np.equal, "equality", ("any", "any")),
    "not_equal": (jg.not_equal, np.not_equal, "equality", ("any", "any")),
    "less": (jg.less, np.less, "compare", ("any", "any")),
    "less_equal": (jg.less_equal, np.less_equal, "compare", ("any", "any")),
    "greater": (jg.greater, np.greater, "compare", ("any", "any")),
    "greater_equal": (jg.greater_equal, np.greater_equal, "compare", ("any", "any")),
    "logical_and": (jg.logical_and, np.logical_and, "bool", ("any", "any")),
    "logical_or": (jg.logical_or, np.logical_or, "bool", ("any", "any")),
    "logical_xor": (jg.logical_xor, np.logical_xor, "bool", ("any", "any")),
}

BROADCAST = [  # (lhs placeholder, lhs fed, rhs placeholder, rhs fed, static result shape)
    ((3, 4), (3, 4), (3, 4), (3, 4), [3, 4]),
    ((None, 4), (3, 4), (4,), (4,), [None, 4]),
    ((2, 1, 4), (2, 1, 4), (None, 1), (3, 1), [2, None, 4]),
    ((), (), (2, 3), (2, 3), [2, 3]),
]


def binary_accepts(kind: str, dtype: jg.DType) -> bool:
    """Whether a binary op of ``kind`` takes two ``dtype`` operands (``equal`` takes any)."""
    return kind == "equality" or accepts("bool" if kind == "bool" else "number", dtype)


def binary_dtype(kind: str, dtype: jg.DType) -> jg.DType:
    """The result dtype of a binary op of ``kind`` on two ``dtype`` operands."""
    if kind in ("compare", "equality"):
        return BOOL
    if kind == "truediv" and not dtype.is_floating:
        return F32
    return dtype


@pytest.mark.parametrize("dtype", [F32, BF16, F16, I32, BOOL], ids=str)
@pytest.mark.parametrize("case", BROADCAST, ids=lambda c: f"{c[1]}-{c[3]}")
def test_binary_ops_match_numpy_with_broadcasting(dtype, case):
    a_static, a_shape, b_static, b_shape, out_static = case
    a_in = {k: sample(dtype, a_shape, k, seed=1) for k in ("any", "positive")}
    b_in = {k: sample(dtype, b_shape, k, seed=2) for k in ("any", "positive")}
    a_ph = {k: jg.placeholder(dtype, a_static, name=f"a_{k}") for k in a_in}
    b_ph = {k: jg.placeholder(dtype, b_static, name=f"b_{k}") for k in b_in}
    outputs, references, dtypes = {}, {}, {}
    for name, (build, reference, kind, (a_kind, b_kind)) in BINARY.items():
        if not binary_accepts(kind, dtype):
            continue
        out = build(a_ph[a_kind], b_ph[b_kind])
        dtypes[name] = binary_dtype(kind, dtype)
        assert (out.op.type, out.dtype, out.shape.as_list()) == (name, dtypes[name], out_static)
        outputs[name] = out
        references[name] = reference(wide(a_in[a_kind]), wide(b_in[b_kind]))
    if dtype is not BOOL:  # pow: positive float bases; small non-negative integer exponents
        base, exponent = ("positive", "any") if dtype.is_floating else ("any", "positive")
        outputs["pow"] = jg.pow(a_ph[base], b_ph[exponent])
        references["pow"] = np.power(wide(a_in[base]), wide(b_in[exponent]))
        dtypes["pow"] = dtype
    feeds = {a_ph[k]: a_in[k] for k in a_in} | {b_ph[k]: b_in[k] for k in b_in}
    check_all(run(outputs, feeds), references, dtypes)


@pytest.mark.parametrize(
    "build, dtype, message",
    [
        (jg.less, BOOL, "less expects numeric tensors, got bool and bool"),
        (jg.add, BOOL, "add expects numeric tensors, got bool and bool"),
        (jg.logical_and, F32, "logical_and expects bool tensors, got f32 and f32"),
        (jg.logical_xor, I32, "logical_xor expects bool tensors, got i32 and i32"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_binary_rejects_wrong_dtype(build, dtype, message):
    a, b = jg.placeholder(dtype, (2,)), jg.placeholder(dtype, (2,))
    with pytest.raises(errors.InvalidArgumentError) as info:
        build(a, b)
    assert (info.value.message, info.value.op.type) == (message, build.__name__)


def test_floordiv_and_mod_round_toward_negative_infinity():
    a, b = jg.constant([7, -7, 7, -7]), jg.constant([2, 2, -2, -2])
    af, bf = jg.cast(a, F32), jg.cast(b, F32)
    floors, mods = np.array([3, -4, -4, 3]), np.array([1, 1, -1, -1])
    cases = [
        (a // b, floors, I32),
        (a % b, mods, I32),
        (af // bf, floors, F32),
        (af % bf, mods, F32),
        (jg.div(a, b), floors, I32),  # TF1's div: floor division for integers
        (jg.div(af, bf), np.array([3.5, -3.5, -3.5, 3.5]), F32),
    ]
    values = run([out for out, _, _ in cases])
    for value, (_, want, dtype) in zip(values, cases, strict=True):
        assert_close(value, want.astype(dtype.np))


@pytest.mark.parametrize(
    "a, b, result",
    [
        (F32, BF16, F32),
        (BF16, F16, F32),
        (I32, F16, F16),
        (jg.int8, jg.uint8, jg.int16),
        (jg.uint8, I32, I32),
        (BOOL, I32, I32),
        (BOOL, BF16, BF16),
    ],
    ids=str,
)
def test_binary_promotion_follows_jax_numpy(a, b, result):
    import jax.numpy as jnp

    assert jg.as_dtype(jnp.promote_types(a.np, b.np)) is result
    x, y = jg.placeholder(a, (2,)), jg.placeholder(b, (2,))
    total, product = x + y, jg.multiply(y, x)
    assert total.dtype is result and product.dtype is result
    xv, yv = sample(a, (2,), "positive"), sample(b, (2,), "positive")
    total_value, product_value = run([total, product], {x: xv, y: yv})
    assert_close(total_value, expected(wide(xv) + wide(yv), result), *tolerance(result))
    assert_close(product_value, expected(wide(xv) * wide(yv), result), *tolerance(result))


@pytest.mark.parametrize("dtype", [I32, jg.int8, jg.uint8, jg.int16], ids=str)
def test_integer_truediv_gives_float32(dtype):
    x, y = jg.placeholder(dtype, (3,)), jg.placeholder(dtype, (3,))
    out = x / y
    assert (out.op.type, out.dtype) == ("truediv", F32)
    xv, yv = np.array([7, 1, 9], dtype.np), np.array([2, 4, 3], dtype.np)
    assert_close(run(out, {x: xv, y: yv}), np.array([3.5, 0.25, 3.0], np.float32))


@pytest.mark.parametrize(
    "dtype, scalar, result",
    [
        (F32, 1, F32),
        (F16, 1, F16),
        (BF16, 2.5, BF16),
        (F16, 2.5, F16),
        (I32, 1, I32),
        (jg.int8, 3, jg.int8),
        (jg.uint8, 3, jg.uint8),
        (I32, 1.5, F32),
        (jg.int8, 1.5, F32),
        (BOOL, True, BOOL),
    ],
    ids=str,
)
def test_python_scalars_are_weakly_typed(dtype, scalar, result):
    x = jg.placeholder(dtype, (3,))
    xv = sample(dtype, (3,), "positive")
    if dtype is BOOL:
        outs, refs = [x & scalar, scalar | x], [xv & scalar, scalar | xv]
    else:
        outs, refs = [x + scalar, scalar * x], [wide(xv) + scalar, scalar * wide(xv)]
    assert [o.dtype for o in outs] == [result, result]
    for value, ref in zip(run(outs, {x: xv}), refs, strict=True):
        assert_close(value, expected(ref, result), *tolerance(result))


# ---- add_n -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [F32, BF16, I32], ids=str)
def test_add_n_sums_same_typed_tensors(dtype):
    values = [sample(dtype, (2, 3), seed=s) for s in range(4)]
    tensors = [jg.placeholder(dtype, (None, 3)) for _ in values]
    total, single = jg.add_n(tensors), jg.add_n(tensors[:1])
    assert (total.op.type, total.dtype, total.shape.as_list()) == ("add_n", dtype, [None, 3])
    assert single is tensors[0]
    feeds = dict(zip(tensors, values, strict=True))
    check_all(
        run({"total": total, "single": single}, feeds),
        {"total": sum(wide(v) for v in values), "single": values[0]},
        {"total": dtype, "single": dtype},
    )


def test_add_n_rejects_mixed_inputs():
    a, b = jg.placeholder(F32, (2,)), jg.placeholder(I32, (2,))
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.add_n([a, b])
    assert info.value.message == "add_n inputs differ: f32[2] vs i32[2]"


# ---- matmul ------------------------------------------------------------------------------------
MATMULS = [  # (a placeholder, a fed, b placeholder, b fed, transpose_a, transpose_b, static result)
    ((3, 4), (3, 4), (4, 5), (4, 5), False, False, [3, 5]),
    ((None, 4), (3, 4), (4, None), (4, 5), False, False, [None, None]),
    ((4, 3), (4, 3), (4, 5), (4, 5), True, False, [3, 5]),
    ((3, 4), (3, 4), (5, 4), (5, 4), False, True, [3, 5]),
    ((4, 3), (4, 3), (5, 4), (5, 4), True, True, [3, 5]),
    ((2, 1, 3, 4), (2, 1, 3, 4), (5, 4, 6), (5, 4, 6), False, False, [2, 5, 3, 6]),
    ((None, 3, 4), (2, 3, 4), (4, 6), (4, 6), False, False, [None, 3, 6]),
    ((2, 4, 3), (2, 4, 3), (2, 6, 4), (2, 6, 4), True, True, [2, 3, 6]),
]


def _t(x: np.ndarray, transpose: bool) -> np.ndarray:
    return np.swapaxes(x, -1, -2) if transpose else x


@pytest.mark.parametrize("dtype", [F32, BF16, I32], ids=str)
def test_matmul_matches_numpy(dtype):
    outputs, references, feeds = {}, {}, {}
    for i, (a_static, a_shape, b_static, b_shape, ta, tb, out_static) in enumerate(MATMULS):
        a, b = jg.placeholder(dtype, a_static), jg.placeholder(dtype, b_static)
        feeds[a], feeds[b] = sample(dtype, a_shape, seed=2 * i), sample(dtype, b_shape, seed=2 * i + 1)
        out = jg.matmul(a, b, transpose_a=ta, transpose_b=tb)
        assert (out.op.type, out.dtype, out.shape.as_list()) == ("matmul", dtype, out_static)
        assert out.op.attrs == {"transpose_a": ta, "transpose_b": tb}
        outputs[i] = out
        references[i] = _t(wide(feeds[a]), ta) @ _t(wide(feeds[b]), tb)
    # f32 products may run as TF32 on GPUs (JAX's default precision): compare at bf16-like tolerance
    rtol, atol = tolerance(BF16 if dtype.is_floating else dtype)
    for key, value in run(outputs, feeds).items():
        assert_close(value, expected(references[key], dtype), rtol=rtol, atol=atol)


def test_matmul_operator_is_matmul():
    a, b = jg.constant(np.eye(2, dtype=np.float32) * 2), jg.constant([[1.0, 2.0], [3.0, 4.0]])
    out = a @ b
    assert out.op.type == "matmul"
    assert_close(run(out), np.array([[2.0, 4.0], [6.0, 8.0]], np.float32))


def test_matmul_shape_mismatch_names_op_type_and_line():
    a, b = jg.placeholder(F32, (3, 4)), jg.placeholder(F32, (5, 6))
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.matmul(a, b)
    assert info.value.message == "matmul inner dimensions differ: f32[3,4] @ f32[5,6] (4 != 5)"
    assert str(info.value) == (f"{info.value.message}\n  op 'MatMul' (matmul) defined at {__file__}:{line}")


@pytest.mark.parametrize(
    "a_shape, a_dtype, b_shape, b_dtype, message",
    [
        ((3,), F32, (3, 2), F32, "matmul needs tensors of rank >= 2, got f32[3] and f32[3,2]"),
        ((2, 3), F32, (3, 2), I32, "matmul operands differ in dtype: f32 vs i32"),
        ((2, 3, 4), F32, (3, 4, 5), F32, "shapes f32[2] and f32[3] cannot be broadcast together"),
    ],
)
def test_matmul_rejects_bad_operands(a_shape, a_dtype, b_shape, b_dtype, message):
    a, b = jg.placeholder(a_dtype, a_shape), jg.placeholder(b_dtype, b_shape)
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape(message) + "\n  op 'MatMul' \\(matmul\\)"
    ):
        jg.matmul(a, b)


# ---- broadcasting errors -----------------------------------------------------------------------
def test_add_of_incompatible_shapes_names_op_and_line():
    a, b = jg.placeholder(F32, (2, 3)), jg.placeholder(F32, (4,))
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.add(a, b, name="total")
    assert str(info.value) == (
        f"shapes f32[2,3] and f32[4] cannot be broadcast together\n"
        f"  op 'total' (add) defined at {__file__}:{line}"
    )


def test_unknown_dims_broadcast_at_run_time():
    a, b = jg.placeholder(F32, (None, 1)), jg.placeholder(F32, (1, None))
    out = a * b
    assert out.shape.as_list() == [None, None]
    av, bv = sample(F32, (3, 1)), sample(F32, (1, 4), seed=1)
    assert_close(run(out, {a: av, b: bv}), av * bv)
    assert_close(run(out, {a: av[:2], b: bv[:, :1]}), av[:2] * bv[:, :1])


def test_low_precision_dtypes_survive_the_run():
    x = jg.placeholder(BF16, (2,))
    out = run(jg.tanh(x) * 2, {x: np.array([0.5, -1.0], ml_dtypes.bfloat16)})
    assert np.asarray(out).dtype == ml_dtypes.bfloat16
