"""Static indexing (``jaxgraph.ops.indexing``: ``x[key]``, strided_slice, slice) against NumPy:
values, static shapes, errors, and gradients against ``jax.vjp``."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import run
from tests.ops.structural import (
    EACH_DTYPE,
    KNOWN,
    a23,
    array_of,
    check_against_numpy,
    check_builder_error,
    check_fails_when_run,
    check_gradients,
    check_type_error,
)


@KNOWN
@EACH_DTYPE
def test_ops_match_numpy(dtype, known):
    a = lambda *shape: array_of(shape, dtype)
    cases = [
        ("strided_slice", lambda x: jg.strided_slice(x, [0, 1], [2, -1], [1, 2], begin_mask=1),
         lambda x: x[:2, 1:-1:2], [a(3, 6)]),
        ("strided_slice_masks", lambda x: jg.strided_slice(x, [1, 0, 0], [2, 0, 2], shrink_axis_mask=1,
         ellipsis_mask=2, new_axis_mask=4), lambda x: x[1, ..., None], [a(3, 4, 2)]),
        ("strided_slice_end_mask", lambda x: jg.strided_slice(x, [-1, 1], [0, 0], [-1, 1], end_mask=3),
         lambda x: x[::-1, 1:], [a(3, 4)]),
        ("slice", lambda x: jg.slice(x, [1, 0], [1, -1]), lambda x: x[1:2, 0:], [a(3, 4)]),
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


@KNOWN
def test_getitem_matches_numpy_indexing(known):
    x = array_of((4, 5, 6))
    cases = [(repr(key), lambda t, key=key: t[key], lambda v, key=key: v[key], [x]) for key in GETITEM_KEYS]
    check_against_numpy(cases, known)


def test_getitem_on_variables_and_iteration():
    v = jg.Variable(array_of((3, 2)), name="v")
    rows = list(jg.constant(array_of((2, 2))))
    got = run([v[1:, 0], *rows])
    np.testing.assert_array_equal(got[0], array_of((3, 2))[1:, 0])
    np.testing.assert_array_equal(np.stack(got[1:]), array_of((2, 2)))


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


def test_builders_return_the_types_and_names_of_tf1():
    x = jg.placeholder(jg.float32, (4, 6), name="x")
    assert jg.newaxis is None
    assert x[0].op.type == "strided_slice" and jg.slice(x, [0, 0], [1, 1]).op.name == "Slice"


TYPE_ERRORS = [
    (lambda: jg.slice(a23(), [-1, 0], [1, 1]), "Expected begin[0] in [0, 2], but got -1"),
    (lambda: jg.slice(a23(), [0, 1], [1, 3]), "Expected size[1] in [0, 2], but got 3"),
    (lambda: jg.slice(a23(), [0], [1]), "slice's begin [0] and size [1] must have one entry per axis of f32[2,3]"),
    (lambda: a23()[0, 3], "index 3 is out of bounds for axis 1 with size 3"),
    (lambda: a23()[-3], "index -3 is out of bounds for axis 0 with size 2"),
    (lambda: a23()[0, :, 1], "too many indices for a tensor of rank 2: [0, :, 1]"),
    (lambda: a23()[..., 0, ...], "an index can have only one ellipsis ('...'): [..., 0, ...]"),
    (lambda: a23()[::0], "slice step cannot be zero: [::0]"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", TYPE_ERRORS, ids=[m[:40] for _, m in TYPE_ERRORS])
def test_type_errors_name_the_op_and_the_user_line(build, message):
    check_type_error(build, message)


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
    (lambda x: jg.strided_slice(x, [0, 0], [1]),
     "strided_slice's begin, end and strides differ in length: [0, 0], [1], [1, 1]"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", BUILDER_ERRORS, ids=[m[:40] for _, m in BUILDER_ERRORS])
def test_builder_errors(build, message):
    check_builder_error(build, message)


def test_checks_put_off_by_unknown_dims_fail_when_the_graph_runs():
    x = jg.placeholder(jg.float32, (None,), name="x")
    bad = [(x[5], "index 5 is out of bounds for axis 0 with size 3")]
    check_fails_when_run(bad, {x: np.zeros(3, np.float32)})


GRADIENT_CASES = [
    ("getitem", lambda x: x[1:, ::-2, None, -1], lambda x: x[1:, ::-2, None, -1], [(3, 5, 2)]),
    ("getitem_steps", lambda x: x[-1:0:-3, 1], lambda x: x[-1:0:-3, 1], [(7, 2)]),
    ("getitem_empty", lambda x: x[2:1, ...], lambda x: x[2:1, ...], [(3, 2)]),
    ("strided_slice", lambda x: jg.strided_slice(x, [0, 3], [2, 0], [1, -2]), lambda x: x[0:2, 3:0:-2],
     [(2, 5)]),
]  # fmt: skip


@KNOWN
def test_gradients_match_jax_vjp_and_differentiate_again(known):
    check_gradients(GRADIENT_CASES, known)
