"""The op library: one module per family, each op declared once (type, lowering, gradient rule).

Importing this package registers every op type in ``jaxgraph.ir.REGISTRY`` and installs the
Python operators on ``Tensor`` (``jaxgraph.ops.overloads``).
"""

from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import (  # noqa: F401  (registers the op types)
    arrays,
    candidate_sampling,
    clip,
    construction,
    control_flow,
    convolution,
    core,
    cumulative,
    debugging,
    identity,
    image,
    indexing,
    joining,
    linalg,
    math,
    nn,
    nn_impl,
    normalization,
    overloads,
    pooling,
    printing,
    random,
    ranking,
    reduction,
    sampled_losses,
    selection,
    shape,
    special,
    state,
    trip_counts,
)

overloads.install(Tensor)
