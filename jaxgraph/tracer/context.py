"""The user's graph-building scopes: TF1's module-level ``name_scope``, ``control_dependencies``,
``device`` and ``set_random_seed``, each acting on the default graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxgraph.builder import NameScope, get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ops.random import seed_problem


def name_scope(name: str | None, default_name: str | None = None, values: Any = None) -> NameScope:
    """Prefixes the names of ops created inside with ``name/`` (made unique as TF1 does);
    TF1's ``tf.name_scope``. The scope is opened in the graph that is the default on entry."""
    return NameScope(None, name if name is not None else default_name)


def control_dependencies(control_inputs: Sequence[Any] | None) -> Any:
    """Ops created inside run after ``control_inputs`` (Tensors, Operations or Variables' ops);
    TF1's ``tf.control_dependencies``."""
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function: Any) -> Any:
    """Ops created inside get a device; TF1's ``tf.device``. ``device_name_or_function``: a TF1
    device string (``"/cpu:0"``, ``"/gpu:1"``, ``"/device:GPU:0"``, ``"/job:worker/task:1/cpu:0"``),
    merged with the enclosing scopes' (inner fields win, as ``DeviceSpec.make_merged_spec``); a
    ``jg.DeviceSpec``; a function from the Operation to its device string; or None, which clears
    the enclosing scopes. ``op.device`` is the canonical string (``/device:CPU:0``). A Session
    runs the whole program on its own device or mesh: a pin to a device the process lacks is an
    error unless ``ConfigProto(allow_soft_placement=True)`` (``docs/devices_and_sharding.md``)."""
    return get_default_graph().device(device_name_or_function)


def set_random_seed(seed: int | None) -> None:
    """Sets the default graph's seed (an int that fits in 64 bits; None unsets it): random ops then
    draw reproducible sequences. Anything else is an InvalidArgumentError now, not at run time.
    TF1's ``tf.set_random_seed``."""
    problem = seed_problem(seed)
    if problem is not None:
        raise InvalidArgumentError(f"set_random_seed: {problem}")
    get_default_graph().seed = None if seed is None else int(seed)
