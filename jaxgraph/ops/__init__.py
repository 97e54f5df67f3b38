"""The op library: one module per family, each op declared once (type, lowering, gradient rule).

Importing this package registers every op type in ``jaxgraph.ir.REGISTRY``.
"""

from jaxgraph.ops import array, clip, control_flow, core, debugging, math, nn, random, state  # noqa: F401  (registers the op types)
