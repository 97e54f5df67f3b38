"""TF1's device strings: ``DeviceSpec`` parses, merges and prints them exactly as TensorFlow does.

A device string names some of ``/job:<name>/replica:<int>/task:<int>/device:<TYPE>:<index>``
(``/cpu:0`` and ``gpu:1`` are short for ``/device:CPU:0`` and ``/device:GPU:1``; an index ``*``
means any). Merging two specs keeps the fields of the first that the second leaves unset; nested
``jg.device`` scopes merge this way, the inner scope's fields winning. Which JAX device a spec
names is the lowering's business (``jaxgraph.lowering.executable.device_of_spec``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from jaxgraph.errors import InvalidArgumentError

DEVICE_TYPES = ("CPU", "GPU", "TPU")
"""The device types a short form (``/gpu:1``) may name, as TF1's ``DeviceSpec`` knows them."""


class DeviceSpec(NamedTuple):
    """TF1's ``tf.DeviceSpec``: a (partial) device name; unset fields are None.

    ``DeviceSpec.from_string("/job:worker/task:1/cpu:0").to_string()`` is
    ``"/job:worker/task:1/device:CPU:0"``, as in TF1.
    """

    job: str | None = None
    replica: int | None = None
    task: int | None = None
    device_type: str | None = None
    device_index: int | None = None

    @classmethod
    def from_string(cls, spec: str) -> DeviceSpec:
        """Parses a device string as TF1's ``DeviceSpec.from_string`` does (the same
        messages, as InvalidArgumentError, a ValueError)."""
        return cls(*_parse(spec or ""))

    def parse_from_string(self, spec: str) -> DeviceSpec:
        """The spec ``spec`` parses to (a DeviceSpec is immutable, as TF2's ``DeviceSpecV2``);
        TF1's ``DeviceSpec.parse_from_string``."""
        return DeviceSpec.from_string(spec)

    def to_string(self) -> str:
        """The canonical string, e.g. ``/job:worker/replica:0/task:1/device:GPU:0``; TF1's
        ``DeviceSpec.to_string``."""
        parts = []
        if self.job is not None:
            parts.append(f"/job:{self.job}")
        if self.replica is not None:
            parts.append(f"/replica:{self.replica}")
        if self.task is not None:
            parts.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else str(self.device_index)
            parts.append(f"/device:{self.device_type}:{index}")
        return "".join(parts)

    def make_merged_spec(self, other: DeviceSpec) -> DeviceSpec:
        """This spec with every field ``other`` sets replaced by ``other``'s; TF1's
        ``DeviceSpec.make_merged_spec``."""
        return DeviceSpec(*(mine if theirs is None else theirs for mine, theirs in zip(self, other)))

    def merge_from(self, other: DeviceSpec) -> DeviceSpec:
        """``make_merged_spec(other)`` (TF1's in-place ``merge_from``; DeviceSpecs here are
        immutable, so the merged spec is returned)."""
        return self.make_merged_spec(other)

    def __str__(self) -> str:
        return self.to_string()


def _parse(spec: str) -> tuple[Any, ...]:
    """``(job, replica, task, device_type, device_index)`` of a device string (TF's parser)."""
    job = replica = task = device_type = index = None
    for part in spec.split("/"):
        fields = part.split(":")
        head = fields[0]
        if len(fields) == 2 and head == "job":
            job = fields[1]
        elif len(fields) == 2 and head == "replica":
            replica = _int(fields[1])
        elif len(fields) == 2 and head == "task":
            task = _int(fields[1])
        elif len(fields) in (1, 2) and head.upper() in DEVICE_TYPES:
            device_type = _one_type(device_type, spec, head.upper())
            if len(fields) == 2 and fields[1] != "*":
                index = _int(fields[1])
        elif len(fields) == 3 and head == "device":
            known = fields[1].upper()
            device_type = _one_type(device_type, spec, known if known in DEVICE_TYPES else fields[1])
            if fields[2] != "*":
                index = _int(fields[2])
        elif head:
            raise InvalidArgumentError(
                f"Unknown attribute '{head}' is encountered while parsing the device spec: '{spec}'."
            )
    return job, replica, task, device_type, index


def _one_type(current: str | None, spec: str, device_type: str) -> str:
    """``device_type``, unless the spec named one already (TF1 refuses two)."""
    if current is not None:
        raise InvalidArgumentError(
            f"Multiple device types are not allowed while parsing the device spec: {spec}."
        )
    return device_type


def _int(text: str) -> int:
    """An integer field, with Python's message (as TF1's parser gives) when it is not one."""
    try:
        return int(text)
    except ValueError as e:
        raise InvalidArgumentError(str(e)) from None
