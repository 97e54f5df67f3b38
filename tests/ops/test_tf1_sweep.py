"""Issue 11's API sweep: values against NumPy / SciPy-free references, shapes with unknown
dimensions, and the exact errors of the ops and compositions added for TF1 coverage
(``ops.special``, ``ops.cumulative``, ``ops.linalg``, ``ops.arrays``, ``ops.nn_impl``,
``bidirectional_dynamic_rnn``). Gradients of the new ops are in
``tests/autodiff/test_op_gradients.py``."""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close, run
from tests.helpers import check_build_error as _check_error

RNG = np.random.default_rng(11)


def _normal(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def test_elementwise_math_matches_numpy():
    x = np.array([-0.7, -0.2, 0.0, 0.3, 0.8], np.float32)
    t = jg.constant(x)
    cases = {
        "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "asin": np.arcsin, "acos": np.arccos,
        "atan": np.arctan, "asinh": np.arcsinh, "atanh": np.arctanh,
        "erf": np.vectorize(math.erf), "erfc": np.vectorize(math.erfc),
    }  # fmt: skip
    out = run({name: getattr(jg, name)(t) for name in cases})
    for name, fn in cases.items():
        assert_close(out[name], fn(x.astype(np.float64)).astype(np.float32), rtol=1e-5, atol=1e-6)
    pos = np.array([0.5, 1.5, 4.0], np.float32)
    assert_close(run(jg.lgamma(pos)), np.vectorize(math.lgamma)(pos).astype(np.float32), rtol=1e-5)
    assert_close(run(jg.acosh(pos + 1)), np.arccosh(pos + 1), rtol=1e-5)
    halves = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 2.6], np.float32)
    assert_close(run(jg.round(halves)), np.array([0, 2, 2, -0, -2, 3], np.float32))  # half to even
    assert_close(run(jg.rint(halves)), np.rint(halves))
    assert_close(run(jg.round(jg.constant([3, -2]))), np.array([3, -2], np.int32))
    assert_close(run(jg.atan2(x, x[::-1].copy())), np.arctan2(x, x[::-1]))


def test_float_tests_and_compositions():
    x = np.array([1.0, np.nan, np.inf, -np.inf, -40.0, 40.0], np.float32)
    t = jg.constant(x)
    nan, inf, finite, log_sig = run([jg.is_nan(t), jg.is_inf(t), jg.is_finite(t), jg.log_sigmoid(t)])
    np.testing.assert_array_equal(nan, np.isnan(x))
    np.testing.assert_array_equal(inf, np.isinf(x))
    np.testing.assert_array_equal(finite, np.isfinite(x))
    assert_close(
        np.asarray(log_sig)[[0, 4, 5]],
        np.float32([-np.log1p(np.exp(-1.0)), -40.0, -np.exp(-40.0)]),
        rtol=1e-5,
    )
    a, b = jg.constant([1.0, 2.0, 3.0]), jg.constant([0.0, 4.0, 0.0])
    quotient = jg.div_no_nan(a, b)
    value, grads = run([quotient, jg.gradients(jg.reduce_sum(quotient), [a, b])])
    assert_close(value, np.float32([0, 0.5, 0]))
    assert_close(grads[0], np.float32([0, 0.25, 0]))
    assert_close(grads[1], np.float32([0, -2 / 16, 0]))
    assert_close(run(jg.realdiv(a, 2.0)), np.float32([0.5, 1, 1.5]))
    assert_close(run(jg.scalar_mul(3, a)), np.float32([3, 6, 9]))


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_and_cumprod_match_numpy(exclusive, reverse):
    x = RNG.uniform(0.5, 2, size=(3, 4)).astype(np.float32)
    t = jg.placeholder(jg.float32, (None, 4))

    def reference(fn, identity, axis):
        y = np.flip(x, axis) if reverse else x
        out = fn(y, axis=axis)
        if exclusive:
            out = np.concatenate(
                [np.full_like(np.take(out, [0], axis), identity), np.delete(out, -1, axis)], axis
            )
        return np.flip(out, axis) if reverse else out

    for axis in (0, 1):
        s, p = run([jg.cumsum(t, axis, exclusive, reverse), jg.cumprod(t, axis, exclusive, reverse)], {t: x})
        assert_close(s, reference(np.cumsum, 0, axis), rtol=1e-5)
        assert_close(p, reference(np.cumprod, 1, axis), rtol=1e-5)


