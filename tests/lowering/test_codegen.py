"""The ``jax`` stage is a real program: the dumped module runs as is, in a fresh namespace, and
gives what ``Session.run`` gives; its lines are short, its names safe, its errors blamed."""

from __future__ import annotations

import inspect
import os

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir.graph import SourceLocation
from jaxgraph.lowering import lower_graph
from jaxgraph.session.session import _feeds

SIZES = (784, 512, 512, 10)
HERE = os.path.basename(__file__)


def _line(marker: str) -> int:
    lines = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.endswith(marker))


def _adam_mlp():
    """The benchmark MLP (benchmarks/bench_core.py), trained with Adam."""
    rng = np.random.default_rng(0)
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (None, SIZES[0]), name="x")
        y = jg.placeholder(jg.int32, (None,), name="y")
        h = x
        for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            with jg.name_scope(f"dense{i}"):
                w = jg.Variable(rng.normal(size=(a, b)).astype(np.float32) * 0.05, name="w")
                bias = jg.Variable(np.zeros((b,), np.float32), name="b")
                h = jg.matmul(h, w) + bias  # mlp-layer
                if i < len(SIZES) - 2:
                    h = jg.tanh(h)  # mlp-tanh
        loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        train_op = jg.train.AdamOptimizer(0.001).minimize(loss)  # mlp-adam
        init = jg.global_variables_initializer()
    feeds = {
        x: rng.normal(size=(16, SIZES[0])).astype(np.float32),
        y: rng.integers(0, 10, size=(16,)).astype(np.int32),
    }
    return graph, init, [loss, train_op], feeds


def dump_runs_as_the_session(sess, graph, fetches, feeds) -> str:
    """Checks that the ``jax`` dump, run as is, gives the Session's loss (``fetches[0]``) and
    Variables for one step (then takes that step); returns the dumped source."""
    source, fetched, updated = _run_dump(sess, fetches, feeds)
    loss, _ = sess.run(fetches, feeds)
    np.testing.assert_array_equal(fetched[0], loss)
    for name, value in updated.items():
        np.testing.assert_array_equal(value, sess.run(graph.get_operation_by_name(name).outputs[0]))
    return source


def _run_dump(sess, fetches, feeds):
    """Runs the dumped module in a fresh namespace (jitted, as the Session runs it) on the
    Session's current Variable values; returns (fetched, {variable: new value})."""
    source = sess.dump(fetches, feeds, stage="jax")
    lowered = sess._plan(sess.graph, fetches, *_feeds(feeds), None).executable.lowered
    namespace: dict = {}
    exec(compile(source, "<dump>", "exec"), namespace)
    names = lowered.donated_vars + lowered.kept_vars
    values = [np.asarray(sess.run(sess.graph.get_operation_by_name(n).outputs[0])) for n in names]
    fetched, updated, _, _ = jax.jit(namespace["run_graph"])(*values, *feeds.values(), None)
    return source, fetched, dict(zip(lowered.updated_vars, updated))


def test_adam_train_step_dump_runs_as_is_and_matches_session_run():
    graph, init, fetches, feeds = _adam_mlp()
    with jg.Session(graph=graph, device="cpu") as sess:  # with the label check (CPU-only, as TF1)
        sess.run(init)
        source = dump_runs_as_the_session(sess, graph, fetches, feeds)
    lines = source.splitlines()
    assert lines[:3] == ["import jax", "import jax.numpy as jnp", "from jaxgraph.lowering import rules as L"]
    # was 164 lines, up to 400 characters; 8 of the lines list the old values a failed check keeps
    assert len(lines) <= 88 and max(map(len, lines)) <= 160
    assert "    with jax.named_scope('dense0'):" in lines
    layer, tanh = _line("# mlp-layer"), _line("# mlp-tanh")
    assert (
        f"        dense0_Tanh = jnp.tanh(jnp.matmul(x, dense0_w) + dense0_b)  # {HERE}:{layer},{tanh}"
        in lines
    )
    # the labels are checked: a new value gets a new name, the old one is kept for a failed check
    assert f"        beta1_power_1 = beta1_power * 0.9  # {HERE}:{_line('# mlp-adam')}" in lines
    assert "    ok = L.checks_passed(ok_SparseSoftmaxCrossEntropyWithLogits_CheckIndices)" in lines
    assert "read(" not in source and "named_scope('dense0/MatMul')" not in source


def test_jaxpr_of_the_train_step_is_flat_and_hlo_keeps_the_scopes():
    graph, init, fetches, feeds = _adam_mlp()
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        jaxpr = sess.dump(fetches, feeds, stage="jaxpr")
        hlo = sess.dump(fetches, feeds, stage="hlo")
    assert "read" not in jaxpr and "pjit" not in jaxpr  # reads vanish; rules are inlined, not nested jits
    assert 'op_name="jit(run_graph)/dense0/dot_general"' in hlo
    assert 'op_name="jit(run_graph)/Adam/update_dense0/w/' in hlo


