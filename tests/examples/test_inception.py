"""examples/inception.py: TF-slim's Inception-v3 built from tf.nn ops. The full-size graph is
built (never compiled) and compared with Keras's InceptionV3, recorded by
``scripts/record_inception_reference.py`` (TF-slim's network without the auxiliary head); a
narrow model at 107x107 trains for three steps."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import load_example

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "inception_v3_reference.json").read_text())
inception = load_example("inception")


def _params(variables) -> int:
    return sum(int(np.prod(v.shape.as_list())) for v in variables)


@pytest.fixture(scope="module")
def full():
    """The full-size training graph (299x299, 1001 classes, auxiliary head) and its Variables by name."""
    graph, tensors, counts = inception.build()
    variables = {v.op.name: v for v in graph.get_collection("variables")}
    return graph, tensors, counts, variables


def test_variables_have_tf_slims_names_and_shapes(full):
    variables = full[3]
    expected = {
        "InceptionV3/Conv2d_1a_3x3/weights": [3, 3, 3, 32],
        "InceptionV3/Conv2d_1a_3x3/BatchNorm/beta": [32],
        "InceptionV3/Conv2d_1a_3x3/BatchNorm/moving_mean": [32],
        "InceptionV3/Mixed_5b/Branch_1/Conv2d_0b_5x5/weights": [5, 5, 48, 64],
        "InceptionV3/Mixed_5c/Branch_1/Conv_1_0c_5x5/weights": [5, 5, 48, 64],
        "InceptionV3/Mixed_6a/Branch_0/Conv2d_1a_1x1/weights": [3, 3, 288, 384],
        "InceptionV3/Mixed_6e/Branch_2/Conv2d_0e_1x7/weights": [1, 7, 192, 192],
        "InceptionV3/Mixed_7c/Branch_1/Conv2d_0c_3x1/weights": [3, 1, 384, 384],
        "InceptionV3/Mixed_7c/Branch_3/Conv2d_0b_1x1/BatchNorm/moving_variance": [192],
        "InceptionV3/AuxLogits/Conv2d_2a_5x5/weights": [5, 5, 128, 768],
        "InceptionV3/AuxLogits/Conv2d_2b_1x1/biases": [1001],
        "InceptionV3/Logits/Conv2d_1c_1x1/weights": [1, 1, 2048, 1001],
        "InceptionV3/Logits/Conv2d_1c_1x1/biases": [1001],
    }
    assert {name: variables[name].shape.as_list() for name in expected} == expected
    assert "InceptionV3/Mixed_5b/Branch_1/Conv2d_0b_5x5/biases" not in variables  # batch norm instead
    assert not variables["InceptionV3/Conv2d_1a_3x3/BatchNorm/moving_mean"].trainable


def test_filters_and_parameter_count_match_keras_and_the_aux_head_table(full):
    graph, _, _, variables = full
    trainable = graph.get_collection("trainable_variables")
    main = [v for v in trainable if not v.op.name.startswith("InceptionV3/AuxLogits/")]
    filters = [
        v.shape.as_list() for v in main if v.op.name.endswith("/weights") and "Logits/" not in v.op.name
    ]
    assert Counter(map(tuple, filters)) == Counter(map(tuple, REFERENCE["filters"]))  # the 94 convolutions
    assert _params(main) == REFERENCE["trainable_parameters"]  # Keras's Dense(1001) = our 1x1 Logits conv
    # TF-slim's auxiliary head: avg pool 5x5/3 -> 1x1 conv 128 (+BN beta) -> 5x5 conv 768 (+beta) -> 1x1 conv 1001 + biases
    aux = (1 * 1 * 768 * 128 + 128) + (5 * 5 * 128 * 768 + 768) + (1 * 1 * 768 * 1001 + 1001)
    assert _params(trainable) - _params(main) == aux
    assert _params(trainable) == 27_145_970 == REFERENCE["trainable_parameters"] + aux


def test_block_output_shapes_at_299(full):
    end_points = full[1]["end_points"]
    shapes = {name: end_points[name].shape.as_list()[1:] for name in REFERENCE["block_shapes"]}
    assert shapes == REFERENCE["block_shapes"]
    assert shapes["Mixed_5b"] == [35, 35, 256] and shapes["Mixed_7c"] == [8, 8, 2048]
    assert end_points["AuxLogits"].shape.as_list() == [None, 1001]


def test_op_counts_grow_with_gradients_and_optimizer(full):
    graph, _, counts, _ = full
    assert counts["optimizer"] == len(graph.get_operations())
    assert 0 < counts["forward"] < counts["gradients"] < counts["optimizer"]
    types = Counter(op.type for op in graph.get_operations())
    assert types["conv2d"] == types["conv2d_backprop_input"] == types["conv2d_backprop_filter"] == 94 + 4
    assert types["fused_batch_norm"] == 94 + 2  # every convolution but the two classifiers


def test_depth_multiplier_scales_every_convolution_but_the_classifiers():
    graph, tensors, _ = inception.build(size=107, num_classes=4, depth_multiplier=0.25)
    variables = {v.op.name: v.shape.as_list() for v in graph.get_collection("variables")}
    assert variables["InceptionV3/Mixed_5b/Branch_1/Conv2d_0b_5x5/weights"] == [5, 5, 16, 16]  # min_depth 16
    assert variables["InceptionV3/Mixed_7c/Branch_2/Conv2d_0a_1x1/weights"] == [1, 1, 512, 112]
    assert variables["InceptionV3/AuxLogits/Conv2d_2a_1x1/weights"] == [1, 1, 32, 192]  # 1x1 at 107x107
    assert tensors["end_points"]["Mixed_7c"].shape.as_list() == [None, 2, 2, 512]


def test_inference_uses_the_moving_averages_and_updates_nothing():
    graph = jg.Graph()
    with graph.as_default():
        images = jg.placeholder(jg.float32, (None, 107, 107, 3))
        logits, _ = inception.inception_v3(images, 4, 0.25, training=False)
    norms = [op for op in graph.get_operations() if op.type == "fused_batch_norm"]
    assert len(norms) == 96 and not any(op.attrs["is_training"] for op in norms)
    assert norms[0].inputs[3].op.name == "InceptionV3/Conv2d_1a_3x3/BatchNorm/moving_mean/read"
    assert not graph.get_collection(jg.GraphKeys.UPDATE_OPS)
    assert not [op for op in graph.get_operations() if "Dropout" in op.name]
    assert logits.shape.as_list() == [None, 4]


def test_three_training_steps_lower_the_loss():
    losses = inception.train(steps=3, verbose=False)
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
