"""TF1's ``tf.losses``: per-example losses reduced with weights, filed under ``GraphKeys.LOSSES``.

Every loss is TF1's ``compute_weighted_loss`` over an elementwise loss: ``losses * weights``
reduced by ``reduction`` —

* ``Reduction.NONE``: the weighted losses;
* ``SUM``: their sum;
* ``MEAN``: the sum over the sum of the weights (broadcast to the losses' shape);
* ``SUM_OVER_BATCH_SIZE``: the sum over the number of losses;
* ``SUM_BY_NONZERO_WEIGHTS`` (the default, also ``SUM_OVER_NONZERO_WEIGHTS``): the sum over the
  number of losses whose weight is not 0;

each division giving 0 when its denominator is 0 (TF1's ``div_no_nan``). The result is added to
``loss_collection`` (default ``GraphKeys.LOSSES``) so ``get_total_loss`` finds it, with the
regularization losses of ``get_variable(regularizer=)``.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.ir.dtypes import float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import construction, identity, math, nn, selection, shape
from jaxgraph.ops import reduction as reductions
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer.graph_collections import GraphKeys


class Reduction:
    """How a weighted loss is reduced; TF1's ``tf.losses.Reduction``."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise InvalidArgumentError(f"Invalid Reduction Key {key}.")


def _div_no_nan(total: Tensor, count: Tensor) -> Tensor:
    """``total / count``, 0 where ``count`` is 0 (gradient-safe); named ``value`` as TF1's."""
    zero = math.equal(count, 0.0)
    return selection.where(
        zero,
        construction.zeros_like(total),
        total / selection.where(zero, construction.ones_like(count), count),
        name="value",
    )


