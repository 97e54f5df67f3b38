"""Random ops and dropout: distribution statistics, seeding (TF1's graph + op seed rules),
fresh values per run, separate streams per op, and the exact type errors."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import run

N = 100_000


def test_distributions_have_the_requested_statistics():
    normal = jg.random_normal((N,), mean=2.0, stddev=3.0)
    uniform = jg.random_uniform((N // 100, 100), minval=-1.0, maxval=3.0)
    truncated = jg.truncated_normal((N,), mean=1.0, stddev=2.0)
    half = jg.random_normal((N,), dtype=jg.float16)
    assert [t.shape.as_list() for t in (normal, uniform)] == [[N], [N // 100, 100]]
    normal, uniform, truncated, half = run([normal, uniform, truncated, half])
    assert normal.dtype == np.float32 and half.dtype == np.float16
    assert normal.mean() == pytest.approx(2.0, abs=0.05) and normal.std() == pytest.approx(3.0, rel=0.02)
    assert uniform.min() >= -1.0 and uniform.max() < 3.0
    assert uniform.mean() == pytest.approx(1.0, abs=0.02)
    assert uniform.std() == pytest.approx(4 / np.sqrt(12), rel=0.02)
    assert truncated.min() >= -3.0 and truncated.max() <= 5.0  # within two stddevs of the mean
    assert truncated.mean() == pytest.approx(1.0, abs=0.03)
    assert truncated.std() == pytest.approx(2 * 0.87962566, rel=0.02)  # std of N(0,1) cut at ±2
    assert np.float32(half).mean() == pytest.approx(0.0, abs=0.02)
    assert np.float32(half).std() == pytest.approx(1.0, rel=0.02)


def _draws(graph_seed, op_seed=None, runs=2):
    """Values of one random op of each kind (and a dropout) over ``runs`` runs of a fresh graph."""
    graph = jg.Graph()
    with graph.as_default():
        if graph_seed is not None:
            jg.set_random_seed(graph_seed)
        fetches = [
            jg.random_normal((8,), seed=op_seed),
            jg.random_uniform((8,)),
            jg.truncated_normal((8,)),
            jg.nn.dropout(jg.ones((8,)), 0.5),
        ]
    with jg.Session(graph=graph) as sess:
        return np.array([np.concatenate(sess.run(fetches)) for _ in range(runs)])


def test_graph_and_op_seeds_reproduce_across_fresh_graphs_and_sessions():
    first, second = _draws(graph_seed=7, op_seed=3), _draws(graph_seed=7, op_seed=3)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first[0], first[1])  # every run draws new values
    assert not np.array_equal(first, _draws(graph_seed=8, op_seed=3))
    assert not np.array_equal(first[:, :8], _draws(graph_seed=7, op_seed=4)[:, :8])


def test_unseeded_graphs_draw_different_values_in_each_session():
    assert not np.array_equal(_draws(None, runs=1), _draws(None, runs=1))


@pytest.mark.parametrize("graph_seed", [None, 5])
def test_each_op_draws_its_own_stream(graph_seed):
    if graph_seed is not None:
        jg.set_random_seed(graph_seed)
    a, b = jg.random_normal((64,)), jg.random_normal((64,))
    same_a, same_b = jg.random_uniform((64,), seed=11), jg.random_uniform((64,), seed=11)
    a, b, same_a, same_b = run([a, b, same_a, same_b])
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(same_a, same_b)  # TF1: equal seeds give equal sequences


@pytest.mark.parametrize("unknown_batch", [False, True])
def test_dropout_keeps_the_expected_fraction_and_rescales(unknown_batch):
    x_val = np.ones((N // 100, 100), np.float32)
    x = jg.placeholder(jg.float32, (None, 100) if unknown_batch else x_val.shape)
    by_keep = jg.nn.dropout(x, keep_prob=0.3)
    by_rate = jg.nn.dropout(x, rate=0.3)
    kinds = {t.op.inputs[0].op.inputs[0].op.type for t in (by_keep, by_rate)}
    assert kinds == {"random_uniform_like" if unknown_batch else "random_uniform"}
    keep_val, rate_val = run([by_keep, by_rate], {x: x_val})
    for out, keep in ((keep_val, 0.3), (rate_val, 0.7)):
        kept = out != 0
        assert kept.mean() == pytest.approx(keep, abs=0.01)
        np.testing.assert_array_equal(out[kept], np.float32(1 / keep))
        assert out.mean() == pytest.approx(1.0, abs=0.03)  # unbiased in expectation


@pytest.mark.parametrize(
    "build, message, op_name, op_type",
    [
        (
            lambda: jg.random_normal((2, 3), dtype=jg.int32),
            "random_normal draws floating-point values, not i32",
            "RandomStandardNormal",
            "random_normal",
        ),
        (
            lambda: jg.random_normal((None, 3)),
            "random_normal needs a fully known shape, got [None, 3]",
            "RandomStandardNormal",
            "random_normal",
        ),
        (
            lambda: jg.random_uniform((2, -1), name="u"),
            "random_uniform's shape [2, -1] has a negative dimension",
            "u",
            "random_uniform",
        ),
        (
            lambda: jg.truncated_normal(4, dtype=jg.bool),
            "truncated_normal draws floating-point values, not bool",
            "TruncatedNormal",
            "truncated_normal",
        ),
    ],
)
def test_random_ops_reject_bad_types(build, message, op_name, op_type):
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    line = build.__code__.co_firstlineno
    assert str(info.value) == f"{message}\n  op '{op_name}' ({op_type}) defined at {__file__}:{line}"
