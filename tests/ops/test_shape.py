"""Dtype and shape ops (``jaxgraph.ops.shape``) against NumPy: values, static shapes, errors,
and gradients against ``jax.vjp``."""

from __future__ import annotations

import re

import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close, run
from tests.ops.structural import (
    EACH_DTYPE,
    KNOWN,
    a23,
    array_of,
    check_against_numpy,
    check_builder_error,
    check_fails_when_run,
    check_gradients,
    check_static_shapes,
    check_type_error,
)


@KNOWN
@EACH_DTYPE
def test_ops_match_numpy(dtype, known):
    a = lambda *shape: array_of(shape, dtype)
    cases = [
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
        ("shape", jg.shape, lambda x: np.array(x.shape, np.int32), [a(2, 0, 3)]),
        ("shape_scalar", jg.shape, lambda x: np.zeros(0, np.int32), [a()]),
        ("size", jg.size, lambda x: np.int32(x.size), [a(2, 3, 2)]),
        ("rank", jg.rank, lambda x: np.int32(x.ndim), [a(2, 3, 2)]),
    ]  # fmt: skip
    check_against_numpy(cases, known)


def test_static_shapes_with_unknown_dims():
    a = jg.placeholder(jg.float32, (None, 3))
    b = jg.placeholder(jg.float32, (2, None))
    c = jg.placeholder(jg.float32, (None, None, 1))
    check_static_shapes([
        (jg.transpose(c), [1, None, None]), (jg.squeeze(c), [None, None]), (jg.squeeze(c, [0]), [None, 1]),
        (jg.broadcast_to(c, [2, 3, 4]), [2, 3, 4]), (jg.shape(c), [3]), (jg.size(a), []),
        (jg.reshape(c, jg.shape(b)), [2, None]), (jg.expand_dims(a, 1), [None, 1, 3]),
    ])  # fmt: skip


def test_builders_return_the_types_and_names_of_tf1():
    x = jg.placeholder(jg.float32, (4, 6), name="x")
    assert jg.squeeze(jg.reshape(x, [1, 4, 1, 6]), squeeze_dims=[2]).shape.as_list() == [1, 4, 6]
    assert jg.shape(x, out_type="int16").dtype is jg.int16
    assert jg.size(x, out_type=jg.int16).dtype is jg.int16
    assert jg.rank(x).op.type == "constant"


