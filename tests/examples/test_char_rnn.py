"""The char-RNN walkthrough in a short mode: a few steps of a small model on the standard
library's sources; the loss falls, a sample comes out, and the IR dump (and, where jaxgraph has
them, TensorBoard logs and a checkpoint) are written."""

from __future__ import annotations

import sys

import jaxgraph as jg
from jaxgraph import cli
from tests.helpers import load_example


def test_char_rnn_short_run(tmp_path):
    argv = ["--steps", "40", "--hidden", "32", "--seq-len", "16", "--batch-size", "16", "--max-chars", "200000",
            "--sample-length", "30", "--out", str(tmp_path), "--quiet"]  # fmt: skip
    result = load_example("char_rnn").main(argv)
    assert result["final_loss"] < result["first_loss"] - 0.5
    assert result["sample"].startswith("def ") and len(result["sample"]) == 34
    assert result["corpus_chars"] == 200_000
    ir = (tmp_path / "train_step.ir").read_text()
    assert "scan(" in ir and "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel" in ir
    assert (tmp_path / "sample.txt").read_text(encoding="utf-8") == result["sample"]
    if hasattr(jg, "summary"):
        assert any((tmp_path / "logs").iterdir())
    if hasattr(jg.train, "Saver"):
        assert jg.train.latest_checkpoint(str(tmp_path / "ckpt")).endswith("model-40")


def test_jaxgraph_demo_runs_the_walkthrough(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", sys.argv[:])
    argv = ["demo", "--steps", "2", "--hidden", "8", "--seq-len", "8", "--batch-size", "4", "--max-chars", "20000",
            "--sample-length", "5", "--out", str(tmp_path), "--quiet"]  # fmt: skip
    assert cli.main(argv) == 0
    assert len((tmp_path / "sample.txt").read_text(encoding="utf-8")) == 9