def test_cond_and_scan_bodies_are_nested_functions_that_run_as_is():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (3,), name="x")
        v = jg.Variable(np.ones(1, np.float32), name="v")
        total = jg.scan(lambda acc, e: acc + e * v, jg.reshape(x, (3, 1)), initializer=jg.zeros((1,)))
        picked = jg.cond(jg.reduce_sum(x) > 0.0, lambda: x * 2.0, lambda: -x)
        step = v.assign_add(jg.reduce_sum(picked, keepdims=True))
    feeds = {x: np.array([1.0, -2.0, 4.0], np.float32)}
    with jg.Session(graph=graph) as sess:
        sess.run(v.initializer)
        source, fetched, updated = _run_dump(sess, [total, picked, step], feeds)
        expected = sess.run([total, picked, step], feeds)
    for got, want in zip(fetched, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(updated["v"], expected[2], rtol=1e-6)
    assert "L.scan(" in source and "L.cond(" in source and "def " in source.split("def run_graph")[1]


def test_constants_are_embedded_small_as_literals_large_as_base64():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2, 20), name="x")
        small = jg.constant([[1.5, -2.0]], name="small")
        large = jg.constant(np.arange(40, dtype=np.float32).reshape(2, 20) / 7, name="large")
        y = jg.matmul(small, x * large + 0.5, name="y")
    feeds = {x: np.ones((2, 20), np.float32)}
    with jg.Session(graph=graph) as sess:
        source, fetched, _ = _run_dump(sess, [y], feeds)
        np.testing.assert_array_equal(fetched[0], sess.run(y, feeds))
    assert "small = np.array([[1.5, -2.0]], dtype=jnp.float32)" in source
    assert "large = L.from_base64('" in source and "', 'float32', (2, 20))" in source
    assert "x * large + 0.5" in source  # a scalar next to an f32 value: a bare number


def test_a_typed_scalar_where_a_bare_number_would_change_the_dtype():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float16, (2,), name="x")
        y = jg.cast(x, jg.float32) * jg.constant(3.0, jg.float32) + jg.constant(1.0, jg.float32)
        z = jg.maximum(x, jg.constant(2.0, jg.float16), name="z")
    with jg.Session(graph=graph) as sess:
        source = sess.dump([y, z], {x: np.ones(2, np.float16)}, stage="jax")
    assert "x.astype(jnp.float32) * 3.0 + 1.0" in source
    assert "z = jnp.maximum(x, jnp.float16(2.0))" in source


def test_a_value_still_needed_after_its_variable_is_assigned_keeps_its_own_name():
    graph = jg.Graph()
    with graph.as_default():
        v = jg.Variable(np.full(2, 3.0, np.float32), name="v")
        before = v + 0.0
        step = v.assign(v * 2.0)
        with jg.control_dependencies([step]):
            after = before + 1.0
    with jg.Session(graph=graph) as sess:
        sess.run(v.initializer)
        source, fetched, updated = _run_dump(sess, [after, step], {})
        np.testing.assert_array_equal(fetched[0], [4.0, 4.0])
        np.testing.assert_array_equal(updated["v"], [6.0, 6.0])
        np.testing.assert_array_equal(sess.run(after), [4.0, 4.0])
    assert "    v_1 = v * 2.0" in source


def test_errors_blame_the_inlined_op_by_column():
    a = jg.placeholder(jg.float32, (None,), name="a")
    b = jg.placeholder(jg.float32, (None,), name="b")
    out = jg.tanh(a + b, name="out")  # inlined-add
    with jg.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(out, {a: np.ones(3, np.float32), b: np.ones(4, np.float32)})
        assert "out = jnp.tanh(a + b)" in sess.dump(
            out, {a: np.ones(3, np.float32), b: np.ones(3, np.float32)}
        )
    assert f"op 'Add' (add) defined at {__file__}:{_line('# inlined-add')}" in str(info.value)


def test_graph_text_never_escapes_into_the_source():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        with jg.name_scope("a-b.c"):
            y = jg.exp(x, name="e")
            z = y * y
    z.op.location = SourceLocation("dir/evil\n\u2028\x85\x00\rname.py", 7)
    source = lower_graph([z], [x]).source
    assert len(source.splitlines()) == len(source.split("\n")) - 1  # no stray line breaks
    assert "    with jax.named_scope('a-b.c'):\n" in source
    assert "        Mul = e * e  # evilname.py:7\n" in source
    namespace: dict = {}
    exec(source, namespace)
    np.testing.assert_allclose(namespace["run_graph"](np.ones(2, np.float32), None)[0][0], np.exp(2.0))
