"""Common-subexpression elimination (``jaxgraph.ir.passes.subexpressions``)."""

from __future__ import annotations

import numpy as np

import jaxgraph as jg
from jaxgraph.ir.passes import optimize
from tests.helpers import assert_close


def test_commutative_ops_merge_whatever_their_operand_order():
    a = jg.placeholder(jg.float32, (3,), name="a")
    b = jg.placeholder(jg.float32, (3,), name="b")
    total = jg.add(a * b, b * a, name="total")  # mul is commutative: one product
    diff = jg.add(a - b, b - a, name="diff")  # sub is not: two differences
    optimized = optimize([total, diff], [a, b], verify_each=True)
    assert [op.name for op in optimized.graph.operations] == [
        "a",
        "b",
        "Mul",
        "total",
        "Sub",
        "Sub_1",
        "diff",
    ]
    av, bv = np.float32([1, 2, 3]), np.float32([4, 5, -6])
    with jg.Session() as sess:
        t, d = sess.run([total, diff], {a: av, b: bv})
    assert_close(t, 2 * av * bv)
    assert_close(d, np.zeros(3, np.float32))


def test_placeholders_random_draws_and_control_dependent_ops_stay_apart():
    a = jg.placeholder(jg.float32, (3,), name="a")
    b = jg.placeholder(jg.float32, (3,), name="b")  # same type, another value
    draws = [jg.random_uniform((3,), seed=1) for _ in range(2)]
    v = jg.Variable(jg.zeros((3,)), name="v")
    plain = jg.tanh(a)
    with jg.control_dependencies([v.initializer]):
        held = jg.tanh(a)
    optimized = optimize([a + b, *draws, plain, held], [a, b], verify_each=True)
    types = [op.type for op in optimized.graph.operations]
    assert types.count("placeholder") == 2 and types.count("random_uniform") == 2 and types.count("tanh") == 2
