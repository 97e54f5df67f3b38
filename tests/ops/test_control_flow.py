"""cond / while_loop / scan: forward numerics against jax.lax, structures, captured tensors and
Variables, effects in program order, nesting, and the nested IR round trip."""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close

RNG = np.random.default_rng(0)
XV = RNG.normal(size=(3,)).astype(np.float32)
EV = RNG.normal(size=(5, 3)).astype(np.float32)


def _round_trip(graph=None):
    graph = graph or jg.get_default_graph()
    text = str(graph)
    assert str(jg.ir.parse(text)) == text
    return text


@pytest.mark.parametrize("flag", [True, False])
def test_cond_structures_and_captures(flag):
    x = jg.placeholder(jg.float32, (3,), name="x")
    p = jg.placeholder(jg.bool, (), name="p")
    Pair = collections.namedtuple("Pair", "a b")
    out = jg.cond(
        p, lambda: Pair(jg.tanh(x), {"s": jg.reduce_sum(x)}), lambda: Pair(x * 2.0, {"s": jg.constant(1.0)})
    )
    assert isinstance(out, Pair) and out.a.shape.as_list() == [3]
    _round_trip()
    with jg.Session() as sess:
        got = sess.run(out, {x: XV, p: flag})
    expected = jax.lax.cond(
        flag, lambda v: (jnp.tanh(v), jnp.sum(v)), lambda v: (v * 2.0, jnp.float32(1.0)), XV
    )
    assert_close(got.a, np.asarray(expected[0]))
    assert_close(got.b["s"], np.asarray(expected[1]))


def test_cond_branch_type_mismatch_is_an_error():
    p = jg.placeholder(jg.bool, (), name="p")
    with pytest.raises(errors.InvalidArgumentError, match="cond's branches return different types: "
                       r"\(f32\[3\]\) vs \(f32\[2\]\)"):  # fmt: skip
        jg.cond(p, lambda: jg.zeros((3,)), lambda: jg.zeros((2,)))


def test_while_loop_matches_lax_and_keeps_structure():
    x = jg.placeholder(jg.float32, (3,), name="x")
    i, s = jg.while_loop(lambda i, s: i < 7, lambda i, s: (i + 1, s * 0.9 + x), [0, jg.zeros((3,))])
    _round_trip()
    with jg.Session() as sess:
        got_i, got_s = sess.run([i, s], {x: XV})
    ref_i, ref_s = jax.lax.while_loop(
        lambda c: c[0] < 7, lambda c: (c[0] + 1, c[1] * 0.9 + XV), (0, jnp.zeros(3))
    )
    assert int(got_i) == int(ref_i) == 7
    assert_close(got_s, np.asarray(ref_s))


def test_while_loop_maximum_iterations_stops_early():
    n = jg.while_loop(lambda n: n < 100, lambda n: n + 1, [jg.constant(0)], maximum_iterations=4)
    with jg.Session() as sess:
        assert int(sess.run(n)) == 4


def test_scan_tf1_semantics_with_and_without_initializer():
    e = jg.placeholder(jg.float32, (5, 3), name="e")
    w = jg.Variable(np.float32(0.5), name="w")
    acc = jg.scan(lambda a, x: a * w + x, e, initializer=jg.ones((3,)))
    cumsum = jg.scan(lambda a, x: a + x, e)
    backwards = jg.scan(lambda a, x: a + x, e, reverse=True)
    _round_trip()
    with jg.Session() as sess:
        sess.run(w.initializer)
        got = sess.run([acc, cumsum, backwards], {e: EV})
    _, ref = jax.lax.scan(lambda a, x: (a * 0.5 + x,) * 2, jnp.ones(3), EV)
    assert_close(got[0], np.asarray(ref))
    assert_close(got[1], np.cumsum(EV, axis=0), rtol=1e-5)
    assert_close(got[2], np.cumsum(EV[::-1], axis=0)[::-1], rtol=1e-5)


def test_scan_over_nested_structures():
    e = jg.placeholder(jg.float32, (5, 3), name="e")
    out = jg.scan(lambda acc, x: {"sum": acc["sum"] + x["v"], "max": jg.maximum(acc["max"], x["v"])},
                  {"v": e}, initializer={"sum": jg.zeros((3,)), "max": jg.fill((3,), -np.inf)})  # fmt: skip
    with jg.Session() as sess:
        got = sess.run(out, {e: EV})
    assert_close(got["sum"], np.cumsum(EV, axis=0), rtol=1e-5)
    assert_close(got["max"], np.maximum.accumulate(EV, axis=0))


def test_variable_assigns_inside_bodies_happen_in_program_order():
    counter = jg.Variable(0.0, name="counter")
    p = jg.placeholder(jg.bool, (), name="p")

    def bump():
        counter.assign_add(10.0)
        return counter.value() * 1.0

    seen = jg.cond(p, bump, lambda: counter.value() * 1.0)
    after = counter.value() + 0.0

    def body(k):
        counter.assign_add(1.0)
        return k + counter.value()

    total = jg.while_loop(lambda k: k < 1000.0, body, [jg.constant(0.0)], maximum_iterations=3)
    _round_trip()
    with jg.Session() as sess:
        sess.run(counter.initializer)
        assert [float(v) for v in sess.run([seen, after], {p: True})] == [10.0, 10.0]
        assert [float(v) for v in sess.run([seen, after], {p: False})] == [10.0, 10.0]
        # 10 -> 11, 12, 13: total = 11 + 12 + 13
        assert float(sess.run(total)) == 36.0
        assert float(sess.run(counter)) == 13.0


def test_nested_control_flow_scan_in_cond_and_cond_in_scan():
    e = jg.placeholder(jg.float32, (5, 3), name="e")
    p = jg.placeholder(jg.bool, (), name="p")
    inner = jg.cond(p, lambda: jg.scan(lambda a, x: a + x, e), lambda: e * 0.0)
    clipped = jg.scan(lambda a, x: jg.cond(jg.reduce_sum(a) > 1.0, lambda: a * 0.5, lambda: a + x), e,
                      initializer=jg.zeros((3,)))  # fmt: skip
    text = _round_trip()
    assert text.count("graph {") == 7  # top, cond (2) holding a scan body, scan body holding a cond (2)
    with jg.Session() as sess:
        got_inner, got_clipped = sess.run([inner, clipped], {e: EV, p: True})

    def ref_step(a, x):
        a = jax.lax.cond(jnp.sum(a) > 1.0, lambda: a * 0.5, lambda: a + x)
        return a, a

    assert_close(got_inner, np.cumsum(EV, axis=0), rtol=1e-5)
    assert_close(got_clipped, np.asarray(jax.lax.scan(ref_step, jnp.zeros(3), EV)[1]), rtol=1e-5)


def test_control_flow_in_jg_function():
    @jg.function
    def loop(x, n):
        return jg.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + x), [0, jg.zeros_like(x)])[1]

    assert_close(loop(XV, 4), XV * 4, rtol=1e-6)


def test_random_ops_in_a_scan_body_draw_new_values_each_step():
    jg.set_random_seed(3)
    e = jg.placeholder(jg.float32, (4, 3), name="e")
    sums = jg.scan(lambda a, x: a + jg.random_uniform((3,)), e, initializer=jg.zeros((3,)))
    with jg.Session() as sess:
        steps = np.diff(np.asarray(sess.run(sums, {e: EV[:4]})), axis=0, prepend=0.0)
    assert len({tuple(row) for row in steps.round(6)}) == 4
    assert np.all((steps >= 0.0) & (steps < 1.0))
