"""TF1's convolution ``tf.layers``: ``Conv1D``/``Conv2D``/``Conv3D``, ``Conv2DTranspose``/
``Conv3DTranspose``, ``SeparableConv2D`` and their functions (``conv2d`` ...).

One ``_Conv`` base serves every rank, as in TF1: the kernel is ``<layer>/kernel``
``kernel_size + [in_channels, filters]`` (``[..., filters, in_channels]`` for the transposed
layers), the bias ``<layer>/bias`` ``[filters]``; the op is ``tf.nn``'s convolution named after
the class (``conv2d/Conv2D``), then ``conv2d/BiasAdd`` and the activation. Channels-first
outputs get their bias by a broadcast ``add`` (jaxgraph's ``bias_add`` is channels-last only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.layers.base import (
    Layer,
    apply_layer,
    nn_data_format,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)
from jaxgraph.layers.core import add_activity_regularization, refuse_constraints
from jaxgraph.ops import convolution as conv_ops
from jaxgraph.ops import nn as nn_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.tracer import initializers

Activation = Callable[[Tensor], Tensor] | None


class _Conv(Layer):
    """TF1's ``tf.layers`` convolution of ``rank`` spatial dimensions (the shared base)."""

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = 1, activation: Activation = None,
                 use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any):  # fmt: skip
        refuse_constraints(kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        super().__init__(trainable=trainable, name=name, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise InvalidArgumentError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}."
            )
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise InvalidArgumentError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation, self.use_bias = activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel: Any = None
        self.bias: Any = None

    @property
    def _nn_format(self) -> str:
        return nn_data_format(self.data_format, self.rank)

    def _input_channels(self, input_shape: Any) -> int:
        """The inputs' channel count (checking their rank), which the kernel needs."""
        if len(input_shape) != self.rank + 2:
            raise InvalidArgumentError(
                f"Input 0 of layer {self.name} is incompatible with the layer: expected ndim={self.rank + 2}, "
                f"found ndim={len(input_shape)}. Full shape received: {list(input_shape)}"
            )
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        if channels is None:
            raise InvalidArgumentError(
                f"The channel dimension of the inputs should be defined. Found `None`. (shape {list(input_shape)})"
            )
        return int(channels)

    def _kernel_shape(self, in_channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, in_channels, self.filters)

    def build(self, input_shape: Any) -> None:
        in_channels = self._input_channels(input_shape)
        self.kernel = self.add_weight("kernel", self._kernel_shape(in_channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)  # fmt: skip
        self._build_bias()

    def _build_bias(self) -> None:
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.filters,), initializer=self.bias_initializer or initializers.zeros_initializer(),
                regularizer=self.bias_regularizer,
            )  # fmt: skip

    def _convolve(self, inputs: Tensor) -> Tensor:
        return conv_ops.convolution(inputs, self.kernel, self.padding.upper(), strides=self.strides,
                                    dilation_rate=self.dilation_rate, name=type(self).__name__,
                                    data_format=self._nn_format)  # fmt: skip

    def call(self, inputs: Tensor) -> Tensor:
        outputs = self._convolve(inputs)
        if self.use_bias:
            if self.data_format == "channels_last":
                outputs = nn_ops.bias_add(outputs, self.bias)
            else:
                outputs = outputs + shape_ops.reshape(self.bias, (1, self.filters) + (1,) * self.rank)
        if self.activation is not None:
            outputs = self.activation(outputs)
        add_activity_regularization(self.activity_regularizer, outputs)
        return outputs


class Conv1D(_Conv):
    """1-D convolution over ``[batch, width, channels]`` (or channels first); TF1's
    ``tf.layers.Conv1D``."""

    rank = 1


class Conv2D(_Conv):
    """2-D convolution over ``[batch, height, width, channels]`` (or channels first); TF1's
    ``tf.layers.Conv2D``."""

    rank = 2


class Conv3D(_Conv):
    """3-D convolution over ``[batch, depth, height, width, channels]`` (or channels first);
    TF1's ``tf.layers.Conv3D``."""

    rank = 3


