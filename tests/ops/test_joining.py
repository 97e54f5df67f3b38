"""Joining ops (``jaxgraph.ops.joining``: concat, split, stack, unstack, tile, pad) against NumPy:
values, static shapes, errors, and gradients against ``jax.vjp``."""

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
    check_fails_when_run,
    check_gradients,
    check_static_shapes,
    check_type_error,
)


@KNOWN
@EACH_DTYPE
def test_ops_match_numpy(dtype, known):
    a = lambda *shape: array_of(shape, dtype)
    fill = {jg.float32: 2.5, jg.int32: 7, jg.bool: True, jg.bfloat16: -1.5}[dtype]
    np_fill = np.asarray(fill, dtype.np)
    cases = [
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
    ]  # fmt: skip
    check_against_numpy(cases, known)


def test_static_shapes_with_unknown_dims():
    a = jg.placeholder(jg.float32, (None, 3))
    b = jg.placeholder(jg.float32, (2, None))
    c = jg.placeholder(jg.float32, (None, None, 1))
    check_static_shapes([
        (jg.concat([a, b], 0), [None, 3]), (jg.concat([b, b], 0), [4, None]), (jg.concat([a, b], 1), [2, None]),
        (jg.stack([a, b], 1), [2, 2, 3]), (jg.unstack(a, num=2, axis=0)[1], [3]),
        (jg.split(b, 2, axis=1)[0], [2, None]), (jg.split(b, [1, -1], axis=1)[0], [2, 1]),
        (jg.split(b, [1, -1], axis=1)[1], [2, None]), (jg.split(a, [1, 2], axis=1)[1], [None, 2]),
        (jg.tile(a, [2, 0]), [None, 0]), (jg.tile(c, [1, 2, 3]), [None, None, 3]),
        (jg.pad(a, [[1, 1], [2, 0]]), [None, 5]),
    ])  # fmt: skip


def test_builders_return_the_types_and_names_of_tf1():
    x = jg.placeholder(jg.float32, (4, 6), name="x")
    pieces = jg.split(x, 3, axis=1, name="pieces")
    assert isinstance(pieces, list) and [p.name for p in pieces] == ["pieces:0", "pieces:1", "pieces:2"]
    assert isinstance(jg.unstack(x), list) and len(jg.unstack(x)) == 4
    assert jg.concat([x, x], 0, name="joined").op.name == "joined"


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
    (lambda: jg.split(a23(), [-1, -1]), "split sizes [-1, -1] must be non-negative ints, with at most one -1"),
    (lambda: jg.split(a23(), 0), "split needs at least 1 piece, got 0"),
    (lambda: jg.unstack(jg.placeholder(jg.float32, (None, 3))), "cannot unstack axis 0 of f32[?,3]: pass num"),
    (lambda: jg.unstack(a23(), num=3), "cannot unstack axis 0 of f32[2,3] into 3 tensors"),
    (lambda: jg.tile(a23(), [2]), "tile's multiples [2] must be 2 non-negative ints, one per axis of f32[2,3]"),
    (lambda: jg.pad(a23(), [[1, -1], [0, 0]]),
     "pad's paddings [[1, -1], [0, 0]] must be 2 pairs [before, after] of non-negative ints, one per "
     "axis of f32[2,3]"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", TYPE_ERRORS, ids=[m[:40] for _, m in TYPE_ERRORS])
def test_type_errors_name_the_op_and_the_user_line(build, message):
    check_type_error(build, message)


BUILDER_ERRORS = [
    (lambda x: jg.tile(x, "ab"), "tile's multiples must be a list of Python ints, got 'ab': jaxgraph "
     "shapes are static (jg.shape(x) itself is accepted where a shape means x's run-time shape)"),
    (lambda x: jg.pad(x, [[1, 1]] * 2, mode="REFLECT"),
     "pad mode 'REFLECT' is not supported: jaxgraph pads with a constant only"),
    (lambda x: jg.pad(x, [[0, 0]] * 2, constant_values=jg.constant(1.0)),
     "pad's constant_values must be a Python scalar, got <jaxgraph.Tensor 'Const:0' f32[]>"),
    (lambda x: jg.split(x, [1, 2], num=3), "split got num=3 but 2 sizes [1, 2]"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", BUILDER_ERRORS, ids=[m[:40] for _, m in BUILDER_ERRORS])
def test_builder_errors(build, message):
    check_builder_error(build, message)


def test_checks_put_off_by_unknown_dims_fail_when_the_graph_runs():
    x = jg.placeholder(jg.float32, (None,), name="x")
    y = jg.placeholder(jg.float32, (2, None), name="y")
    bad = [
        (jg.split(x, [1, 1])[0], "split sizes [1, 1] sum to 2, but axis 0 of f32[3] has size 3"),
        (jg.unstack(x, num=2)[0], "cannot unstack axis 0 of f32[3] into 2 tensors"),
        (jg.concat([y, jg.zeros([2, 3])], 0),
         "concat inputs must have the same shape except along axis 0, got f32[2,4], f32[2,3]"),
    ]  # fmt: skip
    check_fails_when_run(bad, {x: np.zeros(3, np.float32), y: np.zeros((2, 4), np.float32)})


GRADIENT_CASES = [
    ("concat", lambda x, y: jg.concat([x, y], 1), lambda x, y: jnp.concatenate([x, y], 1), [(2, 3), (2, 1)]),
    ("stack", lambda x, y: jg.stack([x, y], -1), lambda x, y: jnp.stack([x, y], -1), [(2, 3), (2, 3)]),
    ("unstack", lambda x: jg.unstack(x, num=3, axis=1), lambda x: [x[:, i] for i in range(3)], [(2, 3)]),
    ("split", lambda x: jg.split(x, [1, -1], axis=0), lambda x: jnp.split(x, [1], 0), [(3, 2)]),
    ("tile", lambda x: jg.tile(x, [2, 1, 3]), lambda x: jnp.tile(x, (2, 1, 3)), [(2, 3, 2)]),
    ("pad", lambda x: jg.pad(x, [[1, 0], [2, 3]]), lambda x: jnp.pad(x, ((1, 0), (2, 3))), [(2, 3)]),
]  # fmt: skip


@KNOWN
def test_gradients_match_jax_vjp_and_differentiate_again(known):
    check_gradients(GRADIENT_CASES, known)
