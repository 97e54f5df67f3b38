"""TF1's ``tf.contrib.layers``: ``flatten``, ``fully_connected``, the initializers
``xavier_initializer`` / ``variance_scaling_initializer`` and ``l2_regularizer``.

``fully_connected`` owns TF1's Variables ``fully_connected/weights`` and
``fully_connected/biases``; each call without ``scope`` opens a new scope, uniquified as TF1
does (``fully_connected``, ``fully_connected_1``, ...), and its regularization losses go to the
``regularization_losses`` collection (``GraphKeys.REGULARIZATION_LOSSES``), where TF1 programs
sum them into the training loss.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.layers.base import dense_over_last_axis as _dense_over_last_axis
from jaxgraph.layers.base import flatten_batch as _flatten_batch
from jaxgraph.layers.base import layer_scope as _layer_scope
from jaxgraph.ops import construction
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import nn as nn_ops
from jaxgraph.ops import random as random_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer import initializers as _initializers
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.variables import Variable, get_variable, variable_scope

__all__ = [
    "flatten", "fully_connected", "l2_regularizer", "variance_scaling_initializer", "xavier_initializer",
    "xavier_initializer_conv2d",
]  # fmt: skip

_MODES = ("FAN_IN", "FAN_OUT", "FAN_AVG")


class _VarianceScaling(_initializers.Initializer):
    """``variance_scaling_initializer``'s initializer: see that function."""

    def __init__(self, factor: float, mode: str, uniform: bool, seed: int | None, dtype: Any) -> None:
        self.factor, self.mode, self.uniform, self.seed, self.dtype = factor, mode, uniform, seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        dtype = _floating(dtype or self.dtype)
        shape = tuple(int(d) for d in shape)
        n = _fan(shape, self.mode)
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return random_ops.random_uniform(shape, -limit, limit, dtype, self.seed)
        stddev = math.sqrt(1.3 * self.factor / n)
        return random_ops.truncated_normal(shape, 0.0, stddev, dtype, self.seed)


def _floating(dtype: Any) -> Any:
    dtype = as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"Cannot create initializer for non-floating point type {dtype.name}.")
    return dtype


def _fan(shape: tuple[int, ...], mode: str) -> float:
    """TF1 contrib's fan: ``fan_in = shape[-2]``, ``fan_out = shape[-1]``, both times the
    receptive field (the product of the leading dimensions); a vector's fan is its length."""
    if not shape:
        fan_in = fan_out = 1.0
    else:
        fan_in = float(shape[-2] if len(shape) > 1 else shape[-1])
        fan_out = float(shape[-1])
        receptive = float(math.prod(shape[:-2]))
        fan_in, fan_out = fan_in * receptive, fan_out * receptive
    return {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]


def variance_scaling_initializer(factor: float = 2.0, mode: str = "FAN_IN", uniform: bool = False,
                                 seed: int | None = None, dtype: Any = float32) -> _initializers.Initializer:  # fmt: skip
    """An initializer whose values have variance ``factor / n``, ``n`` the fan of ``mode``
    (``FAN_IN``, ``FAN_OUT`` or their mean ``FAN_AVG``): a truncated normal with stddev
    ``sqrt(1.3 * factor / n)`` (1.3 undoes the truncation's shrinking), or with ``uniform``
    values in ``±sqrt(3 * factor / n)``. The default is He et al.'s initialization; TF1's
    ``tf.contrib.layers.variance_scaling_initializer``."""
    _floating(dtype)
    if mode not in _MODES:
        raise InvalidArgumentError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
    return _VarianceScaling(float(factor), mode, uniform, seed, dtype)


