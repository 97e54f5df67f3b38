"""Array ops against NumPy: values, static shapes (exact, None where unknown), indexing, errors,
and gradients against ``jax.vjp`` of the same ops' lowerings.

Cases are built into one graph per test and run in one ``Session.run`` (one compile), both over
placeholders of the arrays' shapes and over placeholders whose dimensions are all unknown.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close, run

RNG = np.random.default_rng(0)
DTYPES = [jg.float32, jg.int32, jg.bool, jg.bfloat16]


def _array(shape, dtype=jg.float32):
    """Distinct, deterministic values of ``dtype`` (alternating for bool)."""
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) - 3
    if dtype is jg.bool:
        return (values % 3 == 0).astype(np.bool_)
    return values.astype(dtype.np)


def _placeholders(arrays, known):
    """Placeholders for ``arrays``: of their shapes, or with every dimension unknown."""
    return [
        jg.placeholder(jg.as_dtype(a.dtype), a.shape if known else [None] * a.ndim, name=f"in{i}")
        for i, a in enumerate(arrays)
    ]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_against_numpy(cases, known):
    """Builds every ``(label, builder, numpy reference, input arrays)`` case in one graph, runs it
    once, and compares values, dtypes and static shapes (exact when ``known``, else compatible)."""
    graph, fetches, feeds, expected = jg.Graph(), {}, {}, {}
    with graph.as_default():
        for label, build, reference, arrays in cases:
            inputs = _placeholders(arrays, known)
            feeds.update(zip(inputs, arrays))
            outs, wants = _as_list(build(*inputs)), [np.asarray(w) for w in _as_list(reference(*arrays))]
            assert len(outs) == len(wants), label
            for out, want in zip(outs, wants):
                static = out.shape.as_list()
                if known:
                    assert static == list(want.shape), (label, static, want.shape)
                else:
                    assert out.shape.is_compatible_with(want.shape), (label, static, want.shape)
            fetches[label], expected[label] = outs, wants
    results = run(fetches, feeds, graph)
    for label, wants in expected.items():
        for got, want in zip(results[label], wants):
            got = np.asarray(got)
            assert got.dtype == want.dtype and got.shape == want.shape, (label, got.dtype, got.shape)
            np.testing.assert_array_equal(got, want, err_msg=label)


# ---- every op against NumPy, for several dtypes -------------------------------------------------
def structural_cases(dtype):
    a = lambda *shape: _array(shape, dtype)
    idx = np.array([[0, -1], [2, 2]], np.int32)
    fill = {jg.float32: 2.5, jg.int32: 7, jg.bool: True, jg.bfloat16: -1.5}[dtype]
    np_fill = np.asarray(fill, dtype.np)
    return [
        ("identity", jg.identity, lambda x: x, [a(2, 3)]),
        ("stop_gradient", jg.stop_gradient, lambda x: x, [a(3)]),
        ("cast_f32", lambda x: jg.cast(x, jg.float32), lambda x: x.astype(np.float32), [a(2, 2)]),
        ("reshape", lambda x: jg.reshape(x, [3, -1]), lambda x: x.reshape(3, -1), [a(2, 3, 2)]),
        ("reshape_flat", lambda x: jg.reshape(x, [-1]), lambda x: x.reshape(-1), [a(2, 3)]),
        ("reshape_shape_of", lambda x, y: jg.reshape(x, jg.shape(y)), lambda x, y: x.reshape(y.shape),
         [a(6), a(2, 3)]),
        ("expand_dims_0", lambda x: jg.expand_dims(x, 0), lambda x: x[None], [a(2, 3)]),
        ("expand_dims_neg", lambda x: jg.expand_dims(x, -1), lambda x: x[..., None], [a(2, 3)]),
        ("squeeze_axes", lambda x: jg.squeeze(x, [0, 2]), lambda x: x.squeeze((0, 2)), [a(1, 3, 1)]),
        ("squeeze_neg", lambda x: jg.squeeze(x, -1), lambda x: x.squeeze(-1), [a(2, 1)]),
        ("transpose", jg.transpose, np.transpose, [a(2, 3, 4)]),
        ("transpose_perm", lambda x: jg.transpose(x, [1, 0, 2]), lambda x: x.transpose(1, 0, 2), [a(2, 3, 4)]),
        ("transpose_neg", lambda x: jg.transpose(x, [-1, 0, 1]), lambda x: x.transpose(2, 0, 1), [a(2, 3, 4)]),
        ("transpose_scalar", jg.transpose, np.transpose, [a()]),
        ("broadcast_to", lambda x: jg.broadcast_to(x, [2, 3, 4]), lambda x: np.broadcast_to(x, (2, 3, 4)),
         [a(3, 1)]),
        ("broadcast_to_shape_of", lambda x, y: jg.broadcast_to(x, jg.shape(y)),
         lambda x, y: np.broadcast_to(x, y.shape), [a(3), a(2, 3)]),
        ("zeros_shape_of", lambda x: jg.zeros(jg.shape(x), dtype), lambda x: np.zeros_like(x), [a(2, 3)]),
        ("fill_shape_of", lambda x: jg.fill(jg.shape(x), fill, dtype), lambda x: np.full(x.shape, np_fill),
         [a(3, 1)]),
        ("fill", lambda: jg.fill([2, 1], fill, dtype), lambda: np.full((2, 1), np_fill), []),
        ("ones", lambda: jg.ones([3], dtype), lambda: np.ones(3, dtype.np), []),
        ("zeros_like", jg.zeros_like, np.zeros_like, [a(2, 3)]),
        ("ones_like", jg.ones_like, np.ones_like, [a(4)]),
        ("ones_like_f32", lambda x: jg.ones_like(x, jg.float32), lambda x: np.ones(x.shape, np.float32),
         [a(2)]),
        ("tile", lambda x: jg.tile(x, [2, 1, 3]), lambda x: np.tile(x, (2, 1, 3)), [a(2, 3, 1)]),
        ("tile_zero", lambda x: jg.tile(x, [0, 2]), lambda x: np.tile(x, (0, 2)), [a(2, 3)]),
        ("pad", lambda x: jg.pad(x, [[1, 2], [0, 1]], constant_values=fill),
         lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=np_fill), [a(2, 3)]),
        ("pad_zero", lambda x: jg.pad(x, [[0, 0], [2, 0]]), lambda x: np.pad(x, ((0, 0), (2, 0))), [a(1, 2)]),
        ("concat", lambda x, y: jg.concat([x, y], 0), lambda x, y: np.concatenate([x, y], 0),
         [a(2, 3), a(1, 3)]),
        ("concat_neg", lambda x, y, z: jg.concat([x, y, z], -1), lambda *xs: np.concatenate(xs, -1),
         [a(2, 1), a(2, 3), a(2, 0)]),
        ("concat_one", lambda x: jg.concat([x], 1), lambda x: x, [a(2, 3)]),
        ("stack", lambda x, y: jg.stack([x, y]), lambda x, y: np.stack([x, y]), [a(2, 3), a(2, 3)]),
        ("stack_neg", lambda x, y: jg.stack([x, y], -1), lambda x, y: np.stack([x, y], -1), [a(2), a(2)]),
        ("stack_scalars", lambda x, y, z: jg.stack([x, y, z]), lambda *xs: np.stack(xs), [a(), a(), a()]),
        ("unstack", lambda x: jg.unstack(x, num=3, axis=1), lambda x: list(np.moveaxis(x, 1, 0)),
         [a(2, 3, 4)]),
        ("unstack_neg", lambda x: jg.unstack(x, num=2, axis=-1), lambda x: [x[..., 0], x[..., 1]], [a(3, 2)]),
        ("unstack_one", lambda x: jg.unstack(x, num=1), lambda x: [x[0]], [a(1, 2)]),
        ("split_num", lambda x: jg.split(x, 2, axis=1), lambda x: np.split(x, 2, axis=1), [a(2, 4)]),
        ("split_sizes", lambda x: jg.split(x, [1, -1, 2], axis=-1), lambda x: np.split(x, [1, 4], -1),
         [a(3, 6)]),
        ("split_one", lambda x: jg.split(x, [2]), lambda x: [x], [a(2, 2)]),
        ("split_empty", lambda x: jg.split(x, [0, 3]), lambda x: np.split(x, [0]), [a(3)]),
        ("where", lambda c, x, y: jg.where(c, x, y), np.where, [_array((2, 3), jg.bool), a(2, 3), a(3)]),
        ("gather_unchecked", lambda p: jg.gather(p, idx, axis=1, validate_indices=False),
         lambda p: np.take(p, idx, axis=1), [a(3, 4)]),
        ("gather_axis0", lambda p, i: jg.gather(p, i), lambda p, i: p[i],
         [a(4, 2), np.array([3, 0, 0], np.int32)]),
        ("gather_neg_axis", lambda p: jg.gather(p, [1, 0], axis=-1), lambda p: p[..., [1, 0]], [a(2, 2, 2)]),
        ("shape", jg.shape, lambda x: np.array(x.shape, np.int32), [a(2, 0, 3)]),
        ("shape_scalar", jg.shape, lambda x: np.zeros(0, np.int32), [a()]),
        ("size", jg.size, lambda x: np.int32(x.size), [a(2, 3, 2)]),
        ("rank", jg.rank, lambda x: np.int32(x.ndim), [a(2, 3, 2)]),
        ("strided_slice", lambda x: jg.strided_slice(x, [0, 1], [2, -1], [1, 2], begin_mask=1),
         lambda x: x[:2, 1:-1:2], [a(3, 6)]),
        ("strided_slice_masks", lambda x: jg.strided_slice(x, [1, 0, 0], [2, 0, 2], shrink_axis_mask=1,
         ellipsis_mask=2, new_axis_mask=4), lambda x: x[1, ..., None], [a(3, 4, 2)]),
        ("strided_slice_end_mask", lambda x: jg.strided_slice(x, [-1, 1], [0, 0], [-1, 1], end_mask=3),
         lambda x: x[::-1, 1:], [a(3, 4)]),
        ("slice", lambda x: jg.slice(x, [1, 0], [1, -1]), lambda x: x[1:2, 0:], [a(3, 4)]),
    ]  # fmt: skip


@pytest.mark.parametrize("known", [True, False], ids=["known_dims", "unknown_dims"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_ops_match_numpy(dtype, known):
    check_against_numpy(structural_cases(dtype), known)


@pytest.mark.parametrize("known", [True, False], ids=["known_dims", "unknown_dims"])
def test_one_hot_matches_numpy(known):
    def reference(indices, depth, on=1.0, off=0.0, axis=-1, dtype=np.float32):
        hot = np.arange(depth) == indices[..., None]
        return np.moveaxis(np.where(hot, on, off).astype(dtype), -1, axis)

    i = np.array([[0, 2, -1], [3, 1, 2]], np.int32)  # -1 and 3 (= depth) give rows of off_value
    cases = [
        ("default", lambda x: jg.one_hot(x, 3), lambda x: reference(x, 3), [i]),
        ("axis0", lambda x: jg.one_hot(x, 4, axis=0), lambda x: reference(x, 4, axis=0), [i]),
        ("axis1", lambda x: jg.one_hot(x, 4, axis=1), lambda x: reference(x, 4, axis=1), [i]),
        ("values_int", lambda x: jg.one_hot(x, 3, on_value=5, off_value=-1),
         lambda x: reference(x, 3, 5, -1, dtype=np.int32), [i]),
        ("dtype_bool", lambda x: jg.one_hot(x, 2, dtype=jg.bool), lambda x: reference(x, 2, dtype=bool),
         [i]),
        ("vector", lambda x: jg.one_hot(x, 5, 2.0, 0.5), lambda x: reference(x, 5, 2.0, 0.5),
         [np.array([4, 0], np.int32)]),
        ("scalar", lambda x: jg.one_hot(x, 3), lambda x: reference(x, 3), [np.int32(1)]),
    ]  # fmt: skip
    check_against_numpy(cases, known)


# ---- __getitem__ ------------------------------------------------------------------------------
class _Keys:
    def __getitem__(self, key):
        return key


K = _Keys()
GETITEM_KEYS = [
    K[1], K[-1], K[-4], K[np.int64(2)], K[1:], K[:3], K[1:, :3], K[::-1], K[..., None, -1],
    K[-3:-1:2], K[None], K[...], K[:, None, ::2, 1], K[::-2, 1:4:2, -2], K[5:1:-2], K[-1:-10:-1],
    K[10:], K[:0], K[3:1], K[1, 2, 3], K[..., 2], K[0, ...], K[0, ..., 0], K[None, ..., None],
    K[:, -100:100], K[jg.newaxis, 1], K[1:-1, ::-1, ::3], K[2::-1], K[:, :, -1:-7:-2], K[-2:, 3],
    K[1, None, 1, None], K[:, 4:2:-1, None],
]  # fmt: skip


@pytest.mark.parametrize("known", [True, False], ids=["known_dims", "unknown_dims"])
def test_getitem_matches_numpy_indexing(known):
    x = _array((4, 5, 6))
    cases = [(repr(key), lambda t, key=key: t[key], lambda v, key=key: v[key], [x]) for key in GETITEM_KEYS]
    check_against_numpy(cases, known)


def test_getitem_on_variables_and_iteration():
    v = jg.Variable(_array((3, 2)), name="v")
    rows = list(jg.constant(_array((2, 2))))
    got = run([v[1:, 0], *rows])
    np.testing.assert_array_equal(got[0], _array((3, 2))[1:, 0])
    np.testing.assert_array_equal(np.stack(got[1:]), _array((2, 2)))


def test_getitem_static_shapes_with_unknown_dims():
    x = jg.placeholder(jg.float32, (None, 4, None))
    expected = [
        (K[1], [4, None]), (K[:, 1:3], [None, 2, None]), (K[:, ::-1, :0], [None, 4, 0]),
        (K[..., None], [None, 4, None, 1]), (K[2:1, -3:-5, :], [0, 0, None]), (K[:, -3:-1, 5:3], [None, 2, 0]),
        (K[-3:-1], [None, 4, None]), (K[-1:-3:-1, 0, :-1:-1], [None, 0]), (K[:, :, 3:9], [None, 4, None]),
        (K[-2, :, -1], [4]),
    ]  # fmt: skip
    for key, dims in expected:
        assert x[key].shape.as_list() == dims, key


def test_static_slice_lengths_are_exact_or_unknown():
    """For every slice of small bounds and steps: the static length over an unknown dimension is
    None or right for every size, and over a known one it is NumPy's."""
    bounds = [None, *range(-5, 6)]
    slices = [slice(a, b, s) for a in bounds for b in bounds for s in (-3, -2, -1, 1, 2, 3)]
    unknown = jg.placeholder(jg.float32, (None,))
    known = [jg.placeholder(jg.float32, (d,)) for d in range(7)]
    found_empty = 0
    for s in slices:
        static = unknown[s].shape[0]
        found_empty += static == 0
        for d, x in enumerate(known):
            length = len(range(d)[s])
            assert static in (None, length), (s, d)
            assert x[s].shape[0] == length, (s, d)
    assert found_empty > 100


