"""The nn ops (``jg.nn``): values against jax.nn / NumPy, unknown batch dims, low precision,
stability with huge logits, gradients against ``jax.vjp``, and the exact errors."""

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


def _normal(*shape, scale=1.0):
    return (RNG.normal(size=shape) * scale).astype(np.float32)


def _distribution(*shape, axis=-1):
    return np.asarray(jax.nn.softmax(_normal(*shape), axis=axis))


def _sigmoid_xent_reference(labels, logits):
    x, z = np.float64(logits), np.float64(labels)
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))).astype(np.float32)


def _sparse_xent_reference(labels, logits):
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), labels[..., None], axis=-1)[..., 0]


def _check_error(build, message, op_name, op_type):
    """``build()`` (a one-line lambda) raises ``message`` naming the op and the lambda's line."""
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    line = build.__code__.co_firstlineno
    assert info.value.message == message
    assert str(info.value) == f"{message}\n  op '{op_name}' ({op_type}) defined at {__file__}:{line}"


# ---- values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_softmax_and_log_softmax_match_jax_on_every_axis(shape):
    x = _normal(*shape, scale=3.0)
    t = jg.placeholder(jg.float32, shape)
    axes = range(-len(shape), len(shape))
    fetches = {a: (jg.nn.softmax(t, axis=a), jg.nn.log_softmax(t, axis=a)) for a in axes}
    out = run(fetches, {t: x})
    for a in axes:
        assert_close(out[a][0], np.asarray(jax.nn.softmax(x, axis=a)))
        assert_close(out[a][1], np.asarray(jax.nn.log_softmax(x, axis=a)), atol=1e-5)


def test_softmax_default_axis_and_dim_alias():
    t = jg.constant(_normal(2, 3))
    assert jg.nn.softmax(t).op.attrs["axis"] == -1
    assert jg.nn.log_softmax(t, dim=0).op.attrs["axis"] == 0
    assert jg.nn.softmax(t, name="probs").name == "probs:0"
    for axis in (0, 1):  # TF1 refuses both spellings even when they agree
        with pytest.raises(
            errors.InvalidArgumentError, match=re.escape("Cannot specify both 'axis' and 'dim'")
        ):
            jg.nn.softmax(t, axis=axis, dim=1)


def test_cross_entropy_losses_match_references():
    logits, dense, sparse = (
        _normal(4, 5, scale=2.0),
        _distribution(4, 5),
        RNG.integers(0, 5, (4,)).astype(np.int32),
    )
    binary = RNG.uniform(size=(4, 5)).astype(np.float32)
    out = run(
        {
            "v1": jg.nn.softmax_cross_entropy_with_logits(labels=dense, logits=logits),
            "v2": jg.nn.softmax_cross_entropy_with_logits_v2(labels=dense, logits=logits),
            "axis0": jg.nn.softmax_cross_entropy_with_logits_v2(labels=dense.T, logits=logits.T, axis=0),
            "sparse": jg.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=logits),
            "sigmoid": jg.nn.sigmoid_cross_entropy_with_logits(labels=binary, logits=logits),
        }
    )
    dense_ref = -np.sum(dense * np.asarray(jax.nn.log_softmax(logits)), axis=-1)
    for key in ("v1", "v2", "axis0"):
        assert_close(out[key], dense_ref, rtol=1e-5, atol=1e-5)
    assert_close(out["sparse"], _sparse_xent_reference(sparse, logits), rtol=1e-5, atol=1e-5)
    assert_close(out["sigmoid"], _sigmoid_xent_reference(binary, logits), rtol=1e-5, atol=1e-6)


