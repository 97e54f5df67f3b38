"""Candidate samplers: TF1's ``tf.nn.{log_uniform,uniform,fixed_unigram}_candidate_sampler``.

One random op, ``candidate_sampler``, draws ``num_sampled`` class ids from ``[0, range_max)``
under a fixed distribution (``distribution`` attribute) and returns TF1's three outputs: the
sampled ids, and the expected count of each true class and of each sampled id among the draws.
It is seeded like every jaxgraph random op (``ops.random``: op seed, graph seed, Session key).

Distributions (TF1's ``range_sampler.cc``):

* ``"log_uniform"``: Zipfian, ``P(k) = (log(k + 2) - log(k + 1)) / log(range_max + 1)``;
* ``"uniform"``: ``P(k) = 1 / range_max``;
* ``"unigram"``: ``P(k)`` proportional to ``unigrams[k - num_reserved_ids] ** distortion``
  (0 for the reserved ids; the ``unigrams`` are the op's second input).

Without ``unique`` the draws are independent (``num_tries = num_sampled``). With ``unique``,
TF1 draws with replacement until it has ``num_sampled`` distinct ids and counts the draws
(``num_tries``). XLA cannot run that data-dependent loop cheaply, so the op samples the same
joint distribution of (ids in order, ``num_tries``) in two vectorised steps:

1. the ids: the top ``num_sampled`` of ``log P + Gumbel noise`` over all ``range_max`` classes
   (Gumbel-top-k), which is exactly sequential sampling without replacement, the order in which
   rejection sampling finds new ids;
2. ``num_tries``: once ``j`` distinct ids of total mass ``S_j`` are found, the draws rejected
   before the next new id are Geometric with failure probability ``S_j``, independent of which
   id comes next; so ``num_tries = num_sampled + sum_j floor(log U_j / log S_j)``.

The cost is O(range_max) per run (noise and a top-k over every class) instead of TF1's
expected O(num_tries). Expected counts follow TF1's ``ExpectedCountHelper``:
``P(k) * num_sampled`` when ``num_tries == num_sampled`` (always without ``unique``), else
``-expm1(num_tries * log1p(-P(k)))``, the probability that ``k`` appeared in ``num_tries`` draws.

Where TF1 and jaxgraph differ: ids are ``int32`` (TF1's ``int64`` needs JAX's x64 mode); the
draws are not TF1's (another generator); a bad ``num_sampled`` is reported when the op is built,
not when it runs. ``vocab_file``, ``num_shards`` and ``shard`` of the unigram sampler are not
supported.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import float32, int32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import construction
from jaxgraph.ops import random as random_ops
from jaxgraph.ops.core import apply, convert_to_tensor, is_int, require

__all__ = ["fixed_unigram_candidate_sampler", "log_uniform_candidate_sampler", "uniform_candidate_sampler"]

DISTRIBUTIONS = ("log_uniform", "uniform", "unigram")


class SampledValues(NamedTuple):
    """A candidate sampler's outputs, named as TF1 names them."""

    sampled_candidates: Tensor
    true_expected_count: Tensor
    sampled_expected_count: Tensor


# ---- the distributions (jax values) ------------------------------------------------------------
def _probabilities(ids, unigrams, *, distribution, range_max, distortion, num_reserved_ids):
    """``P(id)`` for integer ``ids`` (any shape), as TF1's samplers' ``Probability(value)``."""
    ids = ids.astype(jnp.float32)
    if distribution == "log_uniform":
        return jnp.log1p(1.0 / (ids + 1.0)) / np.float32(np.log(range_max + 1.0))
    if distribution == "uniform":
        return jnp.full(ids.shape, 1.0 / range_max, jnp.float32)
    weights = _unigram_weights(unigrams, distortion, num_reserved_ids)
    inside = (ids >= 0) & (ids < range_max)
    picked = weights[jnp.clip(ids.astype(jnp.int32), 0, range_max - 1)]
    return jnp.where(inside, picked / jnp.sum(weights), 0.0)


def _unigram_weights(unigrams, distortion, num_reserved_ids):
    """``unigrams ** distortion`` after ``num_reserved_ids`` zero weights."""
    weights = jnp.power(unigrams.astype(jnp.float32), distortion)
    return jnp.concatenate([jnp.zeros((num_reserved_ids,), jnp.float32), weights])


