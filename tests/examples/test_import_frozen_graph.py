"""examples/import_frozen_graph.py reproduces TensorFlow's recorded output and writes its graph."""

from tests.helpers import load_example


def test_the_example_matches_tensorflow_and_writes_the_graph(tmp_path, capsys):
    difference = load_example("import_frozen_graph").main(logdir=tmp_path)
    assert difference < 1e-6
    assert any(tmp_path.iterdir())
    assert "%probabilities = softmax(%logits) : f32[?,5]" in capsys.readouterr().out
