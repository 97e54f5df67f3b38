"""Common-subexpression elimination (``jaxgraph.ir.passes.subexpressions``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxgraph as jg
from jaxgraph.ir.passes import optimize
from jaxgraph.ir.passes.pruning import extract
from jaxgraph.ir.passes.subexpressions import cse
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


_BINARY = {"add": jg.add, "mul": jg.multiply, "sub": jg.subtract, "max": jg.maximum}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(_BINARY)), st.integers(0, 99), st.integers(0, 99)),
                min_size=1, max_size=25))  # fmt: skip
def test_cse_is_idempotent_so_a_settled_program_may_skip_it(steps):
    """``cse`` is skipped on its own output (``settled_by``): a second run must change nothing."""
    graph = jg.Graph()
    with graph.as_default():
        values = [jg.placeholder(jg.float32, (2,), name="a"), jg.placeholder(jg.float32, (2,), name="b")]
        for kind, i, j in steps:
            values.append(_BINARY[kind](values[i % len(values)], values[j % len(values)]))
        fetched = jg.add_n(values[2:])
    program = extract([fetched], values[:2])
    once = cse(program)
    once.settled.clear()  # forget that it is cse's output: cse walks it again
    assert cse(once) is once
