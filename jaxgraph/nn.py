"""``jg.nn``: TF1's ``tf.nn`` namespace — activations, softmax, the cross-entropy losses,
dropout, ``bias_add``, ``l2_loss``, embedding lookup, convolution, pooling and normalization
(``conv2d``, ``max_pool``, ``fused_batch_norm``, ``lrn``, ``top_k`` ...: docs/convolutions.md),
word2vec's sampled losses and candidate samplers, and the RNN API (``rnn_cell``, ``static_rnn``,
``static_bidirectional_rnn``, ``dynamic_rnn``, from ``jaxgraph.rnn``).

The ops are declared in ``jaxgraph.ops.nn`` (softmax and the losses as fused, numerically stable
ops) and ``jaxgraph.ops.math`` (``relu``, ``sigmoid``, ``tanh``, ``softplus``); this module only
gathers them under TF1's names, so ``tf.nn.X`` ports as ``jg.nn.X``.
"""

from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.ops.candidate_sampling import (
    fixed_unigram_candidate_sampler,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from jaxgraph.ops.math import relu, sigmoid, softplus, tanh
from jaxgraph.ops.nn import (
    bias_add,
    dropout,
    elu,
    embedding_lookup,
    l2_loss,
    leaky_relu,
    log_softmax,
    relu6,
    sigmoid_cross_entropy_with_logits,
    softmax,
    softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
    sparse_softmax_cross_entropy_with_logits,
)
from jaxgraph.ops.nn_impl import (
    crelu,
    log_poisson_loss,
    relu_layer,
    selu,
    silu,
    softsign,
    swish,
    weighted_cross_entropy_with_logits,
    xw_plus_b,
    zero_fraction,
)
from jaxgraph.ops.sampled_losses import nce_loss, sampled_softmax_loss
from jaxgraph.rnn import cells as rnn_cell
from jaxgraph.rnn.api import bidirectional_dynamic_rnn, dynamic_rnn, static_bidirectional_rnn, static_rnn

# isort: split
# ---- issue 12: convolution, pooling, normalization, top-k (jaxgraph.ops.convolution, .pooling,
# .normalization, .ranking; each op declared there once with its type, lowering and gradient rule)
from jaxgraph.ops.convolution import *  # noqa: F403
from jaxgraph.ops.convolution import __all__ as _convolution_names
from jaxgraph.ops.normalization import *  # noqa: F403
from jaxgraph.ops.normalization import __all__ as _normalization_names
from jaxgraph.ops.pooling import *  # noqa: F403
from jaxgraph.ops.pooling import __all__ as _pooling_names
from jaxgraph.ops.ranking import *  # noqa: F403
from jaxgraph.ops.ranking import __all__ as _ranking_names

__all__ = [
    "bias_add", "dropout", "dynamic_rnn", "elu", "embedding_lookup", "l2_loss", "leaky_relu", "log_softmax",
    "relu", "relu6", "rnn_cell", "sigmoid", "sigmoid_cross_entropy_with_logits", "softmax",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2", "softplus",
    "sparse_softmax_cross_entropy_with_logits", "static_bidirectional_rnn", "static_rnn", "tanh",
    "fixed_unigram_candidate_sampler", "log_uniform_candidate_sampler", "nce_loss",
    "sampled_softmax_loss", "uniform_candidate_sampler", "crelu",
    "log_poisson_loss", "relu_layer", "selu", "silu", "softsign", "swish",
    "weighted_cross_entropy_with_logits", "xw_plus_b", "zero_fraction", "bidirectional_dynamic_rnn",
]  # fmt: skip
__all__ += [*_convolution_names, *_normalization_names, *_pooling_names, *_ranking_names]

_guard_public_functions(globals())  # errors from these builders end at the user's line
