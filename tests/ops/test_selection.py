"""Selection ops (``jaxgraph.ops.selection``: gather, one_hot, where) against NumPy: values,
static shapes, errors, and gradients against ``jax.vjp``."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from tests.ops.structural import (
    EACH_DTYPE,
    KNOWN,
    a23,
    array_of,
    check_against_numpy,
    check_builder_error,
    check_gradients,
    check_static_shapes,
    check_type_error,
)


@KNOWN
@EACH_DTYPE
def test_ops_match_numpy(dtype, known):
    a = lambda *shape: array_of(shape, dtype)
    idx = np.array([[0, -1], [2, 2]], np.int32)
    cases = [
        ("where", lambda c, x, y: jg.where(c, x, y), np.where, [array_of((2, 3), jg.bool), a(2, 3), a(3)]),
        ("gather_unchecked", lambda p: jg.gather(p, idx, axis=1, validate_indices=False),
         lambda p: np.take(p, idx, axis=1), [a(3, 4)]),
        ("gather_axis0", lambda p, i: jg.gather(p, i), lambda p, i: p[i],
         [a(4, 2), np.array([3, 0, 0], np.int32)]),
        ("gather_neg_axis", lambda p: jg.gather(p, [1, 0], axis=-1), lambda p: p[..., [1, 0]], [a(2, 2, 2)]),
    ]  # fmt: skip
    check_against_numpy(cases, known)


@KNOWN
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


def test_static_shapes_with_unknown_dims():
    a = jg.placeholder(jg.float32, (None, 3))
    i = jg.placeholder(jg.int32, (None, 2))
    check_static_shapes([
        (jg.gather(a, i, axis=1), [None, None, 2]), (jg.one_hot(i, 5, axis=1), [None, 5, 2]),
        (jg.where(jg.greater(a, 0.0), a, 1.0), [None, 3]),
    ])  # fmt: skip


TYPE_ERRORS = [
    (lambda: jg.gather(a23(), [0.5]), "gather's indices must be integers, got f32[1]"),
    (lambda: jg.gather(a23(), [0], axis=2), "axis 2 is out of range for a tensor of rank 2"),
    (lambda: jg.one_hot(a23(), 3), "one_hot's indices must be integers, got f32[2,3]"),
    (lambda: jg.one_hot([1], 3, axis=2), "axis 2 is out of range for a tensor of rank 2"),
    (lambda: jg.where(jg.zeros([2], jg.bool), a23(), jg.zeros([2])),
     "shapes bool[2] and f32[2,3] and f32[2] cannot be broadcast together"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", TYPE_ERRORS, ids=[m[:40] for _, m in TYPE_ERRORS])
def test_type_errors_name_the_op_and_the_user_line(build, message):
    check_type_error(build, message)


BUILDER_ERRORS = [(lambda x: jg.gather(x, [0], batch_dims=1), "gather supports batch_dims=0 only, got 1")]


@pytest.mark.parametrize("build, message", BUILDER_ERRORS, ids=[m[:40] for _, m in BUILDER_ERRORS])
def test_builder_errors(build, message):
    check_builder_error(build, message)


IDX = np.array([[1, -1], [0, 1]], np.int32)  # a repeated and a negative index
GRADIENT_CASES = [
    ("gather_unchecked", lambda p: jg.gather(p, IDX, axis=1, validate_indices=False),
     lambda p: jnp.take(p, IDX, axis=1), [(3, 4)]),
]  # fmt: skip


@KNOWN
def test_gradients_match_jax_vjp_and_differentiate_again(known):
    check_gradients(GRADIENT_CASES, known)