def test_unknown_batch_dimension_flows_through_every_op():
    batch = 3
    x_val, y_val = _normal(batch, 6), _distribution(batch, 6)
    ids_val = np.array([0, 5, 2], np.int32)
    x = jg.placeholder(jg.float32, (None, 6))
    y = jg.placeholder(jg.float32, (None, 6))
    ids = jg.placeholder(jg.int32, (None,))
    bias = np.arange(6, dtype=np.float32)
    fetches = {
        "softmax": jg.nn.softmax(x),
        "log_softmax": jg.nn.log_softmax(x, axis=0),
        "xent": jg.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
        "sparse": jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=x),
        "sigmoid": jg.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
        "bias_add": jg.nn.bias_add(x, bias),
        "l2": jg.nn.l2_loss(x),
    }
    shapes = {k: v.shape.as_list() for k, v in fetches.items()}
    assert shapes == {
        "softmax": [None, 6], "log_softmax": [None, 6], "xent": [None], "sparse": [None],
        "sigmoid": [None, 6], "bias_add": [None, 6], "l2": [],
    }  # fmt: skip
    out = run(fetches, {x: x_val, y: y_val, ids: ids_val})
    assert_close(out["softmax"], np.asarray(jax.nn.softmax(x_val)))
    assert_close(out["log_softmax"], np.asarray(jax.nn.log_softmax(x_val, axis=0)), atol=1e-5)
    assert_close(out["xent"], -np.sum(y_val * np.asarray(jax.nn.log_softmax(x_val)), -1), atol=1e-5)
    assert_close(out["sparse"], _sparse_xent_reference(ids_val, x_val), atol=1e-5)
    assert_close(out["sigmoid"], _sigmoid_xent_reference(y_val, x_val), atol=1e-6)
    assert_close(out["bias_add"], x_val + bias)
    assert_close(out["l2"], np.float32(np.sum(x_val.astype(np.float64) ** 2) / 2), rtol=1e-5)


def test_labels_with_unknown_dims_take_the_logits_known_dims():
    labels = jg.placeholder(jg.float32, (None, None))
    logits = jg.placeholder(jg.float32, (4, 3))
    ids = jg.placeholder(jg.int32, (None,))
    assert jg.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits).shape.as_list() == [4]
    assert jg.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits).shape.as_list() == [4, 3]
    assert jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits).shape.as_list() == [4]


@pytest.mark.parametrize("dtype, tol", [(jg.float16, 2e-3), (jg.bfloat16, 1e-2)])
def test_low_precision_softmax_and_losses_keep_their_dtype(dtype, tol):
    x = _normal(3, 7, scale=4.0)
    ids = np.array([1, 6, 0], np.int32)
    t = jg.cast(jg.constant(x), dtype)
    fetches = [
        jg.nn.softmax(t),
        jg.nn.log_softmax(t),
        jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=t),
    ]
    assert [f.dtype for f in fetches] == [dtype] * 3
    out = run(fetches)
    rounded = x.astype(dtype.np).astype(np.float32)
    refs = [jax.nn.softmax(rounded), jax.nn.log_softmax(rounded), _sparse_xent_reference(ids, rounded)]
    for value, ref in zip(out, refs, strict=True):
        assert value.dtype == dtype.np
        np.testing.assert_allclose(np.float32(value), np.asarray(ref), rtol=tol, atol=tol)


def test_huge_logits_stay_finite_and_exact():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4 + 1.0]], np.float32)
    labels = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], np.float32)
    ids = np.array([1, 2], np.int32)
    out = run(
        [
            jg.nn.softmax(logits),
            jg.nn.log_softmax(logits),
            jg.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits),
            jg.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits),
        ]
    )
    for value in out:
        assert np.all(np.isfinite(value))
    e = 1 / (1 + 2 * np.exp(-1.0))  # probability of the largest of [x, x, x + 1]
    assert_close(out[0], np.array([[1, 0, 0], [(1 - e) / 2, (1 - e) / 2, e]], np.float32))
    log_e = -np.log1p(2 * np.exp(-1.0))
    expected_log = np.array([[0, -2e4, -1e4], [log_e - 1, log_e - 1, log_e]], np.float32)
    assert_close(out[1], expected_log, rtol=1e-6, atol=1e-5)
    assert_close(out[2], np.array([2e4, 0.5 * (1 - log_e) - 0.5 * log_e], np.float32), rtol=1e-6)
    assert_close(out[3], np.array([2e4, -log_e], np.float32), rtol=1e-6, atol=1e-6)
    assert_close(out[4], _sigmoid_xent_reference(labels, logits), rtol=1e-6)


