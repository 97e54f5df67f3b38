"""TF1's initializers: callables ``(shape, dtype) -> Tensor`` for ``get_variable``."""

from __future__ import annotations

import math
from typing import Any

from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import construction
from jaxgraph.ops import random as random_ops


class Initializer:
    """Base class: ``init(shape, dtype=None, partition_info=None) -> Tensor``."""

    dtype: Any = float32

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        raise NotImplementedError


class zeros_initializer(Initializer):
    """Initializer of all zeros; TF1's ``tf.zeros_initializer``."""

    def __init__(self, dtype: Any = float32):
        self.dtype = dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return construction.zeros(shape, as_dtype(dtype or self.dtype))


class ones_initializer(Initializer):
    """Initializer of all ones; TF1's ``tf.ones_initializer``."""

    def __init__(self, dtype: Any = float32):
        self.dtype = dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return construction.ones(shape, as_dtype(dtype or self.dtype))


class constant_initializer(Initializer):
    """Initializer that fills the shape with ``value`` (a scalar, or an array of that shape); TF1's ``tf.constant_initializer``."""

    def __init__(self, value: Any = 0, dtype: Any = float32):
        self.value, self.dtype = value, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return construction.constant(self.value, dtype=as_dtype(dtype or self.dtype), shape=shape)


class random_normal_initializer(Initializer):
    """Initializer drawing from N(``mean``, ``stddev``²); TF1's ``tf.random_normal_initializer``."""

    def __init__(self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None, dtype: Any = float32):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return random_ops.random_normal(shape, self.mean, self.stddev, dtype or self.dtype, self.seed)


class truncated_normal_initializer(random_normal_initializer):
    """Like ``random_normal_initializer`` but redraws values beyond 2 ``stddev``; TF1's ``tf.truncated_normal_initializer``."""

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return random_ops.truncated_normal(shape, self.mean, self.stddev, dtype or self.dtype, self.seed)


class random_uniform_initializer(Initializer):
    """Initializer drawing uniformly from ``[minval, maxval)``; TF1's ``tf.random_uniform_initializer``."""

    def __init__(
        self, minval: float = 0.0, maxval: float = 1.0, seed: int | None = None, dtype: Any = float32
    ):
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype or self.dtype, self.seed)


class glorot_uniform_initializer(Initializer):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)); the default of ``get_variable`` (TF1)."""

    def __init__(self, seed: int | None = None, dtype: Any = float32):
        self.seed, self.dtype = seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        shape = tuple(shape)
        if not shape:
            fan_in = fan_out = 1
        elif len(shape) == 1:
            fan_in = fan_out = shape[0]
        else:
            receptive = math.prod(shape[:-2])
            fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
        limit = math.sqrt(6.0 / max(1.0, fan_in + fan_out))
        return random_ops.random_uniform(shape, -limit, limit, dtype or self.dtype, self.seed)
