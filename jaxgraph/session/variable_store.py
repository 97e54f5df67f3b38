"""The Session's Variable values: each name holds its own array, or a view (stack, index).

A rolled program takes a run of same-typed Variables as one stacked argument and returns them
updated as one stacked result (a Variable group: ``jaxgraph.lowering.groups``). The store
keeps such a result as it is: each member becomes a view of row ``index`` of the ``_Stack``.
So the steady state of a rolled training step hands the stack back to the next run unchanged
(zero copies; donated, so updated in place).

- Reading one member (an unrolled program's argument, ``Variable.eval``) takes its row: one
  small device op (``dynamic_index_in_dim`` with the index as an argument: one compiled kernel
  per stack type, not one per row). ``host_values`` (snapshots, the Saver) copies each stack to
  the host once and indexes it with NumPy.
- Writing one member (``load_variable``, an unrolled program's assign, a restore) makes it an
  array of its own again; its stack is then no longer *intact* (the other members still view
  it). The next run wanting the group stacks the members' values afresh, once, through the
  host, and stores them stacked from then on.
- A group argument is the existing stack only if it is intact and its members are exactly the
  group's, in order: only then can the run donate it (nothing else views it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import jax
import numpy as np
from jax import lax


class _Stack:
    """One stacked array and the Variables whose rows it holds (while ``intact``)."""

    __slots__ = ("array", "members", "intact")

    def __init__(self, array: jax.Array, members: tuple[str, ...]):
        self.array = array
        self.members = members
        self.intact = True


@jax.jit
def _row(stack: jax.Array, index: jax.Array) -> jax.Array:
    return lax.dynamic_index_in_dim(stack, index, keepdims=False)


class VariableStore:
    """Variable values by name (see the module docstring); ``place(label, value)`` puts a
    host value where the Session keeps Variables (its device, or replicated on its mesh)."""

    def __init__(self, place: Callable[[str, Any], jax.Array]):
        self._place = place
        self._own: dict[str, jax.Array] = {}
        self._views: dict[str, tuple[_Stack, int]] = {}

    # ---- one Variable ------------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self._own or name in self._views

    def __iter__(self) -> Iterator[str]:
        yield from self._own
        yield from self._views

    def get(self, name: str) -> jax.Array | None:
        """The value of ``name`` (a view's row taken from its stack), None if it has none."""
        value = self._own.get(name)
        if value is not None:
            return value
        view = self._views.get(name)
        if view is None:
            return None
        stack, index = view
        return _row(stack.array, np.int32(index))

    def __getitem__(self, name: str) -> jax.Array:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: jax.Array) -> None:
        """``name`` holds ``value`` as an array of its own (its stack, if any, is split)."""
        self._unview(name)
        self._own[name] = value

    def __delitem__(self, name: str) -> None:
        if name in self._views:
            self._unview(name)
        else:
            del self._own[name]

    def update(self, values: Mapping[str, jax.Array] | Iterable[tuple[str, jax.Array]]) -> None:
        for name, value in values.items() if isinstance(values, Mapping) else values:
            self[name] = value

    def clear(self) -> None:
        self._own.clear()
        self._views.clear()

    def _unview(self, name: str) -> None:
        view = self._views.pop(name, None)
        if view is not None:
            view[0].intact = False

    # ---- groups ------------------------------------------------------------------------------
    def argument(self, name: str, groups: Mapping[str, tuple[str, ...]]) -> jax.Array | None:
        """The value a run passes for ``name``: a Variable's, or a group's stack (the stored one
        when intact with exactly these members, else the members' values stacked once and kept
        so); None when a Variable (or a group member) has no value."""
        members = groups.get(name)
        if members is None:
            return self.get(name)
        stack = self._intact(members)
        if stack is not None:
            return stack.array
        if any(m not in self for m in members):
            return None
        host = self.host_values(members)
        array = self._place(f"Variable group '{name}'", np.stack([host[m] for m in members]))
        self._view_all(_Stack(array, members))
        return array

    def arguments(self, names: Sequence[str], groups: Mapping[str, tuple[str, ...]]) -> list[Any] | None:
        """``argument`` of each name; None when one has no value. One C-level pass over the
        names while no Variable is stacked (the common case: a run's Python cost grows with
        its number of Variables)."""
        if not groups and not self._views:
            try:
                return list(map(self._own.__getitem__, names))
            except KeyError:
                return None
        args = [self.argument(name, groups) for name in names]
        return None if any(arg is None for arg in args) else args  # not `None in`: it compares arrays

    def commit_all(
        self, names: Sequence[str], values: Sequence[jax.Array], groups: Mapping[str, tuple[str, ...]]
    ) -> None:
        """``commit`` of each (name, value) pair; one dict update while no Variable is stacked."""
        if not groups and not self._views:
            self._own.update(zip(names, values, strict=False))
            return
        for name, value in zip(names, values, strict=False):
            self.commit(name, value, groups)

    def commit(self, name: str, value: jax.Array, groups: Mapping[str, tuple[str, ...]]) -> None:
        """Stores a run's new value of ``name`` (a group's: every member a view of it)."""
        members = groups.get(name)
        if members is None:
            self[name] = value
            return
        stack = self._intact(members)
        if stack is not None:
            stack.array = value
        else:
            self._view_all(_Stack(value, members))

    def forget(self, name: str, groups: Mapping[str, tuple[str, ...]]) -> list[str]:
        """Removes ``name``'s value (a group's: every member's); the Variable names removed."""
        names = list(groups.get(name, (name,)))
        for member in names:
            self._views.pop(member, None)
            self._own.pop(member, None)
        return names

    def _intact(self, members: tuple[str, ...]) -> _Stack | None:
        view = self._views.get(members[0])
        if view is None:
            return None
        stack = view[0]
        return stack if stack.intact and (stack.members is members or stack.members == members) else None

    def _view_all(self, stack: _Stack) -> None:
        for index, member in enumerate(stack.members):
            old = self._views.get(member)
            if old is not None and old[0] is not stack:
                old[0].intact = False
            self._own.pop(member, None)
            self._views[member] = (stack, index)

    # ---- host copies -------------------------------------------------------------------------
    def host_values(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """Host copies of the named values (each must have one): one transfer per stack."""
        copies: dict[int, np.ndarray] = {}
        values = {}
        for name in names:
            view = self._views.get(name)
            if view is None:
                values[name] = np.array(self._own[name])
                continue
            stack, index = view
            if id(stack) not in copies:
                copies[id(stack)] = np.asarray(stack.array)
            values[name] = copies[id(stack)][index].copy()
        return values
