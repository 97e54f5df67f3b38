"""TF1's learning-rate schedules: tensors computed from the global step every run.

Each returns a scalar tensor in the learning rate's dtype, computed as TF1's
``learning_rate_decay`` does (the step cast to that dtype first), so the values round as TF1's:

* ``exponential_decay``: ``lr * rate ^ (step / steps)`` (``floor`` of the exponent if ``staircase``).
* ``natural_exp_decay``: ``lr * exp(-rate * step / steps)``; ``inverse_time_decay``:
  ``lr / (1 + rate * step / steps)`` (both with ``staircase``).
* ``piecewise_constant``: ``values[i]`` for ``boundaries[i-1] < x <= boundaries[i]``.
* ``polynomial_decay``: ``(lr - end) * (1 - min(step, steps) / steps) ^ power + end``; with
  ``cycle``, ``steps`` grows to the next multiple of itself past the step.
* ``cosine_decay``: ``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, steps) / steps)) + alpha)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import selection
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor


def _step_and_rate(learning_rate: Any, global_step: Any, what: str) -> tuple[Tensor, Tensor]:
    """The learning rate as a tensor and the global step cast to its dtype (TF1's order)."""
    if global_step is None:
        raise InvalidArgumentError(f"global_step is required for {what}.")
    rate = convert_to_tensor(learning_rate, name="learning_rate")
    return rate, shape_ops.cast(convert_to_tensor(global_step), rate.dtype)


def _progress(step: Tensor, decay_steps: Any, staircase: bool) -> Tensor:
    """``step / decay_steps``, floored when ``staircase``."""
    p = step / shape_ops.cast(convert_to_tensor(decay_steps), step.dtype)
    return math_ops.floor(p) if staircase else p


def exponential_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """``learning_rate * decay_rate ^ (global_step / decay_steps)``; TF1's
    ``tf.train.exponential_decay``."""
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        rate, step = _step_and_rate(learning_rate, global_step, "exponential_decay")
        factor = shape_ops.cast(convert_to_tensor(decay_rate), rate.dtype)
        return math_ops.multiply(rate, math_ops.pow(factor, _progress(step, decay_steps, staircase)))


def natural_exp_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """``learning_rate * exp(-decay_rate * global_step / decay_steps)``; TF1's
    ``tf.train.natural_exp_decay``."""
    with get_default_graph().name_scope(name or "NaturalExpDecay"):
        rate, step = _step_and_rate(learning_rate, global_step, "natural_exp_decay")
        factor = shape_ops.cast(convert_to_tensor(decay_rate), rate.dtype)
        return math_ops.multiply(rate, math_ops.exp(-factor * _progress(step, decay_steps, staircase)))


def inverse_time_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                       staircase: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)``; TF1's
    ``tf.train.inverse_time_decay``."""
    with get_default_graph().name_scope(name or "InverseTimeDecay"):
        rate, step = _step_and_rate(learning_rate, global_step, "inverse_time_decay")
        factor = shape_ops.cast(convert_to_tensor(decay_rate), rate.dtype)
        return math_ops.truediv(rate, 1.0 + factor * _progress(step, decay_steps, staircase))


def piecewise_constant(
    x: Any, boundaries: Sequence[Any], values: Sequence[Any], name: str | None = None
) -> Tensor:
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` for ``boundaries[i-1] < x <=
    boundaries[i]``, ``values[-1]`` past the last boundary; TF1's ``tf.train.piecewise_constant``."""
    if len(values) != len(boundaries) + 1:
        raise InvalidArgumentError("The length of boundaries should be 1 less than the length of values")
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        x = convert_to_tensor(x)
        tensors = [convert_to_tensor(v) for v in values]
        if len({t.dtype for t in tensors}) != 1:
            raise InvalidArgumentError(
                f"Values must have elements all with the same dtype ({tensors[0].dtype})."
            )
        result = tensors[-1]
        for boundary, value in reversed(list(zip(boundaries, tensors))):
            result = selection.where(math_ops.less_equal(x, shape_ops.cast(convert_to_tensor(boundary), x.dtype)),
                                     value, result)  # fmt: skip
        return result


def polynomial_decay(learning_rate: Any, global_step: Any, decay_steps: Any, end_learning_rate: Any = 0.0001,
                     power: Any = 1.0, cycle: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """``(learning_rate - end) * (1 - step / decay_steps) ^ power + end`` with the step capped at
    ``decay_steps`` (or, with ``cycle``, ``decay_steps`` raised to the next multiple past the
    step); TF1's ``tf.train.polynomial_decay``."""
    with get_default_graph().name_scope(name or "PolynomialDecay"):
        rate, step = _step_and_rate(learning_rate, global_step, "polynomial_decay")
        steps = shape_ops.cast(convert_to_tensor(decay_steps), rate.dtype)
        end = shape_ops.cast(convert_to_tensor(end_learning_rate), rate.dtype)
        exponent = shape_ops.cast(convert_to_tensor(power), rate.dtype)
        if cycle:
            multiplier = selection.where(math_ops.equal(step, 0.0), 1.0, math_ops.ceil(step / steps))
            steps = steps * multiplier
        else:
            step = math_ops.minimum(step, steps)
        fraction = math_ops.pow(1.0 - step / steps, exponent)
        return math_ops.add(math_ops.multiply(rate - end, fraction), end)


def cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, alpha: Any = 0.0,
                 name: str | None = None) -> Tensor:  # fmt: skip
    """``learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)``,
    the step capped at ``decay_steps``; TF1's ``tf.train.cosine_decay``."""
    with get_default_graph().name_scope(name or "CosineDecay"):
        rate, step = _step_and_rate(learning_rate, global_step, "cosine_decay")
        steps = shape_ops.cast(convert_to_tensor(decay_steps), rate.dtype)
        floor = shape_ops.cast(convert_to_tensor(alpha), rate.dtype)
        progress = math_ops.minimum(step, steps) / steps
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * progress))
        return math_ops.multiply(rate, (1.0 - floor) * cosine + floor)


__all__ = [
    "cosine_decay",
    "exponential_decay",
    "inverse_time_decay",
    "natural_exp_decay",
    "piecewise_constant",
    "polynomial_decay",
]
