"""Ops that pass values or control through unchanged: ``identity``, ``stop_gradient`` (an
identity whose gradient is cut), ``no_op`` and ``group`` (an op that only runs its control
inputs)."""

from __future__ import annotations

from typing import Any

from jax import lax

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import op
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops.core import apply, apply1

__all__ = ["group", "identity", "no_op", "stop_gradient"]


@op("identity", "Identity", forwards_input="always", jax_call="{0}")
class Identity:
    def infer(x):
        return TensorType(x.dtype, x.shape)

    def lower(x):
        return x

    def host(x):
        return x

    def grad(op, g):
        return (g,)


def identity(input: Any, name: str | None = None) -> Tensor:
    """A tensor with the same value as ``input`` (a new op, e.g. to name or place it); TF1's ``tf.identity``."""
    return apply1("identity", [input], name)


@op("stop_gradient", "StopGradient", jax_call="lax.stop_gradient({0})")
class StopGradient:
    """Identity whose gradient is cut (its input gets no gradient through it)."""

    def infer(x):
        return TensorType(x.dtype, x.shape)

    def lower(x):
        return lax.stop_gradient(x)

    def grad(op, g):
        return (None,)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:
    """``input``'s value, through which ``gradients`` passes no gradient; TF1's ``tf.stop_gradient``."""
    return apply1("stop_gradient", [input], name)


@op("no_op", "NoOp", jax_call="None")
class NoOp:
    """Does nothing; its control inputs are what a run executes (``jg.group``, initializers)."""

    def infer():
        return None

    def lower():
        return ()


def no_op(name: str | None = None) -> Any:
    """An Operation that does nothing (a target for control dependencies); TF1's ``tf.no_op``."""
    return apply("no_op", [], name)


def group(*inputs: Any, name: str | None = None) -> Any:
    """An Operation that runs all ``inputs`` (Tensors or Operations); TF1's ``tf.group``."""
    ops = []
    for x in inputs:
        x = x._as_graph_element() if hasattr(x, "_as_graph_element") else x
        ops.append(x.op if isinstance(x, Tensor) else x)
    graph = get_default_graph()
    return graph.create_op("no_op", [], {}, name or "group_deps", control_inputs=ops)
