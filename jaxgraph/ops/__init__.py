"""The op library: one module per family, each op declared once (type, lowering, gradient rule).

Importing this package registers every op type in ``jaxgraph.ir.REGISTRY`` and installs the
Python operators on ``Tensor`` (``jaxgraph.ops.overloads``).
"""

from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import (  # noqa: F401  (registers the op types)
    clip,
    construction,
    control_flow,
    convolution,
    core,
    debugging,
    identity,
    indexing,
    joining,
    math,
    nn,
    normalization,
    overloads,
    pooling,
    random,
    ranking,
    reduction,
    selection,
    shape,
    state,
    trip_counts,
)

overloads.install(Tensor)
