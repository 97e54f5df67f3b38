"""TF1's ``tf.layers.BatchNormalization`` / ``batch_normalization``.

Variables ``<layer>/gamma`` and ``/beta`` (trainable), ``/moving_mean`` and ``/moving_variance``
(not trainable, but global, so a Saver keeps them). With ``training`` (a Python bool, or a bool
tensor choosing at run time through ``cond``) the batch statistics normalize, and two update
ops ``moving -= (moving - batch_stat) * (1 - momentum)`` go to ``GraphKeys.UPDATE_OPS`` and
``layer.updates``: run them with the train op, as TF1's classic
``with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))`` does.

As in TF1, the layer is fused by default: 4-D inputs normalized over axis 1 or 3 use one
``fused_batch_norm`` op, whose batch variance, and so the moving variance's update, is
Bessel-corrected (``n / (n - 1)`` times the variance it normalizes with); 5-D inputs over axis 1
or 4 get the same statistics from ``moments``. Other inputs (``fused=False``, other axes and
ranks) use ``moments`` and ``tf.nn.batch_normalization`` and update with the biased variance,
as TF1's non-fused layer does. With a bool tensor, a non-training run leaves the moving
statistics as they are (the update's momentum is 1). Batch renormalization, ``virtual_batch_size``
and ``adjustment`` are not supported.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError, UnimplementedError
from jaxgraph.ir.dtypes import float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.layers.base import Layer
from jaxgraph.layers.core import refuse_constraints
from jaxgraph.ops import construction, control_flow
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import normalization as norm_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer import initializers
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.variables import Variable


def _refuse_unsupported(renorm: bool, virtual_batch_size: Any, adjustment: Any) -> None:
    """Batch renormalization and ghost batches, which jaxgraph does not implement."""
    for what, value in (("renorm=True", renorm), ("virtual_batch_size=", virtual_batch_size),
                        ("adjustment=", adjustment)):  # fmt: skip
        if value not in (None, False):
            raise UnimplementedError(f"BatchNormalization: {what} is not supported by jaxgraph's layers")


class BatchNormalization(Layer):
    """Normalizes its inputs per feature of ``axis`` (an int or a list of ints) with the batch's
    statistics when training and with moving averages of them otherwise, then scales by
    ``gamma`` and shifts by ``beta``; TF1's ``tf.layers.BatchNormalization``."""

    def __init__(self, axis: Any = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = None, gamma_initializer: Any = None,
                 moving_mean_initializer: Any = None, moving_variance_initializer: Any = None,
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, renorm: bool = False, renorm_clipping: Any = None,
                 renorm_momentum: float = 0.99, fused: bool | None = None, trainable: bool = True,
                 virtual_batch_size: int | None = None, adjustment: Any = None, name: str | None = None,
                 **kwargs: Any):  # fmt: skip
        refuse_constraints(beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        _refuse_unsupported(renorm, virtual_batch_size, adjustment)
        super().__init__(trainable=trainable, name=name, **kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, list, tuple)):
            raise InvalidArgumentError(
                f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}"
            )
        self.axis: list[int] = [axis] if isinstance(axis, int) else list(axis)
        self.momentum, self.epsilon, self.center, self.scale = momentum, epsilon, center, scale
        self.beta_initializer = beta_initializer or initializers.zeros_initializer()
        self.gamma_initializer = gamma_initializer or initializers.ones_initializer()
        self.moving_mean_initializer = moving_mean_initializer or initializers.zeros_initializer()
        self.moving_variance_initializer = moving_variance_initializer or initializers.ones_initializer()
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.fused = True if fused is None else fused
        self.gamma: Any = None
        self.beta: Any = None
        self.moving_mean: Any = None
        self.moving_variance: Any = None

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        axes = [a + rank if a < 0 else a for a in self.axis]
        if any(a < 0 or a >= rank for a in axes) or len(set(axes)) != len(axes):
            raise InvalidArgumentError(
                f"Invalid axis {self.axis} for BatchNormalization on inputs of rank {rank} (shape {list(input_shape)})"
            )
        self.axis = sorted(axes)
        if any(input_shape[a] is None for a in self.axis):
            raise InvalidArgumentError(
                f"Input has undefined `axis` dimension. Received input with shape {list(input_shape)} "
                f"and axis={tuple(self.axis)}"
            )
        self.fused = (
            bool(self.fused) and len(self.axis) == 1 and self.axis[0] in {4: (1, 3), 5: (1, 4)}.get(rank, ())
        )
        if len(self.axis) == 1:
            param_shape: tuple = (int(input_shape[self.axis[0]]),)
        else:
            param_shape = tuple(int(input_shape[a]) if a in self.axis else 1 for a in range(rank))
        dtype = float32 if self.dtype.name in ("float16", "bfloat16") else self.dtype
        weight = lambda name, init, reg=None, trainable=True: self.add_weight(  # noqa: E731
            name, param_shape, dtype, initializer=init, regularizer=reg, trainable=trainable
        )
        if self.scale:
            self.gamma = weight("gamma", self.gamma_initializer, self.gamma_regularizer)
        if self.center:
            self.beta = weight("beta", self.beta_initializer, self.beta_regularizer)
        self.moving_mean = weight("moving_mean", self.moving_mean_initializer, trainable=False)
        self.moving_variance = weight("moving_variance", self.moving_variance_initializer, trainable=False)

    def call(self, inputs: Tensor, training: Any = False) -> Tensor:
        if not isinstance(training, bool):
            training = convert_to_tensor(training)
            if training.dtype.name != "bool" or training.ndim != 0:
                raise InvalidArgumentError(f"BatchNormalization: training must be a bool or a bool scalar, got {training}")  # fmt: skip
        if self.fused and inputs.ndim == 4:
            outputs, mean, variance = self._fused(inputs, training)
        else:
            outputs, mean, variance = self._composed(inputs, training)
        if training is not False:
            momentum = self.momentum
            if isinstance(training, Tensor):
                momentum = control_flow.cond(training, lambda: construction.constant(self.momentum, float32),
                                             lambda: construction.constant(1.0, float32))  # fmt: skip
            for variable, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
                update = _assign_moving_average(variable, value, momentum)
                self.updates.append(update)
                get_default_graph().add_to_collection(GraphKeys.UPDATE_OPS, update)
        return outputs

    def _parameters(self) -> tuple[Tensor, Tensor]:
        """``gamma`` and ``beta``, or ones and zeros in their place without ``scale`` / ``center``."""
        shape, dtype = self.moving_mean.shape, self.moving_mean.dtype
        gamma = self.gamma if self.scale else construction.ones(shape, dtype)
        beta = self.beta if self.center else construction.zeros(shape, dtype)
        return gamma, beta

    def _fused(self, inputs: Tensor, training: Any) -> tuple[Tensor, Tensor, Tensor]:
        """The ``fused_batch_norm`` op (4-D inputs): outputs, batch mean and Bessel-corrected
        batch variance (the moving ones when not training)."""
        fmt = "NCHW" if self.axis == [1] else "NHWC"
        gamma, beta = self._parameters()
        train = lambda: norm_ops.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon, data_format=fmt)  # noqa: E731
        infer = lambda: norm_ops.fused_batch_norm(  # noqa: E731
            inputs, gamma, beta, self.moving_mean, self.moving_variance, self.epsilon, fmt, is_training=False
        )
        if isinstance(training, bool):
            return train() if training else infer()
        return tuple(control_flow.cond(training, train, infer))

    def _composed(self, inputs: Tensor, training: Any) -> tuple[Tensor, Tensor, Tensor]:
        """``moments`` and ``tf.nn.batch_normalization``: outputs and the statistics for the
        moving averages (Bessel-corrected variance when the layer is fused, as TF1's 5-D case)."""
        rank = inputs.ndim
        reduced = [a for a in range(rank) if a not in self.axis]
        wide = shape_ops.cast(inputs, float32) if inputs.dtype.name in ("float16", "bfloat16") else inputs
        mean, variance = self.moving_mean, self.moving_variance
        if training is not False:
            batch_mean, batch_var = norm_ops.moments(wide, reduced, keep_dims=len(self.axis) > 1)
            if self.fused:  # the statistic TF1's fused kernel reports: n / (n - 1) times the variance
                count = shape_ops.cast(shape_ops.size(wide), batch_var.dtype) / shape_ops.cast(
                    shape_ops.size(batch_var), batch_var.dtype
                )
                normalize_var, batch_var = batch_var, batch_var * (count / math_ops.maximum(count - 1.0, 1.0))
            else:
                normalize_var = batch_var
            if isinstance(training, bool):
                mean, variance, normalize_with = batch_mean, batch_var, normalize_var
            else:
                mean, variance, normalize_with = control_flow.cond(
                    training, lambda: (batch_mean, batch_var, normalize_var),
                    lambda: (convert_to_tensor(self.moving_mean), convert_to_tensor(self.moving_variance),
                             convert_to_tensor(self.moving_variance)),
                )  # fmt: skip
        else:
            normalize_with = variance
        gamma, beta = self.gamma, self.beta
        if len(self.axis) == 1 and self.axis[0] != rank - 1:
            shape = [1] * rank
            shape[self.axis[0]] = -1
            broadcast = lambda t: None if t is None else shape_ops.reshape(t, shape)  # noqa: E731
            gamma, beta = broadcast(gamma), broadcast(beta)
            mean_b, var_b = broadcast(mean), broadcast(normalize_with)
        else:
            mean_b, var_b = mean, normalize_with
        outputs = norm_ops.batch_normalization(wide, mean_b, var_b, beta, gamma, self.epsilon)
        return shape_ops.cast(outputs, inputs.dtype), mean, variance


