"""The examples, run in a short mode."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_linear_regression_fits_w_and_b():
    w, b, loss = _load("linear_regression").main(steps=60, verbose=False)
    assert w == pytest.approx(3.0, abs=0.05) and b == pytest.approx(2.0, abs=0.05) and loss < 0.01


def test_digits_mlp_reaches_95_percent():
    assert _load("digits_mlp").main(epochs=12, verbose=False) >= 0.95


def test_demo_runs(capsys):
    _load("demo").main()
    assert "max |jaxgraph - numpy|" in capsys.readouterr().out
