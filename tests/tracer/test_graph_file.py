"""Graph files: graph.save / jg.load_graph round trips, training a loaded graph in a new process,
and every malformed file raising a ParseError that names it."""

from __future__ import annotations

import builtins
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.train.test_saver import REPO, assert_same_state, batch, build_model, state_of, train


def test_round_trip_keeps_text_variables_collections_and_control_flow(tmp_path):
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(5)
        x = jg.placeholder(jg.float32, (3,), name="x")
        w = jg.Variable(jg.random_normal((3,)), name="w")
        frozen = jg.Variable(jg.ones((3,)), trainable=False, name="frozen")
        y = jg.cond(jg.reduce_sum(x) > 0.0, lambda: x * w, lambda: x - frozen, name="branch")
        bump = w.assign_add(y, name="bump")
        after = jg.identity(w, name="after")  # reads w after the assign
        g.add_to_collection("outputs", y)
        g.add_to_collection("outputs", bump.op)
        g.add_to_collection("config", "lr=0.1")
        g.add_to_collection("config", 3)
        g.add_to_collection("config", None)
        path = g.save(str(tmp_path / "model.jgir"))
    text = open(path).read()
    assert text.startswith("# jaxgraph-ir v1\n# meta: {")
    assert text.endswith(str(g) + "\n")

    loaded = jg.load_graph(path)
    assert str(loaded) == str(g) and loaded.seed == 5
    with loaded.as_default():
        assert [v.op.name for v in jg.global_variables()] == ["w", "frozen"]
        assert [v.op.name for v in jg.trainable_variables()] == ["w"]
        init = jg.global_variables_initializer()
        w2 = jg.global_variables()[0]
        assert w2.initial_value.name == "RandomStandardNormal:0"
        later = w2 + 0.0  # a read built after load sees the loaded graph's assign, as in the original
    assert loaded.get_collection("config") == ["lr=0.1", 3, None]
    outputs = loaded.get_collection("outputs")
    assert [outputs[0].name, outputs[1].name] == ["branch:0", "bump"]

    feed = {"x:0": np.array([1.0, 2.0, 3.0], np.float32)}
    with jg.Session(graph=g) as sess:
        sess.run(jg.variables_initializer([w, frozen]))
        expected = sess.run([y, after, w], feed)
    with jg.Session(graph=loaded) as sess:
        sess.run(init)
        got = sess.run([outputs[0], "after:0", w2, later], feed)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(got[3], got[1])
    assert "w/read_1" in [op.name for op in loaded.operations]


def test_new_optimizer_on_a_loaded_graph_trains(tmp_path):
    g, _, _ = build_model()
    g.save(str(tmp_path / "model.jgir"))
    loaded = jg.load_graph(str(tmp_path / "model.jgir"))
    with loaded.as_default():
        loss = loaded.get_tensor_by_name("loss:0")
        sgd = jg.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=jg.train.get_global_step())
        init = jg.global_variables_initializer()
    with jg.Session(graph=loaded) as sess:
        sess.run(init)
        losses = [float(sess.run([loss, sgd], batch(0))[0]) for _ in range(30)]
        assert int(sess.run("global_step:0")) == 30
    assert losses[-1] < losses[0] / 2


def graph_file_child(graph_path: str, checkpoint_dir: str) -> None:
    """Run in a new process: from the graph file alone, (1) initialize and train 3 steps,
    (2) restore the latest checkpoint and train 10 more; save a checkpoint of each."""
    g = jg.load_graph(graph_path)
    with g.as_default():
        init = jg.global_variables_initializer()
        saver = jg.train.Saver()
    train_op = g.get_collection("train_op")[0]
    with jg.Session(graph=g) as sess:
        sess.run(init)
        train(sess, train_op, range(3))
        saver.save(sess, os.path.join(checkpoint_dir, "fresh"), write_state=False)
    with jg.Session(graph=g) as sess:
        saver.restore(sess, jg.train.latest_checkpoint(checkpoint_dir))
        train(sess, train_op, range(10, 20))
        saver.save(sess, os.path.join(checkpoint_dir, "resumed"), write_state=False)


