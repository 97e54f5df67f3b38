"""The examples, run in a short mode."""

from __future__ import annotations

import pytest

from tests.helpers import load_example


def test_linear_regression_fits_w_and_b():
    w, b, loss = load_example("linear_regression").main(steps=60, verbose=False)
    assert w == pytest.approx(3.0, abs=0.05) and b == pytest.approx(2.0, abs=0.05) and loss < 0.01


def test_digits_mlp_reaches_95_percent():
    assert load_example("digits_mlp").main(epochs=12, verbose=False) >= 0.95


def test_demo_runs(capsys):
    load_example("demo").main()
    assert "max |jaxgraph - numpy|" in capsys.readouterr().out
