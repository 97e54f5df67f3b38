"""Run-time checks kept in the graph (effects JAX would drop): ``check_numerics``."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops.core import apply1, require


@op("check_numerics", "CheckNumerics", attrs={"message": REQUIRED}, check=True)
class CheckNumerics:
    """Passes ``x`` through; the run fails, naming this op, if ``x`` has a NaN or Inf."""

    def infer(x, *, message):
        require(x.dtype.is_floating, f"check_numerics expects a floating-point tensor, got {x.dtype.short}")
        return TensorType(x.dtype, x.shape)

    def lower(x, *, message):
        return x, jnp.all(jnp.isfinite(x))

    def grad(op, g):
        return (g,)


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Tensor:
    """TF1's ``tf.debugging.check_numerics``: ``tensor``, checked for NaN/Inf when it runs."""
    return apply1("check_numerics", [tensor], name, message=str(message))
