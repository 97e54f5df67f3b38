"""The reduction op family (jaxgraph/ops/reduction.py) against NumPy: ``reduce_*`` and
``argmax``/``argmin`` values, static result shapes, TF1's deprecated argument spellings and
build-time errors.

Each parametrized case builds one graph holding every op under test and fetches all of them in a
single ``Session.run``, so the suite compiles one executable per case.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close, run
from tests.ops.test_math import BF16, BOOL, F32, I32, accepts, expected, sample, tolerance, wide

# ---- reductions --------------------------------------------------------------------------------
REDUCTIONS = {
    "reduce_sum": (jg.reduce_sum, np.sum, "number"),
    "reduce_mean": (jg.reduce_mean, np.mean, "number"),
    "reduce_max": (jg.reduce_max, np.max, "number"),
    "reduce_min": (jg.reduce_min, np.min, "number"),
    "reduce_prod": (jg.reduce_prod, np.prod, "number"),
    "reduce_any": (jg.reduce_any, np.any, "bool"),
    "reduce_all": (jg.reduce_all, np.all, "bool"),
}
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), ()]
STATIC_INPUT = (None, 3, None)


def reduced_static(axis, keepdims: bool) -> list:
    """The static shape of reducing a (None, 3, None) tensor."""
    rank = len(STATIC_INPUT)
    axes = set(range(rank)) if axis is None else {a % rank for a in np.atleast_1d(axis).tolist()}
    if keepdims:
        return [1 if i in axes else d for i, d in enumerate(STATIC_INPUT)]
    return [d for i, d in enumerate(STATIC_INPUT) if i not in axes]


def reference_reduce(fn, x: np.ndarray, axis, keepdims: bool, dtype: jg.DType) -> np.ndarray:
    value = fn(wide(x), axis=axis, keepdims=keepdims)
    if fn is np.mean and dtype.is_integer:  # TF1 keeps the integer dtype, truncating toward zero
        value = np.trunc(value)
    return value


@pytest.mark.parametrize("dtype", [F32, BF16, I32, BOOL], ids=str)
@pytest.mark.parametrize("keepdims", [False, True], ids=["drop", "keep"])
def test_reductions_match_numpy(dtype, keepdims):
    xv = sample(dtype, (2, 3, 4), "positive" if dtype is BF16 else "any")
    x = jg.placeholder(dtype, STATIC_INPUT)
    outputs, references = {}, {}
    for name, (build, fn, kind) in REDUCTIONS.items():
        if not accepts(kind, dtype):
            continue
        for axis in AXES:
            out = build(x, axis=axis, keepdims=keepdims)
            assert (out.op.type, out.dtype) == (name, dtype)
            assert out.shape.as_list() == reduced_static(axis, keepdims), (name, axis)
            outputs[f"{name}({axis})"] = out
            references[f"{name}({axis})"] = reference_reduce(fn, xv, axis, keepdims, dtype)
    rtol, atol = tolerance(dtype)
    for key, value in run(outputs, {x: xv}).items():
        assert_close(value, expected(references[key], dtype), rtol=4 * rtol, atol=4 * atol)


def test_reduce_keep_dims_alias_and_numpy_axis():
    x = jg.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    out = jg.reduce_sum(x, axis=np.int64(1), keep_dims=True)
    assert out.shape.as_list() == [2, 1] and out.op.attrs == {"axis": (1,), "keepdims": True}
    assert_close(run(out), np.array([[3.0], [12.0]], np.float32))


@pytest.mark.parametrize(
    "axis, message",
    [
        (2, "axis 2 is out of range for a tensor of rank 2"),
        (-3, "axis -3 is out of range for a tensor of rank 2"),
        ((0, -2), "repeated axis in (0, -2)"),
    ],
)
def test_reduction_rejects_bad_axis(axis, message):
    x = jg.placeholder(F32, (2, 3))
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.reduce_sum(x, axis=axis)
    assert str(info.value) == f"{message}\n  op 'Sum' (reduce_sum) defined at {__file__}:{line}"


def test_reductions_reject_wrong_dtype():
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("reduce_sum expects a numeric tensor, got bool")
    ):
        jg.reduce_sum(jg.placeholder(BOOL, (2,)))
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("reduce_any expects a bool tensor, got f32")
    ):
        jg.reduce_any(jg.placeholder(F32, (2,)))


# ---- argmax / argmin ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [F32, BF16, I32], ids=str)
def test_argmax_argmin_match_numpy(dtype):
    xv = sample(dtype, (2, 3, 4))
    x = jg.placeholder(dtype, STATIC_INPUT)
    outputs, references = {}, {}
    for build, fn in [(jg.argmax, np.argmax), (jg.argmin, np.argmin)]:
        for axis in [None, 0, 1, -1]:
            out = build(x, axis=axis)
            assert out.dtype is jg.int64 and out.op.type == build.__name__  # TF1's default output_type
            assert out.shape.as_list() == reduced_static(0 if axis is None else axis, False)
            outputs[f"{build.__name__}({axis})"] = out
            references[f"{build.__name__}({axis})"] = fn(xv, axis=0 if axis is None else axis)
    narrow = jg.argmax(x, axis=2, output_type=jg.int16)
    outputs["int16"], references["int16"] = narrow, np.argmax(xv, axis=2).astype(np.int16)
    for key, value in run(outputs, {x: xv}).items():
        # int64 computes (and is fetched) as int32 while JAX's x64 mode is off
        assert_close(value, references[key].astype(np.int16 if key == "int16" else np.int32))


def test_argmax_rejects_bad_axis_and_output_type():
    x = jg.placeholder(F32, (2, 3))
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("axis 2 is out of range for a tensor of rank 2")
    ):
        jg.argmax(x, axis=2)
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("argmin output_type must be an integer dtype")
    ):
        jg.argmin(x, axis=1, output_type=F32)


# ---- TF1's deprecated argument spellings --------------------------------------------------------
NUMPY_REDUCTIONS = {
    "reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max, "reduce_min": np.min,
    "reduce_prod": np.prod, "reduce_any": np.any, "reduce_all": np.all,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NUMPY_REDUCTIONS))
def test_reductions_take_reduction_indices_and_keep_dims(name):
    xv = np.array([[1, 0, 3], [4, 5, 0]], np.float32)
    xv = xv.astype(bool) if name in ("reduce_any", "reduce_all") else xv
    x = jg.constant(xv)
    reduce = getattr(jg, name)
    outputs = {
        "old": reduce(x, reduction_indices=[1], keep_dims=True),
        "new": reduce(x, axis=[1], keepdims=True),
        "old_axis_only": reduce(x, reduction_indices=0),
    }
    assert outputs["old"].op.attrs == outputs["new"].op.attrs == {"axis": (1,), "keepdims": True}
    values = run(outputs)
    np.testing.assert_array_equal(values["old"], NUMPY_REDUCTIONS[name](xv, axis=1, keepdims=True))
    np.testing.assert_array_equal(values["old_axis_only"], NUMPY_REDUCTIONS[name](xv, axis=0))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"axis": 0, "reduction_indices": 0}, "Cannot specify both 'axis' and 'reduction_indices'"),
        ({"keepdims": False, "keep_dims": False}, "Cannot specify both 'keepdims' and 'keep_dims'"),
    ],
)
def test_reductions_refuse_both_spellings(kwargs, message):
    with pytest.raises(errors.InvalidArgumentError, match=f"^{re.escape(message)}$"):
        jg.reduce_mean(jg.zeros((2, 3)), **kwargs)


def test_argmax_argmin_take_dimension_and_arg_max_arg_min():
    xv = np.array([[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]], np.float32)
    x = jg.constant(xv)
    outputs = {
        "argmax": jg.argmax(x, dimension=1),
        "argmin": jg.argmin(x, dimension=1),
        "arg_max": jg.arg_max(x, 0),
        "arg_min": jg.arg_min(x, dimension=1, name="low"),
    }
    assert outputs["arg_min"].name == "low:0"
    values = run(outputs)
    np.testing.assert_array_equal(values["argmax"], np.argmax(xv, axis=1))
    np.testing.assert_array_equal(values["argmin"], np.argmin(xv, axis=1))
    np.testing.assert_array_equal(values["arg_max"], np.argmax(xv, axis=0))
    np.testing.assert_array_equal(values["arg_min"], np.argmin(xv, axis=1))
    assert outputs["arg_max"].dtype is jg.int64  # computed in int32 while JAX's x64 mode is off
    assert values["arg_max"].dtype == np.int32
    with pytest.raises(errors.InvalidArgumentError, match="^Cannot specify both 'axis' and 'dimension'$"):
        jg.argmax(x, axis=1, dimension=1)
