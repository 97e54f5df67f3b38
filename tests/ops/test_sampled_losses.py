"""Word2vec's sampled losses and the candidate samplers (``jg.nn.nce_loss``,
``sampled_softmax_loss``, ``*_candidate_sampler``): values and gradients against TF1's recorded
outputs (``scripts/record_sampled_losses.py``), a NumPy reference of TF1's formula and
``jax.vjp``; the samplers' distributions against the exact probabilities; seeding; errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.ops.sampled_losses import compute_sampled_logits
from tests.helpers import assert_close, run
from tests.helpers import check_build_error as _check_error

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "sampled_losses.json").read_text())
LOSS_CASES = FIXTURE["losses"]
WEIGHTS, BIASES, INPUTS = (np.asarray(FIXTURE[k], np.float32) for k in ("weights", "biases", "inputs"))
FLOAT_MAX = np.finfo(np.float32).max


def _zipf(range_max):
    k = np.arange(range_max, dtype=np.float64)
    return (np.log(k + 2) - np.log(k + 1)) / np.log(range_max + 1)


# ---- references of TF1's formula ---------------------------------------------------------------
def _sampled_logits(xp, weights, biases, inputs, case):
    """TF1's ``_compute_sampled_logits`` over NumPy or jax.numpy (``xp``)."""
    labels, sampled = np.asarray(case["labels"]), np.asarray(case["sampled"])
    num_true = labels.shape[1]
    true_logits = xp.sum(inputs[:, None, :] * weights[labels], axis=2) + biases[labels]
    sampled_logits = inputs @ weights[sampled].T + biases[sampled]
    if case["remove_accidental_hits"]:
        last = np.array([sampled[i] not in sampled[i + 1 :] for i in range(len(sampled))])
        hits = (labels[:, :, None] == sampled[None, None, :]).any(axis=1) & last
        sampled_logits = sampled_logits + np.where(hits, -FLOAT_MAX, 0).astype(np.float32)
    true_logits = true_logits - np.log(np.float32(case["true_expected_count"]))
    sampled_logits = sampled_logits - np.log(np.float32(case["sampled_expected_count"]))
    logits = xp.concatenate([true_logits, sampled_logits], axis=1)
    targets = np.concatenate([np.full(true_logits.shape, 1 / num_true), np.zeros(sampled_logits.shape)], 1)
    return logits, targets.astype(np.float32)


def _reference_loss(xp, weights, biases, inputs, case):
    logits, z = _sampled_logits(xp, weights, biases, inputs, case)
    if case["loss"] == "nce_loss":
        return xp.sum(xp.maximum(logits, 0) - logits * z + xp.log1p(xp.exp(-xp.abs(logits))), axis=1)
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    return -xp.sum(z * (shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))), axis=1)


def _build(case, w, b, x):
    values = (
        jg.constant(case["sampled"]),
        jg.constant(np.float32(case["true_expected_count"])),
        jg.constant(np.float32(case["sampled_expected_count"])),
    )
    loss = getattr(jg.nn, case["loss"])
    return loss(w, b, jg.constant(case["labels"]), x, num_sampled=len(case["sampled"]),
                num_classes=FIXTURE["num_classes"], num_true=len(case["labels"][0]), sampled_values=values,
                remove_accidental_hits=case["remove_accidental_hits"])  # fmt: skip


def _loss_and_grads(case):
    w, b, x = (jg.placeholder(jg.float32, v.shape) for v in (WEIGHTS, BIASES, INPUTS))
    loss = _build(case, w, b, x)
    return run([loss, jg.gradients(loss, [w, b, x])], {w: WEIGHTS, b: BIASES, x: INPUTS})


