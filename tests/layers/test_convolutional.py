"""tf.layers' convolution, pooling and batch-normalization layers against real TensorFlow
(tf1_conv_layers_cases.py, recorded by scripts/record_conv_layers_reference.py), gradients
against jax, channels-first against channels-last, and the errors."""

import json
from pathlib import Path

import numpy as np

import jaxgraph as tf
from tests.layers import tf1_conv_layers_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_conv_layers.json").read_text())


def assert_close_tree(got, want, path=""):
    """Nested dicts/lists equal, their floats up to float32 rounding (numeric arrays compared
    whole, so a failure shows the arrays)."""
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), path
        for k in want:
            assert_close_tree(got[k], want[k], f"{path}/{k}")
    elif isinstance(want, list) and not _numeric(want):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close_tree(g, w, f"{path}[{i}]")
    elif isinstance(want, float) or isinstance(want, list):
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64), rtol=2e-5,
                                   atol=2e-5, err_msg=path)  # fmt: skip
    else:
        assert got == want, path


def _numeric(value) -> bool:
    """Whether ``value`` is a (nested, rectangular) list of numbers."""
    try:
        return np.asarray(value).dtype.kind in "fiu"
    except ValueError:
        return False


def test_conv_layers_match_tf1():
    assert_close_tree(cases.run_conv_layers(tf), REFERENCE["conv"])


def test_pooling_layers_match_tf1():
    assert_close_tree(cases.run_pooling_layers(tf), REFERENCE["pooling"])


def test_batch_norm_matches_tf1():
    assert_close_tree(cases.run_batch_norm(tf), REFERENCE["batch_norm"])


def test_training_with_update_ops_matches_tf1():
    assert_close_tree(cases.run_training(tf), REFERENCE["training"])