def test_reduce_logsumexp_is_stable_and_keeps_unknown_dims():
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -np.inf]], np.float32)
    t = jg.placeholder(jg.float32, (None, 3))
    rows, kept, total = (
        jg.reduce_logsumexp(t, 1),
        jg.reduce_logsumexp(t, axis=1, keepdims=True),
        jg.reduce_logsumexp(t),
    )
    assert (rows.shape.as_list(), kept.shape.as_list(), total.shape.as_list()) == ([None], [None, 1], [])
    r, k, a = run([rows, kept, total], {t: x})
    expected = np.asarray(jax.scipy.special.logsumexp(x, axis=1))
    assert_close(r, expected, rtol=1e-6)
    assert_close(k, expected[:, None], rtol=1e-6)
    assert_close(a, np.float32(jax.scipy.special.logsumexp(x)), rtol=1e-6)
    all_inf = run(jg.reduce_logsumexp(jg.constant([-np.inf, -np.inf])))
    assert all_inf == -np.inf


def test_count_nonzero():
    x = np.array([[0, 1, 2], [0, 0, 3]], np.int32)
    assert_close(run(jg.count_nonzero(x)), np.int32(3))
    assert_close(run(jg.count_nonzero(x, axis=0, keepdims=True)), np.int32([[0, 1, 2]]))
    assert_close(run(jg.count_nonzero(jg.constant([True, False]), dtype=jg.float32)), np.float32(1))


@pytest.mark.parametrize(
    "equation, shapes",
    [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
     ("i,i->", [(3,), (3,)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)])],
)  # fmt: skip
def test_einsum_matches_numpy(equation, shapes):
    values = [_normal(*s) for s in shapes]
    assert_close(run(jg.einsum(equation, *values)), np.einsum(equation, *values), rtol=1e-5, atol=1e-5)


def test_tensordot_matches_numpy():
    a, b = _normal(2, 3, 4), _normal(4, 3, 5)
    for axes in (1, [[1, 2], [1, 0]], [2, 0]):
        np_axes = axes if isinstance(axes, int) else tuple(axes)
        assert_close(run(jg.tensordot(a, b, axes)), np.tensordot(a, b, np_axes), rtol=1e-5, atol=1e-5)


def test_matrix_helpers_match_numpy():
    m = _normal(2, 3, 3)
    assert_close(run(jg.eye(2, 3)), np.eye(2, 3, dtype=np.float32))
    assert_close(
        run(jg.eye(2, batch_shape=[3], dtype=jg.int32)), np.broadcast_to(np.eye(2, dtype=np.int32), (3, 2, 2))
    )
    assert_close(run(jg.diag([1.0, 2.0])), np.diag([1.0, 2.0]).astype(np.float32))
    assert_close(run(jg.diag_part(m[0])), np.diag(m[0]))
    assert_close(run(jg.matrix_diag(m[:, 0])), np.stack([np.diag(r) for r in m[:, 0]]))
    assert_close(run(jg.matrix_diag_part(m[:, :2])), np.stack([np.diag(r) for r in m[:, :2]]))
    assert_close(
        run(jg.matrix_set_diag(m, m[:, 0])),
        m - np.stack([np.diag(np.diag(r)) for r in m]) + run(jg.matrix_diag(m[:, 0])),
    )
    assert_close(run(jg.trace(m)), np.trace(m, axis1=1, axis2=2), rtol=1e-5)
    assert_close(run(jg.matrix_band_part(m, -1, 0)), np.tril(m))
    assert_close(run(jg.matrix_band_part(m, 0, 1)), np.triu(np.tril(m, 1)))
    assert_close(run(jg.matrix_transpose(m)), np.swapaxes(m, 1, 2))


def test_placeholder_with_default_runs_its_default_or_the_feed():
    default = jg.placeholder_with_default(jg.constant([[1.0, 2.0]]), (None, 2), name="flag")
    doubled = default * 2
    assert default.shape.as_list() == [None, 2] and default.name == "flag:0"
    with jg.Session() as sess:
        assert_close(sess.run(doubled), np.float32([[2, 4]]))
        assert_close(
            sess.run(doubled, {default: np.ones((3, 2), np.float32)}), np.full((3, 2), 2, np.float32)
        )
    keep = jg.placeholder_with_default(1.0, ())
    assert_close(run(keep), np.float32(1))


