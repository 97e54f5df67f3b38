"""Sampled losses for large output vocabularies (word2vec): TF1's ``tf.nn.nce_loss`` and
``tf.nn.sampled_softmax_loss``.

Both are compositions of existing ops, as in TF1's ``nn_impl._compute_sampled_logits``: the
logits of each example's ``num_true`` true classes and of ``num_sampled`` classes shared by the
batch, each minus the log of its expected count (``subtract_log_q``), then a sigmoid
cross-entropy per logit (NCE, summed per example) or a softmax cross-entropy over them
(sampled softmax). Gradients reach ``weights``, ``biases`` and ``inputs``, never the sampler
(its outputs pass through ``stop_gradient``, as in TF1).

``remove_accidental_hits`` adds ``-FLT_MAX`` to the logit of a sampled id that equals one of
the example's true classes, as TF1's ``compute_accidental_hits`` + ``sparse_to_dense`` do. TF1's
hits have a dynamic count; here they are a dense ``[batch, num_sampled]`` mask. When an id was
sampled more than once (``unique=False``), TF1 marks only its last position; so does the mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import candidate_sampling, construction, joining, nn, reduction, selection
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor

__all__ = ["nce_loss", "sampled_softmax_loss"]

FLOAT_MAX = float(np.finfo(np.float32).max)


def _single(params: Any, what: str) -> Tensor:
    """``weights``/``biases``: a Tensor, a Variable or a one-element list (no sharding)."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise InvalidArgumentError(f"{what}: sharded lists are not supported, got {len(params)} shards")
        params = params[0]
    return convert_to_tensor(params)


def _accidental_hits(labels: Tensor, sampled: Tensor, num_sampled: int) -> Tensor:
    """``[batch, num_sampled]`` bool: sampled id ``s`` is one of the row's true classes (at the
    last position where that id was sampled, as TF1's ``compute_accidental_hits``)."""
    sampled = shape_ops.cast(sampled, labels.dtype)
    is_true = reduction.reduce_any(
        math_ops.equal(shape_ops.expand_dims(labels, 2), shape_ops.reshape(sampled, (1, 1, num_sampled))),
        axis=1,
    )
    later = construction.constant(np.triu(np.ones((num_sampled, num_sampled), bool), 1))
    repeated = math_ops.logical_and(
        math_ops.equal(shape_ops.expand_dims(sampled, 1), shape_ops.expand_dims(sampled, 0)), later
    )
    is_last = math_ops.logical_not(reduction.reduce_any(repeated, axis=1))
    return math_ops.logical_and(is_true, is_last)


def _check_partition_strategy(strategy: str) -> None:
    """TF1's two strategies agree for the single (unsharded) ``weights`` jaxgraph supports."""
    if strategy not in ("mod", "div"):
        raise InvalidArgumentError(f"Unrecognized partition_strategy: {strategy}")


def _check_labels(labels: Tensor, num_true: int) -> None:
    if not labels.dtype.is_integer or labels.ndim != 2 or labels.shape[1] not in (None, num_true):
        raise InvalidArgumentError(
            f"labels must be an integer [batch_size, num_true = {num_true}] matrix, got {labels.type}"
        )


def compute_sampled_logits(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int,
                           num_classes: int, num_true: int = 1, sampled_values: Any = None,
                           subtract_log_q: bool = True, remove_accidental_hits: bool = False,
                           seed: int | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """TF1's ``_compute_sampled_logits``: ``(logits, labels)``, both ``[batch, num_true +
    num_sampled]``, the true classes first (label ``1 / num_true``), then the sampled ones
    (label 0). Call inside the loss's name scope."""
    weights, biases = _single(weights, "weights"), _single(biases, "biases")
    labels, inputs = convert_to_tensor(labels), convert_to_tensor(inputs)
    _check_labels(labels, num_true)
    if sampled_values is None:
        sampled_values = candidate_sampling.log_uniform_candidate_sampler(
            labels, num_true, num_sampled, True, num_classes, seed=seed
        )
    sampled, true_expected, sampled_expected = (
        identity_ops.stop_gradient(t) for t in candidate_sampling.as_sampled_values(sampled_values)
    )
    dtype = inputs.dtype
    true_w = shape_ops.cast(nn.embedding_lookup(weights, labels), dtype)  # [batch, num_true, dim]
    sampled_w = shape_ops.cast(nn.embedding_lookup(weights, sampled), dtype)  # [num_sampled, dim]
    true_logits = reduction.reduce_sum(shape_ops.expand_dims(inputs, 1) * true_w, axis=2)
    true_logits += shape_ops.cast(nn.embedding_lookup(biases, labels), dtype)
    sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)
    sampled_logits += shape_ops.cast(nn.embedding_lookup(biases, sampled), dtype)
    if remove_accidental_hits:
        hits = _accidental_hits(labels, sampled, num_sampled)
        sampled_logits += selection.where(hits, construction.constant(-FLOAT_MAX, dtype), 0.0)
    if subtract_log_q:
        true_logits -= math_ops.log(shape_ops.cast(true_expected, dtype))
        sampled_logits -= math_ops.log(shape_ops.cast(sampled_expected, dtype))
    logits = joining.concat([true_logits, sampled_logits], 1)
    targets = joining.concat(
        [construction.ones_like(true_logits) / num_true, construction.zeros_like(sampled_logits)], 1
    )
    return logits, targets


def nce_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
             num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = False,
             partition_strategy: str = "mod", name: str = "nce_loss",
             seed: int | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.nce_loss``: noise-contrastive estimation, one loss per example.

    ``weights`` ``[num_classes, dim]``, ``biases`` ``[num_classes]``, integer ``labels``
    ``[batch, num_true]``, ``inputs`` ``[batch, dim]``. Without ``sampled_values`` the classes
    are drawn by ``log_uniform_candidate_sampler(unique=True)``. Each true and sampled logit
    gets a sigmoid cross-entropy (targets ``1 / num_true`` and 0); their sum per row is returned.
    """
    _check_partition_strategy(partition_strategy)
    with get_default_graph().name_scope(name or "nce_loss"):
        logits, targets = compute_sampled_logits(
            weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
            subtract_log_q=True, remove_accidental_hits=remove_accidental_hits, seed=seed,
        )  # fmt: skip
        losses = nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits, name="sampled_losses")
        return reduction.reduce_sum(losses, axis=1)


def sampled_softmax_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int,
                         num_classes: int, num_true: int = 1, sampled_values: Any = None,
                         remove_accidental_hits: bool = True, partition_strategy: str = "mod",
                         name: str = "sampled_softmax_loss", seed: int | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.nn.sampled_softmax_loss``: a softmax cross-entropy over each example's true
    classes and ``num_sampled`` sampled classes (a training-time estimate of the full softmax).

    Arguments as ``nce_loss``; accidental hits are removed by default, as in TF1.
    """
    _check_partition_strategy(partition_strategy)
    with get_default_graph().name_scope(name or "sampled_softmax_loss"):
        logits, targets = compute_sampled_logits(
            weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
            subtract_log_q=True, remove_accidental_hits=remove_accidental_hits, seed=seed,
        )  # fmt: skip
        targets = identity_ops.stop_gradient(targets, name="labels_stop_gradient")
        return nn.softmax_cross_entropy_with_logits_v2(labels=targets, logits=logits)