@pytest.mark.parametrize("case", LOSS_CASES, ids=[c["id"] for c in LOSS_CASES])
def test_losses_and_gradients_match_tf1_numpy_and_jax_vjp(case):
    """Against TF1's recorded outputs, a NumPy reference of TF1's formula (float64), and
    ``jax.vjp`` of that formula with the same sampled ids."""
    loss, grads = _loss_and_grads(case)
    assert_close(loss, np.float32(case["value"]), rtol=1e-5, atol=1e-5)
    for got, key in zip(grads, ("grad_weights", "grad_biases", "grad_inputs"), strict=True):
        assert_close(got, np.float32(case[key]), rtol=1e-5, atol=1e-5)
    wide = (v.astype(np.float64) for v in (WEIGHTS, BIASES, INPUTS))
    assert_close(loss, _reference_loss(np, *wide, case).astype(np.float32), rtol=1e-5, atol=1e-5)
    _, vjp = jax.vjp(lambda w, b, x: _reference_loss(jnp, w, b, x, case), WEIGHTS, BIASES, INPUTS)
    for got, expected in zip(grads, vjp(np.ones(len(case["labels"]), np.float32)), strict=True):
        assert_close(got, np.asarray(expected), rtol=1e-5, atol=1e-5)


def test_accidental_hits_are_removed_at_the_last_repeat_of_an_id():
    case = next(c for c in LOSS_CASES if c["id"] == "softmax_repeated_ids")
    sampled_values = (
        case["sampled"],
        np.float32(case["true_expected_count"]),
        np.float32(case["sampled_expected_count"]),
    )
    logits, _ = compute_sampled_logits(WEIGHTS, BIASES, case["labels"], INPUTS, 5, 12, 2, sampled_values,
                                       remove_accidental_hits=True)  # fmt: skip
    logits = run(logits)
    # row 1's true class 4 was sampled at positions 0 and 2: TF1 removes position 2 only
    assert logits[1, 2 + 0] > -1e30 and logits[1, 2 + 2] < -1e30
    assert (logits < -1e30).sum() == 2  # and row 2's class 2 (positions 1 and 4) at position 4


def test_default_sampler_draws_new_classes_each_run_and_trains():
    jg.set_random_seed(1)
    w = jg.Variable(WEIGHTS)
    b = jg.Variable(BIASES)
    labels = jg.constant([[1], [4], [7]])
    per_example = jg.nn.nce_loss(w, b, labels, INPUTS, num_sampled=4, num_classes=12)
    loss = jg.reduce_mean(per_example)
    sampled = next(op for op in jg.get_default_graph().operations if op.type == "candidate_sampler")
    assert sampled.attrs["unique"] and sampled.attrs["distribution"] == "log_uniform"
    assert per_example.name.startswith("nce_loss/") and sampled.name.startswith("nce_loss/")
    step = jg.train.GradientDescentOptimizer(0.1).minimize(loss)
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        draws = [sess.run(sampled.outputs[0]) for _ in range(4)]
        before = np.mean([sess.run(loss) for _ in range(8)])
        for _ in range(30):
            sess.run(step)
        after = np.mean([sess.run(loss) for _ in range(8)])
    assert len({tuple(np.asarray(d).tolist()) for d in draws}) > 1
    assert after < before


# ---- the samplers ------------------------------------------------------------------------------
SAMPLER_CASES = FIXTURE["samplers"]


@pytest.mark.parametrize("case", SAMPLER_CASES, ids=[c["id"] for c in SAMPLER_CASES])
def test_sampler_expected_counts_of_true_classes_match_tf1(case):
    sampler = getattr(jg.nn, case["sampler"])
    out = sampler(jg.constant(case["true_classes"]), 2, case["num_sampled"], False, seed=3, **case["kwargs"])
    assert [t.dtype for t in out] == [jg.int32, jg.float32, jg.float32]
    assert_close(run(out.true_expected_count), np.float32(case["true_expected_count"]), rtol=1e-5)


def _lowered_draws(sampler, runs, **kwargs):
    """``runs`` draws of one sampler op, by vmapping its own lowering over keys."""
    out = sampler(jg.constant([[0]]), 1, **kwargs)
    op = out.sampled_candidates.op
    inputs = [run(t) for t in op.inputs]
    keys = jax.random.split(jax.random.key(0), runs)
    return jax.jit(jax.vmap(lambda k: op.op_def.lower(k, *inputs, **op.attrs)))(keys)