def test_array_ops_match_numpy():
    x = _normal(2, 3, 4)
    t = jg.placeholder(jg.float32, (None, 3, 4))
    rev, gathered = run([jg.reverse(t, [0, -1]), jg.gather_nd(t, [[1, 2], [0, 0]])], {t: x})
    assert_close(rev, x[::-1, :, ::-1])
    assert_close(gathered, np.stack([x[1, 2], x[0, 0]]))
    assert_close(run(jg.reverse_v2(jg.lin_space(0.0, 1.0, 3), [0])), np.float32([1, 0.5, 0]))
    assert_close(run(jg.scatter_nd([[1], [3], [1]], [1.0, 2.0, 3.0], [5])), np.float32([0, 4, 0, 2, 0]))
    assert_close(
        run(jg.tensor_scatter_nd_add(jg.ones((2, 2)), [[0, 1]], [5.0])), np.float32([[1, 6], [1, 1]])
    )
    assert_close(run(jg.linspace(1.0, 2.0, 5)), np.linspace(1, 2, 5, dtype=np.float32))
    assert_close(run(jg.linspace(jg.constant(0.0), 3, 4)), np.float32([0, 1, 2, 3]))
    assert_close(run(jg.linspace(2.0, 3.0, 1)), np.float32([2]))


def test_sequence_mask():
    lengths = jg.placeholder(jg.int32, (None,))
    mask = jg.sequence_mask(lengths, 4)
    assert mask.dtype == jg.bool and mask.shape.as_list() == [None, 4]
    np.testing.assert_array_equal(run(mask, {lengths: [0, 2, 4]}), np.arange(4) < np.array([[0], [2], [4]]))
    assert_close(run(jg.sequence_mask([[1], [3]], dtype=jg.float32)), np.float32([[[1, 0, 0]], [[1, 1, 1]]]))


def test_segment_sums():
    data = _normal(5, 2)
    ids = np.array([0, 0, 2, 2, 2], np.int32)
    expected = np.stack([data[:2].sum(0), np.zeros(2, np.float32), data[2:].sum(0)])
    assert_close(run(jg.segment_sum(data, ids)), expected, rtol=1e-6)
    assert_close(run(jg.unsorted_segment_sum(data, [2, 0, -1, 2, 7], 3)),
                 np.stack([data[1], np.zeros(2, np.float32), data[0] + data[3]]), rtol=1e-6)  # fmt: skip


def test_nn_functions_match_numpy():
    x = _normal(3, 4) * 3
    t = jg.constant(x)
    z = RNG.uniform(0, 1, size=(3, 4)).astype(np.float32)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    out = run({
        "selu": jg.nn.selu(t), "softsign": jg.nn.softsign(t), "swish": jg.nn.swish(t, beta=2.0),
        "crelu": jg.nn.crelu(t), "l2": jg.nn.l2_normalize(t, axis=1), "zero": jg.nn.zero_fraction(jg.nn.relu(t)),
        "wce": jg.nn.weighted_cross_entropy_with_logits(labels=z, logits=t, pos_weight=3.0),
        "poisson": jg.nn.log_poisson_loss(z * 4, t, compute_full_loss=True),
    })  # fmt: skip
    x64, z64 = x.astype(np.float64), z.astype(np.float64)
    sigmoid = 1 / (1 + np.exp(-x64))
    assert_close(out["selu"], np.float32(scale * np.where(x64 > 0, x64, alpha * np.expm1(x64))), rtol=1e-5)
    assert_close(out["softsign"], np.float32(x64 / (1 + np.abs(x64))), rtol=1e-6)
    assert_close(out["swish"], np.float32(x64 / (1 + np.exp(-2 * x64))), rtol=1e-5, atol=1e-6)
    assert_close(out["crelu"], np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], 1))
    assert_close(out["l2"], np.float32(x64 / np.linalg.norm(x64, axis=1, keepdims=True)), rtol=1e-5)
    assert_close(out["zero"], np.float32(np.mean(x <= 0)))
    wce = -(3 * z64 * np.log(sigmoid) + (1 - z64) * np.log(1 - sigmoid))
    assert_close(out["wce"], np.float32(wce), rtol=1e-4, atol=1e-5)
    targets = z64 * 4
    stirling = targets * np.log(targets) - targets + 0.5 * np.log(2 * np.pi * targets)
    poisson = np.exp(x64) - targets * x64 + np.where(targets > 1, stirling, 0)
    assert_close(out["poisson"], np.float32(poisson), rtol=1e-5, atol=1e-5)


