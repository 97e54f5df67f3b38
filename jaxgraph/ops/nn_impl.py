"""The ``tf.nn`` functions TF1 writes in Python (its ``nn_impl.py``): ``selu``, ``softsign``,
``swish``, ``crelu``, ``xw_plus_b``, ``relu_layer``, ``weighted_cross_entropy_with_logits``,
``log_poisson_loss``, ``l2_normalize``, ``moments``, ``batch_normalization``, ``zero_fraction``.

Each is a composition of existing ops with TF1's formula, so gradients come from those ops'
rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.dtypes import float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import joining, nn, reduction, selection
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor, deprecated_argument_lookup

__all__ = [
    "crelu", "log_poisson_loss", "relu_layer", "selu",
    "silu", "softsign", "swish", "weighted_cross_entropy_with_logits", "xw_plus_b", "zero_fraction",
]  # fmt: skip

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(features: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.selu``: ``scale * elu(x)`` with ``alpha`` for negative ``x`` (Klambauer et
    al.'s constants)."""
    x = convert_to_tensor(features)
    negative = SELU_ALPHA * math_ops.expm1(math_ops.minimum(x, 0))
    return math_ops.multiply(SELU_SCALE, selection.where(math_ops.greater(x, 0), x, negative), name=name)


def softsign(features: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.softsign``: ``x / (1 + |x|)``."""
    x = convert_to_tensor(features)
    return math_ops.truediv(x, 1 + math_ops.abs(x), name=name)


def swish(features: Any, beta: float = 1.0, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.swish`` (``silu``): ``x * sigmoid(beta * x)``."""
    x = convert_to_tensor(features)
    return math_ops.multiply(x, math_ops.sigmoid(x * beta), name=name)


silu = swish


def crelu(features: Any, name: str | None = None, axis: int = -1) -> Tensor:
    """TF1's ``tf.nn.crelu``: ``concat([relu(x), relu(-x)], axis)``."""
    x = convert_to_tensor(features)
    return joining.concat([math_ops.relu(x), math_ops.relu(math_ops.neg(x))], axis, name=name)


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.xw_plus_b``: ``matmul(x, weights) + biases``."""
    with get_default_graph().name_scope(name or "xw_plus_b"):
        return nn.bias_add(math_ops.matmul(x, weights), biases)


def relu_layer(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.relu_layer``: ``relu(matmul(x, weights) + biases)``."""
    with get_default_graph().name_scope(name or "relu_layer"):
        return math_ops.relu(nn.bias_add(math_ops.matmul(x, weights), biases))


def weighted_cross_entropy_with_logits(labels: Any = None, logits: Any = None, pos_weight: Any = None,
                                       name: str | None = None, targets: Any = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.weighted_cross_entropy_with_logits``: the sigmoid cross-entropy with the
    positive term weighted by ``pos_weight``, in TF1's stable form
    ``(1 - z) * x + (1 + (q - 1) * z) * (log1p(exp(-|x|)) + max(-x, 0))``."""
    labels = deprecated_argument_lookup("labels", labels, "targets", targets)
    z, x = math_ops.convert_operands(labels, logits)
    log_weight = 1 + (pos_weight - 1) * z
    stable = math_ops.log1p(math_ops.exp(math_ops.neg(math_ops.abs(x)))) + math_ops.relu(math_ops.neg(x))
    return math_ops.add((1 - z) * x, log_weight * stable, name=name)


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False,
                     name: str | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.log_poisson_loss``: ``exp(c) - z * c`` (plus Stirling's approximation of
    ``log(z!)`` for ``z > 1`` with ``compute_full_loss``)."""
    z, c = math_ops.convert_operands(targets, log_input)
    loss = math_ops.exp(c) - z * c
    if compute_full_loss:
        safe = selection.where(math_ops.greater(z, 1), z, math_ops.add(z * 0, 2))
        stirling = safe * math_ops.log(safe) - safe + 0.5 * math_ops.log(2 * np.pi * safe)
        loss = loss + selection.where(math_ops.greater(z, 1), stirling, z * 0)
    return identity_ops.identity(loss, name=name)


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.nn.zero_fraction``: the fraction of ``value``'s elements that are zero, a
    float32 scalar (handy in summaries of ReLU activations)."""
    x = convert_to_tensor(value)
    zeros = shape_ops.cast(math_ops.equal(x, 0), float32)
    return reduction.reduce_mean(zeros, name=name or "zero_fraction")
