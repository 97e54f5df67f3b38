"""Constant folding: an op whose inputs are all constants becomes a constant (small results only).

Folding runs the op's lowering on the host; when that fails (an integer power with a negative
exponent, say), the op is left for run time, where its error names the op and the user's line.
"""

from __future__ import annotations

import jax
import numpy as np

from jaxgraph.ir.dtypes import computed_attrs
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import OpDef
from jaxgraph.ir.passes.program import Optimized, Rebuild
from jaxgraph.ir.passes.values import constant_value
from jaxgraph.ir.values import ArrayValue

FOLD_LIMIT = 4096
"""Largest number of elements a folded constant may have."""


def folded_value(op: Operation, inputs: list[Tensor]) -> np.ndarray | None:
    """The value of a foldable op reading only constants (None when it cannot be folded)."""
    opdef = op.op_def
    if not (opdef.foldable and inputs and not op.control_inputs and len(op.outputs) == 1):
        return None
    shape = op.outputs[0].shape
    if not shape.is_fully_defined() or shape.num_elements() > FOLD_LIMIT:
        return None
    values = [constant_value(t) for t in inputs]
    if any(v is None for v in values):
        return None
    return host_value(opdef, values, op.attrs)


def host_value(opdef: OpDef, values: list, attrs: dict) -> np.ndarray | None:
    """The op's single result computed on the host by its lowering from ``values`` (NumPy arrays,
    or ``jax.ShapeDtypeStruct`` for ``type_only`` ops); None when that fails or gives several."""
    try:
        with jax.default_device(jax.devices("cpu")[0]):
            result = opdef.lower(*values, **computed_attrs(attrs))
    except Exception:  # any failure is the op's to report when it runs, not the optimiser's
        return None
    return None if isinstance(result, (tuple, list)) else np.asarray(result)


def fold(program: Optimized) -> Optimized:
    """Replaces each op whose inputs are all constants by a constant ``<op name>/folded``."""
    return Rebuild.unless_unchanged(program, _folded)


def _folded(rebuild: Rebuild) -> Optimized:
    for op in rebuild.program.graph.operations:
        inputs = rebuild.inputs(op)
        value = folded_value(op, inputs)
        if value is None:
            rebuild.copy(op, inputs)
            continue
        dtype = op.outputs[0].dtype
        attrs = {"value": ArrayValue(value.astype(dtype.np)), "dtype": dtype}
        rebuild.replace(op, rebuild.create("constant", attrs, op.name + "/folded", like=op).outputs[0])
    return rebuild.done()