def xavier_initializer(
    uniform: bool = True, seed: int | None = None, dtype: Any = float32
) -> _initializers.Initializer:
    """Glorot & Bengio's initializer: ``variance_scaling_initializer(1.0, "FAN_AVG", uniform)``,
    i.e. uniform in ``±sqrt(6 / (fan_in + fan_out))`` (``jg.glorot_uniform_initializer``'s
    values) or a truncated normal with stddev ``sqrt(2.6 / (fan_in + fan_out))``. TF1's
    ``tf.contrib.layers.xavier_initializer``."""
    return variance_scaling_initializer(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer


def l2_regularizer(scale: float, scope: str | None = None) -> Callable[[Tensor], Tensor | None]:
    """A function ``weights -> scale * l2_loss(weights)`` (``scale * sum(w ** 2) / 2``), for
    ``fully_connected``'s ``weights_regularizer``; a scale of 0 gives a function returning None
    (no loss). TF1's ``tf.contrib.layers.l2_regularizer``."""
    if isinstance(scale, numbers.Integral):
        raise InvalidArgumentError(f"scale cannot be an integer: {scale}")
    if not isinstance(scale, numbers.Real):
        raise InvalidArgumentError(f"scale must be a float, got {type(scale).__name__}")
    if scale < 0.0:
        raise InvalidArgumentError(f"Setting a scale less than 0 on a regularizer: {scale:g}.")
    if scale == 0.0:
        return lambda _: None

    def l2(weights: Tensor) -> Tensor:
        with get_default_graph().name_scope(scope or "l2_regularizer"):
            return math_ops.multiply(
                construction.constant(scale, dtype=weights.dtype, name="scale"), nn_ops.l2_loss(weights)
            )

    return l2


def flatten(inputs: Any, outputs_collections: Any = None, scope: str | None = None) -> Tensor:
    """``inputs`` reshaped to ``[batch, k]``: the first dimension (the batch, possibly unknown)
    kept, the others flattened into one. TF1's ``tf.contrib.layers.flatten``."""
    x = convert_to_tensor(inputs)
    with get_default_graph().name_scope(scope or "Flatten"):
        flat = _flatten_batch(x, "flatten")
    _collect(outputs_collections, flat)
    return flat


def _collect(collections: Any, value: Any) -> None:
    """Adds ``value`` to the named collection(s) (None: none)."""
    if collections is None:
        return
    for name in [collections] if isinstance(collections, str) else collections:
        get_default_graph().add_to_collection(name, value)


def _for_variable(collections: Any, name: str) -> Any:
    """The collections for Variable ``name``: ``collections`` itself, or its entry for ``name``
    when it is a dict (TF1's ``variables_collections``)."""
    return collections.get(name) if isinstance(collections, dict) else collections


def _model_variable(name: str, shape: tuple[int, ...], dtype: Any, initializer: Any,
                    regularizer: Any, trainable: bool) -> Variable:  # fmt: skip
    """``get_variable`` that also files a new Variable under MODEL_VARIABLES and its
    regularizer's loss under REGULARIZATION_LOSSES (TF1's ``model_variable``)."""
    graph = get_default_graph()
    known = set(map(id, graph.get_collection(GraphKeys.GLOBAL_VARIABLES)))
    variable = get_variable(
        name, shape, dtype, initializer=initializer, regularizer=regularizer, trainable=trainable
    )
    if id(variable) not in known:
        graph.add_to_collection(GraphKeys.MODEL_VARIABLES, variable)
    return variable


def fully_connected(inputs: Any, num_outputs: int, activation_fn: Callable[[Tensor], Tensor] | None = math_ops.relu,
                    normalizer_fn: Any = None, normalizer_params: Any = None,
                    weights_initializer: Any = xavier_initializer(), weights_regularizer: Any = None,
                    biases_initializer: Any = _initializers.zeros_initializer(), biases_regularizer: Any = None,
                    reuse: Any = None, variables_collections: Any = None, outputs_collections: Any = None,
                    trainable: bool = True, scope: str | None = None) -> Tensor:  # fmt: skip
    """A dense layer ``activation_fn(inputs @ weights + biases)`` over the inputs' last axis,
    with TF1's Variables ``<scope>/weights`` ``[depth, num_outputs]`` and ``<scope>/biases``
    (none when ``biases_initializer`` is None); ``scope`` defaults to a new
    ``fully_connected``, ``fully_connected_1``, .... Regularizer losses go to
    ``GraphKeys.REGULARIZATION_LOSSES``. ``normalizer_fn(x, **normalizer_params)`` replaces the
    biases when given, as in TF1. TF1's ``tf.contrib.layers.fully_connected``."""
    if isinstance(num_outputs, bool) or not isinstance(num_outputs, numbers.Integral):
        raise InvalidArgumentError(f"num_outputs type should be an int, got {type(num_outputs).__name__}.")
    if scope is None and reuse is True:
        raise InvalidArgumentError("fully_connected: reuse=True cannot be used without a scope")
    x = convert_to_tensor(inputs)
    if x.ndim < 2 or x.shape[-1] is None:
        raise InvalidArgumentError(
            f"fully_connected needs inputs of rank >= 2 with a known last dimension, got shape {x.shape.as_list()}"
        )
    with variable_scope(_layer_scope(scope, "fully_connected"), reuse=reuse):
        shape = (int(x.shape[-1]), int(num_outputs))
        weights = _model_variable(
            "weights", shape, x.dtype, weights_initializer, weights_regularizer, trainable
        )
        _collect(_for_variable(variables_collections, "weights"), weights)
        outputs = _dense_over_last_axis(x, weights, "fully_connected")
        if normalizer_fn is not None:
            outputs = normalizer_fn(outputs, **(normalizer_params or {}))
        elif biases_initializer is not None:
            biases = _model_variable(
                "biases", shape[1:], x.dtype, biases_initializer, biases_regularizer, trainable
            )
            _collect(_for_variable(variables_collections, "biases"), biases)
            outputs = nn_ops.bias_add(outputs, biases)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
    _collect(outputs_collections, outputs)
    return outputs


_guard_public_functions(globals())  # errors from these builders end at the user's line
