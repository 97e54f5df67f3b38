"""The examples, run in a short mode."""

from __future__ import annotations

import pytest

from tests.helpers import EXAMPLES, load_example


def test_linear_regression_fits_w_and_b():
    w, b, loss = load_example("linear_regression").main(steps=60, verbose=False)
    assert w == pytest.approx(3.0, abs=0.05) and b == pytest.approx(2.0, abs=0.05) and loss < 0.01


def test_digits_mlp_reaches_95_percent():
    assert load_example("digits_mlp").main(epochs=12, verbose=False) >= 0.95


def test_demo_runs(capsys):
    load_example("demo").main()
    assert "max |jaxgraph - numpy|" in capsys.readouterr().out


def test_tensorboard_graph_writes_the_screenshots_run(tmp_path, monkeypatch):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.syspath_prepend(str(EXAMPLES))  # the example imports its sibling digits_mlp
    losses = load_example("tensorboard_graph").write_run(tmp_path, steps=3, batch_size=16)
    events = EventAccumulator(str(tmp_path / "digits"), size_guidance={"histograms": 0})  # keep all
    events.Reload()
    names = {node.name: node for node in events.Graph().node}
    assert {"hidden1/kernel", "hidden1/bias", "hidden1/MatMul", "hidden1/Add", "hidden1/Relu"} <= set(names)
    assert list(names["hidden1/MatMul"].input) == ["x", "hidden1/kernel/read"]
    assert [(e.step, e.value) for e in events.Scalars("loss")] == [
        (step, pytest.approx(loss, rel=1e-6)) for step, loss in enumerate(losses)
    ]
    assert [e.step for e in events.Histograms("logits/kernel_values")] == [0, 1, 2]


def test_mnist_cnn_with_tf_layers_and_batch_norm_learns():
    assert load_example("mnist_cnn").main(epochs=3, width=0.25, batch_norm=True, verbose=False) >= 0.85
