"""TF1's pooling ``tf.layers``: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` and their
functions (``max_pooling2d`` ...), one ``_Pooling`` base over ``tf.nn``'s ``max_pool`` /
``avg_pool`` ops (``max_pooling2d/MaxPool``). ``strides`` is required, as in TF1; ``"same"`` average pooling averages over the input elements a window covers."""

from __future__ import annotations

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
from jaxgraph.ops import pooling as pool_ops


class _Pooling(Layer):
    """Max or average pooling over ``rank`` spatial dimensions (the shared base)."""

    rank = 2
    kind = "MAX"

    def __init__(self, pool_size: Any, strides: Any, padding: str = "valid", data_format: str = "channels_last",
                 name: str | None = None, **kwargs: Any):  # fmt: skip
        super().__init__(name=name, **kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        if strides is None:
            raise InvalidArgumentError("Argument `strides` must not be None.")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.ndim != self.rank + 2:
            raise InvalidArgumentError(
                f"Input 0 of layer {self.name} is incompatible with the layer: expected ndim={self.rank + 2}, "
                f"found ndim={inputs.ndim}. Full shape received: {inputs.shape.as_list()}"
            )
        fmt = nn_data_format(self.data_format, self.rank)
        return pool_ops.pool(inputs, self.pool_size, self.kind, self.padding.upper(), strides=self.strides,
                             data_format=fmt)  # fmt: skip


class MaxPooling1D(_Pooling):
    """The maximum of each ``pool_size`` window over ``[batch, width, channels]``; TF1's
    ``tf.layers.MaxPooling1D``."""

    rank, kind = 1, "MAX"


class MaxPooling2D(_Pooling):
    """The maximum of each ``pool_size`` window over ``[batch, height, width, channels]``; TF1's
    ``tf.layers.MaxPooling2D``."""

    rank, kind = 2, "MAX"


class MaxPooling3D(_Pooling):
    """The maximum of each ``pool_size`` window over ``[batch, depth, height, width, channels]``;
    TF1's ``tf.layers.MaxPooling3D``."""

    rank, kind = 3, "MAX"


class AveragePooling1D(_Pooling):
    """The mean of each ``pool_size`` window over ``[batch, width, channels]``; TF1's
    ``tf.layers.AveragePooling1D``."""

    rank, kind = 1, "AVG"


class AveragePooling2D(_Pooling):
    """The mean of each ``pool_size`` window over ``[batch, height, width, channels]``; TF1's
    ``tf.layers.AveragePooling2D``."""

    rank, kind = 2, "AVG"


class AveragePooling3D(_Pooling):
    """The mean of each ``pool_size`` window over ``[batch, depth, height, width, channels]``;
    TF1's ``tf.layers.AveragePooling3D``."""

    rank, kind = 3, "AVG"


def max_pooling1d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """``MaxPooling1D`` applied to ``inputs``; TF1's ``tf.layers.max_pooling1d``."""
    return apply_layer(MaxPooling1D, **locals())


def max_pooling2d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """``MaxPooling2D`` applied to ``inputs``; TF1's ``tf.layers.max_pooling2d``."""
    return apply_layer(MaxPooling2D, **locals())


def max_pooling3d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """``MaxPooling3D`` applied to ``inputs``; TF1's ``tf.layers.max_pooling3d``."""
    return apply_layer(MaxPooling3D, **locals())


def average_pooling1d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """``AveragePooling1D`` applied to ``inputs``; TF1's ``tf.layers.average_pooling1d``."""
    return apply_layer(AveragePooling1D, **locals())


def average_pooling2d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """``AveragePooling2D`` applied to ``inputs``; TF1's ``tf.layers.average_pooling2d``."""
    return apply_layer(AveragePooling2D, **locals())


def average_pooling3d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """``AveragePooling3D`` applied to ``inputs``; TF1's ``tf.layers.average_pooling3d``."""
    return apply_layer(AveragePooling3D, **locals())


__all__ = [
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "average_pooling1d", "average_pooling2d", "average_pooling3d", "max_pooling1d", "max_pooling2d",
    "max_pooling3d",
]  # fmt: skip
