"""Normalization and top-k against TF1's recorded outputs and gradients (fused_batch_norm's
Bessel-corrected batch variance, lrn's formula, in_top_k's ties), gradients against ``jax.vjp``,
and the exact errors."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close, run
from tests.ops.conv_reference import _reference, check_error, check_vjp, replay

RNG = np.random.default_rng(7)


def _normal(*shape):
    return RNG.normal(size=shape).astype(np.float32)


@pytest.mark.parametrize(
    "case, build",
    [
        ("fused_bn_train", lambda x, s, o: jg.nn.fused_batch_norm(x, s, o, epsilon=0.01)),
        ("fused_bn_infer", lambda x, s, o, m, v: jg.nn.fused_batch_norm(x, s, o, m, v, is_training=False)),
        ("moments", lambda x: jg.nn.moments(x, [0, 1, 2])),
        ("moments_keep", lambda x: jg.nn.moments(x, [1], keep_dims=True)),
        ("batch_normalization", lambda x, m, v, o, s: jg.nn.batch_normalization(x, m, v, o, s, 1e-3)),
        ("l2_normalize", lambda x: jg.nn.l2_normalize(x, axis=[1, 3])),
        ("lrn", lambda x: jg.nn.lrn(x, 2, 1.5, 0.3, 0.75)),
        ("lrn_defaults", lambda x: jg.nn.local_response_normalization(x)),
        ("in_top_k", lambda p, t: jg.nn.in_top_k(p, t, 2)),
        ("in_top_k_nan_target", lambda p, t: jg.nn.in_top_k(p, t, 3)),
        ("top_k", lambda x: jg.nn.top_k(x, 3)),
    ],
)
def test_matches_tf1(case, build):
    replay(case, build, rtol=1e-4, atol=1e-4)


def test_training_batch_variance_is_bessel_corrected_as_tf1():
    ref = _reference()
    x = ref["fused_bn_train/in/x"].reshape(-1, 2)
    assert_close(ref["fused_bn_train/out/2"], x.var(0, ddof=1), atol=1e-5)
    _, mean, var = jg.nn.fused_batch_norm(
        x.reshape(3, 4, 5, 2), np.ones(2, np.float32), np.zeros(2, np.float32)
    )
    assert_close(run(var), x.var(0, ddof=1), atol=1e-5)


MEAN = np.array([0.1, -0.3, 0.2], np.float32)
VARIANCE = np.array([0.5, 1.0, 2.0], np.float32)


def test_inference_mode_gives_no_gradient_to_the_given_statistics_as_tf1():
    mean, variance = jg.constant(MEAN), jg.constant(VARIANCE)
    y, _, _ = jg.nn.fused_batch_norm(
        _normal(2, 3, 2, 3), jg.ones([3]), jg.zeros([3]), mean, variance, is_training=False
    )
    assert jg.gradients(jg.reduce_sum(y), [mean, variance]) == [None, None]


@pytest.mark.parametrize("order", [1, 2])
def test_inference_mode_gradients_match_jax_vjp_for_x_scale_and_offset(order):
    check_vjp(
        lambda x, s, o, m, v: jg.nn.fused_batch_norm(x, s, o, m, v, is_training=False)[0],
        _normal(2, 3, 2, 3), _normal(3), _normal(3), MEAN, VARIANCE, order=order, no_gradient=(3, 4),
    )  # fmt: skip


@pytest.mark.parametrize(
    "build, shapes",
    [
        (lambda x, s, o: jg.nn.fused_batch_norm(x, s, o)[0], [(2, 3, 4, 3), (3,), (3,)]),
        (lambda x, s, o: jg.nn.fused_batch_norm(x, s, o, data_format="NCHW")[0], [(2, 3, 4, 3), (3,), (3,)]),
        (lambda x: jg.nn.lrn(x, 1, 2.0, 0.5, 0.6), [(1, 2, 2, 5)]),
        (lambda x: jg.nn.top_k(x, 2)[0], [(3, 5)]),
    ],
)
@pytest.mark.parametrize("order", [1, 2])
def test_gradients_and_their_gradients_match_jax_vjp(build, shapes, order):
    check_vjp(build, *[s if isinstance(s, np.ndarray) else _normal(*s) for s in shapes], order=order)


def test_fused_batch_norm_gradient_includes_the_statistics_outputs():
    check_vjp(lambda x, s, o: jg.nn.fused_batch_norm(x, s, o)[1], _normal(2, 2, 3, 2), _normal(2), _normal(2))


def test_top_k_orders_ties_by_index_and_in_top_k_counts_ties():
    values, indices = run(jg.nn.top_k(np.array([[1, 3, 3, 2]], np.float32), 2))
    assert (values.tolist(), indices.tolist()) == ([[3.0, 3.0]], [[1, 2]])
    inside = jg.nn.in_top_k(np.array([[1, 3, 3, 2]], np.float32), np.array([2], np.int32), 1)
    assert run(inside).tolist() == [True]
    assert run(jg.nn.in_top_k(np.array([[1.0, 2.0]], np.float32), np.array([5], np.int32), 2)).tolist() == [
        False
    ]


def test_errors_name_the_op_and_line():
    x = jg.placeholder(jg.float32, (2, 3, 4, 5))
    check_error(lambda: jg.nn.fused_batch_norm(x, jg.ones([4]), jg.zeros([5])),
                "fused_batch_norm: scale must be a vector of the 5 channels of x in f32, got f32[4]", "FusedBatchNormV3", "fused_batch_norm")  # fmt: skip
    check_error(lambda: jg.nn.fused_batch_norm(x, jg.ones([3]), jg.zeros([3]), data_format="NHCW"),
                "fused_batch_norm: data_format must be 'NHWC' or 'NCHW', got 'NHCW'", "FusedBatchNormV3_1", "fused_batch_norm")  # fmt: skip
    check_error(lambda: jg.nn.lrn(jg.placeholder(jg.float32, (3, 5))),
                "lrn: input must be 4-D, got f32[3,5]", "LRN", "lrn")  # fmt: skip
    check_error(lambda: jg.nn.top_k(jg.placeholder(jg.float32, (2, 3)), 4),
                "top_k: input must have at least k=4 columns, got f32[2,3]", "TopKV2", "top_k")  # fmt: skip
    with pytest.raises(
        jg.errors.InvalidArgumentError, match="mean and variance must be given when is_training is False"
    ):
        jg.nn.fused_batch_norm(x, jg.ones([5]), jg.zeros([5]), is_training=False)