def _independent_draws(key, unigrams, num_sampled, *, distribution, range_max, distortion, num_reserved_ids):
    """``num_sampled`` draws with replacement (TF1's samplers' ``Sample``)."""
    if distribution == "log_uniform":  # inverse CDF, TF1's formula
        u = jax.random.uniform(key, (num_sampled,), jnp.float32)
        value = jnp.floor(jnp.exp(u * np.float32(np.log(range_max + 1.0)))).astype(jnp.int32) - 1
        return value % range_max
    if distribution == "uniform":
        return jax.random.randint(key, (num_sampled,), 0, range_max, jnp.int32)
    cdf = jnp.cumsum(_unigram_weights(unigrams, distortion, num_reserved_ids))
    u = jax.random.uniform(key, (num_sampled,), jnp.float32) * cdf[-1]
    return jnp.minimum(jnp.searchsorted(cdf, u, side="right"), range_max - 1).astype(jnp.int32)


def _unique_draws(key, probs, num_sampled):
    """Distinct ids by Gumbel-top-k over ``log(probs)`` and the number of with-replacement draws
    rejection sampling would have made (see the module's docstring)."""
    ids_key, tries_key = jax.random.split(key)
    scores = jnp.log(probs) + jax.random.gumbel(ids_key, probs.shape, jnp.float32)
    _, ids = jax.lax.top_k(scores, num_sampled)
    found = jnp.cumsum(probs[ids])[:-1] / jnp.sum(probs)  # mass of the first j ids, j = 1..k-1
    log_repeat = jnp.log(jnp.clip(found, 0.0, 1.0 - 1e-7))
    u = 1.0 - jax.random.uniform(tries_key, found.shape, jnp.float32)  # in (0, 1]
    failures = jnp.where(found > 0, jnp.floor(jnp.log(u) / log_repeat), 0.0)
    return ids.astype(jnp.int32), num_sampled + jnp.sum(failures)


def _expected_count(p, num_tries, num_sampled):
    """TF1's ``ExpectedCountHelper``."""
    return jnp.where(num_tries == num_sampled, p * num_sampled, -jnp.expm1(num_tries * jnp.log1p(-p)))


# ---- the op --------------------------------------------------------------------------------------
@op(
    "candidate_sampler",
    "CandidateSampler",
    attrs={"distribution": REQUIRED, "num_true": REQUIRED, "num_sampled": REQUIRED, "unique": REQUIRED,
           "range_max": REQUIRED, "seed": None, "distortion": 1.0, "num_reserved_ids": 0},
    needs_key=True,
)  # fmt: skip
class CandidateSampler:
    """``num_sampled`` ids from ``[0, range_max)``; the expected counts of ``true_classes`` and
    of the ids (see the module's docstring). Inputs: ``true_classes`` and, for the ``unigram``
    distribution, the ``unigrams``."""

    def infer(true_classes, *unigrams, distribution, num_true, num_sampled, unique, range_max, seed,
              distortion, num_reserved_ids):  # fmt: skip
        require(distribution in DISTRIBUTIONS, f"candidate_sampler: unknown distribution {distribution!r}")
        require(
            len(unigrams) == (distribution == "unigram"),
            f"candidate_sampler: the {distribution} distribution takes {int(distribution == 'unigram')} "
            f"unigrams input(s), got {len(unigrams)}",
        )
        require(
            true_classes.dtype.is_integer and len(true_classes.shape) == 2,
            f"candidate_sampler: true_classes must be an integer matrix, got {true_classes}",
        )
        require(
            true_classes.shape[1] in (None, num_true),
            f"candidate_sampler: true_classes {true_classes} must have num_true = {num_true} columns",
        )
        require(all(is_int(v) and v >= 1 for v in (num_true, num_sampled, range_max)),
                "candidate_sampler: num_true, num_sampled and range_max must be positive ints")  # fmt: skip
        require(
            not unique or num_sampled <= range_max,
            f"Sampler's range is too small: cannot draw {num_sampled} unique ids from range_max = {range_max}",
        )
        random_ops.check_seed_attr(seed, "candidate_sampler")
        return (
            TensorType(int32, TensorShape((num_sampled,))),
            TensorType(float32, true_classes.shape),
            TensorType(float32, TensorShape((num_sampled,))),
        )

    def lower(key, true_classes, *unigrams, distribution, num_true, num_sampled, unique, range_max, seed,
              distortion, num_reserved_ids):  # fmt: skip
        unigrams = unigrams[0] if unigrams else None
        dist = {"distribution": distribution, "range_max": range_max, "distortion": distortion,
                "num_reserved_ids": num_reserved_ids}  # fmt: skip
        if unique:
            all_ids = jnp.arange(range_max, dtype=jnp.int32)
            sampled, num_tries = _unique_draws(key, _probabilities(all_ids, unigrams, **dist), num_sampled)
        else:
            sampled, num_tries = _independent_draws(key, unigrams, num_sampled, **dist), num_sampled
        true_p = _probabilities(true_classes, unigrams, **dist)
        sampled_p = _probabilities(sampled, unigrams, **dist)
        return (
            sampled,
            _expected_count(true_p, num_tries, num_sampled),
            _expected_count(sampled_p, num_tries, num_sampled),
        )

    def grad(op, *grads):
        return tuple(None for _ in op.inputs)


