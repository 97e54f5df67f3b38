"""``jg.gradients`` / ``jg.hessians``: API semantics, errors, second order, random DAGs."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close


def _line_of(marker: str) -> int:
    source, start = inspect.getsourcelines(inspect.currentframe().f_back.f_code)
    return start + next(i for i, line in enumerate(source) if marker in line)


def test_gradients_through_variables_and_fan_out():
    w = jg.Variable(np.array([1.0, 2.0, 3.0], np.float32), name="w")
    y = jg.reduce_sum(w * w) + jg.reduce_sum(jg.sin(w))  # w read once, used three times
    (dw,) = jg.gradients(y, w)
    with jg.Session() as sess:
        sess.run(w.initializer)
        got = sess.run(dw)
    wv = np.array([1.0, 2.0, 3.0], np.float32)
    assert_close(got, 2 * wv + np.cos(wv))


def test_gradient_ops_are_scoped_and_carry_forward_lines():
    x = jg.placeholder(jg.float32, (3,), name="x")
    with jg.name_scope("layer"):
        y = jg.tanh(x)  # forward-line
    line = _line_of("# forward-line")
    (dx,) = jg.gradients(y, x)
    assert dx.op.name.startswith("gradients/layer/Tanh_grad/")
    assert dx.op.location.line == line and dx.op.location.file == __file__


def test_unconnected_gradients_none_and_zero():
    x = jg.placeholder(jg.float32, (2,), name="x")
    z = jg.placeholder(jg.float32, (2, 2), name="z")
    y = jg.reduce_sum(x * 2.0)
    assert jg.gradients(y, [x, z])[1] is None
    dz = jg.gradients(y, [x, z], unconnected_gradients="zero")[1]
    with jg.Session() as sess:
        assert_close(
            sess.run(dz, {x: np.ones(2, np.float32), z: np.ones((2, 2), np.float32)}),
            np.zeros((2, 2), np.float32),
        )


def test_stop_gradient_and_stop_gradients():
    x = jg.placeholder(jg.float32, (), name="x")
    a = x * 3.0
    b = a * x
    y = jg.stop_gradient(a) * x + b
    (dx_stop_op,) = jg.gradients(y, x)
    (dx_stop_arg,) = jg.gradients(b, x, stop_gradients=[a])
    with jg.Session() as sess:
        out = sess.run([dx_stop_op, dx_stop_arg], {x: np.float32(2.0)})
    # y = 3x·x (constant first factor) + 3x²  ->  3x + 6x = 18 at x=2; b with a constant -> a = 6
    assert float(out[0]) == pytest.approx(18.0)
    assert float(out[1]) == pytest.approx(6.0)


def test_grad_ys_weights_each_output():
    x = jg.placeholder(jg.float32, (2,), name="x")
    (dx,) = jg.gradients([x * 2.0, x * x], x, grad_ys=[jg.constant([1.0, 0.0]), jg.constant([0.0, 1.0])])
    with jg.Session() as sess:
        assert_close(sess.run(dx, {x: np.array([5.0, 7.0], np.float32)}), np.array([2.0, 14.0], np.float32))


def test_integer_xs_raise():
    n = jg.placeholder(jg.int32, (), name="n")
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.gradients(n * 2, n)
    assert (
        info.value.message
        == "cannot differentiate with respect to 'n:0': its dtype int32 is not floating-point"
    )


def test_gradient_through_integer_tensor_raises_naming_it():
    x = jg.placeholder(jg.float32, (3,), name="x")
    k = jg.cast(x, jg.int32)  # int-line
    line = _line_of("# int-line")
    y = jg.reduce_sum(jg.cast(k, jg.float32))
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.gradients(y, x)
    assert info.value.message == (
        "no gradient reaches 'x:0': it would flow through 'Cast:0', a int32 tensor, and only "
        "floating-point tensors carry gradients"
    )
    assert f"op 'Cast' (cast) defined at {__file__}:{line}" in str(info.value)


def test_integer_side_path_is_ignored_like_tf1():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    n = jg.cast(jg.shape(x)[0], jg.float32)
    (dx,) = jg.gradients(jg.reduce_sum(x * 2.0) / n, x)
    with jg.Session() as sess:
        got = sess.run(dx, {x: np.ones((4, 3), np.float32)})
    assert_close(got, np.full((4, 3), 0.5, np.float32))


def test_non_differentiable_op_raises_naming_it():
    x = jg.placeholder(jg.float32, (3,), name="x")
    y = jg.floordiv(x, 2.0)  # floordiv-line
    line = _line_of("# floordiv-line")
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.gradients(jg.reduce_sum(y), x)
    assert info.value.message == (
        "no gradient reaches 'x:0': op type 'floordiv' has no gradient rule (wrap its inputs in "
        "jg.stop_gradient if that is intended)"
    )
    assert f"op 'FloorDiv' (floordiv) defined at {__file__}:{line}" in str(info.value)


def _mlp_loss(x, w1, w2):
    return jnp.sum(jnp.tanh(jnp.tanh(x @ w1) @ w2) ** 2)


def test_hessians_match_jax_hessian():
    rng = np.random.default_rng(1)
    wv = rng.normal(size=(3, 2)).astype(np.float32)
    xv = rng.normal(size=(4, 3)).astype(np.float32)
    w = jg.placeholder(jg.float32, (3, 2), name="w")
    x = jg.constant(xv)
    y = jg.reduce_sum(jg.sigmoid(jg.matmul(x, w)) ** 3)
    (h,) = jg.hessians(y, w)
    assert h.shape.as_list() == [3, 2, 3, 2]
    with jg.Session() as sess:
        got = sess.run(h, {w: wv})
    expected = jax.hessian(lambda w: jnp.sum(jax.nn.sigmoid(xv @ w) ** 3))(wv)
    assert_close(got, np.asarray(expected), rtol=1e-4, atol=1e-5)


def test_hessian_vector_product_is_a_gradient_of_a_gradient():
    rng = np.random.default_rng(2)
    xv, w1v, w2v, vv = (rng.normal(size=s).astype(np.float32) for s in [(5, 4), (4, 3), (3, 2), (4, 3)])
    x = jg.constant(xv)
    w1 = jg.placeholder(jg.float32, (4, 3), name="w1")
    w2 = jg.constant(w2v)
    loss = jg.reduce_sum(jg.tanh(jg.matmul(jg.tanh(jg.matmul(x, w1)), w2)) ** 2)
    (g,) = jg.gradients(loss, w1)
    (hvp,) = jg.gradients(jg.reduce_sum(g * jg.constant(vv)), w1)
    with jg.Session() as sess:
        got = sess.run(hvp, {w1: w1v})
    grad_fn = jax.grad(lambda w: _mlp_loss(xv, w, w2v))
    _, expected = jax.jvp(grad_fn, (w1v,), (vv,))
    assert_close(got, np.asarray(expected), rtol=1e-4, atol=1e-4)


# ---- property test: random DAGs of ops against jax.grad ---------------------------------------
UNARY = [(jg.tanh, jnp.tanh), (jg.sigmoid, jax.nn.sigmoid), (jg.sin, jnp.sin), (jg.square, jnp.square),
         (jg.softplus, jax.nn.softplus), (lambda t: jg.exp(t * 0.3), lambda a: jnp.exp(a * 0.3))]  # fmt: skip
BINARY = [(jg.add, jnp.add), (jg.sub, jnp.subtract), (jg.mul, jnp.multiply),
          (jg.maximum, jnp.maximum), (lambda a, b: a / (jg.square(b) + 1.0), lambda a, b: a / (b * b + 1.0))]  # fmt: skip


@st.composite
def dags(draw):
    steps = []
    for i in range(draw(st.integers(2, 7))):
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(UNARY) - 1)), draw(st.integers(0, i + 1))))
        else:
            steps.append(("b", draw(st.integers(0, len(BINARY) - 1)), draw(st.integers(0, i + 1)),
                          draw(st.integers(0, i + 1))))  # fmt: skip
    return steps


def _evaluate_dag(steps, a, b, unary, binary):
    nodes = [a, b]
    for step in steps:
        if step[0] == "u":
            nodes.append(unary[step[1]](nodes[step[2]]))
        else:
            nodes.append(binary[step[1]](nodes[step[2]], nodes[step[3]]))
    return nodes[-1]


@settings(max_examples=20, deadline=None)
@given(dags())
def test_random_dag_gradients_match_jax_grad(steps):
    rng = np.random.default_rng(len(steps))
    av, bv = rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(3,)).astype(np.float32)
    graph = jg.Graph()
    with graph.as_default():
        a = jg.placeholder(jg.float32, (2, 3), name="a")
        b = jg.placeholder(jg.float32, (3,), name="b")
        out = _evaluate_dag(steps, a, b, [u[0] for u in UNARY], [f[0] for f in BINARY])
        loss = jg.reduce_sum(out * jg.ones_like(out))
        grads = jg.gradients(loss, [a, b], unconnected_gradients="zero")
    with jg.Session(graph=graph) as sess:
        got = sess.run(grads, {a: av, b: bv})

    def reference(a, b):
        result = _evaluate_dag(steps, a, b, [u[1] for u in UNARY], [f[1] for f in BINARY])
        return jnp.sum(jnp.broadcast_to(result, jnp.broadcast_shapes(jnp.shape(result), ())))

    expected = jax.grad(reference, argnums=(0, 1))(av, bv)
    for g, e in zip(got, expected):
        assert_close(g, np.asarray(e), rtol=1e-4, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.booleans()), min_size=1, max_size=25))
def test_the_walk_along_the_path_finds_what_the_walk_over_the_graph_finds(wiring):
    """Without stop_gradients the gradient walks only the ops between the ys and the xs
    (``_path_from_xs``): on random graphs, with branches off the path that read the xs, it
    marks the same inputs of the path's ops as depending on the xs, and picks the same ops in
    the same order, as walking the whole graph after the first x (``_forward_reachable``)."""
    import importlib

    walk = importlib.import_module("jaxgraph.autodiff.gradients")
    with jg.Graph().as_default() as graph:
        a = jg.placeholder(jg.float32, (2,), name="a")
        xs = [jg.Variable(np.ones(2, np.float32), name=f"x{i}").value() for i in range(2)]
        tensors = [a, *xs]
        for i, j, multiply in wiring:  # each op reads two earlier tensors
            left, right = tensors[i % len(tensors)], tensors[j % len(tensors)]
            tensors.append(left * right if multiply else left + right)
        ys = [tensors[-1], tensors[len(tensors) // 2]]
        on_path = walk._backward_reachable(ys, set())
        reached, ops = walk._path_from_xs(graph, on_path, xs, set())
        everything = walk._forward_reachable(graph, xs)
        inputs = {t for op in on_path for t in op.inputs}
        assert reached & inputs == everything & inputs
        expected = sorted([op for op in on_path if walk._reads_any(op, everything)], key=lambda op: -op.index)
        assert ops == expected