class _ConvTranspose(_Conv):
    """The transposed convolution (the gradient of a convolution for its input): kernel
    ``kernel_size + [filters, in_channels]``; TF1's output size per dimension is
    ``in * stride + max(kernel - stride, 0)`` for ``"valid"``, ``in * stride`` for ``"same"``."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", activation: Activation = None, use_bias: bool = True,
                 kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any):  # fmt: skip
        super().__init__(filters, kernel_size, strides, padding, data_format, 1, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, trainable, name, **kwargs)  # fmt: skip

    def _kernel_shape(self, in_channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, self.filters, in_channels)

    def _output_shape(self, input_shape: list) -> list:
        """The static output shape (``None`` for an unknown batch)."""
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        if None in spatial:
            raise InvalidArgumentError(
                f"{type(self).__name__} needs the inputs' spatial dimensions to be known, got shape {input_shape}"
            )
        sizes = [
            n * s + (max(k - s, 0) if self.padding == "valid" else 0)
            for n, k, s in zip(spatial, self.kernel_size, self.strides)
        ]
        return [input_shape[0], self.filters, *sizes] if first else [input_shape[0], *sizes, self.filters]

    def _convolve(self, inputs: Tensor) -> Tensor:
        transpose = conv_ops.conv2d_transpose if self.rank == 2 else conv_ops.conv3d_transpose
        return transpose(inputs, self.kernel, self._output_shape(inputs.shape.as_list()), strides=self.strides,
                         padding=self.padding.upper(), data_format=self._nn_format, name=type(self).__name__)  # fmt: skip


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution (a ``conv2d_backprop_input`` op); TF1's
    ``tf.layers.Conv2DTranspose``."""

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution (a ``conv3d_backprop_input`` op); TF1's
    ``tf.layers.Conv3DTranspose``."""

    rank = 3


class SeparableConv2D(_Conv):
    """A depthwise 2-D convolution (``depth_multiplier`` filters per input channel) followed by
    a 1x1 convolution to ``filters`` channels; Variables ``depthwise_kernel``
    ``[kh, kw, in, depth_multiplier]``, ``pointwise_kernel`` ``[1, 1, in * depth_multiplier,
    filters]`` and ``bias``; TF1's ``tf.layers.SeparableConv2D``."""

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = 1, depth_multiplier: int = 1,
                 activation: Activation = None, use_bias: bool = True, depthwise_initializer: Any = None,
                 pointwise_initializer: Any = None, bias_initializer: Any = None, depthwise_regularizer: Any = None,
                 pointwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None, bias_constraint: Any = None,
                 trainable: bool = True, name: str | None = None, **kwargs: Any):  # fmt: skip
        refuse_constraints(
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint
        )
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         None, bias_initializer, None, bias_regularizer, activity_regularizer, None,
                         bias_constraint, trainable, name, **kwargs)  # fmt: skip
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer
        self.depthwise_regularizer, self.pointwise_regularizer = depthwise_regularizer, pointwise_regularizer
        self.depthwise_kernel: Any = None
        self.pointwise_kernel: Any = None

    def build(self, input_shape: Any) -> None:
        in_channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", (*self.kernel_size, in_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
        )  # fmt: skip
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1, 1, in_channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
        )  # fmt: skip
        self._build_bias()

    def _convolve(self, inputs: Tensor) -> Tensor:
        fmt = self._nn_format
        strides = (1, *self.strides, 1) if fmt == "NHWC" else (1, 1, *self.strides)
        return conv_ops.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, strides,
                                         self.padding.upper(), rate=self.dilation_rate, data_format=fmt)  # fmt: skip


def conv1d(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
           data_format: str = "channels_last", dilation_rate: Any = 1, activation: Activation = None,
           use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
           kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
           kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``Conv1D`` layer applied to ``inputs``; TF1's ``tf.layers.conv1d``."""
    return apply_layer(Conv1D, **locals())


def conv2d(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
           data_format: str = "channels_last", dilation_rate: Any = 1, activation: Activation = None,
           use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
           kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
           kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``Conv2D`` layer applied to ``inputs``; TF1's ``tf.layers.conv2d``."""
    return apply_layer(Conv2D, **locals())


def conv3d(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
           data_format: str = "channels_last", dilation_rate: Any = 1, activation: Activation = None,
           use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
           kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
           kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``Conv3D`` layer applied to ``inputs``; TF1's ``tf.layers.conv3d``."""
    return apply_layer(Conv3D, **locals())


def conv2d_transpose(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                     data_format: str = "channels_last", activation: Activation = None, use_bias: bool = True,
                     kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                     bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                     bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                     reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``Conv2DTranspose`` layer applied to ``inputs``; TF1's ``tf.layers.conv2d_transpose``."""
    return apply_layer(Conv2DTranspose, **locals())


def conv3d_transpose(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                     data_format: str = "channels_last", activation: Activation = None, use_bias: bool = True,
                     kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                     bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                     bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                     reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``Conv3DTranspose`` layer applied to ``inputs``; TF1's ``tf.layers.conv3d_transpose``."""
    return apply_layer(Conv3DTranspose, **locals())


def separable_conv2d(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                     data_format: str = "channels_last", dilation_rate: Any = 1, depth_multiplier: int = 1,
                     activation: Activation = None, use_bias: bool = True, depthwise_initializer: Any = None,
                     pointwise_initializer: Any = None, bias_initializer: Any = None,
                     depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                     bias_regularizer: Any = None, activity_regularizer: Any = None,
                     depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                     bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                     reuse: Any = None) -> Tensor:  # fmt: skip
    """A new ``SeparableConv2D`` layer applied to ``inputs``; TF1's ``tf.layers.separable_conv2d``."""
    return apply_layer(SeparableConv2D, **locals())


__all__ = [
    "Conv1D", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "SeparableConv2D", "conv1d", "conv2d",
    "conv2d_transpose", "conv3d", "conv3d_transpose", "separable_conv2d",
]  # fmt: skip