def compute_weighted_loss(losses: Any, weights: Any = 1.0, scope: str | None = None,
                          loss_collection: str | None = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """``losses * weights`` reduced by ``reduction`` (see the module docstring) and added to
    ``loss_collection``; TF1's ``tf.losses.compute_weighted_loss``."""
    Reduction.validate(reduction)
    graph = get_default_graph()
    with graph.name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses = shape.cast(losses, float32)
        weights = shape.cast(convert_to_tensor(weights), float32)
        weighted = math.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = reductions.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = _div_no_nan(loss, reductions.reduce_sum(construction.ones_like(losses) * weights))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                present = selection.where(
                    math.equal(weights, 0.0),
                    construction.zeros_like(weights),
                    construction.ones_like(weights),
                )
                loss = _div_no_nan(loss, reductions.reduce_sum(construction.ones_like(losses) * present))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _div_no_nan(loss, shape.cast(shape.size(losses), float32))
        loss = shape.cast(loss, input_dtype)
    if loss_collection is not None:
        graph.add_to_collection(loss_collection, loss)
    return loss


def _labels_and_predictions(labels: Any, predictions: Any) -> tuple[Tensor, Tensor]:
    labels = shape.cast(convert_to_tensor(labels), float32)
    predictions = shape.cast(convert_to_tensor(predictions), float32)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise InvalidArgumentError(
            f"Shapes {predictions.shape} and {labels.shape} are incompatible (predictions and labels)"
        )
    return labels, predictions


def _weighted(default_scope: str, scope: str | None, weights: Any, loss_collection: str | None,
              reduction: str, make_losses) -> Tensor:  # fmt: skip
    """Builds ``make_losses()`` under ``scope`` (default ``default_scope``), then weights and reduces it."""
    with get_default_graph().name_scope(scope or default_scope) as name:
        return compute_weighted_loss(make_losses(), weights, name, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: str | None = None, loss_collection: str | None = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """Softmax cross-entropy of one-hot labels (smoothed towards ``1/classes`` by
    ``label_smoothing``); TF1's ``tf.losses.softmax_cross_entropy``."""

    def losses() -> Tensor:
        logits_t = convert_to_tensor(logits)
        labels = shape.cast(convert_to_tensor(onehot_labels), logits_t.dtype)
        if label_smoothing > 0:
            classes = shape.cast(shape.shape(labels)[-1], logits_t.dtype)
            labels = labels * (1.0 - label_smoothing) + label_smoothing / classes
        return nn.softmax_cross_entropy_with_logits_v2(labels=identity.stop_gradient(labels), logits=logits_t)

    return _weighted("softmax_cross_entropy_loss", scope, weights, loss_collection, reduction, losses)


def sparse_softmax_cross_entropy(labels: Any, logits: Any, weights: Any = 1.0, scope: str | None = None,
                                 loss_collection: str | None = GraphKeys.LOSSES,
                                 reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """Softmax cross-entropy of class indices; TF1's ``tf.losses.sparse_softmax_cross_entropy``."""
    return _weighted(
        "sparse_softmax_cross_entropy_loss", scope, weights, loss_collection, reduction,
        lambda: nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
    )  # fmt: skip


def sigmoid_cross_entropy(multi_class_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: str | None = None, loss_collection: str | None = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """Sigmoid cross-entropy of independent binary labels (smoothed towards 1/2 by
    ``label_smoothing``); TF1's ``tf.losses.sigmoid_cross_entropy``."""

    def losses() -> Tensor:
        logits_t = convert_to_tensor(logits)
        labels = shape.cast(convert_to_tensor(multi_class_labels), logits_t.dtype)
        if label_smoothing > 0:
            labels = labels * (1.0 - label_smoothing) + 0.5 * label_smoothing
        return nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits_t)

    return _weighted("sigmoid_cross_entropy_loss", scope, weights, loss_collection, reduction, losses)


def mean_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
                       loss_collection: str | None = GraphKeys.LOSSES,
                       reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """``(predictions - labels)²``, weighted and reduced; TF1's ``tf.losses.mean_squared_error``."""

    def losses() -> Tensor:
        y, p = _labels_and_predictions(labels, predictions)
        return math.squared_difference(p, y)

    return _weighted("mean_squared_error", scope, weights, loss_collection, reduction, losses)


def absolute_difference(labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
                        loss_collection: str | None = GraphKeys.LOSSES,
                        reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """``|predictions - labels|``, weighted and reduced; TF1's ``tf.losses.absolute_difference``."""

    def losses() -> Tensor:
        y, p = _labels_and_predictions(labels, predictions)
        return math.abs(p - y)

    return _weighted("absolute_difference", scope, weights, loss_collection, reduction, losses)


def huber_loss(labels: Any, predictions: Any, weights: Any = 1.0, delta: float = 1.0, scope: str | None = None,
               loss_collection: str | None = GraphKeys.LOSSES,
               reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """``0.5 e²`` for ``|e| <= delta``, ``delta (|e| - delta/2)`` beyond; TF1's ``tf.losses.huber_loss``."""

    def losses() -> Tensor:
        y, p = _labels_and_predictions(labels, predictions)
        error = math.abs(p - y)
        quadratic = math.minimum(error, delta)
        return 0.5 * math.square(quadratic) + delta * (error - quadratic)

    return _weighted("huber_loss", scope, weights, loss_collection, reduction, losses)


def log_loss(labels: Any, predictions: Any, weights: Any = 1.0, epsilon: float = 1e-7, scope: str | None = None,
             loss_collection: str | None = GraphKeys.LOSSES,
             reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """``-y log(p + eps) - (1 - y) log(1 - p + eps)``; TF1's ``tf.losses.log_loss``."""

    def losses() -> Tensor:
        y, p = _labels_and_predictions(labels, predictions)
        return -y * math.log(p + epsilon) - (1.0 - y) * math.log(1.0 - p + epsilon)

    return _weighted("log_loss", scope, weights, loss_collection, reduction, losses)


def hinge_loss(labels: Any, logits: Any, weights: Any = 1.0, scope: str | None = None,
               loss_collection: str | None = GraphKeys.LOSSES,
               reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:  # fmt: skip
    """``max(0, 1 - (2y - 1) logits)`` for 0/1 labels; TF1's ``tf.losses.hinge_loss``."""

    def losses() -> Tensor:
        y, z = _labels_and_predictions(labels, logits)
        return math.relu(1.0 - (2.0 * y - 1.0) * z)

    return _weighted("hinge_loss", scope, weights, loss_collection, reduction, losses)


def cosine_distance(labels: Any, predictions: Any, axis: int | None = None, weights: Any = 1.0,
                    scope: str | None = None, loss_collection: str | None = GraphKeys.LOSSES,
                    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS, dim: int | None = None) -> Tensor:  # fmt: skip
    """``1 - sum(labels * predictions, axis)`` of unit-normalized inputs; TF1's
    ``tf.losses.cosine_distance`` (``dim`` is its deprecated name for ``axis``)."""
    if dim is not None:
        if axis is not None:
            raise InvalidArgumentError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise InvalidArgumentError("You must specify 'axis'.")

    def losses() -> Tensor:
        y, p = _labels_and_predictions(labels, predictions)
        return 1.0 - reductions.reduce_sum(p * y, axis=axis, keepdims=True)

    return _weighted("cosine_distance_loss", scope, weights, loss_collection, reduction, losses)


def add_loss(loss: Any, loss_collection: str | None = GraphKeys.LOSSES) -> None:
    """Adds ``loss`` to ``loss_collection``; TF1's ``tf.losses.add_loss``."""
    if loss_collection is not None:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope: str | None = None, loss_collection: str = GraphKeys.LOSSES) -> list[Tensor]:
    """The losses in ``loss_collection`` (filtered by ``scope``); TF1's ``tf.losses.get_losses``."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope: str | None = None) -> list[Tensor]:
    """``GraphKeys.REGULARIZATION_LOSSES`` (filtered by ``scope``); TF1's
    ``tf.losses.get_regularization_losses``."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope: str | None = None, name: str = "total_regularization_loss") -> Tensor:
    """The sum of the regularization losses (0.0 if none); TF1's
    ``tf.losses.get_regularization_loss``."""
    losses = get_regularization_losses(scope)
    if losses:
        return math.add_n(losses, name=name)
    return construction.constant(0.0, name=name)


def get_total_loss(add_regularization_losses: bool = True, name: str = "total_loss",
                   scope: str | None = None) -> Tensor:  # fmt: skip
    """The sum of ``get_losses()`` and (by default) the regularization losses; TF1's
    ``tf.losses.get_total_loss``."""
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise InvalidArgumentError(
            "No losses found in the graph's LOSSES or REGULARIZATION_LOSSES collections"
        )
    return math.add_n(losses, name=name)


__all__ = [
    "Reduction",
    "absolute_difference",
    "add_loss",
    "compute_weighted_loss",
    "cosine_distance",
    "get_losses",
    "get_regularization_loss",
    "get_regularization_losses",
    "get_total_loss",
    "hinge_loss",
    "huber_loss",
    "log_loss",
    "mean_squared_error",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]

_guard_public_functions(globals())  # errors from these builders end at the user's line