def _assign_moving_average(variable: Variable, value: Tensor, momentum: Any) -> Tensor:
    """``variable -= (variable - value) * (1 - momentum)``: TF1's moving-average update op."""
    with get_default_graph().name_scope("AssignMovingAvg"):
        delta = (variable - shape_ops.cast(value, variable.dtype)) * (1.0 - momentum)
        return variable.assign_sub(delta)


def batch_normalization(inputs: Any, axis: Any = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                        center: bool = True, scale: bool = True, beta_initializer: Any = None,
                        gamma_initializer: Any = None, moving_mean_initializer: Any = None,
                        moving_variance_initializer: Any = None, beta_regularizer: Any = None,
                        gamma_regularizer: Any = None, beta_constraint: Any = None, gamma_constraint: Any = None,
                        training: Any = False, trainable: bool = True, name: str | None = None, reuse: Any = None,
                        renorm: bool = False, renorm_clipping: Any = None, renorm_momentum: float = 0.99,
                        fused: bool | None = None, virtual_batch_size: int | None = None,
                        adjustment: Any = None) -> Tensor:  # fmt: skip
    """A new ``BatchNormalization`` layer applied to ``inputs`` (``training`` a Python bool or a
    bool tensor; the moving-average updates go to ``UPDATE_OPS``); TF1's
    ``tf.layers.batch_normalization``."""
    layer = BatchNormalization(axis, momentum, epsilon, center, scale, beta_initializer, gamma_initializer,
                               moving_mean_initializer, moving_variance_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint, renorm, renorm_clipping,
                               renorm_momentum, fused, trainable, virtual_batch_size, adjustment, name,
                               _reuse=reuse)  # fmt: skip
    return layer(inputs, training=training)


__all__ = ["BatchNormalization", "batch_normalization"]
