"""tf.metrics against real TensorFlow's results (tf1_metrics_cases.py, recorded by
scripts/record_metrics_reference.py into fixtures/tf1_metrics.json)."""

import json
from pathlib import Path

import numpy as np
import pytest

import jaxgraph as tf
from jaxgraph.errors import InvalidArgumentError
from tests import tf1_metrics_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_metrics.json").read_text())["metrics"]


@pytest.fixture(scope="module")
def results():
    return cases.run_metrics(tf)


def test_local_variables_have_tf1s_names(results):
    assert results["local_variables"] == REFERENCE["local_variables"]


def test_updates_and_values_match_tf1_batch_by_batch(results):
    for got, want in zip(results["updates"], REFERENCE["updates"], strict=True):
        assert sorted(got) == sorted(want)
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=2e-6, abs=1e-7), key
    for key, want in REFERENCE["values"].items():
        assert results["values"][key] == pytest.approx(want, rel=2e-6, abs=1e-7), key


def test_local_variables_initializer_resets_and_collections_are_filled():
    value, update = tf.metrics.accuracy(
        [1, 0, 1], [1, 1, 1], metrics_collections=["m"], updates_collections=["u"]
    )
    assert tf.get_collection("m") == [value] and tf.get_collection("u") == [update]
    assert [v.op.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)] == [
        "accuracy/total",
        "accuracy/count",
    ]
    assert tf.global_variables() == []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(value) == 0.0  # nothing counted yet: div_no_nan
        sess.run(update)
        sess.run(update)
        assert sess.run(value) == pytest.approx(2 / 3)
        sess.run(tf.local_variables_initializer())
        assert sess.run(value) == 0.0


def test_bad_curve():
    with pytest.raises(InvalidArgumentError, match="^curve must be either ROC or PR, XY unknown$"):
        tf.metrics.auc([1], [0.5], curve="XY")
    np.testing.assert_equal(len(cases.BATCHES), 3)