def test_training_graph_saved_here_trains_in_another_process(tmp_path):
    graph_path = str(tmp_path / "model.jgir")
    g, init, train_op = build_model()
    g.save(graph_path)
    with g.as_default():
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run(init)
        train(sess, train_op, range(3))
        fresh = state_of(sess)
    with jg.Session(graph=g) as sess:
        sess.run(init)
        train(sess, train_op, range(10))
        saver.save(sess, str(tmp_path / "model.ckpt"), global_step=10)
        train(sess, train_op, range(10, 20))
        straight = state_of(sess)

    code = "import sys; from tests.tracer.test_graph_file import graph_file_child; graph_file_child(*sys.argv[1:])"
    result = subprocess.run(
        [sys.executable, "-c", code, graph_path, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    with jg.Session(graph=g) as sess:
        saver.restore(sess, str(tmp_path / "fresh"))
        assert_same_state(fresh, state_of(sess))
        saver.restore(sess, str(tmp_path / "resumed"))
        assert_same_state(straight, state_of(sess))


def test_loading_executes_no_code(tmp_path, monkeypatch):
    g, _, _ = build_model()
    with g.as_default():
        loss = g.get_tensor_by_name("loss:0")
        jg.debugging.check_numerics(loss, "__import__('os').system('exit 3')", name="payload")
    g.save(str(tmp_path / "model.jgir"))

    def forbidden(*args, **kwargs):
        raise AssertionError("code was executed while loading a graph file")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    loaded = jg.load_graph(str(tmp_path / "model.jgir"))
    assert loaded.get_operation_by_name("payload").attrs["message"] == "__import__('os').system('exit 3')"


GOOD_META = '# meta: {"variables": [], "collections": {}}'
BODY = "graph {\n  %x = placeholder() {dtype=f32, shape=[2]} : f32[2]\n}\n"
VARIABLE_BODY = (
    "graph {\n"
    "  %zeros = fill() {shape=[2], value=0.0, dtype=f32} : f32[2]\n"
    "  %v = variable() {dtype=f32, shape=[2]} : ref<f32[2]>\n"
    "  %v/Assign = assign(%v, %zeros) : f32[2]\n"
    "}\n"
)


def variable_meta(**changes) -> str:
    entry = {"name": "v", "initializer": "v/Assign", "snapshot": None, "read": None, "assigned": False,
             "trainable": True}  # fmt: skip
    entry.update(changes)
    return "# meta: " + json.dumps({"variables": [entry], "collections": {"variables": [{"variable": "v"}]}})


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "line 1: not a jaxgraph graph file (the first line must be '# jaxgraph-ir v1')"),
        (BODY, "line 1: not a jaxgraph graph file (the first line must be '# jaxgraph-ir v1')"),
        (f"# jaxgraph-ir v2\n{GOOD_META}\n{BODY}", "line 1: graph file format version 2; this jaxgraph reads version 1"),
        (f"# jaxgraph-ir v1\n{BODY}", "line 2: expected the '# meta:' line"),
        ("# jaxgraph-ir v1\n# meta: {\"variables\": [\n" + BODY, "line 2, column 24: malformed metadata JSON: Expecting value"),
        (f"# jaxgraph-ir v1\n{GOOD_META}\ngraph {{\n  %x = frobnicate() : f32[2]\n}}\n",
         "line 4, column 8: op '%x': unknown op type 'frobnicate'"),
        (f"# jaxgraph-ir v1\n{GOOD_META}\ngraph {{\n  %x = placeholder() {{dtype=f32, shape=[2]}} : f32[2]\n",
         "line 5, column 1: expected an op definition '%name = ...', found end of text"),
        ("# jaxgraph-ir v1\n# meta: []\n" + BODY, "line 2: bad metadata: ValueError: expected an object with 'variables' and 'collections'"),
        (f"# jaxgraph-ir v1\n{variable_meta(initializer='nope')}\n{VARIABLE_BODY}",
         "line 2: bad metadata: the graph has no operation named 'nope'"),
        (f"# jaxgraph-ir v1\n{variable_meta(name='zeros')}\n{VARIABLE_BODY}",
         "line 2: bad metadata: ValueError: 'zeros' is a fill op, not a variable op"),
        (f"# jaxgraph-ir v1\n{variable_meta(snapshot='zeros:0')}\n{VARIABLE_BODY}",
         "line 2: bad metadata: ValueError: 'zeros:0' is not a read of Variable 'v'"),
        ('# jaxgraph-ir v1\n# meta: {"variables": [], "collections": {"c": [{"variable": "v"}]}}\n' + VARIABLE_BODY,
         "line 2: bad metadata: ValueError: collection item names Variable 'v', which the metadata does not list"),
        ('# jaxgraph-ir v1\n# meta: {"variables": [], "collections": {"c": [{"code": "1+1"}]}}\n' + BODY,
         "line 2: bad metadata: ValueError: bad collection item {'code': '1+1'}"),
    ],
    ids=[
        "empty", "no-header", "future-version", "no-meta", "bad-json", "unknown-op", "truncated-body",
        "meta-not-object", "missing-initializer", "wrong-op-type", "bad-read", "unlisted-variable", "bad-item",
    ],
)  # fmt: skip
def test_malformed_graph_files_raise_parse_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad.jgir"
    path.write_text(text)
    with pytest.raises(errors.ParseError) as info:
        jg.load_graph(str(path))
    assert info.value.message == f"{path}: {message}"


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(errors.ParseError, match=re.escape(f"graph file '{tmp_path}/none.jgir' not found")):
        jg.load_graph(str(tmp_path / "none.jgir"))
    (tmp_path / "bin.jgir").write_bytes(b"# jaxgraph-ir v1\n\xff\xfe")
    with pytest.raises(
        errors.ParseError, match=re.escape(f"graph file '{tmp_path}/bin.jgir' is not UTF-8 text")
    ):
        jg.load_graph(str(tmp_path / "bin.jgir"))
