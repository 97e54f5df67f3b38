"""String tensors in ``Session.run``: the ops on them run on the host, after the XLA executable.

XLA has no strings, so the ops that take or give string tensors (their OpDef has a ``host``
rule: ``constant``, ``placeholder``, ``identity``, ``as_string``, ``string_join``) are split off
a fetch set before it is compiled. ``split`` walks back from the fetched string tensors through
such host ops; the numeric tensors they read (``as_string``'s input) and the Operations their
control inputs name join the fetch set XLA computes. A run then calls the executable, and
``HostPlan.run`` evaluates the host ops in graph order with their NumPy rules, from those
device values, the string feeds and constants. Numeric ops never read string tensors (the graph
refuses them when they are built), so one device phase followed by one host phase always
suffices; only a control dependency of a device op on a host op cannot be kept, and is refused.

Values follow TF1: a computed string fetch is ``bytes`` (a scalar) or a NumPy object array of
``bytes``; a fed tensor fetched back is its feed, unconverted (``array('xy', dtype=object)``),
while the ops reading a fed ``str`` see its UTF-8 bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import string
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import FED
from jaxgraph.ir.passes.pruning import needed
from jaxgraph.ir.values import string_array
from jaxgraph.lowering.codegen import missing_feed_error


def on_host(op: Operation) -> bool:
    """Whether the Session runs ``op`` on the host: it takes or gives a string tensor."""
    return any(t.dtype is string for t in (*op.inputs, *op.outputs))


def _op_of(element: Tensor | Operation) -> Operation:
    return element.op if isinstance(element, Tensor) else element


class HostPlan:
    """The host part of one fetch set: what XLA must compute for it and the host ops to run.

    ``device_fetches`` is what the executable computes: the fetches XLA makes, in order, then
    the numeric inputs of the host ops (``inputs``) and the Operations they depend on.
    """

    def __init__(self, fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor], ops: list[Operation],
                 inputs: list[Tensor], controls: list[Operation]) -> None:  # fmt: skip
        self.ops = ops
        self.device_feed = [t.dtype is not string for t in feeds]
        self.host_feeds = {t: i for i, t in enumerate(feeds) if t.dtype is string}
        device = [e for e in fetches if not on_host(_op_of(e))]
        self.device_fetches: list[Tensor | Operation] = [*device, *inputs, *controls]
        n_device = sum(isinstance(e, Tensor) for e in device)
        self.inputs = {t: n_device + i for i, t in enumerate(inputs)}
        self.results: list[Tensor | int] = []
        """Per fetched Tensor: its index among the executable's results, or the host Tensor."""
        slot = 0
        for element in fetches:
            if isinstance(element, Tensor) and not on_host(element.op):
                self.results.append(slot)
                slot += 1
            elif isinstance(element, Tensor):
                self.results.append(element)

    def device_only(self, values: Sequence[Any]) -> list[Any]:
        """The entries of a per-feed list that belong to the executable (the numeric feeds)."""
        return [v for v, device in zip(values, self.device_feed, strict=True) if device]

    def run(self, device_values: Sequence[Any], feed_values: Sequence[Any]) -> list[Any]:
        """The fetched Tensors' values: the executable's ``device_values`` and the host ops'
        results, evaluated in graph order from them and the string feeds (all ``feed_values``)."""
        fed = {t: feed_values[i] for t, i in self.host_feeds.items()}
        values: dict[Tensor, Any] = {t: _fed_strings(t, v) for t, v in fed.items()}
        values.update((t, np.asarray(device_values[i])) for t, i in self.inputs.items())
        for op in self.ops:
            if all(t in values for t in op.outputs):
                continue
            try:
                result = op.op_def.host(*(values[t] for t in op.inputs), **op.attrs)
            except InvalidArgumentError as e:
                raise InvalidArgumentError(e.message, op) from None
            values[op.outputs[0]] = result
        return [device_values[r] if isinstance(r, int) else _fetched(r, values, fed) for r in self.results]


def _fed_strings(tensor: Tensor, value: Any) -> np.ndarray:
    """A string feed as the ops reading it see it: an object array of bytes."""
    array = string_array(np.asarray(value, dtype=object))
    if array is None:
        raise InvalidArgumentError(
            f"feed for '{tensor.name}' must hold str or bytes, got {value!r}", tensor.op
        )
    return array


def _fetched(tensor: Tensor, values: dict[Tensor, Any], fed: dict[Tensor, Any]) -> Any:
    """A host tensor's fetched value as TF1 gives it: its feed as fed, else bytes (a scalar) or
    an object array of bytes."""
    if tensor in fed:
        return fed[tensor]
    value = values[tensor]
    return value[()] if value.ndim == 0 else value


def split(fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor]) -> HostPlan | None:
    """The host part of a fetch set (None when no string tensor is fetched or fed); raises when
    a string placeholder it needs is not fed, or when an op XLA runs depends on a host op."""
    graphs = {_op_of(e).graph for e in fetches}
    if not any(g.holds_strings for g in graphs) and not any(t.dtype is string for t in feeds):
        return None  # no string tensor anywhere: no host op (the common case, without a walk)
    fed = set(feeds)
    stack = [_op_of(e) for e in fetches if on_host(_op_of(e))]
    if not stack and not any(t.dtype is string for t in feeds):
        _refuse_host_dependencies(fetches, fed)
        return None
    ops: set[Operation] = set()
    inputs: list[Tensor] = []
    controls: list[Operation] = []
    while stack:
        op = stack.pop()
        if op in ops:
            continue
        ops.add(op)
        for t in op.inputs:
            if t.dtype is string and t not in fed:
                stack.append(t.op)
            elif t.dtype is not string and t not in inputs:
                inputs.append(t)
        for c in op.control_inputs:
            (stack if on_host(c) else controls).append(c)
    ordered = sorted(ops, key=lambda op: op.index)
    unfed = [op for op in ordered if op.op_def.host == FED and not all(t in fed for t in op.outputs)]
    if unfed:
        raise missing_feed_error(unfed)
    plan = HostPlan(fetches, feeds, ordered, inputs, list(dict.fromkeys(controls)))
    _refuse_host_dependencies(plan.device_fetches, fed)
    return plan


def _refuse_host_dependencies(device_fetches: Sequence[Tensor | Operation], fed: set[Tensor]) -> None:
    """Raises when an op XLA computes needs a host op first (a control dependency on one):
    host ops run after the executable, so it could not wait for one."""
    blocked = [op for op in needed(device_fetches, fed) if any(map(on_host, op.control_inputs))]
    if blocked:
        op = min(blocked, key=lambda op: op.index)  # the first in graph order
        blocking = next(c for c in op.control_inputs if on_host(c))
        raise InvalidArgumentError(
            f"'{op.name}' has a control dependency on the string op '{blocking.name}', which "
            "runs on the host after XLA has computed the rest of the fetches: fetch it "
            "separately instead",
            op,
        )
