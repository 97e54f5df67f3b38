"""A lowered fetch set wrapped in ``jax.jit``: donation of updated Variables, device placement,
and the dumps of every stage (``ir``, ``ir-opt``, ``jax``, ``jaxpr``, ``stablehlo``, ``hlo``)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.errors import InvalidArgumentError, JaxGraphError
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
    """One compiled fetch set: call it with variable values, feeds and the key.

    Updated Variables are donated (updated in place) unless the run has checks: then the old
    values must survive a failed check, so nothing is donated.
    """

    def __init__(
        self,
        lowered: LoweredGraph,
        traced: list[Operation],
        optimized: Optimized,
        device: Any = None,
        mesh: Any = None,
    ):
        self.lowered = lowered
        self.traced = traced
        self.optimized = optimized
        self.device = device
        self.made: dict[str, tuple[float, float]] = {}
        """For the stages jaxgraph makes (ir, ir-opt, jax): when each was made and in how long (s)."""
        donated = () if lowered.checks else tuple(range(len(lowered.donated_vars)))
        kwargs: dict[str, Any] = {"donate_argnums": donated}
        if device is not None:
            sharding = jax.sharding.SingleDeviceSharding(device)
            kwargs["in_shardings"] = sharding
            kwargs["out_shardings"] = sharding
        if mesh is not None:
            kwargs["in_shardings"], kwargs["out_shardings"] = data_parallel_shardings(lowered, mesh)
        self.jitted = jax.jit(lowered.fn, **kwargs)

    def __call__(self, *args: Any) -> Any:
        """Runs; raises InvalidArgumentError naming the op whose check failed (nothing is
        committed by the caller then), or the op whose lowering failed while compiling."""
        try:
            fetched, updated, key, checks = self.jitted(*args)
        except JaxGraphError as e:
            raise _blame(self.lowered, e, e.message) from None
        except (TypeError, ValueError) as e:
            raise _blame(self.lowered, e, f"{type(e).__name__}: {e}".split("\n")[0]) from None
        if checks:
            for (op, _), ok in zip(self.lowered.checks, np.asarray(jnp.stack(checks))):
                if not ok:
                    message = op.attrs.get("message") or "found NaN or Inf in the output"
                    raise InvalidArgumentError(f"{message} (check_numerics)", op)
        return fetched, updated, key

    def dump(self, stage: str, args: Sequence[Any]) -> str:
        """The text of one stage for arguments like ``args`` (shapes and dtypes matter only)."""
        if stage == "ir":
            return print_graph(self.traced[0].graph, ops=self.traced) if self.traced else "graph {\n}"
        if stage == "ir-opt":
            return str(self.optimized.graph)
        if stage == "jax":
            return self.lowered.source
        specs = arg_specs(args)
        if stage == "jaxpr":
            return str(jax.make_jaxpr(self.lowered.fn)(*specs))
        lowered = self.jitted.lower(*specs)
        if stage == "stablehlo":
            return lowered.as_text()
        if stage == "hlo":
            return lowered.compile().as_text()
        raise InvalidArgumentError(f"unknown dump stage '{stage}'; stages are {', '.join(STAGES)}")


def data_parallel_shardings(lowered: LoweredGraph, mesh: Any) -> tuple[tuple, Any]:
    """Data parallelism over ``mesh``'s first axis: feeds split along their first (batch)
    dimension, Variables, the key and every result replicated; XLA's SPMD partitioner inserts
    the collectives (e.g. the all-reduce of gradients)."""
    from jax.sharding import NamedSharding, PartitionSpec

    replicated = NamedSharding(mesh, PartitionSpec())
    batch = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
    variables = [replicated] * (len(lowered.donated_vars) + len(lowered.kept_vars))
    feeds = [batch if len(t.shape) else replicated for t in lowered.feeds]
    return tuple(variables + feeds + [replicated]), replicated


def arg_specs(args: Sequence[Any]) -> list[Any]:
    """``jax.ShapeDtypeStruct`` stand-ins for arrays (None, an absent key, stays None)."""
    return jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), list(args))


def _blame(lowered: LoweredGraph, error: BaseException, message: str) -> InvalidArgumentError:
    """An InvalidArgumentError naming the op whose generated line raised ``error``."""
    op = None
    for frame in traceback.extract_tb(error.__traceback__):  # columns: which op of the line
        if frame.filename.startswith("<jaxgraph "):
            op = lowered.op_at_line(frame.lineno, frame.colno, frame.end_colno) or op
    if op is None and isinstance(error, JaxGraphError):
        return error
    return InvalidArgumentError(message, op)


def compile_fetches(
    fetches: Sequence[Tensor | Operation],
    feeds: Sequence[Tensor],
    device: Any = None,
    check_numerics: bool = False,
    mesh: Any = None,
) -> Executable:
    """Prunes and optimises the fetch set's sub-graph (``jaxgraph.ir.passes``), generates its
    JAX function and wraps it in ``jax.jit``."""
    times = [time.time()]
    traced = prune(fetches, set(feeds))
    times.append(time.time())
    optimized = optimize(fetches, feeds)
    times.append(time.time())
    lowered = lower_graph(optimized.fetches, optimized.feeds, check_numerics=check_numerics)
    times.append(time.time())
    executable = Executable(lowered, traced, optimized, device, mesh)
    executable.made = {stage: (end, end - start) for stage, start, end in zip(STAGES, times, times[1:])}
    return executable
