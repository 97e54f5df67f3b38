"""TF1's ``tf.metrics``: streaming metrics as local Variables and an update op.

Each metric returns ``(value, update_op)``: ``update_op`` folds a batch into local Variables
(``<name>/total``, ``<name>/count``, ``<name>/true_positives`` ...) and returns the metric over
everything seen so far; ``value`` reads it without updating. The Variables are filed under
``GraphKeys.LOCAL_VARIABLES`` and ``METRIC_VARIABLES``, so ``tf.local_variables_initializer()``
resets them, as in TF1. Divisions give 0 when nothing was counted (TF1's ``div_no_nan``).
``auc`` uses TF1's thresholds and its default trapezoidal sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.ir.dtypes import float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import construction, math, selection, shape
from jaxgraph.ops import reduction as reductions
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.variables import Variable

_EPSILON = 1e-7


def _metric_variable(shape_: Sequence[int], name: str) -> Variable:
    """A float32 zero-initialized local Variable, as TF1's ``metric_variable``."""
    with get_default_graph().control_dependencies(None):
        return Variable(
            construction.zeros(tuple(shape_), float32),
            trainable=False,
            name=name,
            collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
        )


def _div_no_nan(numerator: Tensor, denominator: Tensor, name: str) -> Tensor:
    zero = math.equal(denominator, 0.0)
    safe = selection.where(zero, construction.ones_like(denominator), denominator)
    return selection.where(zero, construction.zeros_like(numerator), numerator / safe, name=name)


def _collect(collections: Sequence[str] | None, item: Any) -> None:
    for key in collections or ():
        get_default_graph().add_to_collection(key, item)


def _float(x: Any) -> Tensor:
    return shape.cast(convert_to_tensor(x), float32)


def _weights_like(values: Tensor, weights: Any) -> Tensor:
    """``weights`` broadcast to ``values``' shape (ones when None)."""
    ones = construction.ones_like(values)
    return ones if weights is None else ones * _float(weights)


