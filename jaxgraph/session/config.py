"""TF1's session configuration protos, ``ConfigProto`` / ``GPUOptions`` / ``RunOptions`` /
``RunMetadata``, and what each field means on JAX/XLA.

They behave like the protobuf messages TF1 code builds (keyword fields, attribute access and
assignment ``config.gpu_options.allow_growth = True``, ``config.device_count["GPU"] = 0``, the
same errors for unknown fields and wrong types, the text format as ``str``). What the fields do:

* ``device_count={"GPU": 0}``: the Session runs on the CPU (when it is given no ``device``).
* ``allow_soft_placement``: jaxgraph compiles a fetch set for one device, the Session's, and
  ``jg.device`` pins are annotations. With a config whose ``allow_soft_placement`` is False
  (TF1's default), a pin naming a device this process lacks raises TF1's "Cannot assign a
  device" error when the fetch set is compiled; True lets such ops run on the Session's device.
* ``log_device_placement``: when a fetch set is compiled, prints one line per op in TF1's
  format, ``name: (type): /job:localhost/replica:0/task:0/device:CPU:0``, to stdout; string
  ops show the host CPU, where they run.
* ``gpu_options.allow_growth`` / ``per_process_gpu_memory_fraction``: JAX reads its GPU memory
  settings (``XLA_PYTHON_CLIENT_PREALLOCATE``, ``XLA_PYTHON_CLIENT_MEM_FRACTION``) once, when
  its backends start. If they have not started, the Session sets those variables (unless the
  environment already does); otherwise it warns once that they cannot take effect.
* ``intra_op_parallelism_threads``, ``inter_op_parallelism_threads``,
  ``use_per_session_threads``, ``operation_timeout_in_ms`` and every ``RunOptions`` field are
  accepted and have no effect: XLA sizes its own thread pools when it starts, and a run is one
  XLA program. ``RunMetadata`` stays empty (use ``jax.profiler`` for traces).
"""

from __future__ import annotations

import numbers
import operator
import os
import sys
import warnings
from collections.abc import Iterable
from typing import Any

import jax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.devices import DeviceSpec
from jaxgraph.ir.graph import Operation
from jaxgraph.lowering import executable


# ---- the messages ------------------------------------------------------------------------------
def _bool(value: Any, field: str) -> bool:
    return bool(operator.index(value))


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"Field tensorflow.{field}: Expected an int, got a boolean.")
    return operator.index(value)


def _float(value: Any, field: str) -> float:
    if not isinstance(value, numbers.Real):
        raise TypeError(f"must be real number, not {type(value).__name__}")
    return float(value)


def _device_count(value: Any, field: str) -> dict[str, int]:
    counts = {}
    for key, count in dict(value).items():
        if not isinstance(key, str):
            raise TypeError("bad argument type for built-in operation")
        counts[key] = _int(count, field)
    return counts


