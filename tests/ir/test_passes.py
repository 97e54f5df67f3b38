"""IR passes (``jaxgraph.ir.passes``): prune, algebraic simplification, constant folding, CSE,
the scan-twin merge and pruning of control-flow bodies — exact IR text, and unchanged values."""

from __future__ import annotations

import numpy as np

import jaxgraph as jg
from jaxgraph.ir.passes import optimize
from tests.helpers import assert_close


def _types(graph) -> list[str]:
    return [op.type for op in graph.operations]


def test_simplification_folding_cse_and_pruning_exact_text():
    x = jg.placeholder(jg.float32, (2, 3), name="x")
    unused = jg.exp(x, name="unused")  # pruned: not fetched
    y = jg.identity(-((-(x * 1.0 + 0.0)) ** 1.0))
    y = jg.transpose(jg.transpose(y))
    y = jg.reshape(jg.reshape(y, (3, 2)), (2, 3))
    scale = jg.constant(2.0) * 3.0  # folded to 6.0
    out = jg.tanh(y) * scale + jg.tanh(y)  # the two tanh merge
    optimized = optimize([out], [x])
    assert unused.op not in optimized.graph.operations
    text = str(optimized.graph).replace(__file__.rsplit("/", 1)[-1], "t.py")
    lines = [line.split("  #")[0].strip() for line in text.splitlines()[1:-1]]
    assert lines == [
        "%x = placeholder() {dtype=f32, shape=[2,3]} : f32[2,3]",
        "%Mul_1/folded = constant() {value=tensor<f32[]>[6.0], dtype=f32} : f32[]",
        "%Tanh = tanh(%x) : f32[2,3]",
        "%Mul_2 = mul(%Tanh, %Mul_1/folded) : f32[2,3]",
        "%Add_1 = add(%Mul_2, %Tanh) : f32[2,3]",
    ]
    xv = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    with jg.Session() as sess:
        assert_close(sess.run(out, {x: xv}), np.tanh(xv) * 7.0, rtol=1e-6)


def test_passes_keep_effects_and_random_draws():
    v = jg.Variable(1.0, name="v")
    a = jg.random_uniform((2,), seed=1)
    b = jg.random_uniform((2,), seed=1)  # same attrs, but a random draw: never merged
    step = v.assign_add(1.0)
    optimized = optimize([a, b, step], [])
    assert _types(optimized.graph).count("random_uniform") == 2
    assert "assign_add" in _types(optimized.graph)


def test_scan_gradient_runs_one_forward_loop_and_a_residual_only_backward_body():
    e = jg.placeholder(jg.float32, (6, 3), name="e")
    w = jg.placeholder(jg.float32, (3, 3), name="w")
    hs = jg.scan(lambda h, x: jg.tanh(jg.matmul(h[None], w)[0] + x), e, initializer=jg.zeros((3,)))
    loss = jg.reduce_sum(hs**2)
    (g,) = jg.gradients(loss, w)
    optimized = optimize([loss, g], [e, w])
    scans = [op for op in optimized.graph.operations if op.type == "scan"]
    assert [op.name for op in scans] == ["gradients/scan_grad/scan_twin", "gradients/scan_grad/scan_grad"]
    backward_body = scans[1].attrs["body"]
    assert "tanh" not in _types(backward_body)  # forward work is read from residuals
    assert _types(backward_body).count("matmul") == 2  # the two gradient matmuls only
