"""DTypes (conversion, properties, promotion) and static shapes (TensorShape, broadcasting, types)."""

from __future__ import annotations

import copy
import itertools
import pickle

import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir import TensorShape, TensorType, as_dtype, broadcast_shapes, promote_types
from jaxgraph.ir.dtypes import ALL_DTYPES

SMALL_DTYPES = [d for d in ALL_DTYPES if d.size <= 4]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("float32", jg.float32), ("f32", jg.float32), ("bfloat16", jg.bfloat16), ("bf16", jg.bfloat16),
        ("uint8", jg.uint8), ("u8", jg.uint8), ("bool", jg.bool), ("int64", jg.int64),
        ("float", jg.float32), ("half", jg.float16), ("double", jg.float64),  # TF1's aliases
        (np.float16, jg.float16), (np.dtype("int16"), jg.int16), (np.bool_, jg.bool),
        (ml_dtypes.bfloat16, jg.bfloat16), (jnp.int8, jg.int8), (jnp.dtype("uint32"), jg.uint32),
        (float, jg.float32), (int, jg.int32), (bool, jg.bool),  # TF1's defaults, not NumPy's 64 bits
        (jg.float64, jg.float64),
        (str, jg.string), (bytes, jg.string), (object, jg.string), ("string", jg.string),  # TF1's tf.string
        (np.dtype("<U5"), jg.string), (np.dtype("S3"), jg.string),
    ],
)  # fmt: skip
def test_as_dtype(value, expected):
    assert as_dtype(value) is expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("float33", "unsupported dtype 'float33'"),
        ("", "unsupported dtype ''"),
        (None, "unsupported dtype None"),
        (np.complex64, "unsupported dtype <class 'numpy.complex64'>"),
        (3, "unsupported dtype 3"),
        ([1], "unsupported dtype [1]"),
    ],
)
def test_as_dtype_rejects(value, message):
    with pytest.raises(InvalidArgumentError) as info:
        as_dtype(value)
    assert info.value.message == message


def test_every_dtype_converts_from_its_names_and_numpy_dtype():
    for d in ALL_DTYPES:
        assert as_dtype(d.name) is d and as_dtype(d.short) is d and as_dtype(d.np) is d
        assert as_dtype(d.as_numpy_dtype) is d and d.size == d.np.itemsize


def test_dtype_properties():
    assert (repr(jg.float32), str(jg.float32), jg.bool.name, str(jg.bool)) == (
        "jaxgraph.float32", "f32", "bool", "bool"
    )  # fmt: skip
    assert [d.short for d in ALL_DTYPES if d.is_floating] == ["f16", "bf16", "f32", "f64"]
    assert [d.short for d in ALL_DTYPES if d.is_integer] == [
        "i8",
        "i16",
        "i32",
        "i64",
        "u8",
        "u16",
        "u32",
        "u64",
    ]
    assert [d.short for d in ALL_DTYPES if d.is_unsigned] == ["u8", "u16", "u32", "u64"]
    assert [d.short for d in ALL_DTYPES if d.is_bool] == ["bool"]
    assert jg.bfloat16.size == 2 and jg.float32.as_numpy_dtype is np.float32


def test_dtypes_pickle_and_copy_as_themselves():
    for d in ALL_DTYPES:
        assert pickle.loads(pickle.dumps(d)) is d
        assert copy.deepcopy(d) is d


def test_promote_types_agrees_with_jax_numpy():
    for a, b in itertools.product(SMALL_DTYPES, repeat=2):
        assert promote_types(a, b).np == jnp.promote_types(a.np, b.np), (a, b)
        assert promote_types(a, b) is promote_types(b, a)


# ---- shapes ------------------------------------------------------------------------------------
def test_tensor_shape_api():
    s = TensorShape([None, 3])
    assert s.as_list() == [None, 3] and s.dims == [None, 3] and list(s) == [None, 3]
    assert (s.ndims, s.rank, len(s)) == (2, 2, 2)
    assert not s.is_fully_defined() and s.num_elements() is None
    assert (str(s), repr(s)) == ("[?,3]", "TensorShape([None, 3])")
    assert s == (None, 3) and s[1] == 3
    full = TensorShape((2, np.int64(3)))
    assert full.is_fully_defined() and full.num_elements() == 6 and type(full[1]) is int
    assert TensorShape([]).num_elements() == 1 and str(TensorShape([])) == "[]"
    assert TensorShape([4, 0]).num_elements() == 0


@pytest.mark.parametrize(
    "a, b, compatible",
    [
        ([None, 3], [5, 3], True),
        ([None, 3], [None, None], True),
        ([2, 3], [2, 3], True),
        ([2, 3], [3, 3], False),
        ([None, 3], [None, 3, 1], False),
        ([], [], True),
    ],
)
def test_is_compatible_with(a, b, compatible):
    assert TensorShape(a).is_compatible_with(b) is compatible
    assert TensorShape(b).is_compatible_with(TensorShape(a)) is compatible


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((2, 1), (3,), (2, 3)),
        ((), (2, 3), (2, 3)),
        ((None, 3), (1,), (None, 3)),
        ((None,), (4,), (4,)),  # an unknown dim against a known n > 1 is n (the run checks it)
        ((4,), (None,), (4,)),
        ((None,), (1,), (None,)),
        ((1,), (None,), (None,)),
        ((None,), (None,), (None,)),
        ((5, None), (None, 1, 1), (None, 5, None)),
        ((0,), (1,), (0,)),
        ((2, 3), (4, 3), None),
        ((3,), (2,), None),
        ((2, 0), (3,), None),
    ],
)
def test_broadcast_shapes(a, b, expected):
    result = broadcast_shapes(a, b)
    if expected is None:
        assert result is None
    else:
        assert isinstance(result, TensorShape) and result == expected
        if None not in a + b:
            assert result == np.broadcast_shapes(a, b)


def test_tensor_type():
    t = TensorType(jg.float32, TensorShape([None, 3]))
    assert str(t) == "f32[?,3]" and not t.ref
    handle = TensorType(jg.bfloat16, TensorShape([2]), ref=True)
    assert str(handle) == "ref<bf16[2]>"
    assert t == TensorType(jg.float32, TensorShape([None, 3])) and t != TensorType(jg.float16, t.shape)