def test_moments_batch_normalization_and_dense_layers():
    x, w, b = _normal(4, 3), _normal(3, 2), _normal(2)
    mean, variance = jg.nn.moments(jg.constant(x), axes=[0])
    assert mean.name.startswith("moments/") and mean.shape.as_list() == [3]
    kept = jg.nn.moments(jg.constant(x), axes=[0, 1], keep_dims=True)
    normed = jg.nn.batch_normalization(x, mean, variance, offset=1.0, scale=2.0, variance_epsilon=1e-3)
    out = run([mean, variance, kept, normed, jg.nn.xw_plus_b(x, w, b), jg.nn.relu_layer(x, w, b)])
    assert_close(out[0], x.mean(0), rtol=1e-5, atol=1e-6)
    assert_close(out[1], x.var(0), rtol=1e-5, atol=1e-6)
    assert_close(out[2][1], np.float32([[x.var()]]), rtol=1e-5)
    assert_close(out[3], np.float32((x - x.mean(0)) * 2 / np.sqrt(x.var(0) + 1e-3) + 1), rtol=1e-4, atol=1e-5)
    assert_close(out[4], x @ w + b, rtol=1e-5, atol=1e-6)
    assert_close(out[5], np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("time_major", [False, True])
def test_bidirectional_dynamic_rnn_matches_the_static_one(time_major):
    x = jg.placeholder(jg.float32, (None, 4, 3))
    lengths = jg.placeholder(jg.int32, (None,))
    fw, bw = jg.nn.rnn_cell.GRUCell(5), jg.nn.rnn_cell.BasicLSTMCell(2)
    steps = jg.unstack(x, axis=1)
    outputs, state_fw, state_bw = jg.nn.static_bidirectional_rnn(fw, bw, steps, dtype=jg.float32,
                                                                 sequence_length=lengths, scope="bi")  # fmt: skip
    inputs = jg.transpose(x, (1, 0, 2)) if time_major else x
    with jg.variable_scope(jg.get_variable_scope(), reuse=True):
        (out_fw, out_bw), (dyn_fw, dyn_bw) = jg.nn.bidirectional_dynamic_rnn(
            fw, bw, inputs, lengths, dtype=jg.float32, time_major=time_major, scope="bi"
        )
    assert len(jg.global_variables()) == 6  # shared: bi/fw/gru_cell/..., bi/bw/basic_lstm_cell/...
    dynamic = jg.concat([out_fw, out_bw], 2)
    if time_major:
        dynamic = jg.transpose(dynamic, (1, 0, 2))
    feed = {x: _normal(2, 4, 3), lengths: [4, 2]}
    expected, got, states = run([jg.stack(outputs, 1), dynamic, [state_fw, dyn_fw, state_bw, dyn_bw]], feed)
    assert_close(got, expected, rtol=1e-5, atol=1e-6)
    assert_close(states[1], states[0], rtol=1e-5, atol=1e-6)
    assert_close(states[3].h, states[2].h, rtol=1e-5, atol=1e-6)


# ---- errors ------------------------------------------------------------------------------------
def test_errors():
    lengths = jg.placeholder(jg.int32, (None,))
    _check_error(lambda: jg.sequence_mask(lengths),
                 "sequence_mask without maxlen has a data-dependent shape, which XLA cannot compile: pass maxlen")  # fmt: skip
    _check_error(lambda: jg.segment_sum(jg.ones((2,)), lengths),
                 "segment_sum's output size depends on the values of segment_ids, which XLA cannot compile: "
                 "pass constant segment_ids, or use unsorted_segment_sum(data, segment_ids, num_segments)")  # fmt: skip
    _check_error(lambda: jg.segment_sum(jg.ones((2,)), [1, 0]), "segment ids are not increasing")
    _check_error(lambda: jg.einsum("ij...,jk->ik", jg.ones((2, 2)), jg.ones((2, 2))),
                 "einsum: ellipsis ('...') is not supported, in 'ij...,jk->ik'")  # fmt: skip
    _check_error(
        lambda: jg.einsum("ij,jk->ik", jg.ones((2, 2))),
        "einsum: equation 'ij,jk->ik' does not fit 1 operand(s)",
    )
    _check_error(lambda: jg.einsum("ij,jk->ik", jg.ones((2, 3)), jg.ones((2, 2)), name="e"),
                 "einsum: index 'j' has sizes 3 and 2 in 'ij,jk->ik'", "e", "einsum")  # fmt: skip
    _check_error(lambda: jg.gradients(jg.einsum("ii->", jg.ones((2, 2))), jg.get_default_graph().operations[-2].outputs[0]),
                 "einsum: no gradient for 'ii', an operand with a repeated index")  # fmt: skip
    _check_error(lambda: jg.placeholder_with_default(jg.ones((2, 3)), (None, 4), name="p"),
                 "placeholder_with_default: shape [?,4] does not fit the default f32[2,3]", "p",
                 "placeholder_with_default")  # fmt: skip
    _check_error(lambda: jg.matrix_band_part(jg.placeholder(jg.float32, (None, None)), 1, 1),
                 "matrix_band_part needs static matrix dimensions, got f32[?,?]")  # fmt: skip
    _check_error(
        lambda: jg.atan2(jg.constant([1]), jg.constant([2])),
        "atan2 expects floating-point tensors, got i32[1]",
    )
    _check_error(lambda: jg.is_nan(jg.constant([1]), name="n"), "is_nan expects a floating-point tensor, got i32[1]",
                 "n", "is_nan")  # fmt: skip
    _check_error(lambda: jg.gather_nd(jg.ones((2,)), jg.constant([[0.5]]), name="g"),
                 "gather_nd expects integer indices, got f32[1,1]", "g", "gather_nd")  # fmt: skip
    _check_error(lambda: jg.unsorted_segment_sum(jg.ones((3,)), jg.constant([0, 1]), 2, name="u"),
                 "unsorted_segment_sum: segment_ids i32[2] must be a prefix of data f32[3]", "u",
                 "unsorted_segment_sum")  # fmt: skip
    _check_error(
        lambda: jg.scalar_mul(jg.constant([1.0, 2.0]), 3.0), "Only scalar multiply works, got shape [2]"
    )


def test_math_namespace_and_its_compositions():
    x = np.array([[0.0, 2.0, np.inf], [1.0, 0.0, 4.0]], np.float32)
    y = np.array([[0.0, 0.5, 0.0], [2.0, 3.0, np.e]], np.float32)
    out = run([jg.math.multiply_no_nan(x, y), jg.math.xlogy(y, x), jg.math.xdivy(y, x),
               jg.math.reciprocal_no_nan(y), jg.math.divide_no_nan(y, x)])  # fmt: skip
    with np.errstate(all="ignore"):
        assert_close(out[0], np.where(y == 0, 0, x * y).astype(np.float32))
        assert_close(out[1], np.where(y == 0, 0, y * np.log(x)).astype(np.float32))
        assert_close(out[2], np.where(y == 0, 0, y / x).astype(np.float32))
        assert_close(out[3], np.where(y == 0, 0, 1 / y).astype(np.float32))
        assert_close(out[4], np.where(x == 0, 0, y / x).astype(np.float32))
    v = _normal(3, 4)
    stats = run(
        [
            jg.math.reduce_variance(v, 1),
            jg.math.reduce_std(v, keepdims=True),
            jg.math.reduce_euclidean_norm(v, 0),
        ]
    )
    assert_close(stats[0], v.var(1), rtol=1e-5)
    assert_close(stats[1], np.float32([[v.std()]]), rtol=1e-5)
    assert_close(stats[2], np.linalg.norm(v, axis=0), rtol=1e-5)
    data = _normal(4, 2)
    means = run([jg.math.unsorted_segment_mean(data, [1, 1, 0, 1], 3), jg.math.unsorted_segment_sqrt_n(data, [1, 1, 0, 1], 3),
                 jg.math.segment_mean(data, [0, 0, 1, 1])])  # fmt: skip
    assert_close(means[0], np.stack([data[2], data[[0, 1, 3]].mean(0), np.zeros(2, np.float32)]), rtol=1e-5)
    assert_close(
        means[1],
        np.stack([data[2], data[[0, 1, 3]].sum(0) / np.float32(np.sqrt(3)), np.zeros(2, np.float32)]),
        rtol=1e-5,
    )
    assert_close(means[2], np.stack([data[:2].mean(0), data[2:].mean(0)]), rtol=1e-5)
    assert {"log", "reduce_logsumexp", "divide_no_nan"} <= set(jg.math.__all__)
