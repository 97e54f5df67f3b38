"""The ``jaxgraph`` command: ``dump`` of functions and graph files, ``dot``, ``--help``,
``--version``, and one-line errors (no traceback) on bad input; ``demo`` is in tests/examples.

End-to-end cases run as subprocesses (once, concurrently, in a module fixture); their variants
call ``jaxgraph.cli.main`` in this process.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import jaxgraph as jg
from jaxgraph.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The checkout under test: subprocesses import its jaxgraph."""

MODEL = textwrap.dedent(
    """\
    import jaxgraph as jg


    def predict(x, w):
        with jg.name_scope("dense"):
            return jg.nn.relu(jg.matmul(x, w))


    @jg.function(input_signature=[jg.TensorSpec((None, 3))])
    def scaled(x):
        return x * 2.0
    """
)
BODY_LINE = 6  # the matmul line of MODEL
PREDICT = ["model.py:predict", "--arg", "f32[32,784]", "--arg", "f32[784,10]"]
UNKNOWN_BATCH = ["model.py:predict", "--arg", "f32[?,784]", "--arg", "f32[784,10]"]

SUBPROCESS = {
    "dump-jax": ["dump", *PREDICT, "--stage", "jax"],
    "dump-hlo": ["dump", *PREDICT, "--stage", "hlo"],
    "dump-graph-jax": ["dump", "model.ir", "--arg", "f32[4,3]", "--stage", "jax", "-o", "out.py"],
    "dot-file": ["dot", *UNKNOWN_BATCH, "-o", "g.dot"],
    "help-dump": ["dump", "--help"],
    "no-file": ["dump", "nofile.py:f"],
    "type-error": ["dump", "model.py:predict", "--arg", "f32[3,4]", "--arg", "f32[5,2]"],
    "bad-stage": ["dump", *PREDICT, "--stage", "llvm"],
    "failing-file": ["dump", "raises.py:f"],
}
"""Run end to end in subprocesses (concurrently, once); the other cases call ``main`` in-process."""
BAD = {
    "no-file": (["dump", "nofile.py:f"], "jaxgraph dump: error: no such file: nofile.py"),
    "no-function": (["dump", "model.py:missing"], "jaxgraph dump: error: model.py has no function 'missing'"),
    "bad-type": (
        ["dump", "model.py:predict", "--arg", "f32[3,x]"],
        "jaxgraph dump: error: --arg 'f32[3,x]': dimension 'x' is not a size or ?",
    ),
    "bad-dtype": (
        ["dot", "model.py:predict", "--arg", "q7[3]"],
        "jaxgraph dot: error: --arg 'q7[3]': unknown dtype 'q7'",
    ),
    "type-error": (
        ["dump", "model.py:predict", "--arg", "f32[3,4]", "--arg", "f32[5,2]"],
        "jaxgraph dump: error: matmul inner dimensions differ: f32[3,4] @ f32[5,2] (4 != 5); "
        f"op 'dense/MatMul' (matmul) defined at model.py:{BODY_LINE}",
    ),
    "bad-stage": (
        ["dump", *PREDICT, "--stage", "llvm"],
        "jaxgraph dump: error: argument --stage: invalid choice: 'llvm' (choose from 'ir', 'ir-opt', "
        "'jax', 'jaxpr', 'stablehlo', 'hlo') (see jaxgraph dump --help)",
    ),
    "unknown-dims": (
        ["dump", "model.ir", "--stage", "hlo"],
        "jaxgraph dump: error: placeholder 'x' has type f32[?,3]: give concrete types with --arg, "
        "one per placeholder in order (x f32[?,3])",
    ),
    "parse-error": (
        ["dump", "broken.ir"],
        "jaxgraph dump: error: line 2, column 8: op '%a': unknown op type 'frobnicate'",
    ),
    "failing-file": (
        ["dump", "raises.py:f"],
        "jaxgraph dump: error: running raises.py failed: ZeroDivisionError: division by zero",
    ),
    "bad-suffix": (
        ["dot", *UNKNOWN_BATCH, "-o", "g.txt"],
        "jaxgraph dot: error: cannot write '.txt' files: use .dot, .gv, .svg, .png, .pdf",
    ),
}


