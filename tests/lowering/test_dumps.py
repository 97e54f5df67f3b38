"""Dumps of every stage: golden text for a small function, the dump folders of
``JAXGRAPH_DUMP_DIR`` / ``Session(dump_dir=...)``, and op names in XLA's metadata."""

from __future__ import annotations

import inspect
import json
import os
import re

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir.passes import PIPELINE
from jaxgraph.lowering.dumps import ENV_VAR

FILES = ["00.traced.ir", "01.opt.ir", "02.jax.py", "03.jaxpr", "04.stablehlo.mlir", "05.hlo", "06.cost.json"]
HERE = os.path.basename(__file__)


def _line(marker: str) -> int:
    """The line of this file holding ``marker`` (in a comment)."""
    lines = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.endswith(marker))


@jg.function  # dense-def
def dense(x, w, b):
    with jg.name_scope("dense"):
        return jg.nn.relu(jg.matmul(x, w) + b)  # dense-body


def _args(batch=32):
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(batch, 784)).astype(np.float32),
        rng.normal(size=(784, 10)).astype(np.float32),
        rng.normal(size=(10,)).astype(np.float32),
    )


def _dump(stage):
    return dense.dump(*_args(), stage=stage)


def test_golden_ir_and_ir_opt():
    body, start = _line("# dense-body"), _line("# dense-def")  # arguments: where the function starts
    expected = f"""graph {{
  %x = placeholder() {{dtype=f32, shape=[32,784]}} : f32[32,784]  # {HERE}:{start}
  %w = placeholder() {{dtype=f32, shape=[784,10]}} : f32[784,10]  # {HERE}:{start}
  %b = placeholder() {{dtype=f32, shape=[10]}} : f32[10]  # {HERE}:{start}
  %dense/MatMul = matmul(%x, %w) : f32[32,10]  # {HERE}:{body}
  %dense/Add = add(%dense/MatMul, %b) : f32[32,10]  # {HERE}:{body}
  %dense/Relu = relu(%dense/Add) : f32[32,10]  # {HERE}:{body}
}}"""
    assert _dump("ir") == expected
    assert _dump("ir-opt") == expected


def test_golden_jax_source_is_a_module_with_one_scope_block():
    body = _line("# dense-body")
    assert _dump("jax") == (
        "import jax\nimport jax.numpy as jnp\n\n"
        "def run_graph(x, w, b, key):\n"
        f"    with jax.named_scope('dense'): Relu = jax.nn.relu(jnp.matmul(x, w) + b)  # {HERE}:{body}\n"
        "    return (Relu,), (), key, ()\n"
    )


def test_jaxpr_and_stablehlo_stable_parts():
    jaxpr = _dump("jaxpr")
    assert jaxpr.startswith("{ lambda ; a:f32[32,784] b:f32[784,10] c:f32[10]. let")
    assert re.search(r"\w+:f32\[32,10\] = dot_general", jaxpr)
    assert re.search(r"\w+:f32\[32,10\] = add \w+ \w+", jaxpr)
    stablehlo = _dump("stablehlo")
    assert re.search(
        r"@main\(%arg0: tensor<32x784xf32>.*%arg1: tensor<784x10xf32>.*%arg2: tensor<10xf32>", stablehlo
    )
    assert "stablehlo.dot_general %arg0, %arg1" in stablehlo


def test_hlo_has_fusions_parameter_shapes_and_our_op_names():
    hlo = _dump("hlo")
    assert hlo.startswith("HloModule jit_run_graph")
    assert re.search(r"= f32\[32,10\]\{1,0\} fusion\(", hlo)
    for i, shape in enumerate(["f32[32,784]{1,0}", "f32[784,10]{1,0}", "f32[10]{0}"]):
        assert f"= {shape} parameter({i})" in hlo
    for primitive in ("dot_general", "add", "jit(relu)/max"):  # the name scope reaches XLA's metadata
        assert f'op_name="jit(run_graph)/dense/{primitive}"' in hlo


def _stamp_pattern(file_name: str) -> str:
    marker = "//" if file_name.endswith((".mlir", ".hlo")) else "#"
    return (
        rf"{marker} {re.escape(file_name)} \| made by .+ \| \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}\+00:00 "
        rf"\| \d+\.\d ms \| dense-[0-9a-f]{{8}}"
    )