def test_sparse_labels_out_of_range_give_nan_when_unchecked():
    logits = _normal(3, 4)
    ids = np.array([-1, 4, 2], np.int32)
    t = jg.constant(logits)
    previous = jg.debugging.set_runtime_checks(False)
    try:
        loss = jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=t)
    finally:
        jg.debugging.set_runtime_checks(previous)
    assert not [op for op in jg.get_default_graph().operations if op.type == "check_indices"]
    (grad,) = jg.gradients(loss, [t])
    loss_val, grad_val = run([loss, grad])
    assert np.isnan(loss_val[:2]).all() and np.isnan(grad_val[:2]).all()
    assert_close(loss_val[2], _sparse_xent_reference(ids[2:], logits[2:])[0], atol=1e-6)


def test_bias_add_l2_loss_and_activations_match_jax():
    x = _normal(2, 3, 4, scale=4.0)
    bias = _normal(4)
    t = jg.constant(x)
    out = run(
        {
            "bias_add": jg.nn.bias_add(t, bias, data_format="NHWC"),
            "l2": jg.nn.l2_loss(t),
            "relu6": jg.nn.relu6(t),
            "leaky": jg.nn.leaky_relu(t, alpha=0.1),
            "elu": jg.nn.elu(t),
            "relu": jg.nn.relu(t),
            "softplus": jg.nn.softplus(t),
            "sigmoid": jg.nn.sigmoid(t),
            "tanh": jg.nn.tanh(t),
        }
    )
    assert_close(out["bias_add"], x + bias)
    assert_close(out["l2"], np.float32(np.sum(np.float64(x) ** 2) / 2), rtol=1e-6)
    assert_close(out["relu6"], np.asarray(jax.nn.relu6(x)))
    assert_close(out["leaky"], np.asarray(jax.nn.leaky_relu(x, 0.1)))
    assert_close(out["elu"], np.asarray(jax.nn.elu(x)))
    assert_close(out["relu"], np.maximum(x, 0))
    assert_close(out["softplus"], np.asarray(jax.nn.softplus(x)))
    assert_close(out["sigmoid"], np.asarray(jax.nn.sigmoid(x)))
    assert_close(out["tanh"], np.tanh(x), rtol=1e-5)


def test_dropout_semantics_and_shapes():
    x = jg.placeholder(jg.float32, (None, 8))
    keep = jg.placeholder(jg.float32, ())
    x_val = np.ones((500, 8), np.float32)
    rows = jg.nn.dropout(x, 0.5, noise_shape=(None, 1), seed=1)
    feed_keep = jg.nn.dropout(x, keep, seed=2)
    by_rate = jg.nn.dropout(x, rate=0.75, seed=3)
    assert jg.nn.dropout(x, keep_prob=1.0) is x
    assert [t.shape.as_list() for t in (rows, feed_keep, by_rate)] == [[None, 8]] * 3
    assert rows.name.startswith("dropout/")
    rows_val, keep_val, rate_val = run([rows, feed_keep, by_rate], {x: x_val, keep: 0.25})
    assert set(np.unique(rows_val)) == {0.0, 2.0}
    assert (rows_val == rows_val[:, :1]).all()  # one draw per row
    assert set(np.unique(keep_val)) == {0.0, 4.0} and set(np.unique(rate_val)) == {0.0, 4.0}
    assert 0.2 < np.mean(keep_val > 0) < 0.3 and 0.2 < np.mean(rate_val > 0) < 0.3
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("dropout: keep_prob must be a scalar, got f32[2]")
    ):
        jg.nn.dropout(x, jg.zeros((2,)))