def test_strided_slice_round_trips_through_the_ir_text():
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 4, 6), name="x")
        y = x[1:, ..., None, ::-2]
        jg.gather(jg.transpose(y, [1, 0, 2, 3]), [0, 1], axis=-1)
        jg.split(jg.pad(x, [[0, 0], [1, 1], [0, 0]]), [2, -1], axis=1)
    text = str(g)
    assert '{index=[[1,?,1],"...",?,[?,?,-2]]} : f32[?,4,1,3]' in text
    assert str(jg.ir.parse(text)) == text


# ---- static shapes ------------------------------------------------------------------------------
def test_static_shapes_with_unknown_dims():
    a = jg.placeholder(jg.float32, (None, 3))
    b = jg.placeholder(jg.float32, (2, None))
    c = jg.placeholder(jg.float32, (None, None, 1))
    i = jg.placeholder(jg.int32, (None, 2))
    cases = [
        (jg.concat([a, b], 0), [None, 3]), (jg.concat([b, b], 0), [4, None]), (jg.concat([a, b], 1), [2, None]),
        (jg.stack([a, b], 1), [2, 2, 3]), (jg.unstack(a, num=2, axis=0)[1], [3]),
        (jg.split(b, 2, axis=1)[0], [2, None]), (jg.split(b, [1, -1], axis=1)[0], [2, 1]),
        (jg.split(b, [1, -1], axis=1)[1], [2, None]), (jg.split(a, [1, 2], axis=1)[1], [None, 2]),
        (jg.tile(a, [2, 0]), [None, 0]), (jg.tile(c, [1, 2, 3]), [None, None, 3]),
        (jg.pad(a, [[1, 1], [2, 0]]), [None, 5]), (jg.transpose(c), [1, None, None]),
        (jg.squeeze(c), [None, None]), (jg.squeeze(c, [0]), [None, 1]),
        (jg.broadcast_to(c, [2, 3, 4]), [2, 3, 4]),
        (jg.gather(a, i, axis=1), [None, None, 2]), (jg.one_hot(i, 5, axis=1), [None, 5, 2]),
        (jg.shape(c), [3]), (jg.size(a), []), (jg.zeros(jg.shape(a)), [None, 3]),
        (jg.reshape(c, jg.shape(b)), [2, None]),
        (jg.expand_dims(a, 1), [None, 1, 3]), (jg.where(jg.greater(a, 0.0), a, 1.0), [None, 3]),
    ]  # fmt: skip
    for k, (tensor, dims) in enumerate(cases):
        assert tensor.shape.as_list() == dims, (k, tensor)