def test_log_uniform_draws_follow_zipf():
    range_max, runs, k = 20, 400, 50
    sampled, _, sampled_ec = _lowered_draws(jg.nn.log_uniform_candidate_sampler, runs,
                                            num_sampled=k, unique=False, range_max=range_max)  # fmt: skip
    p = _zipf(range_max)
    counts = np.bincount(np.asarray(sampled).ravel(), minlength=range_max)
    n = runs * k
    assert np.all(np.abs(counts - n * p) <= 5 * np.sqrt(n * p * (1 - p)))  # 5 sigma per class
    assert_close(np.asarray(sampled_ec), np.float32(p[np.asarray(sampled)] * k), rtol=1e-5)


def _without_replacement(p, k):
    """Exact inclusion probabilities and E[num_tries] of drawing with replacement until ``k``
    distinct ids (TF1's unique sampling), by enumerating the ordered outcomes."""
    inclusion, tries = np.zeros(len(p)), 0.0
    for order in itertools.permutations(range(len(p)), k):
        prob, found, expected_tries = 1.0, 0.0, k
        for i in order:
            prob *= p[i] / (1 - found)
            expected_tries += found / (1 - found)  # mean rejections before the next new id
            found += p[i]
        inclusion[list(order)] += prob
        tries += prob * expected_tries
    return inclusion, tries


def test_unique_log_uniform_draws_match_sampling_without_replacement():
    range_max, k, runs = 6, 3, 4000
    sampled, true_ec, sampled_ec = (np.asarray(a) for a in _lowered_draws(
        jg.nn.log_uniform_candidate_sampler, runs, num_sampled=k, unique=True, range_max=range_max))  # fmt: skip
    assert all(len(set(row)) == k for row in sampled)
    p = _zipf(range_max)
    # every expected count is -expm1(num_tries * log1p(-p)) for one integer num_tries >= k
    # (or p * k when num_tries == k)
    first_try = np.isclose(sampled_ec, p[sampled] * k, rtol=1e-5).all(axis=1)
    below_one = np.where(first_try[:, None], 0.5, sampled_ec)  # p * k may exceed 1
    tries = np.where(first_try[:, None], k, np.log1p(-below_one.astype(np.float64)) / np.log1p(-p[sampled]))
    assert np.allclose(tries, tries[:, :1], atol=1e-2) and np.allclose(tries, np.round(tries), atol=1e-2)
    assert (np.round(tries) >= k).all()
    assert_close(true_ec[:, 0, 0], np.float32(np.where(first_try, p[0] * k, -np.expm1(tries[:, 0] * np.log1p(-p[0])))),
                 rtol=1e-4)  # fmt: skip
    inclusion, expected_tries = _without_replacement(p, k)
    frequency = np.bincount(sampled.ravel(), minlength=range_max) / runs
    assert np.all(np.abs(frequency - inclusion) <= 5 * np.sqrt(inclusion * (1 - inclusion) / runs))
    assert abs(np.mean(tries[:, 0]) - expected_tries) <= 5 * np.std(tries[:, 0]) / np.sqrt(runs)


def test_uniform_and_unigram_draws_follow_their_distributions():
    runs, k = 400, 50
    sampled = np.asarray(_lowered_draws(jg.nn.uniform_candidate_sampler, runs, num_sampled=k,
                                        unique=False, range_max=5)[0])  # fmt: skip
    n = runs * k
    assert np.all(np.abs(np.bincount(sampled.ravel(), minlength=5) - n / 5) <= 5 * np.sqrt(n * 0.2 * 0.8))
    unigrams = [5.0, 1.0, 0.0, 2.0]
    sampled = np.asarray(_lowered_draws(jg.nn.fixed_unigram_candidate_sampler, runs, num_sampled=k,
                                        unique=False, range_max=5, unigrams=unigrams, num_reserved_ids=1,
                                        distortion=0.5)[0])  # fmt: skip
    weights = np.r_[0.0, np.sqrt(unigrams)]
    p = weights / weights.sum()
    counts = np.bincount(sampled.ravel(), minlength=5)
    assert counts[0] == counts[3] == 0
    assert np.all(np.abs(counts - n * p) <= 5 * np.sqrt(n * p * (1 - p)))


def test_unique_unigram_draws_skip_zero_weights():
    sampled = np.asarray(_lowered_draws(jg.nn.fixed_unigram_candidate_sampler, 50, num_sampled=3,
                                        unique=True, range_max=5, unigrams=[5.0, 1.0, 0.0, 2.0],
                                        num_reserved_ids=1)[0])  # fmt: skip
    assert {tuple(sorted(row)) for row in sampled} == {(1, 2, 4)}


