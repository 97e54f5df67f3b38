"""Long generated functions are split into parts of at most ``CHUNK_LINES`` lines (JAX finds
each equation's source line by walking its code object's line table: one huge function made
lowering quadratic). The split changes no value, the dump still runs as is, and errors still
name the op and the user's line."""

from __future__ import annotations

import ast
import inspect
import os

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.lowering import lines
from tests.lowering.test_codegen import _run_dump, dump_runs_as_the_session

HERE = os.path.basename(__file__)


def _line(marker: str) -> int:
    source = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(source) if text.endswith(marker))


def _chain(depth: int):
    """``y = tanh(y @ w_i + b_i)``, mean square loss, one SGD step."""
    rng = np.random.default_rng(0)
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (4, 3), name="x")
        y = x
        for i in range(depth):
            with jg.name_scope(f"layer{i}"):
                w = jg.Variable(rng.normal(size=(3, 3)).astype(np.float32), name="w")
                b = jg.Variable(rng.normal(size=(3,)).astype(np.float32), name="b")
                y = jg.tanh(jg.matmul(y, w) + b)
        loss = jg.reduce_mean(jg.square(y))
        train_op = jg.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = jg.global_variables_initializer()
    feeds = {x: rng.normal(size=(4, 3)).astype(np.float32)}
    return graph, init, [loss, train_op], feeds


def _functions(source: str) -> dict[str, int]:
    """Each module-level function of ``source`` and its number of lines."""
    tree = ast.parse(source)
    return {f.name: f.end_lineno - f.lineno + 1 for f in tree.body if isinstance(f, ast.FunctionDef)}


def _train(graph, init, fetches, feeds, steps: int = 2):
    """Losses and Variable values after ``steps`` training steps."""
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        losses = [sess.run(fetches, feeds)[0] for _ in range(steps)]
        names = [v.op.name for v in graph.get_collection("variables")]
        return losses, {n: sess.run(graph.get_operation_by_name(n).outputs[0]) for n in names}


def test_a_long_train_step_is_split_into_parts_that_run_as_is():
    graph, init, fetches, feeds = _chain(30)
    # unrolled: rolled, the chain is a few scans (chunking is about long flat programs)
    with jg.Session(graph=graph, roll_loops=False) as sess:
        sess.run(init)
        source = dump_runs_as_the_session(sess, graph, fetches, feeds)
        hlo = sess.dump(fetches, feeds, stage="hlo")
    assert 'op_name="jit(run_graph)/layer29/' in hlo  # the parts are plain calls: scopes unchanged
    functions = _functions(source)
    parts = [name for name in functions if name.startswith("run_graph_part")]
    assert len(parts) >= 2 and list(functions)[-1] == "run_graph"
    # a part: its statements (at most CHUNK_LINES), name scopes, and wrapped signature and return
    assert all(functions[p] <= 2 * lines.CHUNK_LINES for p in parts)
    assert "    with jax.named_scope('layer0'):" in source.split("def run_graph_part2")[0]
    assert f"= run_graph_part{len(parts)}(" in source.split("def run_graph(")[1]


def test_parts_give_bitwise_the_values_of_one_function(monkeypatch):
    graph, init, fetches, feeds = _chain(6)
    with jg.Session(graph=graph) as sess:
        assert "_part" not in sess.dump(fetches, feeds, stage="jax")  # short: one function
    expected = _train(graph, init, fetches, feeds)
    monkeypatch.setattr(lines, "CHUNK_LINES", 3)
    graph, init, fetches, feeds = _chain(6)
    with jg.Session(graph=graph) as sess:
        assert "def run_graph_part5(" in sess.dump(fetches, feeds, stage="jax")
    losses, variables = _train(graph, init, fetches, feeds)
    np.testing.assert_array_equal(losses, expected[0])
    for name, value in expected[1].items():
        np.testing.assert_array_equal(variables[name], value)