def test_embedding_lookup_gathers_rows_of_tensors_and_variables():
    table = _normal(6, 3)
    ids_val = np.array([[0, 5, 2], [5, 5, 1]], np.int32)
    ids = jg.placeholder(jg.int32, (None, 3))
    weights = jg.Variable(table, name="embeddings")
    rows = jg.nn.embedding_lookup(weights, ids)
    from_list = jg.nn.embedding_lookup([jg.constant(table)], ids, name="lookup")
    assert rows.shape.as_list() == [None, 3, 3] and rows.op.type == "gather"
    assert rows.op.name == "embedding_lookup" and from_list.op.name == "lookup"
    (grad,) = jg.gradients(rows, [weights], grad_ys=np.ones((2, 3, 3), np.float32))
    rows_val, list_val, grad_val = run([rows, from_list, grad], {ids: ids_val})
    assert_close(rows_val, table[ids_val])
    assert_close(list_val, table[ids_val])
    counts = np.bincount(ids_val.ravel(), minlength=6).astype(np.float32)
    assert_close(grad_val, np.repeat(counts[:, None], 3, axis=1))  # repeated ids add up


def test_embedding_lookup_rejects_shards_and_max_norm():
    table = jg.zeros((4, 2))
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.embedding_lookup([table, table], [0])
    assert info.value.message == "embedding_lookup supports one params tensor, not a list of 2 shards"
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.embedding_lookup(table, [0], max_norm=1.0)
    assert info.value.message == "embedding_lookup does not support max_norm"


# ---- gradients ---------------------------------------------------------------------------------
def _check_grads(build, reference, inputs, wrt):
    """``jg.gradients`` of ``build`` weighted by a random cotangent against ``jax.vjp``.

    ``wrt`` says which floating-point inputs get a gradient; the others must get None.
    """
    tensors = [jg.placeholder(jg.as_dtype(v.dtype), (None,) + v.shape[1:]) for v in inputs]
    y = build(*tensors)
    cotangent = _normal(*np.shape(reference(*inputs)))
    floats = [i for i, v in enumerate(inputs) if v.dtype.kind == "f"]
    grads = jg.gradients(y, [tensors[i] for i in floats], grad_ys=cotangent)
    assert [g is not None for g in grads] == wrt
    values = run([g for g in grads if g is not None], dict(zip(tensors, inputs, strict=True)))
    differentiated = [i for i, w in zip(floats, wrt, strict=True) if w]

    def partial(*args):
        full = list(inputs)
        for i, a in zip(differentiated, args, strict=True):
            full[i] = a
        return reference(*full)

    _, vjp = jax.vjp(partial, *(inputs[i] for i in differentiated))
    for value, expected in zip(values, vjp(cotangent), strict=True):
        assert_close(value, np.asarray(expected), rtol=1e-4, atol=1e-5)


def _dense_xent(labels, logits, axis=-1):
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)


