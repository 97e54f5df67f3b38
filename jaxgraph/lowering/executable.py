"""A lowered fetch set wrapped in ``jax.jit``: donation of updated Variables, device placement,
a memory check before large runs, and the dumps of every stage (``ir``, ``ir-opt``, ``jax``,
``jaxpr``, ``stablehlo``, ``hlo``).

Donation and failed runs: a donated Variable buffer is gone once XLA has taken it, even when the
run then fails (out of memory while allocating its results, say). So a run must not fail after
launch: XLA's memory analysis of the compiled executable says how many bytes a run allocates, and
a run large enough to matter (at least 1/64 of the device's memory) first compares that with the
memory available now (the analysis itself is skipped when ``program_bytes``, the bytes of every
value the program computes, is far below that share). Too much raises ResourceExhaustedError
before anything runs; within 10% of what is available the run goes without donation (slower,
but an out-of-memory then leaves the Variables intact). Such a large run also waits for its results before the Session commits them:
on GPUs an allocation failing during the run shows only then (the call itself returns). So does a
run spanning several processes: a collective failing because another process died shows only
then, and is reported as UnavailableError by the run that hit it. Smaller
runs skip both (the check costs a read of ``/proc/meminfo`` on CPUs, ~20 µs; the wait, the
overlap of one run's dispatch with the previous run) and donate.

Donation and run-time checks: a run whose check fails must change nothing, yet its donated
buffers are gone. So the generated function returns, for each donated Variable, its new value
if every check passed and its old value otherwise (``jnp.where(ok, new, old)``, which XLA still
computes in place); after a failed check the caller commits those values (the old ones, in the
donated buffers) and keeps its RNG key, then raises the check's error.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from jaxgraph.errors import (
    InvalidArgumentError,
    JaxGraphError,
    ResourceExhaustedError,
    UnavailableError,
    error_class_for_status,
)
from jaxgraph.ir.devices import DeviceSpec
from jaxgraph.ir.dtypes import computed_as
from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes import Optimized, optimize, prune, strip_cpu_only_checks
from jaxgraph.ir.passes.loop_bounds import resolve_loop_bounds
from jaxgraph.ir.passes.rolling import rolls
from jaxgraph.ir.printer import print_graph
from jaxgraph.lowering.codegen import LoweredGraph, lower_graph

STAGES = ("ir", "ir-opt", "jax", "jaxpr", "stablehlo", "hlo")

CHECKED_FRACTION = 64
"""Runs allocating at least 1/CHECKED_FRACTION of a device's memory check what is available first."""
TIGHT = 0.9
"""A checked run needing more than this share of the available memory runs without donation."""
BOUND_FACTOR = 4
"""``program_bytes`` times this bounds what a run allocates (XLA's copies, layouts and scratch
space included) when deciding, without XLA's memory analysis, that a run needs no check."""
_UNASKED = object()
"""``Executable.needed_bytes`` not taken yet."""
PEER_FAILURES = ("Gloo", "NCCL", "Connection closed by peer", "Connection reset by peer", "UNAVAILABLE")
"""Words of the XLA errors a collective raises when another process of the run has gone."""