def _graph_file_text() -> str:
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 3), name="x")
        w = jg.Variable(jg.ones((3, 2)), name="w")
        jg.matmul(x, w, name="y")
        jg.global_variables_initializer()
    return "# jaxgraph-ir v1\n# meta: {}\n" + str(g) + "\n"  # a graph file's header lines


def _run(cwd, args, env=None):
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])  # this checkout's jaxgraph
    return subprocess.run([sys.executable, "-m", "jaxgraph.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli")
    (cwd / "model.py").write_text(MODEL)
    (cwd / "raises.py").write_text("x = 1 / 0\n")
    (cwd / "broken.ir").write_text("graph {\n  %a = frobnicate() : f32[]\n}\n")
    (cwd / "model.ir").write_text(_graph_file_text())
    return cwd


@pytest.fixture(scope="module")
def results(workdir):
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_run, workdir, args) for name, args in SUBPROCESS.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture
def in_workdir(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    return workdir


def _main(capsys, args):
    """``jaxgraph ARGS`` in this process: (exit code, stdout, stderr)."""
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def _ok(results, name):
    done = results[name]
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_dump_function_jax_stage_golden(results):
    assert _ok(results, "dump-jax") == (
        "import jax\nimport jax.numpy as jnp\n\n"
        "def run_graph(x, w, key):\n"
        f"    with jax.named_scope('dense'): Relu = jax.nn.relu(jnp.matmul(x, w))  # model.py:{BODY_LINE}\n"
        "    return (Relu,), (), key, ()\n"
    )


def test_dump_function_hlo_carries_op_names(results):
    hlo = _ok(results, "dump-hlo")
    assert hlo.startswith("HloModule jit_run_graph")
    assert "f32[32,784]{1,0} parameter(0)" in hlo and " fusion(" in hlo
    assert 'op_name="jit(run_graph)/dense/dot_general"' in hlo


def test_dump_uses_the_input_signature_without_args(in_workdir, capsys):
    code, out, _ = _main(capsys, ["dump", "model.py:scaled", "--stage", "ir-opt"])
    assert code == 0
    assert [line.split("  #")[0] for line in out.splitlines()] == [
        "graph {",
        "  %x = placeholder() {dtype=f32, shape=[?,3]} : f32[?,3]",
        "  %Const = constant() {value=tensor<f32[]>[2.0], dtype=f32} : f32[]",
        "  %Mul = mul(%x, %Const) : f32[?,3]",
        "}",
    ]


def test_dump_graph_file_prints_it_back_and_lowers_it(results, in_workdir, capsys):
    assert _main(capsys, ["dump", "model.ir"]) == (0, _graph_file_text().split("\n", 2)[2], "")
    assert _ok(results, "dump-graph-jax") == ""
    source = (in_workdir / "out.py").read_text()
    assert "def run_graph(w, x, key):\n" in source  # the fetch: y; not the initializer
    assert "    y = jnp.matmul(x, w)  # " in source
    assert "return (y,), (), key, ()" in source


def test_dot_writes_graphviz_source(results, in_workdir, capsys):
    assert _ok(results, "dot-file") == ""
    dot = (in_workdir / "g.dot").read_text()
    assert dot.startswith('digraph "predict" {')
    assert 'subgraph "cluster_dense" {' in dot
    assert '"x" -> "dense/MatMul" [label="f32[?,784]"];' in dot
    code, source, _ = _main(capsys, ["dot", "model.ir"])
    assert (
        code == 0
        and source.startswith('digraph "model" {')
        and '"w/read" -> "y" [label="f32[3,2]"];' in source
    )


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_renders_svg_with_graphviz(workdir):
    done = _run(workdir, ["dot", *UNKNOWN_BATCH, "-o", "g.svg"])
    assert done.returncode == 0 and done.stderr == ""
    assert "<svg" in (workdir / "g.svg").read_text()


def test_dot_without_graphviz_writes_dot_source_says_how_to_install_and_fails(workdir, tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no `dot` program on this PATH
    done = _run(workdir, ["dot", *UNKNOWN_BATCH, "-o", "plain.png"], env=env)
    assert done.returncode == 1
    assert done.stderr == (
        "jaxgraph dot: error: Graphviz's `dot` program is not installed, so plain.png was not rendered; "
        "wrote the DOT source to plain.dot (install it with: apt-get install graphviz)\n"
    )
    assert (workdir / "plain.dot").read_text().startswith('digraph "predict" {')
    assert not (workdir / "plain.png").exists()


def test_help(results, in_workdir, capsys):
    assert _ok(results, "help-dump").startswith("usage: jaxgraph dump [-h] [--arg TYPE]")
    code, out, _ = _main(capsys, ["--help"])
    assert code == 0 and out.startswith("usage: jaxgraph [-h] [--version] COMMAND")
    assert "jaxgraph dump model.py:predict --arg 'f32[32,784]'" in out
    code, out, _ = _main(capsys, ["dot", "--help"])
    assert code == 0 and out.startswith("usage: jaxgraph dot [-h] [--arg TYPE]")


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_exits_non_zero_with_one_line(results, in_workdir, capsys, name):
    args, message = BAD[name]
    if name in SUBPROCESS:
        done = results[name]
        code, out, err = done.returncode, done.stdout, done.stderr
        assert "Traceback" not in err
    else:
        code, out, err = _main(capsys, args)
    assert code != 0
    assert out == ""
    assert err == message + "\n"


def test_dot_fails_when_graphviz_fails(workdir, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: renderer crashed' >&2\nexit 3\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=os.pathsep.join([str(tmp_path), os.environ["PATH"]]))
    done = _run(workdir, ["dot", *UNKNOWN_BATCH, "-o", "broken.svg"], env=env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "jaxgraph dot: error: dot failed: Error: renderer crashed\n"


def test_version(capsys):
    assert _main(capsys, ["--version"]) == (0, f"jaxgraph {jg.__version__}\n", "")


def test_unknown_dims_taken_as_one_are_announced(in_workdir, capsys):
    code, out, err = _main(capsys, ["dump", *UNKNOWN_BATCH, "--stage", "jax"])
    assert code == 0 and out.startswith("import jax\n")
    assert err == "note: dimension 0 (?) of x taken as 1; pass --arg 'f32[N,784]' with a size N to choose\n"
    code, _, err = _main(capsys, ["dump", "model.py:scaled", "--stage", "hlo"])  # its input_signature
    assert (code, err) == (
        0,
        "note: dimension 0 (?) of x taken as 1; pass --arg 'f32[N,3]' with a size N to choose\n",
    )
    code, _, err = _main(capsys, ["dump", *UNKNOWN_BATCH])  # the ir stage keeps the ?
    assert (code, err) == (0, "")


NOISY = """\
import jaxgraph as jg

print("loading noisy.py")


def f(x):
    print("tracing f")
    return jg.exp(x)
"""


def test_dump_keeps_the_modules_prints_out_of_the_dump_and_the_ir_parses_back(in_workdir, capsys):
    (in_workdir / "noisy.py").write_text(NOISY)
    code, out, err = _main(capsys, ["dump", "noisy.py:f", "--arg", "f32[2]"])
    assert code == 0
    assert err == "loading noisy.py\ntracing f\n"
    assert out.startswith("graph {\n  %x = placeholder()")
    assert str(jg.ir.parse(out)) + "\n" == out