def test_samplers_are_seeded_like_other_random_ops():
    def draws(graph_seed, op_seed):
        with jg.Graph().as_default() as g:
            g.seed = graph_seed
            out = jg.nn.log_uniform_candidate_sampler([[1]], 1, 8, True, 1000, seed=op_seed)
            with jg.Session(graph=g) as sess:
                return np.stack([sess.run(out.sampled_candidates) for _ in range(3)])

    first = draws(7, 3)
    np.testing.assert_array_equal(first, draws(7, 3))
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first, draws(7, 4))


def test_sampler_has_no_gradient():
    op_def = get_op_def("candidate_sampler")
    out = jg.nn.uniform_candidate_sampler([[1]], 1, 2, True, 10)
    assert op_def.grad(out.sampled_candidates.op, None, None, None) == (None,)


# ---- errors ------------------------------------------------------------------------------------
def test_bad_sampler_arguments():
    classes = jg.constant([[1, 2]])
    _check_error(lambda: jg.nn.log_uniform_candidate_sampler(classes, 2, 11, True, 10),
                 "Sampler's range is too small: cannot draw 11 unique ids from range_max = 10",
                 "LogUniformCandidateSampler", "candidate_sampler")  # fmt: skip
    _check_error(lambda: jg.nn.uniform_candidate_sampler(classes, 1, 2, True, 10, name="s1"),
                 "candidate_sampler: true_classes i32[1,2] must have num_true = 1 columns",
                 "s1", "candidate_sampler")  # fmt: skip
    _check_error(lambda: jg.nn.uniform_candidate_sampler(jg.constant([1.0]), 1, 2, True, 10, name="s2"),
                 "candidate_sampler: true_classes must be an integer matrix, got f32[1]",
                 "s2", "candidate_sampler")  # fmt: skip
    _check_error(lambda: jg.nn.uniform_candidate_sampler(classes, 2, 0, True, 10),
                 "uniform_candidate_sampler: num_sampled must be a positive int, got 0")  # fmt: skip
    _check_error(lambda: jg.nn.fixed_unigram_candidate_sampler(classes, 2, 2, True, 4, unigrams=[1.0, 2.0]),
                 "fixed_unigram_candidate_sampler: unigrams must be 4 - 0 non-negative numbers "
                 "(range_max - num_reserved_ids), got shape [2]")  # fmt: skip
    _check_error(lambda: jg.nn.fixed_unigram_candidate_sampler(classes, 2, 3, True, 3, unigrams=[1.0, 0.0, 2.0]),
                 "Sampler's range is too small: cannot draw 3 unique ids from 2 ids of nonzero weight")  # fmt: skip
    _check_error(lambda: jg.nn.fixed_unigram_candidate_sampler(classes, 2, 2, True, 3, vocab_file="v.txt"),
                 "fixed_unigram_candidate_sampler supports in-memory unigrams only (no vocab_file, num_shards "
                 "or shard)")  # fmt: skip


def test_bad_loss_arguments():
    w, b = jg.constant(WEIGHTS), jg.constant(BIASES)
    _check_error(lambda: jg.nn.nce_loss(w, b, jg.constant([1, 2, 3]), INPUTS, 4, 12),
                 "labels must be an integer [batch_size, num_true = 1] matrix, got i32[3]")  # fmt: skip
    _check_error(lambda: jg.nn.sampled_softmax_loss([w, w], b, [[1], [2], [3]], INPUTS, 4, 12),
                 "weights: sharded lists are not supported, got 2 shards")  # fmt: skip
    _check_error(lambda: jg.nn.nce_loss(w, b, [[1], [2], [3]], INPUTS, 4, 12, partition_strategy="x"),
                 "Unrecognized partition_strategy: x")  # fmt: skip
    _check_error(lambda: jg.nn.nce_loss(w, b, [[1], [2], [3]], INPUTS, 4, 12, sampled_values=(1, 2)),
                 "sampled_values must be a (sampled_candidates, true_expected_count, sampled_expected_count) triple")  # fmt: skip
