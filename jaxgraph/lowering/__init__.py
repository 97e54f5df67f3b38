"""IR → JAX: code generation of a Python function over jax.numpy / jax.lax per fetch set, its
``jax.jit`` wrapping (donation, device placement) and the dumps of every stage."""

from jaxgraph.lowering.codegen import LoweredGraph, lower_graph
from jaxgraph.lowering.executable import Executable, compile_fetches, resolve_device

__all__ = ["Executable", "LoweredGraph", "compile_fetches", "lower_graph", "resolve_device"]
