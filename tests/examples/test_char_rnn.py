"""The char-RNN walkthrough (``jaxgraph.demo.char_rnn``, ``jaxgraph demo``) in a short mode: a
few steps of a small model on the standard library's sources; the loss falls, a sample comes out,
and the IR dump, TensorBoard logs and a checkpoint are written. ``jaxgraph demo --quick`` runs
from a copy of the package outside this checkout, as after ``pip install .``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import setuptools

import jaxgraph as jg
from jaxgraph import cli
from jaxgraph.demo import char_rnn

ROOT = Path(__file__).resolve().parents[2]


def test_char_rnn_short_run(tmp_path):
    argv = ["--steps", "40", "--hidden", "32", "--seq-len", "16", "--batch-size", "16", "--max-chars", "200000",
            "--sample-length", "30", "--out", str(tmp_path), "--quiet"]  # fmt: skip
    result = char_rnn.main(argv)
    assert result["final_loss"] < result["first_loss"] - 0.5
    assert result["sample"].startswith("def ") and len(result["sample"]) == 34
    assert result["corpus_chars"] == 200_000
    ir = (tmp_path / "train_step.ir").read_text()
    assert "scan(" in ir and "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel" in ir
    assert (tmp_path / "sample.txt").read_text(encoding="utf-8") == result["sample"]
    assert any((tmp_path / "logs").iterdir())
    assert jg.train.latest_checkpoint(str(tmp_path / "ckpt")).endswith("model-40")


def test_quick_sets_small_sizes_that_explicit_options_override():
    args = char_rnn.parse_args(["--quick", "--steps", "7"])
    assert (args.steps, args.hidden, args.layers) == (7, char_rnn.QUICK["hidden"], char_rnn.QUICK["layers"])
    assert char_rnn.parse_args([]).steps == 2000  # the full walkthrough stays the default


def test_a_corpus_too_small_exits_with_one_line(tmp_path):
    (tmp_path / "tiny.txt").write_text("abc")
    with pytest.raises(SystemExit) as info:
        char_rnn.main(["--text", str(tmp_path / "tiny.txt"), "--out", str(tmp_path), "--quiet"])
    assert str(info.value) == (
        f"jaxgraph demo: the corpus, {tmp_path / 'tiny.txt'}, has 3 characters: fewer than --seq-len 64 + 2 "
        "(pass --text FILE to train on another text)"
    )


def test_jaxgraph_demo_runs_the_walkthrough(tmp_path):
    argv = ["demo", "--steps", "2", "--hidden", "8", "--seq-len", "8", "--batch-size", "4", "--max-chars", "20000",
            "--sample-length", "5", "--out", str(tmp_path), "--quiet"]  # fmt: skip
    assert cli.main(argv) == 0
    assert len((tmp_path / "sample.txt").read_text(encoding="utf-8")) == 9


def _installed_copy(site: Path) -> None:
    """The files ``pip install .`` installs from this checkout: the Python files of the packages
    pyproject.toml's ``[tool.setuptools.packages.find]`` selects, and nothing else."""
    for package in setuptools.find_packages(str(ROOT), include=["jaxgraph*"]):
        folder = Path(*package.split("."))
        (site / folder).mkdir(parents=True)
        for source in (ROOT / folder).glob("*.py"):
            shutil.copy(source, site / folder / source.name)


def test_jaxgraph_demo_quick_runs_from_an_installed_copy(tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    _installed_copy(site)
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    run = [sys.executable, "-c", "import sys, jaxgraph, jaxgraph.cli; print(jaxgraph.__file__, file=sys.stderr); "
           "sys.exit(jaxgraph.cli.main(sys.argv[1:]))", "demo", "--quick"]  # fmt: skip
    done = subprocess.run(run, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == str(site / "jaxgraph" / "__init__.py")  # not this checkout's
    assert "char-rnn step 60/60  loss " in done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("loss ") and " in 60 steps " in lines[1]
    assert lines[4] == "--- sample (temperature 0.7) ---"
    sample = (work / "runs" / "char_rnn" / "sample.txt").read_text(encoding="utf-8")
    assert "\n".join(lines[5:]) == sample and sample.startswith("def ") and len(sample) == 204
