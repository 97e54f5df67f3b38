"""TF1's core ``tf.layers``: ``Dense``/``dense``, ``Dropout``/``dropout``, ``Flatten``/``flatten``.

The functions build one layer object and call it, as TF1's do, so a function call and a class
instance create the same Variables (``dense/kernel`` ``[in, units]``, ``dense/bias`` ``[units]``)
and ops (``dense/MatMul``, ``dense/BiasAdd``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError, UnimplementedError
from jaxgraph.ir.graph import Tensor
from jaxgraph.layers.base import Layer, dense_over_last_axis, flatten_batch
from jaxgraph.ops import control_flow, identity
from jaxgraph.ops import nn as nn_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer import initializers
from jaxgraph.tracer.graph_collections import GraphKeys


def refuse_constraints(**constraints: Any) -> None:
    """TF1's ``*_constraint`` arguments, refused when set (jaxgraph's optimizers do not project)."""
    for name, value in constraints.items():
        if value is not None:
            raise UnimplementedError(f"{name}= is not supported by jaxgraph's layers")


def add_activity_regularization(regularizer: Any, outputs: Tensor) -> None:
    """Files ``regularizer(outputs)`` under REGULARIZATION_LOSSES (TF1's activity regularizer)."""
    if regularizer is not None:
        with get_default_graph().name_scope("ActivityRegularizer"):
            loss = regularizer(outputs)
        if loss is not None:
            get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the inputs' last axis; TF1's
    ``tf.layers.Dense``."""

    def __init__(self, units: int, activation: Callable[[Tensor], Tensor] | None = None, use_bias: bool = True,
                 kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any):  # fmt: skip
        refuse_constraints(kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        super().__init__(trainable=trainable, name=name, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise InvalidArgumentError(f"Dense: units must be a positive int, got {units!r}")
        self.units, self.activation, self.use_bias = units, activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel: Any = None
        self.bias: Any = None

    def build(self, input_shape: Any) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise InvalidArgumentError(
                f"The last dimension of the inputs to `Dense` should be defined. Found `None`. (shape {list(input_shape)})"
            )
        self.kernel = self.add_weight(
            "kernel", (int(input_shape[-1]), self.units), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.units,), initializer=self.bias_initializer or initializers.zeros_initializer(),
                regularizer=self.bias_regularizer,
            )  # fmt: skip

    def call(self, inputs: Tensor) -> Tensor:
        outputs = dense_over_last_axis(inputs, self.kernel, "Dense")
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        add_activity_regularization(self.activity_regularizer, outputs)
        return outputs


def dense(inputs: Any, units: int, activation: Callable[[Tensor], Tensor] | None = None, use_bias: bool = True,
          kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
          bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
          bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
          reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``Dense`` layer applied to ``inputs``; TF1's ``tf.layers.dense``."""
    layer = Dense(units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                  bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, trainable,
                  name, _reuse=reuse)  # fmt: skip
    return layer(inputs)


class Dropout(Layer):
    """Dropout at ``rate`` when ``training`` (a Python bool or a boolean tensor), the identity
    otherwise; TF1's ``tf.layers.Dropout``."""

    def __init__(self, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None, name: str | None = None,
                 **kwargs: Any):  # fmt: skip
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs: Tensor, training: Any = False) -> Tensor:
        drop = lambda: nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        if isinstance(training, bool):
            return drop() if training else identity.identity(inputs)
        return control_flow.cond(convert_to_tensor(training), drop, lambda: identity.identity(inputs))


def dropout(inputs: Any, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None,
            training: Any = False, name: str | None = None) -> Tensor:  # fmt: skip
    """``Dropout(rate)`` applied to ``inputs`` (only when ``training``); TF1's ``tf.layers.dropout``."""
    return Dropout(rate, noise_shape, seed, name)(inputs, training=training)


class Flatten(Layer):
    """Inputs reshaped to ``[batch, k]`` (channels moved last first for ``channels_first``);
    TF1's ``tf.layers.Flatten``."""

    def __init__(self, data_format: str = "channels_last", name: str | None = None, **kwargs: Any):
        super().__init__(name=name, **kwargs)
        if data_format not in ("channels_last", "channels_first"):
            raise InvalidArgumentError(
                f'The `data_format` argument must be one of "channels_first", "channels_last". Received: {data_format}'
            )
        self.data_format = data_format

    def call(self, inputs: Tensor) -> Tensor:
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = shape_ops.transpose(inputs, [0, *range(2, inputs.ndim), 1])
        return flatten_batch(inputs, "Flatten")


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    """``Flatten`` applied to ``inputs``; TF1's ``tf.layers.flatten``."""
    return Flatten(data_format, name)(inputs)


__all__ = ["Dense", "Dropout", "Flatten", "dense", "dropout", "flatten"]