TYPE_ERRORS = [
    (lambda: jg.transpose(a23(), [0, 0]),
     "transpose's perm [0, 0] is not a permutation of the axes of f32[2,3]"),
    (lambda: jg.transpose(a23(), [0]), "transpose's perm [0] is not a permutation of the axes of f32[2,3]"),
    (lambda: jg.squeeze(a23(), 1), "cannot squeeze axis 1 of f32[2,3]: its size is 3, not 1"),
    (lambda: jg.broadcast_to(a23(), [4, 3]), "cannot broadcast f32[2,3] to [4, 3]"),
    (lambda: jg.broadcast_to(a23(), [3]), "cannot broadcast f32[2,3] to [3]"),
    (lambda: jg.shape(a23(), out_type=jg.float32), "shape's out_type must be an integer dtype, not float32"),
    (lambda: jg.reshape(a23(), [4, -1]), "cannot reshape f32[2,3] (6 elements) to [4, -1]"),
    (lambda: jg.expand_dims(a23(), 3), "axis 3 is out of range for a tensor of rank 3"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", TYPE_ERRORS, ids=[m[:40] for _, m in TYPE_ERRORS])
def test_type_errors_name_the_op_and_the_user_line(build, message):
    check_type_error(build, message)


BUILDER_ERRORS = [
    (lambda x: jg.reshape(x, [None, 2.5]), "reshape's shape must be a list of Python ints, got [None, 2.5]: "
     "jaxgraph shapes are static (jg.shape(x) itself is accepted where a shape means x's run-time shape)"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", BUILDER_ERRORS, ids=[m[:40] for _, m in BUILDER_ERRORS])
def test_builder_errors(build, message):
    check_builder_error(build, message)


def test_checks_put_off_by_unknown_dims_fail_when_the_graph_runs():
    y = jg.placeholder(jg.float32, (2, None), name="y")
    bad = [(jg.squeeze(y, 1), "cannot squeeze axis 1 of f32[2,4]: its size is 4, not 1")]
    check_fails_when_run(bad, {y: np.zeros((2, 4), np.float32)})


GRADIENT_CASES = [
    ("transpose", lambda x: jg.transpose(x, [2, 0, 1]), lambda x: jnp.transpose(x, (2, 0, 1)), [(2, 3, 4)]),
    ("squeeze", lambda x: jg.squeeze(x, [1]), lambda x: jnp.squeeze(x, 1), [(3, 1, 2)]),
    ("broadcast_to", lambda x: jg.broadcast_to(x, [2, 3, 4]), lambda x: jnp.broadcast_to(x, (2, 3, 4)),
     [(3, 4)]),
    ("reshape_shape_of", lambda x, y: jg.reshape(x, jg.shape(y)) + y, lambda x, y: x.reshape(y.shape) + y,
     [(6,), (3, 2)]),
]  # fmt: skip


@KNOWN
def test_gradients_match_jax_vjp_and_differentiate_again(known):
    check_gradients(GRADIENT_CASES, known)


def test_gradient_ignores_integer_shape_paths():
    """TF1's idiom of dividing by the run-time batch size: the int path (shape, slice, cast) ends
    the gradient instead of failing."""
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    loss = jg.reduce_sum(jg.square(x)) / jg.cast(jg.shape(x)[0], jg.float32)
    (grad,) = jg.gradients(loss, x)
    value = array_of((4, 3))
    assert_close(run(grad, {x: value}), 2 * value / 4)


# ---- TF1's deprecated spellings ------------------------------------------------------------------
def test_to_type_shorthands_cast():
    xv = np.array([1.7, -2.5, 3.0], np.float32)
    x = jg.constant(xv)
    outputs = {
        "to_int32": jg.to_int32(x, name="ints"),
        "to_float": jg.to_float(jg.to_int32(x)),
        "to_bfloat16": jg.to_bfloat16(x),
    }
    assert outputs["to_int32"].name == "ints:0"
    assert [t.dtype for t in outputs.values()] == [jg.int32, jg.float32, jg.bfloat16]
    values = run(outputs)
    np.testing.assert_array_equal(values["to_int32"], xv.astype(np.int32))  # truncates, as TF1's Cast
    np.testing.assert_array_equal(values["to_float"], xv.astype(np.int32).astype(np.float32))
    np.testing.assert_array_equal(values["to_bfloat16"], xv.astype(ml_dtypes.bfloat16))


@pytest.mark.parametrize(
    "fn, dtype, computed", [(jg.to_int64, jg.int64, np.int32), (jg.to_double, jg.float64, np.float32)]
)
def test_64_bit_shorthands_declare_64_bits_and_compute_in_32_without_x64(fn, dtype, computed):
    out = fn(jg.constant([1.5, -2.5]))
    assert out.dtype is dtype
    value = run(out)
    np.testing.assert_array_equal(value, np.array([1.5, -2.5]).astype(dtype.np).astype(computed))
    assert value.dtype == computed


def test_expand_dims_takes_dim():
    x = jg.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert jg.expand_dims(x, dim=1).shape.as_list() == [2, 1, 3]
    assert_close(run(jg.expand_dims(x, dim=-1)), np.arange(6, dtype=np.float32).reshape(2, 3, 1))
    with pytest.raises(jg.errors.InvalidArgumentError, match="^Cannot specify both 'axis' and 'dim'$"):
        jg.expand_dims(x, 0, dim=0)
    with pytest.raises(
        jg.errors.InvalidArgumentError, match=re.escape("Must specify an axis argument to tf.expand_dims()")
    ):
        jg.expand_dims(x)
