"""Constant folding (``jaxgraph.ir.passes.folding``): small all-constant ops become constants;
an op whose lowering fails is left for run time instead of raising from the optimiser."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import jaxgraph as jg
from jaxgraph.ir import REGISTRY
from jaxgraph.ir.passes import optimize
from jaxgraph.ir.passes.folding import FOLD_LIMIT


def _types(graph) -> list[str]:
    return [op.type for op in graph.operations]


def test_folded_value_is_the_lowering_s():
    y = jg.tanh(jg.constant([0.5, -1.0]))
    (op,) = optimize([y], [], verify_each=True).graph.operations
    assert (op.type, op.name) == ("constant", "Tanh/folded")
    with jax.default_device(jax.devices("cpu")[0]):  # folding computes on the CPU, whatever the backend
        expected = np.asarray(jnp.tanh(np.float32([0.5, -1.0])))
    np.testing.assert_array_equal(op.attrs["value"].array, expected)


def test_integer_power_with_a_negative_exponent_is_left_for_run_time():
    """Folding ``[2, 3] ** -1`` fails in JAX (integers cannot take negative powers): no raw
    error escapes the optimiser; the op stays, for run time to report against it."""
    graph = jg.get_default_graph()
    power = graph.create_op("pow", [jg.constant([2, 3]), jg.constant(-1)]).outputs[0]
    optimized = optimize([power], [], verify_each=True)
    assert _types(optimized.graph) == ["constant", "constant", "pow"]
    assert optimized.fetches[0].op.name == power.op.name


def test_an_op_whose_lowering_raises_is_not_folded(monkeypatch):
    def broken(x):
        raise TypeError("the lowering rule broke")

    monkeypatch.setitem(REGISTRY, "tanh", dataclasses.replace(REGISTRY["tanh"], lower=broken))
    y = jg.exp(jg.tanh(jg.constant(1.0)))
    optimized = optimize([y], [], verify_each=True)
    assert _types(optimized.graph) == ["constant", "tanh", "exp"]


def test_results_larger_than_the_limit_stay_computed():
    small = jg.fill([FOLD_LIMIT], 1.0) * 2.0
    large = jg.fill([FOLD_LIMIT + 1], 1.0) * 2.0
    optimized = optimize([small, large], [], verify_each=True)
    assert [op.name for op in optimized.graph.operations] == ["Const", "Mul/folded", "Fill_1", "Mul_1"]


def test_stateful_and_control_dependent_ops_are_not_folded():
    v = jg.Variable(1.0, name="v")
    noise = jg.random_uniform((2,), seed=1) * 2.0
    with jg.control_dependencies([v.initializer]):
        held = jg.constant(1.0) + 1.0
    optimized = optimize([noise, held], [], verify_each=True)
    assert "random_uniform" in _types(optimized.graph) and "mul" in _types(optimized.graph)
    assert optimized.fetches[1].op.type == "add"
