"""A lowered fetch set wrapped in ``jax.jit``: donation of updated Variables, device placement,
and the dumps of every stage (``ir``, ``ir-opt``, ``jax``, ``jaxpr``, ``stablehlo``, ``hlo``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.passes import Optimized, optimize, prune
from jaxgraph.ir.printer import print_graph
from jaxgraph.lowering.codegen import LoweredGraph, lower_graph

STAGES = ("ir", "ir-opt", "jax", "jaxpr", "stablehlo", "hlo")


def resolve_device(spec: str | None) -> Any:
    """A jax Device from ``"cpu"``, ``"gpu"``, ``"gpu:1"``, ``"tpu"`` (None: JAX's default)."""
    if spec is None:
        return None
    kind, _, index = spec.lower().removeprefix("/device:").partition(":")
    try:
        devices = jax.devices(kind)
        return devices[int(index or 0)]
    except (RuntimeError, ValueError, IndexError):
        available = ", ".join(sorted({d.platform for d in jax.devices()}))
        raise InvalidArgumentError(
            f"device '{spec}' is not available (this process has: {available})"
        ) from None


class Executable:
    """One compiled fetch set: call it with variable values, feeds and the key."""

    def __init__(
        self, lowered: LoweredGraph, traced: list[Operation], optimized: Optimized, device: Any = None
    ):
        self.lowered = lowered
        self.traced = traced
        self.optimized = optimized
        self.device = device
        kwargs: dict[str, Any] = {"donate_argnums": tuple(range(len(lowered.donated_vars)))}
        if device is not None:
            sharding = jax.sharding.SingleDeviceSharding(device)
            kwargs["in_shardings"] = sharding
            kwargs["out_shardings"] = sharding
        self.jitted = jax.jit(lowered.fn, **kwargs)

    def __call__(self, *args: Any) -> Any:
        return self.jitted(*args)

    def dump(self, stage: str, args: Sequence[Any]) -> str:
        """The text of one stage for arguments like ``args`` (shapes and dtypes matter only)."""
        if stage == "ir":
            return print_graph(self.traced[0].graph, ops=self.traced) if self.traced else "graph {\n}"
        if stage == "ir-opt":
            return str(self.optimized.graph)
        if stage == "jax":
            return self.lowered.source
        specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in args]
        if stage == "jaxpr":
            return str(jax.make_jaxpr(self.lowered.fn)(*specs))
        lowered = self.jitted.lower(*specs)
        if stage == "stablehlo":
            return lowered.as_text()
        if stage == "hlo":
            return lowered.compile().as_text()
        raise InvalidArgumentError(f"unknown dump stage '{stage}'; stages are {', '.join(STAGES)}")


def compile_fetches(
    fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor], device: Any = None
) -> Executable:
    """Prunes and optimises the fetch set's sub-graph (``jaxgraph.ir.passes``), generates its
    JAX function and wraps it in ``jax.jit``."""
    traced = prune(fetches, set(feeds))
    optimized = optimize(fetches, feeds)
    return Executable(lower_graph(optimized.fetches, optimized.feeds), traced, optimized, device)
