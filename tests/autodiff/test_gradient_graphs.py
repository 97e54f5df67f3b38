"""The shape of gradient graphs: un-broadcasting only where a broadcast can have happened (decided
from static types when the gradient is built), one op per activation gradient, second order
through those ops."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ops.math import broadcast_axes, relu_grad
from tests.helpers import assert_close

RNG = np.random.default_rng(3)


def _values(*shapes):
    return [RNG.normal(size=s).astype(np.float32) for s in shapes]


@pytest.mark.parametrize(
    "out, x, partners, expected",
    [
        ((None, 512), (None, 512), [(512,)], []),  # a dense layer's x @ w: the bias has no batch axis
        ((None, 512), (512,), [(None, 512)], [0]),  # ... and its bias: the leading axis
        ((3, 4), (3, 4), [(3, 4)], []),
        ((3, 4), (3, 1), [(1, 4)], [1]),
        ((2, 3, 4, 5), (4, 1), [(2, 3, 4, 5)], [0, 1, 3]),
        ((None, 4), (None, 4), [(None, 4)], None),  # either ? may be 1 at run time
        ((None, 5), (1, 5), [(None, 5)], None),
        ((None, 5), (None, 5), [(1, 5)], []),  # the partner is 1 there: x set that axis
        ((7, 5), (None, 5), [(7, 5)], None),
        ((1, 5), (None, 5), [(None, 5)], []),  # the result has 1 there, so x has 1 too
        ((), (), [()], []),
    ],
)
def test_broadcast_axes_from_static_shapes(out, x, partners, expected):
    assert broadcast_axes(out, x, partners) == expected


def test_dense_layer_gradients_have_no_run_time_unbroadcasting():
    x = jg.placeholder(jg.float32, (None, 6), name="x")
    w = jg.placeholder(jg.float32, (6, 5), name="w")
    b = jg.placeholder(jg.float32, (5,), name="b")
    loss = jg.reduce_sum(jg.tanh(jg.matmul(x, w) + b))
    dx, dw, db = jg.gradients(loss, [x, w, b])
    types = [op.type for op in jg.get_default_graph().operations if op.name.startswith("gradients/")]
    assert "sum_to_like" not in types
    assert types.count("tanh_grad") == 1
    assert dw.op.type == "matmul" and dx.op.type == "matmul"
    assert db.op.type == "reduce_sum" and db.op.attrs["axis"] == (0,) and not db.op.attrs["keepdims"]
    xv, wv, bv = _values((4, 6), (6, 5), (5,))
    with jg.Session() as sess:
        got = sess.run([dx, dw, db], {x: xv, w: wv, b: bv})
    expected = jax.grad(lambda x, w, b: jnp.sum(jnp.tanh(x @ w + b)), argnums=(0, 1, 2))(xv, wv, bv)
    for g, e in zip(got, expected):
        assert_close(g, np.asarray(e), rtol=1e-5, atol=1e-5)


def test_proved_broadcast_is_a_reduce_sum_and_a_reshape():
    a = jg.placeholder(jg.float32, (4, 1), name="a")
    b = jg.placeholder(jg.float32, (2, 3, 4, 5), name="b")
    da, db = jg.gradients(a * b, [a, b])
    assert da.op.type == "reshape" and da.shape.as_list() == [4, 1]
    total = da.op.inputs[0].op
    assert total.type == "reduce_sum" and total.attrs["axis"] == (0, 1, 3)
    assert db.op.type == "mul"
    av, bv = _values((4, 1), (2, 3, 4, 5))
    with jg.Session() as sess:
        got = sess.run(da, {a: av, b: bv})
    assert_close(got, bv.sum(axis=(0, 1, 3)).reshape(4, 1), rtol=1e-5, atol=1e-5)


def test_inner_broadcast_keeps_the_axis():
    a = jg.placeholder(jg.float32, (3, 1), name="a")
    b = jg.placeholder(jg.float32, (3, 4), name="b")
    (da,) = jg.gradients(a + b, [a])
    assert da.op.type == "reduce_sum" and da.op.attrs["axis"] == (1,) and da.op.attrs["keepdims"]


def test_unknown_dims_defer_to_run_time_and_catch_a_real_broadcast():
    a = jg.placeholder(jg.float32, (None, 4), name="a")
    b = jg.placeholder(jg.float32, (None, 4), name="b")
    y = (a + b) * jg.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    da, db = jg.gradients(y, [a, b])
    assert da.op.type == "sum_to_like" and db.op.type == "sum_to_like"
    av, bv = _values((1, 4), (3, 4))  # a's unknown dimension is 1 at run time: it broadcasts
    with jg.Session() as sess:
        got_a, got_b = sess.run([da, db], {a: av, b: bv})
    weights = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert_close(got_a, weights.sum(axis=0, keepdims=True))
    assert_close(got_b, weights)


def test_relu_gradient_is_one_op_and_second_order_goes_through_it():
    xv, wv = _values((5, 3), (3, 4))
    x = jg.constant(xv)
    w = jg.placeholder(jg.float32, (3, 4), name="w")
    y = jg.reduce_sum(jg.nn.relu(jg.matmul(x, w)) ** 3)
    (g,) = jg.gradients(y, w)
    relu_grads = [op for op in jg.get_default_graph().operations if op.type == "relu_grad"]
    assert [op.name for op in relu_grads] == ["gradients/Relu_grad/ReluGrad"]
    (h,) = jg.hessians(y, w)
    with jg.Session() as sess:
        got_g, got_h = sess.run([g, h], {w: wv})

    def f(w):
        return jnp.sum(jax.nn.relu(xv @ w) ** 3)

    assert_close(got_g, np.asarray(jax.grad(f)(wv)), rtol=1e-4, atol=1e-5)
    assert_close(got_h, np.asarray(jax.hessian(f)(wv)), rtol=1e-4, atol=1e-4)


def test_activation_gradient_op_rejects_mismatched_inputs():
    g = jg.placeholder(jg.float32, (3, 4), name="g")
    features = jg.placeholder(jg.float32, (3, 5), name="features")
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(errors.InvalidArgumentError) as info:
        relu_grad(g, features, name="bad")
    assert str(info.value) == (
        "relu_grad needs two tensors of one type, got f32[3,4] and f32[3,5]\n"
        f"  op 'bad' (relu_grad) defined at {__file__}:{line}"
    )
