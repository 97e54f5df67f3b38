"""Convolution ops against TF1's recorded outputs and gradients, gradients (first and second
order) against ``jax.vjp`` of the ops' lowerings, unknown dims, NCHW, and the exact errors."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close, run
from tests.ops.conv_reference import check_error, check_vjp, replay

RNG = np.random.default_rng(3)


def _normal(*shape):
    return RNG.normal(size=shape).astype(np.float32)


CONV2D = {
    "conv2d_same_s2": ([1, 2, 2, 1], "SAME", 1),
    "conv2d_valid_s12": ([1, 2], "VALID", 1),
    "conv2d_same_d2": (1, "SAME", [2, 2]),
    "conv2d_explicit": ([1, 2, 1, 1], [[0, 0], [1, 2], [0, 1], [0, 0]], 1),
}


@pytest.mark.parametrize("case", sorted(CONV2D))
def test_conv2d_matches_tf1(case):
    strides, padding, dilations = CONV2D[case]
    replay(case, lambda x, w: jg.nn.conv2d(x, w, strides, padding, dilations=dilations))


@pytest.mark.parametrize(
    "case, build",
    [
        ("conv2d_transpose_same", lambda v, f: jg.nn.conv2d_transpose(v, f, [2, 6, 8, 2], [1, 2, 2, 1])),
        ("conv2d_transpose_valid", lambda v, f: jg.nn.conv2d_transpose(v, f, [2, 7, 9, 2], 2, "VALID")),
        ("depthwise_same", lambda x, w: jg.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")),
        ("depthwise_valid_s2", lambda x, w: jg.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID")),
        ("separable", lambda x, w, p: jg.nn.separable_conv2d(x, w, p, [1, 1, 1, 1], "SAME")),
        ("conv1d", lambda x, w: jg.nn.conv1d(x, w, 2, "SAME")),
        ("conv3d", lambda x, w: jg.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME")),
    ],
)
def test_other_convolutions_match_tf1(case, build):
    replay(case, build)


def test_nchw_is_the_transposed_nhwc_convolution():
    x, w = _normal(2, 6, 5, 3), _normal(3, 3, 3, 4)
    nhwc = jg.nn.conv2d(x, w, [1, 2, 1, 1], "SAME")
    nchw = jg.nn.conv2d(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 2, 1], "SAME", data_format="NCHW")
    assert nchw.shape.as_list() == [2, 4, 3, 5]
    a, b = run([nhwc, nchw])
    assert_close(b, np.transpose(a, (0, 3, 1, 2)), atol=1e-5)


def test_convolution_dispatches_by_rank():
    y = jg.nn.convolution(jg.placeholder(jg.float32, (2, 9, 3)), _normal(3, 3, 2), "VALID", strides=[2])
    assert (y.shape.as_list(), y.op.type) == ([2, 4, 2], "squeeze")
    y = jg.nn.convolution(jg.placeholder(jg.float32, (1, 4, 4, 4, 2)), _normal(2, 2, 2, 2, 5), "SAME")
    assert (y.shape.as_list(), y.op.type) == ([1, 4, 4, 4, 5], "conv3d")


@pytest.mark.parametrize(
    "build, shapes",
    [
        (lambda x, w: jg.nn.conv2d(x, w, [1, 2, 2, 1], "SAME"), [(2, 5, 6, 3), (3, 2, 3, 4)]),
        (
            lambda x, w: jg.nn.conv2d(x, w, 1, [[0, 0], [2, 0], [1, 1], [0, 0]], dilations=2),
            [(1, 5, 5, 2), (2, 2, 2, 3)],
        ),  # fmt: skip
        (lambda x, w: jg.nn.conv2d(x, w, 2, "VALID", data_format="NCHW"), [(1, 2, 7, 6), (3, 3, 2, 2)]),
        (lambda x, w: jg.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"), [(2, 5, 5, 3), (3, 3, 3, 2)]),
        (lambda x, w: jg.nn.conv3d(x, w, [1, 2, 1, 1, 1], "VALID"), [(1, 5, 3, 3, 2), (2, 2, 2, 2, 3)]),
    ],
)
@pytest.mark.parametrize("order", [1, 2])
def test_gradients_and_their_gradients_match_jax_vjp(build, shapes, order):
    check_vjp(build, *[_normal(*s) for s in shapes], order=order)


def test_gradient_ops_are_tf1s_and_second_order_gives_convolutions():
    x, w = jg.placeholder(jg.float32, (2, 5, 5, 3)), jg.constant(_normal(3, 3, 3, 4))
    y = jg.nn.conv2d(x, w, 2, "SAME")
    dx, dw = jg.gradients(jg.reduce_sum(y * y), [x, w])
    assert (dx.op.type, dw.op.type) == ("conv2d_backprop_input", "conv2d_backprop_filter")
    assert dx.op.attrs["input_sizes"] == (2, 5, 5, 3) and dw.op.attrs["filter_sizes"] == (3, 3, 3, 4)
    types = {op.type for op in jg.gradients(jg.reduce_sum(dx), x)[0].graph.operations}
    assert {"conv2d", "conv2d_backprop_input", "conv2d_backprop_filter"} <= types


def test_unknown_batch_and_spatial_dims():
    x_val, w_val = _normal(3, 7, 6, 2), _normal(3, 3, 2, 4)
    x = jg.placeholder(jg.float32, (None, None, None, 2))
    y = jg.nn.conv2d(x, w_val, 2, "SAME")
    assert y.shape.as_list() == [None, None, None, 4]
    dx = jg.gradients(jg.reduce_sum(jg.square(y)), x)[0]
    assert len(dx.op.inputs) == 3  # the input itself gives the run-time sizes
    fixed = jg.placeholder(jg.float32, (3, 7, 6, 2))
    dx_fixed = jg.gradients(jg.reduce_sum(jg.square(jg.nn.conv2d(fixed, w_val, 2, "SAME"))), fixed)[0]
    a, b = run([dx, dx_fixed], {x: x_val, fixed: x_val})
    assert_close(a, b)
    t = jg.nn.conv2d_transpose(
        jg.placeholder(jg.float32, (None, 3, 4, 4)), _normal(3, 3, 2, 4), [None, 6, 8, 2], 2
    )
    assert t.shape.as_list() == [None, 6, 8, 2]
    like = jg.placeholder(jg.float32, (None, None, None, 2))
    t = jg.nn.conv2d_transpose(
        jg.placeholder(jg.float32, (None, 3, 4, 4)), _normal(3, 3, 2, 4), jg.shape(like), 2
    )
    assert t.shape.as_list() == [None, None, None, 2]


def test_tf1_argument_spellings():
    x, w = jg.placeholder(jg.float32, (1, 8, 8, 3)), _normal(3, 3, 3, 4)
    assert jg.nn.conv2d(x, filters=w, strides=2, padding="SAME").op.attrs["strides"] == (1, 2, 2, 1)
    assert jg.nn.conv2d(x, w, [2, 1], "valid").op.attrs["padding"] == "VALID"
    assert jg.nn.conv2d(x, w, [2], "SAME", dilations=[1, 2]).op.attrs["dilations"] == (1, 1, 2, 1)
    assert jg.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", name="c").name == "c:0"
    with pytest.raises(
        jg.errors.InvalidArgumentError, match="strides should be of length 1, 2 or 4 but was 3"
    ):
        jg.nn.conv2d(x, w, [1, 1, 1], "SAME")


def test_errors_name_the_op_and_line():
    x4, w = jg.placeholder(jg.float32, (1, 8, 8, 3)), jg.placeholder(jg.float32, (3, 3, 5, 4))
    check_error(lambda: jg.nn.conv2d(jg.placeholder(jg.float32, (8, 8, 3)), w, 1, "SAME"),
                "conv2d: input must be 4-D (NHWC), got f32[8,8,3]", "Conv2D", "conv2d")  # fmt: skip
    check_error(lambda: jg.nn.conv2d(x4, w, 1, "SAME"),
                "conv2d: input has 3 channels but the filter [3, 3, 5, 4] expects 5 (input dimension 3 of NHWC must equal filter dimension 2)", "Conv2D_1", "conv2d")  # fmt: skip
    w3 = jg.placeholder(jg.float32, (3, 3, 3, 4))
    check_error(lambda: jg.nn.conv2d(x4, w3, 1, "SAEM"),
                "conv2d: padding must be 'SAME', 'VALID' or a list of [before, after] pairs, got 'SAEM'", "Conv2D_2", "conv2d")  # fmt: skip
    check_error(lambda: jg.nn.conv2d(x4, w3, [2, 1, 1, 1], "SAME"),
                "conv2d: strides [2, 1, 1, 1] must be 1 in the batch and channel dimensions", "Conv2D_3", "conv2d")  # fmt: skip
    check_error(lambda: jg.nn.conv2d(x4, w3, 1, "SAME", data_format="NWHC"),
                "conv2d: data_format must be 'NHWC' or 'NCHW', got 'NWHC'", "Conv2D_4", "conv2d")  # fmt: skip
    check_error(lambda: jg.nn.conv2d(x4, w3, 1, [[0, 0], [1, 1], [1, 1], [1, 0]]),
                "conv2d: explicit padding [[0, 0], [1, 1], [1, 1], [1, 0]] must be [0, 0] in the batch and channel dimensions", "Conv2D_5", "conv2d")  # fmt: skip
    check_error(lambda: jg.nn.conv2d(x4, jg.placeholder(jg.float32, (9, 3, 3, 4)), 1, "VALID"),
                "conv2d: the window (9) is larger than the padded input (8) in spatial dimension 0: the output size would be negative", "Conv2D_6", "conv2d")  # fmt: skip
    check_error(lambda: jg.nn.conv2d_transpose(jg.placeholder(jg.float32, (1, 3, 3, 4)), w3, [1, 8, 8, 3], 2),
                "conv2d_backprop_input: out_backprop f32[1,3,3,4] does not match the convolution's output shape [1,4,4,4] for input [1,8,8,3] and filter f32[3,3,3,4]", "conv2d_transpose", "conv2d_backprop_input")  # fmt: skip