def test_builders_return_the_types_and_names_of_tf1():
    x = jg.placeholder(jg.float32, (4, 6), name="x")
    pieces = jg.split(x, 3, axis=1, name="pieces")
    assert isinstance(pieces, list) and [p.name for p in pieces] == ["pieces:0", "pieces:1", "pieces:2"]
    assert isinstance(jg.unstack(x), list) and len(jg.unstack(x)) == 4
    assert jg.squeeze(jg.reshape(x, [1, 4, 1, 6]), squeeze_dims=[2]).shape.as_list() == [1, 4, 6]
    assert jg.shape(x, out_type="int16").dtype is jg.int16
    assert jg.size(x, out_type=jg.int16).dtype is jg.int16
    assert jg.rank(x).op.type == "constant"
    assert jg.newaxis is None
    assert jg.concat([x, x], 0, name="joined").op.name == "joined"
    assert x[0].op.type == "strided_slice" and jg.slice(x, [0, 0], [1, 1]).op.name == "Slice"


# ---- errors ------------------------------------------------------------------------------------
a23 = lambda: jg.placeholder(jg.float32, (2, 3), name="a")
TYPE_ERRORS = [
    (lambda: jg.concat([a23(), jg.zeros([3, 4])], 0),
     "concat inputs must have the same shape except along axis 0, got f32[2,3], f32[3,4]"),
    (lambda: jg.concat([jg.zeros([2]), jg.zeros([2], jg.int32)], 0),
     "concat inputs must have the same dtype, got f32[2], i32[2]"),
    (lambda: jg.concat([jg.zeros([]), jg.zeros([])], 0), "concat cannot join scalars (f32[]): use stack"),
    (lambda: jg.concat([a23(), a23()], 2), "axis 2 is out of range for a tensor of rank 2"),
    (lambda: jg.stack([a23(), jg.zeros([3, 2])]),
     "stack inputs must have the same shape, got f32[2,3], f32[3,2]"),
    (lambda: jg.stack([a23()], axis=-4), "axis -4 is out of range for a tensor of rank 3"),
    (lambda: jg.split(a23(), [1, 1], axis=1), "split sizes [1, 1] sum to 2, but axis 1 of f32[2,3] has size 3"),
    (lambda: jg.split(a23(), [4, -1], axis=1), "split sizes [4, -1] exceed axis 1 of f32[2,3] (size 3)"),
    (lambda: jg.split(a23(), 2, axis=1), "cannot split axis 1 of f32[2,3] (size 3) into 2 equal pieces"),
    (lambda: jg.slice(a23(), [-1, 0], [1, 1]), "Expected begin[0] in [0, 2], but got -1"),
    (lambda: jg.slice(a23(), [0, 1], [1, 3]), "Expected size[1] in [0, 2], but got 3"),
    (lambda: jg.slice(a23(), [0], [1]), "slice's begin [0] and size [1] must have one entry per axis of f32[2,3]"),
    (lambda: jg.split(a23(), [-1, -1]), "split sizes [-1, -1] must be non-negative ints, with at most one -1"),
    (lambda: jg.split(a23(), 0), "split needs at least 1 piece, got 0"),
    (lambda: jg.unstack(jg.placeholder(jg.float32, (None, 3))), "cannot unstack axis 0 of f32[?,3]: pass num"),
    (lambda: jg.unstack(a23(), num=3), "cannot unstack axis 0 of f32[2,3] into 3 tensors"),
    (lambda: jg.transpose(a23(), [0, 0]),
     "transpose's perm [0, 0] is not a permutation of the axes of f32[2,3]"),
    (lambda: jg.transpose(a23(), [0]), "transpose's perm [0] is not a permutation of the axes of f32[2,3]"),
    (lambda: jg.squeeze(a23(), 1), "cannot squeeze axis 1 of f32[2,3]: its size is 3, not 1"),
    (lambda: jg.tile(a23(), [2]), "tile's multiples [2] must be 2 non-negative ints, one per axis of f32[2,3]"),
    (lambda: jg.pad(a23(), [[1, -1], [0, 0]]),
     "pad's paddings [[1, -1], [0, 0]] must be 2 pairs [before, after] of non-negative ints, one per "
     "axis of f32[2,3]"),
    (lambda: jg.broadcast_to(a23(), [4, 3]), "cannot broadcast f32[2,3] to [4, 3]"),
    (lambda: jg.broadcast_to(a23(), [3]), "cannot broadcast f32[2,3] to [3]"),
    (lambda: a23()[0, 3], "index 3 is out of bounds for axis 1 with size 3"),
    (lambda: a23()[-3], "index -3 is out of bounds for axis 0 with size 2"),
    (lambda: a23()[0, :, 1], "too many indices for a tensor of rank 2: [0, :, 1]"),
    (lambda: a23()[..., 0, ...], "an index can have only one ellipsis ('...'): [..., 0, ...]"),
    (lambda: a23()[::0], "slice step cannot be zero: [::0]"),
    (lambda: jg.gather(a23(), [0.5]), "gather's indices must be integers, got f32[1]"),
    (lambda: jg.gather(a23(), [0], axis=2), "axis 2 is out of range for a tensor of rank 2"),
    (lambda: jg.one_hot(a23(), 3), "one_hot's indices must be integers, got f32[2,3]"),
    (lambda: jg.one_hot([1], 3, axis=2), "axis 2 is out of range for a tensor of rank 2"),
    (lambda: jg.shape(a23(), out_type=jg.float32), "shape's out_type must be an integer dtype, not float32"),
    (lambda: jg.reshape(a23(), [4, -1]), "cannot reshape f32[2,3] (6 elements) to [4, -1]"),
    (lambda: jg.expand_dims(a23(), 3), "axis 3 is out of range for a tensor of rank 3"),
    (lambda: jg.where(jg.zeros([2], jg.bool), a23(), jg.zeros([2])),
     "shapes bool[2] and f32[2,3] and f32[2] cannot be broadcast together"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", TYPE_ERRORS, ids=[m[:40] for _, m in TYPE_ERRORS])
def test_type_errors_name_the_op_and_the_user_line(build, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    error = info.value
    assert error.message == message
    assert error.op is not None
    assert str(error).endswith(f"({error.op.type}) defined at {__file__}:{build.__code__.co_firstlineno}")


BUILDER_ERRORS = [
    (lambda x: x[jg.constant([0, 1])],
     "cannot index with the Tensor 'Const:0': x[...] takes static ints, slices, None and ...; to pick "
     "elements by a tensor of indices use jg.gather(x, indices, axis=...)"),
    (lambda x: x[[0, 1]],
     "unsupported index [0, 1]: x[...] takes ints, slices, None (jg.newaxis) and ...; to pick elements by "
     "an array of indices use jg.gather(x, indices, axis=...)"),
    (lambda x: x[True], "unsupported index True: x[...] takes ints, slices, None (jg.newaxis) and ...; "
     "to pick elements by an array of indices use jg.gather(x, indices, axis=...)"),
    (lambda x: x[: jg.constant(1)],
     "slice bounds must be Python ints, got the Tensor 'Const:0': jaxgraph shapes are static"),
    (lambda x: x[0.5:], "slice bounds must be ints or None, got 0.5"),
    (lambda x: jg.tile(x, jg.constant([1, 2])), "tile's multiples must be a list of Python ints, got "
     "<jaxgraph.Tensor 'Const:0' i32[2]>: jaxgraph shapes are static (jg.shape(x) itself is accepted where "
     "a shape means x's run-time shape)"),
    (lambda x: jg.reshape(x, [None, 2.5]), "reshape's shape must be a list of Python ints, got [None, 2.5]: "
     "jaxgraph shapes are static (jg.shape(x) itself is accepted where a shape means x's run-time shape)"),
    (lambda x: jg.pad(x, [[1, 1]] * 2, mode="REFLECT"),
     "pad mode 'REFLECT' is not supported: jaxgraph pads with a constant only"),
    (lambda x: jg.pad(x, [[0, 0]] * 2, constant_values=jg.constant(1.0)),
     "pad's constant_values must be a Python scalar, got <jaxgraph.Tensor 'Const:0' f32[]>"),
    (lambda x: jg.gather(x, [0], batch_dims=1), "gather supports batch_dims=0 only, got 1"),
    (lambda x: jg.split(x, [1, 2], num=3), "split got num=3 but 2 sizes [1, 2]"),
    (lambda x: jg.strided_slice(x, [0, 0], [1]),
     "strided_slice's begin, end and strides differ in length: [0, 0], [1], [1, 1]"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", BUILDER_ERRORS, ids=[m[:40] for _, m in BUILDER_ERRORS])
def test_builder_errors(build, message):
    x = jg.placeholder(jg.float32, (2, 3), name="x")
    before = len(jg.get_default_graph().operations)
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(message)):
        build(x)
    assert all(op.type == "constant" for op in jg.get_default_graph().operations[before:])


def test_checks_put_off_by_unknown_dims_fail_when_the_graph_runs():
    x = jg.placeholder(jg.float32, (None,), name="x")
    y = jg.placeholder(jg.float32, (2, None), name="y")
    bad = {
        "index": (x[5], "index 5 is out of bounds for axis 0 with size 3"),
        "split": (jg.split(x, [1, 1])[0], "split sizes [1, 1] sum to 2, but axis 0 of f32[3] has size 3"),
        "unstack": (jg.unstack(x, num=2)[0], "cannot unstack axis 0 of f32[3] into 2 tensors"),
        "concat": (jg.concat([y, jg.zeros([2, 3])], 0),
                   "concat inputs must have the same shape except along axis 0, got f32[2,4], f32[2,3]"),
        "squeeze": (jg.squeeze(y, 1), "cannot squeeze axis 1 of f32[2,4]: its size is 4, not 1"),
    }  # fmt: skip
    feeds = {x: np.zeros(3, np.float32), y: np.zeros((2, 4), np.float32)}
    with jg.Session() as sess:
        for tensor, message in bad.values():
            with pytest.raises(
                errors.InvalidArgumentError, match=re.escape(message + " (when the graph ran)")
            ):
                sess.run(tensor, feeds)


# ---- gradients ---------------------------------------------------------------------------------
IDX = np.array([[1, -1], [0, 1]], np.int32)  # a repeated and a negative index
GRADIENT_CASES = [
    ("transpose", lambda x: jg.transpose(x, [2, 0, 1]), lambda x: jnp.transpose(x, (2, 0, 1)), [(2, 3, 4)]),
    ("squeeze", lambda x: jg.squeeze(x, [1]), lambda x: jnp.squeeze(x, 1), [(3, 1, 2)]),
    ("concat", lambda x, y: jg.concat([x, y], 1), lambda x, y: jnp.concatenate([x, y], 1), [(2, 3), (2, 1)]),
    ("stack", lambda x, y: jg.stack([x, y], -1), lambda x, y: jnp.stack([x, y], -1), [(2, 3), (2, 3)]),
    ("unstack", lambda x: jg.unstack(x, num=3, axis=1), lambda x: [x[:, i] for i in range(3)], [(2, 3)]),
    ("split", lambda x: jg.split(x, [1, -1], axis=0), lambda x: jnp.split(x, [1], 0), [(3, 2)]),
    ("tile", lambda x: jg.tile(x, [2, 1, 3]), lambda x: jnp.tile(x, (2, 1, 3)), [(2, 3, 2)]),
    ("pad", lambda x: jg.pad(x, [[1, 0], [2, 3]]), lambda x: jnp.pad(x, ((1, 0), (2, 3))), [(2, 3)]),
    ("broadcast_to", lambda x: jg.broadcast_to(x, [2, 3, 4]), lambda x: jnp.broadcast_to(x, (2, 3, 4)),
     [(3, 4)]),
    ("gather_unchecked", lambda p: jg.gather(p, IDX, axis=1, validate_indices=False),
     lambda p: jnp.take(p, IDX, axis=1), [(3, 4)]),
    ("getitem", lambda x: x[1:, ::-2, None, -1], lambda x: x[1:, ::-2, None, -1], [(3, 5, 2)]),
    ("getitem_steps", lambda x: x[-1:0:-3, 1], lambda x: x[-1:0:-3, 1], [(7, 2)]),
    ("getitem_empty", lambda x: x[2:1, ...], lambda x: x[2:1, ...], [(3, 2)]),
    ("strided_slice", lambda x: jg.strided_slice(x, [0, 3], [2, 0], [1, -2]), lambda x: x[0:2, 3:0:-2],
     [(2, 5)]),
    ("reshape_shape_of", lambda x, y: jg.reshape(x, jg.shape(y)) + y, lambda x, y: x.reshape(y.shape) + y,
     [(6,), (3, 2)]),
]  # fmt: skip


@pytest.mark.parametrize("known", [True, False], ids=["known_dims", "unknown_dims"])
def test_gradients_match_jax_vjp_and_differentiate_again(known):
    """``jg.gradients`` of each case against ``jax.vjp``; then, as the ops are linear, the gradient
    of the gradient with respect to the cotangent must give the op applied to a new input."""
    graph, fetches, feeds, expected = jg.Graph(), {}, {}, {}
    with graph.as_default():
        for label, build, reference, shapes in GRADIENT_CASES:
            values = [RNG.normal(size=s).astype(np.float32) for s in shapes]
            xs = _placeholders(values, known)
            ys = _as_list(build(*xs))
            outs, vjp = jax.vjp(lambda *args, f=reference: _as_list(f(*args)), *values)
            cotangents = [RNG.normal(size=o.shape).astype(np.float32) for o in outs]
            cs = _placeholders(cotangents, known)
            grads = jg.gradients(ys, xs, grad_ys=cs)
            directions = [RNG.normal(size=s).astype(np.float32) for s in shapes]
            vs = _placeholders(directions, known)
            again = jg.gradients(grads, cs, grad_ys=vs)
            feeds.update({**dict(zip(xs, values)), **dict(zip(cs, cotangents)), **dict(zip(vs, directions))})
            fetches[label] = [grads, again]
            expected[label] = [vjp(cotangents), _as_list(reference(*directions))]
    results = run(fetches, feeds, graph)
    for label, (want_grads, want_again) in expected.items():
        got_grads, got_again = results[label]
        for got, want in zip(got_grads + got_again, list(want_grads) + want_again):
            assert_close(got, np.asarray(want), rtol=1e-5, atol=1e-5)


def test_gradient_ignores_integer_shape_paths():
    """TF1's idiom of dividing by the run-time batch size: the int path (shape, slice, cast) ends
    the gradient instead of failing."""
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    loss = jg.reduce_sum(jg.square(x)) / jg.cast(jg.shape(x)[0], jg.float32)
    (grad,) = jg.gradients(loss, x)
    value = _array((4, 3))
    assert_close(run(grad, {x: value}), 2 * value / 4)