def resolve_device(spec: str | None) -> Any:
    """A jax Device from a device string: ``"cpu"``, ``"gpu:1"``, ``"/device:GPU:0"``,
    ``"/job:localhost/replica:0/task:0/device:CPU:0"`` ... (``device_of_spec``); None: JAX's
    default. Raises InvalidArgumentError when the process has no such device."""
    if spec is None:
        return None
    if not isinstance(spec, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'gpu:1', not {type(spec)}")
    device = device_of_spec(DeviceSpec.from_string(spec))
    if device is None:
        available = ", ".join(sorted({d.platform for d in jax.devices()}))
        raise InvalidArgumentError(f"device '{spec}' is not available (this process has: {available})")
    return device


def device_of_spec(spec: DeviceSpec) -> Any:
    """The JAX device a TF1 device spec names, or None when there is none. The task is the JAX
    process (``jax.process_index()``; unset: this one), the device index counts that process's
    devices of the type (unset or ``*``: the first), an unset type is JAX's default backend's,
    the job is a name only, and replica must be 0 (one program runs on every replica)."""
    kind = (spec.device_type or jax.default_backend()).lower()
    if kind not in ("cpu", "gpu", "tpu") or spec.replica not in (None, 0):
        return None
    task = jax.process_index() if spec.task is None else spec.task
    try:
        devices = [d for d in jax.devices(kind) if d.process_index == task]
    except RuntimeError:  # no backend of that kind
        return None
    index = spec.device_index or 0
    return devices[index] if index < len(devices) else None


def device_name(device: Any) -> str:
    """TF1's full name of a JAX device, ``/job:localhost/replica:0/task:0/device:GPU:0``: the
    task is its process, the index counts that process's devices of its platform."""
    peers = [d for d in jax.devices(device.platform) if d.process_index == device.process_index]
    return (
        f"/job:localhost/replica:0/task:{device.process_index}/device:{device.platform.upper()}:"
        f"{peers.index(device)}"
    )


def placed_name(device: str | None) -> str:
    """The full name of the device an op's ``jg.device`` string names (``/cpu:0`` ->
    ``/job:localhost/replica:0/task:0/device:CPU:0``), the string itself when this process has
    no such device or it does not parse, and ``""`` for none."""
    if not device:
        return ""
    try:
        found = device_of_spec(DeviceSpec.from_string(device))
    except InvalidArgumentError:
        return device
    return device if found is None else device_name(found)


class Executable:
    """One compiled fetch set: call it with variable values, feeds and the key.

    Updated Variables are donated (updated in place), also by runs with checks (see the module
    docstring); a large run close to the memory available goes without donation.
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
        """For the stages jaxgraph makes (ir, ir-opt, jax) and, once compiled, for JAX's tracing
        and lowering (stablehlo) and XLA's compilation (hlo): when each was made and in how
        long (s)."""
        donated = tuple(range(len(lowered.donated_vars)))
        kwargs: dict[str, Any] = {}
        if device is not None:
            sharding = jax.sharding.SingleDeviceSharding(device)
            kwargs["in_shardings"] = sharding
            kwargs["out_shardings"] = sharding
        if mesh is not None:
            kwargs["in_shardings"], kwargs["out_shardings"] = mesh_shardings(lowered, mesh)
        self.jitted = jax.jit(lowered.fn, donate_argnums=donated, **kwargs)
        self._kwargs = kwargs
        self._undonated: Any = None
        self.devices = list(mesh.local_devices) if mesh is not None else [device or jax.devices()[0]]
        """The devices of this process the program runs on (their memory is what runs check)."""
        self._compiled: Any = None
        self._needed: Any = _UNASKED
        self._checked = False
        self.spans_processes = mesh is not None and mesh.is_multi_process
        """Runs on devices of other processes too (``jaxgraph.distribute``): each run waits for its
        results, so a collective failing because another process died is reported by that run."""
        self._awaited = self.spans_processes
        """Runs wait for their results: large ones (``_checked``) and those spanning processes."""
        self.loop_bounds: dict[str, int] = {}
        """The bucket (steps) of each unbounded loop's gradient, by loop (``jaxgraph.ops.trip_counts``)."""

    def compile(self, specs: Sequence[Any]) -> None:
        """XLA-compiles for arguments of types ``specs`` (JAX caches the result for the first
        call) and decides whether runs check the memory available before they start: those
        needing at least 1/``CHECKED_FRACTION`` of a device's memory. XLA's memory analysis
        (``needed_bytes``) costs tens of milliseconds for a program of thousands of ops, so it
        is taken only when ``program_bytes`` cannot tell that the program is far below that."""
        start = time.time()
        lowered = self.jitted.lower(*specs)
        traced = time.time()
        self._compiled = lowered.compile()
        compiled = time.time()
        self.made.update(stablehlo=(traced, traced - start), hlo=(compiled, compiled - traced))
        self._needed = _UNASKED
        self._checked = self._large()
        self._awaited = self._checked or self.spans_processes

    def _large(self) -> bool:
        """Whether a run needs at least 1/``CHECKED_FRACTION`` of a device's memory (``compile``)."""
        totals = [total for _, total in map(device_memory, self.devices) if total]
        if not totals:
            return False
        bound = program_bytes(self.lowered.ops)
        if bound is not None and bound * BOUND_FACTOR * CHECKED_FRACTION < min(totals):
            return False
        needed = self.needed_bytes
        return needed is not None and needed * CHECKED_FRACTION >= min(totals)

    @property
    def needed_bytes(self) -> int | None:
        """Bytes one run allocates on each device beyond its arguments (XLA's memory analysis:
        results and temporaries, less the donated buffers it reuses), taken when first asked;
        None until compiled, or where XLA cannot say (as when compiling it ahead failed)."""
        if self._needed is _UNASKED:
            try:
                stats = None if self._compiled is None else self._compiled.memory_analysis()
            except jax.errors.JaxRuntimeError:  # no analysis: runs go as if their size were unknown
                stats = None
            self._needed = (
                None
                if stats is None
                else stats.output_size_in_bytes + stats.temp_size_in_bytes - stats.alias_size_in_bytes
            )
        return self._needed

    def __call__(self, *args: Any) -> tuple[Any, Any, Any, InvalidArgumentError | None]:
        """Runs: ``(fetched, updated Variables, next key, failure)``. ``failure`` is None, or the
        InvalidArgumentError naming the op whose check failed: the caller then commits only the
        donated Variables (they hold their old values) and raises it. Raises InvalidArgumentError
        naming the op whose lowering failed while compiling; ResourceExhaustedError naming the
        largest op when the run does not fit in memory; every other XLA runtime error as the TF1
        class of its status code."""
        if self._awaited:
            return self._awaited_call(args)
        try:
            fetched, updated, key, checks = self.jitted(*args)
        except (JaxGraphError, TypeError, ValueError, jax.errors.JaxRuntimeError) as e:
            raise self._run_error(e) from None
        return (
            fetched,
            updated,
            key,
            self._failed_check(checks) if checks else None,
        )  # most runs: no round trip

    def _awaited_call(self, args: Sequence[Any]) -> tuple[Any, Any, Any, InvalidArgumentError | None]:
        """``__call__`` of a large run (memory checked first, donating only when it fits) or of
        one spanning processes: it waits for its results, where its failures show."""
        jitted = self.jitted if not self._checked or self._fits_with_donation() else self._without_donation()
        try:
            fetched, updated, key, checks = jitted(*args)
            jax.block_until_ready((fetched, updated))
        except (JaxGraphError, TypeError, ValueError, jax.errors.JaxRuntimeError) as e:
            raise self._run_error(e) from None
        return fetched, updated, key, self._failed_check(checks) if checks else None

    def _run_error(self, error: Exception) -> JaxGraphError:
        """The jaxgraph error of a failed call: a lowering error names its op, JAX's shape
        checks (the run's shapes do not fit) too, an XLA runtime error becomes the TF1 class of
        its status code (``_runtime_error``)."""
        if isinstance(error, JaxGraphError):
            return _blame(self.lowered, error, error.message)
        if isinstance(error, jax.errors.JaxRuntimeError):
            return self._runtime_error(str(error).split("\n")[0].rstrip("."))
        if self.spans_processes and any(word in str(error) for word in PEER_FAILURES):
            return self._runtime_error(str(error).split("\n")[0].rstrip("."))
        return _blame(self.lowered, error, str(error).split("\n")[0] or type(error).__name__)

    def _failed_check(self, checks: Sequence[Any]) -> InvalidArgumentError | None:
        """The error of the first check that failed (None if all passed)."""
        for (op, _), status in zip(self.lowered.checks, checks):
            status = np.atleast_1d(np.asarray(status))  # not jax.device_get: ~30x its cost on CPU
            if not status[0]:
                explain = op.op_def.explain  # None: a Session(check_numerics=True) check
                message = (
                    explain(op, status[1:]) if explain else "found NaN or Inf in the output (check_numerics)"
                )
                if isinstance(message, InvalidArgumentError):  # a check with its own error class
                    return message
                return InvalidArgumentError(message, op)
        return None

    def _fits_with_donation(self) -> bool:
        """Whether this (large) run may donate: raises ResourceExhaustedError when it needs more
        than the memory available now; False when it comes within ``TIGHT`` of it."""
        available = [free for free, _ in map(device_memory, self.devices) if free is not None]
        if not available or self.needed_bytes is None:  # memory unknown: as if unchecked
            return True
        free = min(available)
        if self.needed_bytes > free:
            raise self._out_of_memory(
                f"out of memory: the run needs {self.needed_bytes} bytes on {self.devices[0]}, "
                f"but only {free} bytes are available"
            )
        return self.needed_bytes <= TIGHT * free

    def _without_donation(self) -> Any:
        """The same function jitted without donation (made, and compiled, on first use)."""
        if self._undonated is None:
            self._undonated = jax.jit(self.lowered.fn, **self._kwargs)
        return self._undonated

    def _runtime_error(self, message: str) -> JaxGraphError:
        """A raw XLA runtime error as a jaxgraph error: out of memory names the largest op."""
        cls = error_class_for_status(message)
        if self.spans_processes and any(word in message for word in PEER_FAILURES):
            return UnavailableError(
                "a collective of this multi-process run failed: another process has stopped or "
                f"cannot be reached ({message})"
            )
        if cls is ResourceExhaustedError:
            needed = "" if self.needed_bytes is None else f" (the run needs {self.needed_bytes} bytes)"
            return self._out_of_memory(f"out of memory{needed}: {message}")
        return cls(f"the run failed in XLA: {message}")

    def _out_of_memory(self, message: str) -> ResourceExhaustedError:
        """``message`` plus the run's largest result (the likely culprit), blamed on its op."""
        sizes = [(_nbytes(t), t) for op in self.lowered.ops for t in op.outputs if not t.type.ref]
        size, tensor = max(sizes, key=lambda pair: pair[0], default=(0, None))
        if not size:
            return ResourceExhaustedError(message)
        return ResourceExhaustedError(
            f"{message}; its largest result is '{tensor.name}' ({tensor.type}, {size} bytes)", tensor.op
        )

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


def mesh_shardings(lowered: LoweredGraph, mesh: Any) -> tuple[tuple, Any]:
    """``(in_shardings, out_shardings)`` of a program run over ``mesh``: feeds split along their
    first (batch) dimension over the mesh's first axis (data parallelism); each Variable as its
    ``sharding`` annotation says (model parallelism), else replicated, and stored so across runs
    (its updated value leaves the run as it came in); the key and fetched values replicated.
    XLA's SPMD partitioner inserts the collectives (all-reduce of gradients, all-gather ...)."""
    whole = replicated(mesh)
    batch = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
    variables = [
        variable_sharding(lowered.var_ops[name], mesh) for name in lowered.donated_vars + lowered.kept_vars
    ]
    feeds = [batch if len(t.shape) else whole for t in lowered.feeds]
    updated = tuple(variable_sharding(lowered.var_ops[name], mesh) for name in lowered.updated_vars)
    return tuple(variables + feeds + [whole]), (whole, updated, whole, whole)


def replicated(mesh: Any) -> NamedSharding:
    """A value held whole by every device of ``mesh``."""
    return NamedSharding(mesh, PartitionSpec())


def variable_sharding(op: Operation, mesh: Any) -> NamedSharding:
    """Where a ``variable`` op's value lives on ``mesh``: its ``sharding`` annotation (a
    PartitionSpec over the mesh's axis names), else replicated. Raises InvalidArgumentError
    naming the Variable when the annotation names an axis the mesh lacks, uses one twice, or
    splits a dimension the axes' devices do not divide evenly."""
    spec = op.attrs.get("sharding")
    if not spec:
        return replicated(mesh)
    sizes = dict(zip(mesh.axis_names, mesh.devices.shape))
    used: list[str] = []
    for dim, entry in zip(op.attrs["shape"], spec):
        axes = () if entry is None else (entry,) if isinstance(entry, str) else entry
        for axis in axes:
            if axis not in sizes:
                raise InvalidArgumentError(
                    f"Variable '{op.name}' is sharded over mesh axis '{axis}', but the Session's "
                    f"mesh has axes {list(mesh.axis_names)}",
                    op,
                )
            if axis in used:
                raise InvalidArgumentError(
                    f"Variable '{op.name}' is sharded over mesh axis '{axis}' twice (sharding={spec})", op
                )
            used.append(axis)
        parts = math.prod(sizes[axis] for axis in axes)
        if dim % parts:
            raise InvalidArgumentError(
                f"Variable '{op.name}' of shape {list(op.attrs['shape'])} cannot be sharded "
                f"{spec}: its dimension of size {dim} does not divide into {parts} parts "
                f"(mesh axes {list(axes)})",
                op,
            )
    return NamedSharding(mesh, PartitionSpec(*spec))


def program_bytes(ops: Sequence[Operation]) -> int | None:
    """The bytes of every value ``ops`` compute (each op's outputs, the ops of its sub-graphs
    included, Variables' new values too): what a run allocates at most if every value lived
    at once; None when a shape is not static."""
    total = 0
    for op in ops:
        for t in op.outputs:
            count = t.type.shape.num_elements()
            if count is None:
                return None
            total += count * computed_as(t.dtype).size
        for value in op.attrs.values():
            if isinstance(value, Graph):
                inner = program_bytes(value.operations)
                if inner is None:
                    return None
                total += inner
    return total


def _nbytes(tensor: Tensor) -> int:
    """The size of a tensor of static shape (0 while a dimension is unknown)."""
    return (tensor.type.shape.num_elements() or 0) * computed_as(tensor.dtype).size


def device_memory(device: Any) -> tuple[int | None, int | None]:
    """(available, total) bytes of ``device``: its allocator's limit and use for accelerators,
    the host's (within a cgroup's limit) for CPUs; None where unknown."""
    if device.platform == "cpu":
        return _host_memory()
    stats = device.memory_stats() or {}
    limit = stats.get("bytes_limit")
    return (None, None) if limit is None else (limit - stats.get("bytes_in_use", 0), limit)


def _host_memory() -> tuple[int | None, int | None]:
    """(MemAvailable, MemTotal) of ``/proc/meminfo``, lowered to the cgroup v2 limit if any."""
    info: dict[bytes, int] = {}
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                key, _, rest = line.partition(b":")
                if key in (b"MemAvailable", b"MemTotal"):
                    info[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None, None
    available, total = info.get(b"MemAvailable"), info.get(b"MemTotal")
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        available = limit - used if available is None else min(available, limit - used)
        total = limit if total is None else min(total, limit)
    return available, total


def _read_int(path: str) -> int | None:
    """The integer in a one-line file (None when absent or not a number, e.g. ``max``)."""
    try:
        with open(path, "rb") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


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
    record_passes: bool = False,
    loop_bounds: Mapping[str, int] | None = None,
    roll_loops: bool | None = None,
) -> Executable:
    """Prunes and optimises the fetch set's sub-graph (``jaxgraph.ir.passes``), generates its
    JAX function and wraps it in ``jax.jit``. ``record_passes`` keeps the graph after each pass
    (for a dump folder). The ``ir`` stage is the ops the fetches need plus the placeholders fed,
    so that its text parses back. ``loop_bounds``: the buckets of unbounded loops' gradients,
    by loop (``jaxgraph.ir.passes.loop_bounds``; a loop not in it gets the initial bucket).
    ``roll_loops``: whether runs of repeated blocks are lowered as loops; ``None``: where it
    pays (``jaxgraph.ir.passes.rolling.rolls``: on CPU always, on accelerators for big programs)."""
    times = [time.time()]
    fed_placeholders = [t.op for t in feeds if t.op.op_def.parameter and not t.type.ref]
    traced = sorted({*prune(fetches, set(feeds)), *fed_placeholders}, key=lambda op: op.index)
    times.append(time.time())
    platform = _platform(device, mesh)
    optimized = optimize(
        fetches, feeds, record=record_passes, roll_loops=rolls(roll_loops, platform, len(traced))
    )
    if platform != "cpu":  # as TF1: index and division checks on CPU only
        stages = optimized.after_each_pass
        optimized = strip_cpu_only_checks(optimized)
        optimized.after_each_pass = stages + (
            [("strip-cpu-only-checks", optimized.graph)] if record_passes else []
        )
    optimized, bounds = _with_loop_bounds(optimized, loop_bounds or {}, record_passes)
    times.append(time.time())
    lowered = lower_graph(optimized.fetches, optimized.feeds, check_numerics=check_numerics)
    times.append(time.time())
    executable = Executable(lowered, traced, optimized, device, mesh)
    executable.made = {stage: (end, end - start) for stage, start, end in zip(STAGES, times, times[1:])}
    executable.loop_bounds = bounds
    return executable


def _with_loop_bounds(
    optimized: Optimized, loop_bounds: Mapping[str, int], record: bool
) -> tuple[Optimized, dict[str, int]]:
    """``optimized`` with its loop buckets resolved (a ``loop-bounds`` stage when recorded)."""
    resolved, bounds = resolve_loop_bounds(optimized, loop_bounds)
    if resolved is not optimized:
        resolved.after_each_pass = optimized.after_each_pass + (
            [("loop-bounds", resolved.graph)] if record else []
        )
    return resolved, bounds


def _platform(device: Any, mesh: Any) -> str:
    """The platform a program runs on: its device's, its mesh's, JAX's default device (as set by
    ``jax.default_device``), or JAX's default backend."""
    if device is not None:
        return device.platform
    if mesh is not None:
        return mesh.devices.flat[0].platform
    default = jax.config.jax_default_device
    if default is not None:
        return default if isinstance(default, str) else default.platform
    return jax.default_backend()