def test_env_var_writes_every_stage_of_every_compilation(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))  # read at compile time, after import
    f = jg.function(dense.python_function)
    f(*_args())
    f(*_args())  # cached: no new folder
    (folder,) = tmp_path.iterdir()
    assert re.fullmatch(r"dense-[0-9a-f]{8}", folder.name)
    per_pass = [f"01.opt.{n:02d}.{name}.ir" for n, name in enumerate(["prune", *(n for n, _ in PIPELINE)])]
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES + per_pass)
    assert (folder / per_pass[-1]).read_text().split("\n", 1)[1] == (folder / "01.opt.ir").read_text().split(
        "\n", 1
    )[1]  # the last pass's graph is the optimised one
    for name in FILES[:-1]:
        first = (folder / name).read_text().splitlines()[0]
        assert re.fullmatch(_stamp_pattern(name), first), first
    assert "made by jaxgraph.ir.passes.optimize" in (folder / "01.opt.ir").read_text()
    assert "with jax.named_scope('dense'): Relu = " in (folder / "02.jax.py").read_text()
    assert 'op_name="jit(run_graph)/dense/dot_general"' in (folder / "05.hlo").read_text()
    report = json.loads((folder / "06.cost.json").read_text())
    assert re.fullmatch(_stamp_pattern("06.cost.json")[1:].lstrip(), report["//"])
    assert report["cost_analysis"]["flops"] >= 2 * 32 * 784 * 10
    assert report["memory_analysis"]["argument_size_in_bytes"] == 4 * (32 * 784 + 784 * 10 + 10)
    assert report["op_counts"]["traced_ir"] == {"add": 1, "matmul": 1, "placeholder": 3, "relu": 1}
    assert report["op_counts"]["optimized_ir"] == {"add": 1, "matmul": 1, "placeholder": 3, "relu": 1}
    assert report["op_counts"]["jaxpr"]["dot_general"] == 1
    assert report["op_counts"]["hlo"]["fusion"] >= 1 and report["op_counts"]["hlo"]["parameter"] >= 3

    f(*_args(batch=16))  # a new signature: a second folder
    assert len(list(tmp_path.iterdir())) == 2
    monkeypatch.delenv(ENV_VAR)
    f(*_args(batch=8))  # the variable is read at each compilation
    assert len(list(tmp_path.iterdir())) == 2


def _model():
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 3), name="x")
        v = jg.Variable(jg.ones((3,)), name="v")
        y = jg.reduce_sum(x * v, name="y")
        step = v.assign_add(jg.ones((3,)), name="step")
    return g, x, y, step, v


def test_session_dump_dir_names_fetches_and_hash_is_stable_across_sessions(tmp_path):
    names = []
    for _ in range(2):
        g, x, y, step, v = _model()
        with jg.Session(graph=g, dump_dir=str(tmp_path / "s")) as sess:
            sess.run(v.initializer)
            assert float(sess.run(y, {x: np.ones((2, 3), np.float32)})) == 6.0
            sess.run([y, step], {x: np.ones((2, 3), np.float32)})
        names.append(sorted(p.name for p in (tmp_path / "s").iterdir()))
    assert names[0] == names[1]  # the same program in a new Session: the same folders
    assert sorted(re.sub(r"-[0-9a-f]{8}$", "", n) for n in names[0]) == ["v.Assign", "y", "y+step"]
    folder = next((tmp_path / "s").glob("y+step-*"))
    source = (folder / "02.jax.py").read_text()
    assert "def run_graph(v, x, key):" in source  # the read vanished: v is the Variable's value
    assert "    v = v + L.fill(shape=(3,), value=1.0, dtype=jnp.float32)  # " in source


def test_a_failing_stage_is_written_down_and_the_run_blames_the_op(tmp_path):
    a = jg.placeholder(jg.float32, (None,), name="a")
    b = jg.placeholder(jg.float32, (None,), name="b")
    total = a + b  # bad-add
    with jg.Session(dump_dir=str(tmp_path)) as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(total, {a: np.ones(3, np.float32), b: np.ones(4, np.float32)})
    assert f"op 'Add' (add) defined at {__file__}:{_line('# bad-add')}" in str(info.value)
    (folder,) = tmp_path.iterdir()
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("01.opt.")) == [
        "00.traced.ir",
        "02.jax.py",
        "03.jaxpr",
    ]
    jaxpr = (folder / "03.jaxpr").read_text().splitlines()
    assert jaxpr[1].startswith("failed: TypeError: add got incompatible shapes for broadcasting: (3,), (4,)")


def test_ir_stage_of_a_session_fetch_set_keeps_its_fed_placeholders_and_parses_back():
    g, x, y, step, v = _model()
    with jg.Session(graph=g) as sess:
        sess.run(v.initializer)
        feeds = {x: np.ones((2, 3), np.float32)}
        for stage in ("ir", "ir-opt"):
            text = sess.dump([y, step], feeds, stage=stage)
            assert "%x = placeholder()" in text
            assert str(jg.ir.parse(text)) == text
