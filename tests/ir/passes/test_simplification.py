"""Algebraic simplification (``jaxgraph.ir.passes.simplification``): the rule table comes from
the ops' traits; each rule drops an op only when the type stays the same."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.ir import REGISTRY
from jaxgraph.ir.passes import optimize
from jaxgraph.ir.passes.simplification import IdentityRule, identity_rules


def test_the_identity_rule_table_comes_from_the_traits():
    table = identity_rules()
    assert {name: table[name] for name in ("add", "sub", "mul", "truediv", "pow")} == {
        "add": (IdentityRule("add", 1, 0, 0), IdentityRule("add", 0, 0, 1)),
        "sub": (IdentityRule("sub", 1, 0, 0),),
        "mul": (IdentityRule("mul", 1, 1, 0), IdentityRule("mul", 0, 1, 1)),
        "truediv": (IdentityRule("truediv", 1, 1, 0),),
        "pow": (IdentityRule("pow", 1, 1, 0),),
    }
    assert "maximum" not in table and "matmul" not in table


def test_a_trait_declared_on_an_op_is_a_rule(monkeypatch):
    """``maximum`` declares no identity element; declaring -inf (for this test) adds the rule
    ``maximum(x, -inf) -> x``, with no change to the pass."""
    x = jg.placeholder(jg.float32, (3,), name="x")
    y = jg.maximum(x, jg.fill([3], -np.inf))
    assert [op.type for op in optimize([y], [x]).graph.operations] == ["placeholder", "fill", "maximum"]
    monkeypatch.setitem(
        REGISTRY, "maximum", dataclasses.replace(REGISTRY["maximum"], identity_element=-np.inf)
    )
    assert [op.name for op in optimize([y], [x], verify_each=True).graph.operations] == ["x"]


X = (2, 3)
SIMPLIFIED = {  # what y becomes: the types of the ops left
    "x - 0": (lambda x: x - 0.0, ["placeholder"]),
    "0 - x stays": (lambda x: 0.0 - x, ["placeholder", "constant", "sub"]),
    "x / 1": (lambda x: x / 1.0, ["placeholder"]),
    "1 / x stays": (lambda x: 1.0 / x, ["placeholder", "constant", "truediv"]),
    "x ** 1": (lambda x: x**1.0, ["placeholder"]),
    "1 ** x stays": (lambda x: 1.0**x, ["placeholder", "constant", "pow"]),
    "1 * x": (lambda x: 1.0 * x, ["placeholder"]),
    "zeros + x": (lambda x: jg.zeros(X) + x, ["placeholder"]),
    "--x": (lambda x: jg.negative(jg.negative(x)), ["placeholder"]),
    "-x stays": (lambda x: -x, ["placeholder", "neg"]),
    "cast to its dtype": (lambda x: jg.cast(x, jg.float32), ["placeholder"]),
    "cast to another stays": (lambda x: jg.cast(x, jg.int32), ["placeholder", "cast"]),
    "reshape to its shape": (lambda x: jg.reshape(x, X), ["placeholder"]),
    "reshape of reshape": (lambda x: jg.reshape(jg.reshape(x, (3, 2)), (1, 6)), ["placeholder", "reshape"]),
    "negative-axis transposes": (lambda x: jg.transpose(jg.transpose(x, (-1, -2)), (1, 0)), ["placeholder"]),
    "one transpose stays": (lambda x: jg.transpose(x), ["placeholder", "transpose"]),
    "x + zeros of a larger type stays": (lambda x: x + jg.zeros((4, 2, 3)), ["placeholder", "fill", "add"]),
}


@pytest.mark.parametrize("build, left", SIMPLIFIED.values(), ids=SIMPLIFIED.keys())
def test_rule(build, left):
    x = jg.placeholder(jg.float32, X, name="x")
    y = build(x)
    optimized = optimize([y], [x], verify_each=True)
    assert [op.type for op in optimized.graph.operations] == left
    assert optimized.fetches[0].type == y.type


def test_reshape_of_reshape_reads_the_source_only_when_the_type_stays():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    same = jg.reshape(jg.reshape(x, (3, -1)), (-1,), name="same")  # x -> [?] directly, too
    typed = jg.reshape(jg.reshape(x, (6,)), (-1, 2), name="typed")  # x -> [?,2] directly: not [3,2]
    optimized = optimize([same, typed], [x], verify_each=True)
    same_op, typed_op = (t.op for t in optimized.fetches)
    assert [t.op.name for t in same_op.inputs] == ["x"]
    assert [t.op.type for t in typed_op.inputs] == ["reshape"]
    assert [t.type for t in optimized.fetches] == [same.type, typed.type]