def test_an_error_in_a_later_part_names_the_op_and_the_users_line(monkeypatch):
    monkeypatch.setattr(lines, "CHUNK_LINES", 1)
    a = jg.placeholder(jg.float32, (None,), name="a")
    b = jg.placeholder(jg.float32, (None,), name="b")
    first = jg.exp(a, name="first")
    second = jg.sin(first, name="second")
    out = jg.tanh(second + b, name="out")  # inlined-add
    fetches = [first, second, out]  # fetched: each on a line of its own
    with jg.Session() as sess:
        source = sess.dump(fetches, {a: np.ones(3, np.float32), b: np.ones(3, np.float32)})
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(fetches, {a: np.ones(3, np.float32), b: np.ones(4, np.float32)})
    assert "def run_graph_part3(second, b):\n    out = jnp.tanh(second + b)" in source
    assert info.value.message == "add got incompatible shapes for broadcasting: (3,), (4,)."
    assert f"op 'Add' (add) defined at {__file__}:{_line('# inlined-add')}" in str(info.value)


def test_a_failed_check_in_a_part_keeps_the_old_values(monkeypatch):
    monkeypatch.setattr(lines, "CHUNK_LINES", 1)
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        v = jg.Variable(np.ones(2, np.float32), name="v")
        checked = jg.debugging.check_numerics(jg.log(x) * v, "log of x")  # check-line
        step = v.assign(v + checked)
    with jg.Session(graph=graph) as sess:
        sess.run(v.initializer)
        assert "_part" in sess.dump(step, {x: np.ones(2, np.float32)}, stage="jax")
        np.testing.assert_allclose(sess.run(step, {x: np.full(2, np.e, np.float32)}), [2.0, 2.0], rtol=1e-6)
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(step, {x: -np.ones(2, np.float32)})
        np.testing.assert_array_equal(sess.run(v), [2.0, 2.0])
    assert info.value.message == "log of x (check_numerics)"
    assert f"{__file__}:{_line('# check-line')}" in str(info.value)


def test_a_long_loop_body_is_split_too(monkeypatch):
    def build():
        graph = jg.Graph()
        with graph.as_default():
            x = jg.placeholder(jg.float32, (3,), name="x")

            def body(acc, e):
                for _ in range(4):
                    acc = jg.sin(acc) * e + 1.0
                return acc

            total = jg.scan(body, jg.reshape(x, (3, 1)), initializer=jg.zeros((1,)))
        return graph, x, total

    feeds_value = np.array([0.5, -1.0, 2.0], np.float32)
    graph, x, total = build()
    with jg.Session(graph=graph) as sess:
        expected = sess.run(total, {x: feeds_value})
    monkeypatch.setattr(lines, "CHUNK_LINES", 1)
    graph, x, total = build()
    with jg.Session(graph=graph) as sess:
        source, fetched, _ = _run_dump(sess, [total], {x: feeds_value})
        np.testing.assert_array_equal(sess.run(total, {x: feeds_value}), expected)
    np.testing.assert_array_equal(fetched[0], expected)
    assert "    def scan_body_part2(" in source and "_part" not in source.split("def run_graph(")[0]


def test_check_numerics_statuses_computed_in_a_part_reach_the_end(monkeypatch):
    graph, init, fetches, feeds = _chain(6)
    expected = _train(graph, init, fetches, feeds)
    monkeypatch.setattr(lines, "CHUNK_LINES", 3)
    graph, init, fetches, feeds = _chain(6)
    with jg.Session(graph=graph, check_numerics=True, roll_loops=False) as sess:
        assert "def run_graph_part5(" in sess.dump(fetches, feeds, stage="jax")
        sess.run(init)
        losses = [sess.run(fetches, feeds)[0] for _ in range(2)]
        np.testing.assert_array_equal(losses, expected[0])
        (x,) = feeds
        before = {name: sess.run(f"{name}:0") for name in expected[1]}
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(fetches, {x: np.full((4, 3), np.nan, np.float32)})
        for name, value in before.items():
            np.testing.assert_array_equal(sess.run(f"{name}:0"), value)
    assert info.value.message == "found NaN or Inf in the output (check_numerics)"
    assert "layer0/MatMul" in str(info.value)
