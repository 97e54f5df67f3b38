"""Random ops: normal, uniform and truncated normal draws from an explicit key.

A random op is lowered with a key folded from the Session's key and the op's seed, so each op
has its own stream, every run draws new values, and ``set_random_seed`` + op seeds make runs
reproducible (TF1's semantics). The op ``seed`` attribute is fixed when the op is created: the
given seed, else (with a graph seed) the op's position in the graph, as TF1's ``get_seed`` does.
Seeds are ints that fit in 64 bits (anything else is an InvalidArgumentError when the op is
built); an op seed is stored modulo ``2**31 - 1``, as TF1 truncates it.
"""

from __future__ import annotations

from typing import Any

import jax

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import INT64_MAX, apply1, check_dims, is_int, require

_RANDOM_ATTRS = {"shape": REQUIRED, "dtype": float32, "seed": None}

SEED_MODULUS = 2**31 - 1
"""TF1's ``_MAXINT32``: op seeds are taken modulo it (so they fit ``jax.random.fold_in``)."""


def seed_problem(seed: Any) -> str | None:
    """Why ``seed`` is not a seed (an int that fits in 64 bits, or None); None if it is one."""
    if seed is None:
        return None
    if not is_int(seed):
        return f"seed must be an int or None, got {seed!r}"
    if not -INT64_MAX - 1 <= seed <= INT64_MAX:
        return f"seed {seed} does not fit in 64 bits"
    return None


def check_seed_attr(seed: Any, op_name: str) -> None:
    """A random op's ``seed`` attribute: None, or an op seed already taken modulo 2**31 - 1."""
    problem = seed_problem(seed)
    if problem is None and seed is not None and not 0 <= seed < SEED_MODULUS:
        problem = f"seed {seed} is not in [0, {SEED_MODULUS}): op seeds are taken modulo 2**31 - 1"
    require(problem is None, f"{op_name}: {problem}")


def _random_infer(op_name: str):
    def infer(*, shape, dtype, seed, **params):
        check_dims(shape, op_name)
        require(dtype.is_floating, f"{op_name} draws floating-point values, not {dtype.short}")
        check_seed_attr(seed, op_name)
        return TensorType(dtype, TensorShape(shape))

    return infer


@op("random_normal", "RandomStandardNormal", attrs={**_RANDOM_ATTRS, "mean": 0.0, "stddev": 1.0},
    needs_key=True)  # fmt: skip
class RandomNormal:
    infer = _random_infer("random_normal")

    def lower(key, *, shape, dtype, seed, mean, stddev):
        return mean + stddev * jax.random.normal(key, shape, dtype.np)


@op("random_uniform", "RandomUniform", attrs={**_RANDOM_ATTRS, "minval": 0.0, "maxval": 1.0},
    needs_key=True)  # fmt: skip
class RandomUniform:
    infer = _random_infer("random_uniform")

    def lower(key, *, shape, dtype, seed, minval, maxval):
        return jax.random.uniform(key, shape, dtype.np, minval, maxval)


@op("truncated_normal", "TruncatedNormal", attrs={**_RANDOM_ATTRS, "mean": 0.0, "stddev": 1.0},
    needs_key=True)  # fmt: skip
class TruncatedNormal:
    """Normal draws re-drawn beyond two standard deviations (TF1's truncation)."""

    infer = _random_infer("truncated_normal")

    def lower(key, *, shape, dtype, seed, mean, stddev):
        return mean + stddev * jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype.np)


def op_seed(seed: int | None) -> Any:
    """TF1's op-seed rule: the given seed (modulo 2**31 - 1), else the graph's op count when a graph
    seed is set. A bad seed is returned as given, for the op's type rule to report."""
    if seed is not None:
        return seed if seed_problem(seed) else int(seed) % SEED_MODULUS
    graph = get_default_graph()
    return len(graph.operations) if graph.seed is not None else None


def _shape(shape: Any) -> tuple[Any, ...]:
    """A shape attribute; unknown dims stay None (and non-ints as given) for the type rule to report."""
    dims = (shape,) if is_int(shape) else tuple(shape)
    return tuple(int(d) if is_int(d) else d for d in dims)


def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = float32,
                  seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    """Draws from N(``mean``, ``stddev``²), new values each run; TF1's ``tf.random_normal``."""
    return apply1("random_normal", [], name, shape=_shape(shape), dtype=as_dtype(dtype),
                  seed=op_seed(seed), mean=float(mean), stddev=float(stddev))  # fmt: skip


def random_uniform(shape: Any, minval: float = 0.0, maxval: float | None = None, dtype: Any = float32,
                   seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    """Draws uniformly from ``[minval, maxval)`` (``maxval`` defaults to 1), new values each run; TF1's ``tf.random_uniform``."""
    return apply1("random_uniform", [], name, shape=_shape(shape), dtype=as_dtype(dtype),
                  seed=op_seed(seed), minval=float(minval),
                  maxval=float(1.0 if maxval is None else maxval))  # fmt: skip


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = float32,
                     seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    """Normal draws re-drawn beyond two ``stddev`` of ``mean``, new values each run; TF1's ``tf.truncated_normal``."""
    return apply1("truncated_normal", [], name, shape=_shape(shape), dtype=as_dtype(dtype),
                  seed=op_seed(seed), mean=float(mean), stddev=float(stddev))  # fmt: skip