# ---- builders ----------------------------------------------------------------------------------
def _sample(distribution: str, true_classes: Any, num_true: int, num_sampled: int, unique: bool,
            range_max: int, seed: int | None, name: str | None, extra: list[Tensor] = (),
            **attrs: Any) -> SampledValues:  # fmt: skip
    """Builds a ``candidate_sampler`` op; its outputs as TF1's named triple."""
    for what, value in (("num_true", num_true), ("num_sampled", num_sampled), ("range_max", range_max)):
        if not is_int(value) or value < 1:
            raise InvalidArgumentError(
                f"{distribution}_candidate_sampler: {what} must be a positive int, got {value!r}"
            )
    outputs = apply(
        "candidate_sampler", [true_classes, *extra], name, distribution=distribution, num_true=int(num_true),
        num_sampled=int(num_sampled), unique=bool(unique), range_max=int(range_max),
        seed=random_ops.op_seed(seed), **attrs,
    ).outputs  # fmt: skip
    return SampledValues(*outputs)


def log_uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                                  range_max: int, seed: int | None = None,
                                  name: str | None = None) -> SampledValues:  # fmt: skip
    """TF1's ``tf.nn.log_uniform_candidate_sampler``: ids drawn from the Zipfian
    ``P(k) = (log(k + 2) - log(k + 1)) / log(range_max + 1)`` (frequent words first).

    Returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``; the ids are
    int32. ``true_classes``: integer ``[batch, num_true]``. See ``jaxgraph.ops.candidate_sampling``
    for how ``unique`` sampling runs on XLA.
    """
    return _sample("log_uniform", true_classes, num_true, num_sampled, unique, range_max, seed,
                   name or "LogUniformCandidateSampler")  # fmt: skip


def uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                              range_max: int, seed: int | None = None,
                              name: str | None = None) -> SampledValues:  # fmt: skip
    """TF1's ``tf.nn.uniform_candidate_sampler``: ids drawn uniformly from ``[0, range_max)``.

    Returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``.
    """
    return _sample("uniform", true_classes, num_true, num_sampled, unique, range_max, seed,
                   name or "UniformCandidateSampler")  # fmt: skip


def fixed_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                                    range_max: int, vocab_file: str = "", distortion: float = 1.0,
                                    num_reserved_ids: int = 0, num_shards: int = 1, shard: int = 0,
                                    unigrams: Any = (), seed: int | None = None,
                                    name: str | None = None) -> SampledValues:  # fmt: skip
    """TF1's ``tf.nn.fixed_unigram_candidate_sampler`` with in-memory ``unigrams`` (counts or
    probabilities of ids ``num_reserved_ids ..``): ``P(k)`` proportional to
    ``unigrams[k - num_reserved_ids] ** distortion``, 0 for reserved ids.

    ``range_max`` must be ``num_reserved_ids + len(unigrams)``; ``vocab_file`` and sharding are
    not supported. Returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``.
    """
    if vocab_file or num_shards != 1 or shard != 0:
        raise InvalidArgumentError("fixed_unigram_candidate_sampler supports in-memory unigrams only "
                                   "(no vocab_file, num_shards or shard)")  # fmt: skip
    weights = np.asarray(unigrams, np.float32)
    if weights.ndim != 1 or len(weights) + num_reserved_ids != range_max or (weights < 0).any():
        raise InvalidArgumentError(
            f"fixed_unigram_candidate_sampler: unigrams must be {range_max} - {num_reserved_ids} "
            f"non-negative numbers (range_max - num_reserved_ids), got shape {list(weights.shape)}"
        )
    if unique and np.count_nonzero(weights) < num_sampled:
        raise InvalidArgumentError(
            f"Sampler's range is too small: cannot draw {num_sampled} unique ids from "
            f"{np.count_nonzero(weights)} ids of nonzero weight"
        )
    return _sample("unigram", true_classes, num_true, num_sampled, unique, range_max, seed,
                   name or "FixedUnigramCandidateSampler", [construction.constant(weights)],
                   distortion=float(distortion), num_reserved_ids=int(num_reserved_ids))  # fmt: skip


def as_sampled_values(values: Any) -> SampledValues:
    """A user's ``sampled_values`` triple as Tensors (ids, true and sampled expected counts)."""
    if not isinstance(values, (tuple, list)) or len(values) != 3:
        raise InvalidArgumentError(
            "sampled_values must be a (sampled_candidates, true_expected_count, sampled_expected_count) triple"
        )
    return SampledValues(*(convert_to_tensor(v) for v in values))
