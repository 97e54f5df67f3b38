"""Random ops: normal, uniform and truncated normal draws from an explicit key.

A random op is lowered with a key folded from the Session's key and the op's seed, so each op
has its own stream, every run draws new values, and ``set_random_seed`` + op seeds make runs
reproducible (TF1's semantics). The op ``seed`` attribute is fixed when the op is created: the
given seed, else (with a graph seed) the op's position in the graph, as TF1's ``get_seed`` does.
Seeds are ints that fit in 64 bits (anything else is an InvalidArgumentError when the op is
built); an op seed is stored modulo ``2**31 - 1``, as TF1 truncates it.

As in TF1, ``shape`` may be a tensor (``jg.shape(x)``, or a list holding tensors): known when the
graph is built it gives the static op, otherwise the op's twin, made static when the Session
specializes the graph to its feeds (``jaxgraph.ops.shape_args``). ``mean``/``stddev`` and
``minval``/``maxval`` may be tensors too: the draw is then scaled and shifted by graph ops, as
TF1 builds it (Python numbers stay attributes of the draw).
"""

from __future__ import annotations

from typing import Any

import jax

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import INT64_MAX, apply1, check_dims, convert_to_tensor, is_int, is_tensor, require
from jaxgraph.ops.shape_args import declare_twin, known_shape, static_or_tensor

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


def _random_infer(op_name: str, partial: bool = False):
    """The type rule of a random op (``partial``: of its twin, whose shape is known in part)."""

    def infer(*, shape, dtype, seed, **params):
        if not partial or shape is not None:
            check_dims(shape, op_name, unknown_ok=partial)
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


for _name in ("random_normal", "random_uniform", "truncated_normal"):
    declare_twin(_name, {"shape": "shape"}, _random_infer(_name, partial=True))


def _draw(op_type: str, shape: Any, dtype: Any, seed: Any, name: str | None, **params: float) -> Tensor:
    """A random op of a static shape, or its twin for a shape tensor known only later."""
    dims, tensor = static_or_tensor(shape)
    attrs = {"dtype": as_dtype(dtype), "seed": op_seed(seed), **params}
    if tensor is not None:
        return apply1(op_type + "_dynamic", [tensor], name, shape=known_shape(tensor), **attrs)
    return apply1(op_type, [], name, shape=_shape(dims), **attrs)


def _scaled(draw: Any, scale: Any, shift: Any, name: str | None) -> Tensor:
    """``draw * scale + shift`` for tensor ``scale``/``shift`` (TF1's construction), named ``name``."""
    dtype = draw.dtype
    scale, shift = (
        convert_to_tensor(v) if is_tensor(v) else convert_to_tensor(float(v), dtype) for v in (scale, shift)
    )
    return apply1("add", [apply1("mul", [draw, scale]), shift], name)


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
    if is_tensor(mean) or is_tensor(stddev):
        return _scaled(_draw("random_normal", shape, dtype, seed, None), stddev, mean, name)
    return _draw("random_normal", shape, dtype, seed, name, mean=float(mean), stddev=float(stddev))


def random_uniform(shape: Any, minval: float = 0.0, maxval: float | None = None, dtype: Any = float32,
                   seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    """Draws uniformly from ``[minval, maxval)`` (``maxval`` defaults to 1), new values each run; TF1's ``tf.random_uniform``."""
    maxval = 1.0 if maxval is None else maxval
    if is_tensor(minval) or is_tensor(maxval):
        draw = _draw("random_uniform", shape, dtype, seed, None)
        low = convert_to_tensor(minval) if is_tensor(minval) else convert_to_tensor(float(minval), draw.dtype)
        high = (
            convert_to_tensor(maxval) if is_tensor(maxval) else convert_to_tensor(float(maxval), draw.dtype)
        )
        return _scaled(draw, apply1("sub", [high, low]), low, name)
    return _draw("random_uniform", shape, dtype, seed, name, minval=float(minval), maxval=float(maxval))


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = float32,
                     seed: int | None = None, name: str | None = None) -> Tensor:  # fmt: skip
    """Normal draws re-drawn beyond two ``stddev`` of ``mean``, new values each run; TF1's ``tf.truncated_normal``."""
    if is_tensor(mean) or is_tensor(stddev):
        return _scaled(_draw("truncated_normal", shape, dtype, seed, None), stddev, mean, name)
    return _draw("truncated_normal", shape, dtype, seed, name, mean=float(mean), stddev=float(stddev))
