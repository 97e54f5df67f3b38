"""Pooling ops against TF1's recorded outputs and gradients (tied maxima, SAME averages over the
covered elements only), gradients to second order against ``jax.vjp``, and the exact errors."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close, run
from tests.ops.conv_reference import check_error, check_vjp, replay

RNG = np.random.default_rng(5)


@pytest.mark.parametrize(
    "case, build",
    [
        ("max_pool_ties", lambda x: jg.nn.max_pool(x, [1, 3, 3, 1], [1, 1, 1, 1], "VALID")),
        ("max_pool_same", lambda x: jg.nn.max_pool(x, 3, 2, "SAME")),
        ("avg_pool_same", lambda x: jg.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")),
        ("avg_pool_valid", lambda x: jg.nn.avg_pool(x, [2, 3], [2, 1], "VALID")),
        ("max_pool1d", lambda x: jg.nn.max_pool1d(x, 3, 2, "SAME")),
        ("avg_pool3d", lambda x: jg.nn.avg_pool3d(x, 2, 2, "SAME")),
    ],
)
def test_pools_match_tf1(case, build):
    replay(case, build)


def test_tied_maxima_send_the_gradient_to_the_first_in_row_major_order():
    x = jg.constant(np.array([[2.0, 2.0], [2.0, 1.0]], np.float32).reshape(1, 2, 2, 1))
    grad = run(jg.gradients(jg.nn.max_pool(x, 2, 1, "VALID"), x)[0])
    assert grad.reshape(2, 2).tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_avg_pool_same_ignores_padding_and_nchw_matches_nhwc():
    ones = np.ones((1, 3, 3, 1), np.float32)
    assert run(jg.nn.avg_pool(ones, 2, 2, "SAME")).tolist() == np.ones((1, 2, 2, 1)).tolist()
    x = RNG.normal(size=(2, 5, 6, 3)).astype(np.float32)
    nhwc = jg.nn.max_pool(x, [1, 3, 2, 1], [1, 2, 2, 1], "SAME")
    nchw = jg.nn.max_pool(np.transpose(x, (0, 3, 1, 2)), [1, 1, 3, 2], [1, 1, 2, 2], "SAME", "NCHW")
    a, b = run([nhwc, nchw])
    assert_close(b, np.transpose(a, (0, 3, 1, 2)))


@pytest.mark.parametrize(
    "build",
    [
        lambda x: jg.nn.max_pool(x, 3, 2, "SAME"),
        lambda x: jg.nn.avg_pool(x, 3, 2, "SAME"),
        lambda x: jg.nn.avg_pool(x, [2, 2], 1, "VALID", data_format="NCHW"),
        lambda x: jg.nn.max_pool3d(x[..., None], 2, 1, "VALID"),
    ],
)
@pytest.mark.parametrize("order", [1, 2])
def test_gradients_and_their_gradients_match_jax_vjp(build, order):
    check_vjp(build, RNG.uniform(-2, 2, size=(2, 5, 6, 3)).astype(np.float32), order=order)


def test_unknown_batch_and_gradient_op_types():
    x = jg.placeholder(jg.float32, (None, None, 6, 2))
    values = RNG.normal(size=(3, 5, 6, 2)).astype(np.float32)
    pooled = jg.nn.avg_pool(x, 2, 2, "SAME"), jg.nn.max_pool(x, 2, 2, "VALID")
    grads = [jg.gradients(jg.reduce_sum(jg.square(p)), x)[0] for p in pooled]
    assert [g.op.type for g in grads] == ["avg_pool_grad", "max_pool_grad"]
    second = jg.gradients(jg.reduce_sum(jg.square(grads[1])), x)[0]
    assert "max_pool_grad_grad" in {op.type for op in second.graph.operations}
    out = run([*pooled, *grads], {x: values})
    assert out[0].shape == (3, 3, 3, 2) and out[2].shape == values.shape


def test_pool_dispatches_on_rank():
    x = jg.placeholder(jg.float32, (2, 8, 3))
    assert jg.nn.pool(x, [2], "MAX", "VALID", strides=[2]).shape.as_list() == [2, 4, 3]
    with pytest.raises(
        jg.errors.InvalidArgumentError, match="pool: pooling_type must be 'MAX' or 'AVG', got 'SUM'"
    ):
        jg.nn.pool(x, [2], "SUM", "VALID")


def test_errors_name_the_op_and_line():
    x = jg.placeholder(jg.float32, (1, 4, 4, 2))
    check_error(lambda: jg.nn.max_pool(x, [2, 2, 2, 1], 1, "VALID"),
                "max_pool: ksize [2, 2, 2, 1] must be 1 in the batch and channel dimensions", "MaxPool", "max_pool")  # fmt: skip
    check_error(lambda: jg.nn.avg_pool(x, 2, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]),
                "avg_pool: padding must be 'SAME', 'VALID', got [[0, 0], [1, 1], [1, 1], [0, 0]]", "AvgPool", "avg_pool")  # fmt: skip
    check_error(lambda: jg.nn.max_pool(jg.placeholder(jg.float32, (4, 4, 2)), 2, 1, "SAME"),
                "max_pool: input must be 4-D (NHWC), got f32[4,4,2]", "MaxPool_1", "max_pool")  # fmt: skip
    check_error(lambda: jg.nn.avg_pool(x, 5, 1, "VALID"),
                "avg_pool: the window (5) is larger than the padded input (4) in spatial dimension 0: the output size would be negative", "AvgPool_1", "avg_pool")  # fmt: skip