GRADIENT_CASES = [
    (
        "softmax",
        lambda x: jg.nn.softmax(x, axis=0),
        lambda x: jax.nn.softmax(x, axis=0),
        [_normal(3, 4)],
        [True],
    ),
    ("log_softmax", jg.nn.log_softmax, jax.nn.log_softmax, [_normal(3, 4)], [True]),
    (
        "softmax_xent_v1",
        lambda y, x: jg.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
        _dense_xent,
        [_distribution(3, 4), _normal(3, 4)],
        [False, True],
    ),
    (
        "softmax_xent_v2_axis0",
        lambda y, x: jg.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x, axis=0),
        lambda y, x: _dense_xent(y, x, axis=0),
        [_distribution(3, 4, axis=0), _normal(3, 4)],
        [True, True],
    ),
    (
        "sparse_xent",
        lambda y, x: jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        lambda y, x: jax.nn.logsumexp(x, -1) - jnp.take_along_axis(x, y[:, None], -1)[:, 0],
        [np.array([2, 0, 3], np.int32), _normal(3, 4)],
        [True],
    ),
    (
        "sigmoid_xent",
        lambda y, x: jg.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
        lambda y, x: jnp.maximum(x, 0) - x * y + jnp.log1p(jnp.exp(-jnp.abs(x))),
        [RNG.uniform(size=(3, 4)).astype(np.float32), _normal(3, 4)],
        [True, True],
    ),
    ("bias_add", jg.nn.bias_add, lambda v, b: v + b, [_normal(2, 3, 4), _normal(4)], [True, True]),
    ("l2_loss", jg.nn.l2_loss, lambda t: jnp.sum(t * t) / 2, [_normal(3, 4)], [True]),
    ("elu", jg.nn.elu, jax.nn.elu, [np.array([[-2.0, -0.5, 0.5, 100.0]], np.float32)], [True]),
    ("relu6", jg.nn.relu6, jax.nn.relu6, [np.array([[-2.0, 0.5, 3.0, 7.0]], np.float32)], [True]),
    (
        "leaky_relu",
        jg.nn.leaky_relu,
        lambda x: jax.nn.leaky_relu(x, 0.2),
        [np.array([[-2.0, -0.5, 0.5]], np.float32)],
        [True],
    ),
]


@pytest.mark.parametrize(
    "name, build, reference, inputs, wrt", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES]
)
def test_gradients_match_jax_vjp(name, build, reference, inputs, wrt):
    _check_grads(build, reference, inputs, wrt)


def test_sparse_xent_second_derivative_matches_jax_hessian():
    logits, ids = _normal(2, 3), np.array([1, 2], np.int32)
    t = jg.constant(logits)
    (hessian,) = jg.hessians(
        jg.reduce_sum(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=t)), [t]
    )
    expected = jax.hessian(lambda x: jnp.sum(_sparse_xent_reference(ids, x)))(logits)
    assert_close(run(hessian), np.asarray(expected), rtol=1e-4, atol=1e-6)


# ---- errors ------------------------------------------------------------------------------------
def test_sparse_labels_must_be_integer_ids_of_the_batch_shape():
    logits = jg.placeholder(jg.float32, (None, 5), name="logits")
    name = "SparseSoftmaxCrossEntropyWithLogits"
    op_type = "sparse_softmax_cross_entropy_with_logits"
    floats = jg.placeholder(jg.float32, (4,))
    _check_error(
        lambda: jg.nn.sparse_softmax_cross_entropy_with_logits(labels=floats, logits=logits),
        f"{op_type} expects integer labels (class ids), got f32[4]",
        name,
        op_type,
    )
    matrix = jg.placeholder(jg.int32, (4, 5))
    _check_error(
        lambda: jg.nn.sparse_softmax_cross_entropy_with_logits(labels=matrix, logits=logits, name="loss"),
        f"{op_type}: labels i32[4,5] must have the shape of logits f32[?,5] without its last axis, [?]",
        "loss",
        op_type,
    )
    _check_error(
        lambda: jg.nn.sparse_softmax_cross_entropy_with_logits(labels=3, logits=2.0),
        f"{op_type} needs logits of rank >= 1, got f32[]",
        f"{name}_1",
        op_type,
    )


