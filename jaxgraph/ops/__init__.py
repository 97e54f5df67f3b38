"""The op library: one module per family, each op declared once (type, lowering, gradient rule).

Importing this package registers every op type in ``jaxgraph.ir.REGISTRY`` and installs the
Python operators on ``Tensor`` (``jaxgraph.ops.overloads``).
"""

from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import array, clip, control_flow, core, debugging, math, nn, overloads, random, state  # noqa: F401  (registers the op types)

overloads.install(Tensor)