class _Message:
    """A protobuf-like message. ``FIELDS``: name -> (converter or message class, default), in
    the proto's field order; ``UNSUPPORTED``: TF1's other field names, refused with a note."""

    FIELDS: dict[str, tuple[Any, Any]] = {}
    UNSUPPORTED: tuple[str, ...] = ()

    def __init__(self, *args: Any, **fields: Any) -> None:
        if args:
            raise TypeError("No positional arguments allowed")
        object.__setattr__(self, "_values", {})
        for name, value in fields.items():
            kind, _ = self._field(name, ValueError)
            if _is_message(kind):
                self._values[name] = _sub_message(kind, value)
            else:
                self._values[name] = kind(value, f"{type(self).__name__}.{name}")

    def _field(self, name: str, error: type[Exception]) -> tuple[Any, Any]:
        """The field ``name``, or protobuf's error (``error``: ValueError in the constructor,
        AttributeError on assignment) for a field the message lacks."""
        if name in self.FIELDS:
            return self.FIELDS[name]
        kind = type(self).__name__
        if name in self.UNSUPPORTED:
            raise error(f'{kind} field "{name}" is not supported by jaxgraph (see jaxgraph.session.config)')
        raise error(f'Protocol message {kind} has no "{name}" field.')

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self.FIELDS:
            raise AttributeError(name)
        kind, default = self.FIELDS[name]
        if kind is _device_count:
            return self._values.setdefault(name, {})
        if _is_message(kind):
            return self._values.setdefault(name, kind())
        return self._values.get(name, default)

    def __setattr__(self, name: str, value: Any) -> None:
        kind, _ = self._field(name, AttributeError)
        if _is_message(kind):
            raise AttributeError(
                f'Assignment not allowed to message field "{name}" in protocol message object.'
            )
        if kind is _device_count:
            raise AttributeError(
                f'Assignment not allowed to map, or repeated field "{name}" in protocol message object.'
            )
        self._values[name] = kind(value, f"{type(self).__name__}.{name}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and str(self) == str(other)

    def __str__(self) -> str:
        """protobuf's text format: the fields set to non-default values, in field order."""
        return "".join(_text(name, getattr(self, name), "") for name in self.FIELDS if name in self._values)

    def __repr__(self) -> str:
        return str(self)


def _is_message(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, _Message)


def _sub_message(kind: type[_Message], value: Any) -> _Message:
    if isinstance(value, kind):
        return value
    if isinstance(value, dict):
        return kind(**value)
    raise TypeError(
        "Parameter to initialize message field must be dict or instance of same class: "
        f"expected {kind} got {type(value)}."
    )


def _text(name: str, value: Any, indent: str) -> str:
    """One field in protobuf's text format (nothing for an empty message or a default)."""
    if isinstance(value, _Message):
        inner = "".join(
            _text(k, getattr(value, k), indent + "  ") for k in value.FIELDS if k in value._values
        )
        return f"{indent}{name} {{\n{inner}{indent}}}\n" if inner else ""
    if isinstance(value, dict):
        return "".join(
            f'{indent}{name} {{\n{indent}  key: "{k}"\n{indent}  value: {v}\n{indent}}}\n'
            for k, v in value.items()
        )
    if isinstance(value, bool):
        return f"{indent}{name}: {'true' if value else 'false'}\n" if value else ""
    if isinstance(value, float):
        return f"{indent}{name}: {repr(value).removesuffix('.0')}\n" if value else ""
    if name == "trace_level":
        return f"{indent}{name}: {RunOptions.TRACE_LEVELS[value]}\n" if value else ""
    return f"{indent}{name}: {value}\n" if value else ""


class GPUOptions(_Message):
    """TF1's ``tf.GPUOptions``: ``allow_growth`` and ``per_process_gpu_memory_fraction`` set
    JAX's GPU memory settings, when JAX has not started yet (see ``jaxgraph.session.config``)."""

    FIELDS = {"per_process_gpu_memory_fraction": (_float, 0.0), "allow_growth": (_bool, False)}
    UNSUPPORTED = (
        "allocator_type", "deferred_deletion_bytes", "visible_device_list", "polling_active_delay_usecs",
        "polling_inactive_delay_msecs", "force_gpu_compatible", "experimental",
    )  # fmt: skip


class ConfigProto(_Message):
    """TF1's ``tf.ConfigProto`` for ``Session(config=...)``: ``device_count``,
    ``allow_soft_placement``, ``log_device_placement`` and ``gpu_options`` take effect; the
    thread-pool fields are accepted and ignored (see ``jaxgraph.session.config``)."""

    FIELDS = {
        "device_count": (_device_count, None),
        "intra_op_parallelism_threads": (_int, 0),
        "inter_op_parallelism_threads": (_int, 0),
        "gpu_options": (GPUOptions, None),
        "allow_soft_placement": (_bool, False),
        "log_device_placement": (_bool, False),
        "use_per_session_threads": (_bool, False),
        "operation_timeout_in_ms": (_int, 0),
    }
    UNSUPPORTED = (
        "placement_period", "device_filters", "session_inter_op_thread_pool", "graph_options",
        "rpc_options", "cluster_def", "isolate_session_state", "share_cluster_devices_with_remote_tasks",
        "experimental",
    )  # fmt: skip


class RunOptions(_Message):
    """TF1's ``tf.RunOptions`` for ``Session.run(options=...)``: accepted, no effect (a run is
    one XLA program; ``jax.profiler`` traces it)."""

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = range(4)
    TRACE_LEVELS = ("NO_TRACE", "SOFTWARE_TRACE", "HARDWARE_TRACE", "FULL_TRACE")
    FIELDS = {
        "trace_level": (_int, 0),
        "timeout_in_ms": (_int, 0),
        "inter_op_thread_pool": (_int, 0),
        "output_partition_graphs": (_bool, False),
        "report_tensor_allocations_upon_oom": (_bool, False),
    }
    UNSUPPORTED = ("debug_options", "experimental")


class RunMetadata(_Message):
    """TF1's ``tf.RunMetadata`` for ``Session.run(run_metadata=...)``: accepted and left empty
    (``jax.profiler`` records what TF1's step stats held)."""

    UNSUPPORTED = ("step_stats", "cost_graph", "partition_graphs", "function_graphs", "session_metadata")


# ---- what the Session does with them --------------------------------------------------------------
_warned_gpu_options = False


def configure_session(config: Any, device: str | None) -> tuple[ConfigProto | None, str | None]:
    """Checks a Session's ``config``, applies its GPU memory options, and returns it with the
    Session's device (``"cpu"`` for ``device_count={"GPU": 0}`` when no device is given)."""
    if config is None:
        return None, device
    if not isinstance(config, ConfigProto):
        raise TypeError(f"config must be a jg.ConfigProto, but got {type(config)}")
    _apply_gpu_options(config.gpu_options)
    if device is None and config.device_count.get("GPU") == 0:
        device = "cpu"
    return config, device


def _apply_gpu_options(options: GPUOptions) -> None:
    """Sets JAX's GPU memory variables from ``options`` before JAX starts its backends (an
    environment that sets them already wins); warns once when JAX has started already."""
    wanted = {}
    if options.allow_growth:
        wanted["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    if options.per_process_gpu_memory_fraction:
        wanted["XLA_PYTHON_CLIENT_MEM_FRACTION"] = repr(options.per_process_gpu_memory_fraction)
    if not wanted:
        return
    if not _backends_started():
        for name, value in wanted.items():
            os.environ.setdefault(name, value)
        return
    global _warned_gpu_options
    if not _warned_gpu_options and any(d.platform == "gpu" for d in jax.devices()):
        _warned_gpu_options = True
        settings = " ".join(f"{name}={value}" for name, value in wanted.items())
        warnings.warn(
            f"ConfigProto.gpu_options cannot take effect: JAX's GPU backend has started already and "
            f"reads its memory settings only when it starts; set {settings} in the environment "
            "before the first JAX computation",
            stacklevel=4,
        )


def _backends_started() -> bool:
    """Whether JAX has started its backends (then its memory settings are fixed)."""
    from jax._src import xla_bridge  # no public API says it; assume started if this moves

    started = getattr(xla_bridge, "backends_are_initialized", None)
    return True if started is None else bool(started())


def device_name(device: Any) -> str:
    """TF1's full name of a JAX device: ``/job:localhost/replica:0/task:0/device:GPU:0``."""
    return executable.device_name(device)


def place(config: ConfigProto | None, device_ops: Iterable[Operation], device: Any,
          host_ops: Iterable[Operation] = ()) -> None:  # fmt: skip
    """What a config asks of a fetch set being compiled for ``device``: refuses pins to absent
    devices without ``allow_soft_placement``, and prints the placement with
    ``log_device_placement`` (``host_ops``, the string ops, run on the host CPU)."""
    if config is None:
        return
    device_ops = list(device_ops)
    if not config.allow_soft_placement:
        for op in device_ops:
            _check_pin(op)
    if config.log_device_placement:
        here, host = device_name(device), device_name(jax.devices("cpu")[0])
        placed = [(op, here) for op in device_ops] + [(op, host) for op in host_ops]
        for op, name in sorted(placed, key=lambda item: item[0].index):
            print(f"{op.name}: ({op.type}): {name}", file=sys.stdout)


def _check_pin(op: Operation) -> None:
    """TF1's error for an op pinned by ``jg.device`` to a device this process lacks (another
    task's device counts as absent unless that task is a JAX process of this run)."""
    if not op.device or executable.device_of_spec(DeviceSpec.from_string(op.device)) is not None:
        return
    available = ", ".join(device_name(d) for d in jax.devices())
    raise InvalidArgumentError(
        f"Cannot assign a device for operation {op.name}: {{{{node {op.name}}}}} was explicitly "
        f"assigned to {op.device} but available devices are [ {available} ]. "
        "Make sure the device specification refers to a valid device.",
        op,
    )