def test_dense_losses_check_dtypes_and_shapes():
    logits = jg.placeholder(jg.float32, (4, 3))
    softmax_xent, sigmoid_xent = "softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits"
    _check_error(
        lambda: jg.nn.softmax_cross_entropy_with_logits(labels=jg.zeros((4, 5)), logits=logits),
        f"{softmax_xent}: labels f32[4,5] and logits f32[4,3] must have the same shape",
        "SoftmaxCrossEntropyWithLogits",
        softmax_xent,
    )
    _check_error(
        lambda: jg.nn.sigmoid_cross_entropy_with_logits(labels=jg.zeros((4, 3), jg.float16), logits=logits),
        f"{sigmoid_xent}: labels (f16) and logits (f32) differ in dtype",
        "SigmoidCrossEntropyWithLogits",
        sigmoid_xent,
    )
    _check_error(
        lambda: jg.nn.softmax_cross_entropy_with_logits_v2(labels=[[1]], logits=[[2]]),
        f"{softmax_xent} expects a floating-point tensor, got i32[1,1]",
        "SoftmaxCrossEntropyWithLogits_1",
        softmax_xent,
    )
    _check_error(
        lambda: jg.nn.softmax(jg.zeros((2, 3)), axis=2),
        "axis 2 is out of range for a tensor of rank 2",
        "Softmax",
        "softmax",
    )


@pytest.mark.parametrize(
    "loss",
    [
        jg.nn.softmax_cross_entropy_with_logits,
        jg.nn.softmax_cross_entropy_with_logits_v2,
        jg.nn.sparse_softmax_cross_entropy_with_logits,
        jg.nn.sigmoid_cross_entropy_with_logits,
    ],
)
def test_losses_require_keyword_arguments(loss):
    name = loss.__name__
    message = f"Only call `{name}` with named arguments (labels=..., logits=..., ...)"
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(message)):
        loss([[0.0, 1.0]], [[1.0, 2.0]])
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape(f"`{name}` needs both labels and logits")
    ):
        loss(logits=[[1.0, 2.0]])


def test_bias_add_checks_shapes():
    value = jg.placeholder(jg.float32, (None, 3))
    _check_error(
        lambda: jg.nn.bias_add(value, [1.0, 2.0]),
        "bias_add: bias f32[2] does not match the last axis of value f32[?,3]",
        "BiasAdd",
        "bias_add",
    )
    _check_error(
        lambda: jg.nn.bias_add(value, [[1.0, 2.0, 3.0]]),
        "bias_add needs a bias of rank 1, got f32[1,3]",
        "BiasAdd_1",
        "bias_add",
    )
    _check_error(
        lambda: jg.nn.bias_add([1.0], [1.0]),
        "bias_add needs a value of rank >= 2, got f32[1]",
        "BiasAdd_2",
        "bias_add",
    )
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("bias_add supports channels-last data only, not 'NCHW'")
    ):
        jg.nn.bias_add(value, [1.0, 2.0, 3.0], data_format="NCHW")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "dropout needs exactly one of keep_prob and rate"),
        ({"keep_prob": 0.5, "rate": 0.5}, "dropout needs exactly one of keep_prob and rate"),
        ({"keep_prob": 0.0}, "keep_prob must be a scalar tensor or a float in the range (0, 1], got 0"),
        ({"keep_prob": 1.5}, "keep_prob must be a scalar tensor or a float in the range (0, 1], got 1.5"),
        ({"rate": 1.0}, "rate must be a scalar tensor or a float in the range [0, 1), got 1"),
        (
            {"rate": 0.5, "noise_shape": (2, 3)},
            "dropout: noise_shape [2, 3] does not broadcast to x's shape [?,4]",
        ),
        (
            {"rate": 0.5, "noise_shape": (4,)},
            "dropout: noise_shape [4] does not broadcast to x's shape [?,4]",
        ),
    ],
)
def test_dropout_rejects_bad_arguments(kwargs, message):
    x = jg.placeholder(jg.float32, (None, 4))
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.dropout(x, **kwargs)
    assert info.value.message == message


def test_dropout_rejects_integer_x():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.dropout(jg.zeros((2,), jg.int32), 0.5)
    assert info.value.message == (
        "x has to be a floating point tensor since it's going to be scaled. Got a int32 tensor instead."
    )
