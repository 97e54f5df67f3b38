"""Random ops: normal, uniform and truncated normal draws from an explicit key.

A random op is lowered with a key folded from the Session's key and the op's seed, so each op
has its own stream, every run draws new values, and ``set_random_seed`` + op seeds make runs
reproducible (TF1's semantics). The op ``seed`` attribute is fixed when the op is created: the
given seed, else (with a graph seed) the op's position in the graph, as TF1's ``get_seed`` does.
"""

from __future__ import annotations

from typing import Any

import jax

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import apply1, require

_RANDOM_ATTRS = {"shape": REQUIRED, "dtype": float32, "seed": None}


def _random_infer(op_name: str):
    def infer(*, shape, dtype, seed, **params):
        require(
            all(isinstance(d, int) and d >= 0 for d in shape),
            f"{op_name} needs a fully known shape, got {list(shape)}",
        )
        require(dtype.is_floating, f"{op_name} draws floating-point values, not {dtype.short}")
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


def op_seed(seed: int | None) -> int | None:
    """TF1's op-seed rule: the given seed, else the graph's op count when a graph seed is set."""
    if seed is not None:
        return int(seed)
    graph = get_default_graph()
    return len(graph.operations) if graph.seed is not None else None


def _shape(shape: Any) -> tuple[int, ...]:
    """A shape attribute; unknown dims stay None so the type rule can report them."""
    return (int(shape),) if isinstance(shape, int) else tuple(None if d is None else int(d) for d in shape)


def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = float32,
                  seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    return apply1("random_normal", [], name, shape=_shape(shape), dtype=as_dtype(dtype),
                  seed=op_seed(seed), mean=float(mean), stddev=float(stddev))  # fmt: skip


def random_uniform(shape: Any, minval: float = 0.0, maxval: float | None = None, dtype: Any = float32,
                   seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    return apply1("random_uniform", [], name, shape=_shape(shape), dtype=as_dtype(dtype),
                  seed=op_seed(seed), minval=float(minval),
                  maxval=float(1.0 if maxval is None else maxval))  # fmt: skip


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = float32,
                     seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    return apply1("truncated_normal", [], name, shape=_shape(shape), dtype=as_dtype(dtype),
                  seed=op_seed(seed), mean=float(mean), stddev=float(stddev))  # fmt: skip