def mean(values: Any, weights: Any = None, metrics_collections: Sequence[str] | None = None,
         updates_collections: Sequence[str] | None = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The (weighted) mean of every value seen; TF1's ``tf.metrics.mean``."""
    graph = get_default_graph()
    with graph.name_scope(name or "mean"):
        values = _float(values)
        weights = _weights_like(values, weights)
        total, count = _metric_variable((), "total"), _metric_variable((), "count")
        value = _div_no_nan(total.value(), count.value(), "value")
        update_total = total.assign_add(reductions.reduce_sum(values * weights))
        update_count = count.assign_add(reductions.reduce_sum(weights))
        update = _div_no_nan(update_total, update_count, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def accuracy(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Sequence[str] | None = None,
             updates_collections: Sequence[str] | None = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The (weighted) fraction of ``predictions`` equal to ``labels``; TF1's ``tf.metrics.accuracy``."""
    labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
    if labels.dtype is not predictions.dtype:
        predictions = shape.cast(predictions, labels.dtype)
    is_correct = shape.cast(math.equal(predictions, labels), float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def _mean_of(fn_name: str, error: Any, weights: Any, metrics_collections: Any, updates_collections: Any,
             name: str | None) -> tuple[Tensor, Tensor]:  # fmt: skip
    return mean(error, weights, metrics_collections, updates_collections, name or fn_name)


def mean_squared_error(labels: Any, predictions: Any, weights: Any = None,
                       metrics_collections: Sequence[str] | None = None,
                       updates_collections: Sequence[str] | None = None,
                       name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The mean of ``(predictions - labels)²``; TF1's ``tf.metrics.mean_squared_error``."""
    error = math.squared_difference(_float(predictions), _float(labels))
    return _mean_of("mean_squared_error", error, weights, metrics_collections, updates_collections, name)


def mean_absolute_error(labels: Any, predictions: Any, weights: Any = None,
                        metrics_collections: Sequence[str] | None = None,
                        updates_collections: Sequence[str] | None = None,
                        name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The mean of ``|predictions - labels|``; TF1's ``tf.metrics.mean_absolute_error``."""
    error = math.abs(_float(predictions) - _float(labels))
    return _mean_of("mean_absolute_error", error, weights, metrics_collections, updates_collections, name)


def root_mean_squared_error(labels: Any, predictions: Any, weights: Any = None,
                            metrics_collections: Sequence[str] | None = None,
                            updates_collections: Sequence[str] | None = None,
                            name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The square root of ``mean_squared_error``; TF1's ``tf.metrics.root_mean_squared_error``."""
    mse, update_mse = mean_squared_error(labels, predictions, weights, name=name or "root_mean_squared_error")
    value, update = math.sqrt(mse), math.sqrt(update_mse)
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


_COUNTS = {
    "true_positives": (True, True),
    "false_positives": (False, True),
    "true_negatives": (False, False),
    "false_negatives": (True, False),
}


def _count_where(kind: str, labels: Tensor, predictions: Tensor, weights: Any) -> tuple[Tensor, Tensor]:
    """A local Variable ``count`` (in the current scope) of the (weighted) elements where
    ``labels`` and ``predictions`` (booleans) are as ``kind`` says, and its update."""
    label_is, prediction_is = _COUNTS[kind]
    match = math.logical_and(
        math.equal(labels, label_is), math.equal(predictions, prediction_is)
    )  # fmt: skip
    hits = shape.cast(match, float32) * _weights_like(shape.cast(match, float32), weights)
    count = _metric_variable((), "count")
    return count.value(), count.assign_add(reductions.reduce_sum(hits))


def _as_bool(x: Any) -> Tensor:
    x = convert_to_tensor(x)
    return x if x.dtype.name == "bool" else math.not_equal(x, construction.zeros_like(x))


def _streaming_count(kind: str, labels: Any, predictions: Any, weights: Any, metrics_collections: Any,
                     updates_collections: Any, name: str | None) -> tuple[Tensor, Tensor]:  # fmt: skip
    with get_default_graph().name_scope(name or kind):
        value, update = _count_where(kind, _as_bool(labels), _as_bool(predictions), weights)
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def true_positives(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Any = None,
                   updates_collections: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The (weighted) count of true positives; TF1's ``tf.metrics.true_positives``."""
    return _streaming_count(
        "true_positives", labels, predictions, weights, metrics_collections, updates_collections, name
    )


def false_positives(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Any = None,
                    updates_collections: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The (weighted) count of false positives; TF1's ``tf.metrics.false_positives``."""
    return _streaming_count(
        "false_positives", labels, predictions, weights, metrics_collections, updates_collections, name
    )


def true_negatives(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Any = None,
                   updates_collections: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The (weighted) count of true negatives; TF1's ``tf.metrics.true_negatives``."""
    return _streaming_count(
        "true_negatives", labels, predictions, weights, metrics_collections, updates_collections, name
    )


def false_negatives(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Any = None,
                    updates_collections: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The (weighted) count of false negatives; TF1's ``tf.metrics.false_negatives``."""
    return _streaming_count(
        "false_negatives", labels, predictions, weights, metrics_collections, updates_collections, name
    )


def _ratio(first: str, second: str, default_name: str, labels: Any, predictions: Any, weights: Any,
           metrics_collections: Any, updates_collections: Any, name: str | None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """``first / (first + second)`` of two streaming counts (precision, recall)."""
    with get_default_graph().name_scope(name or default_name):
        labels_b, predictions_b = _as_bool(labels), _as_bool(predictions)
        with get_default_graph().name_scope(first):
            a, update_a = _count_where(first, labels_b, predictions_b, weights)
        with get_default_graph().name_scope(second):
            b, update_b = _count_where(second, labels_b, predictions_b, weights)
        value = _div_no_nan(a, a + b, "value")
        update = _div_no_nan(update_a, update_a + update_b, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def precision(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Any = None,
              updates_collections: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """``tp / (tp + fp)`` over everything seen; TF1's ``tf.metrics.precision``."""
    return _ratio("true_positives", "false_positives", "precision", labels, predictions, weights,
                  metrics_collections, updates_collections, name)  # fmt: skip


def recall(labels: Any, predictions: Any, weights: Any = None, metrics_collections: Any = None,
           updates_collections: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """``tp / (tp + fn)`` over everything seen; TF1's ``tf.metrics.recall``."""
    return _ratio("true_positives", "false_negatives", "recall", labels, predictions, weights,
                  metrics_collections, updates_collections, name)  # fmt: skip


def _auc_from_counts(tp: Tensor, fn: Tensor, tn: Tensor, fp: Tensor, curve: str, name: str) -> Tensor:
    """TF1's trapezoidal area under the ROC or PR curve from per-threshold counts."""
    recall_ = (tp + _EPSILON) / (tp + fn + _EPSILON)
    if curve == "ROC":
        x, y = fp / (fp + tn + _EPSILON), recall_
    else:
        x, y = recall_, (tp + _EPSILON) / (tp + fp + _EPSILON)
    widths = x[:-1] - x[1:]
    heights = (y[:-1] + y[1:]) / 2.0
    return reductions.reduce_sum(widths * heights, name=name)


def auc(labels: Any, predictions: Any, weights: Any = None, num_thresholds: int = 200,
        metrics_collections: Any = None, updates_collections: Any = None, curve: str = "ROC",
        name: str | None = None, summation_method: str = "trapezoidal",
        thresholds: Sequence[float] | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The area under the ROC (or ``curve="PR"``) curve of ``predictions`` in [0, 1] against
    boolean ``labels``, from counts at ``num_thresholds`` thresholds; TF1's ``tf.metrics.auc``
    (``summation_method="trapezoidal"``, its default)."""
    if curve not in ("ROC", "PR"):
        raise InvalidArgumentError(f"curve must be either ROC or PR, {curve} unknown")
    if summation_method != "trapezoidal":
        raise InvalidArgumentError(f"auc: summation_method={summation_method!r} is not supported by jaxgraph")
    if thresholds is None:
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        thresholds = [0.0 - _EPSILON, *inner, 1.0 + _EPSILON]
    with get_default_graph().name_scope(name or "auc"):
        predictions_f = shape.reshape(_float(predictions), [1, -1])
        labels_b = shape.reshape(_as_bool(labels), [1, -1])
        weight_row = shape.reshape(_weights_like(_float(predictions), weights), [1, -1])
        above = math.greater(
            predictions_f, shape.reshape(construction.constant(list(thresholds), float32), [-1, 1])
        )
        counts, updates = [], []
        for kind in ("true_positives", "false_negatives", "true_negatives", "false_positives"):
            label_is, prediction_is = _COUNTS[kind]
            match = math.logical_and(math.equal(labels_b, label_is), math.equal(above, prediction_is))
            variable = _metric_variable((len(thresholds),), kind)
            counts.append(variable.value())
            updates.append(
                variable.assign_add(reductions.reduce_sum(shape.cast(match, float32) * weight_row, axis=1))
            )
        value = _auc_from_counts(*counts, curve=curve, name="value")
        update = _auc_from_counts(*updates, curve=curve, name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


__all__ = [
    "accuracy",
    "auc",
    "false_negatives",
    "false_positives",
    "mean",
    "mean_absolute_error",
    "mean_squared_error",
    "precision",
    "recall",
    "root_mean_squared_error",
    "true_negatives",
    "true_positives",
]

_guard_public_functions(globals())  # errors from these builders end at the user's line
