"""Building graphs: TF1's graph-building state on top of the IR's ``Graph``.

``jaxgraph.builder.Graph`` (the ``jg.Graph`` users make) is an IR graph plus what TF1 kept on
its graph while a program builds it: the default-graph stack (``as_default``), name scopes,
control-dependency and device scopes, collections, the source line stamped on gradient ops, and,
for a control-flow body being traced, the outer graph and the outer tensors it captured.
``create_op`` applies those scopes, then adds the op to the IR with ``Graph.add_op``. ``Graph.save`` (a graph file) is installed by ``jaxgraph.tracer.graph_file``.

This layer sits between ``ir`` and ``ops``: every op builder (``jg.matmul`` ...) creates its op
in the current default graph, so the scopes must be below the op library. The user-facing
scope functions (``jg.name_scope`` ...) and the tracing of Python functions are in
``jaxgraph.tracer``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir import graph as ir_graph
from jaxgraph.ir.devices import DeviceSpec
from jaxgraph.ir.graph import Operation, SourceLocation, Tensor, user_location
from jaxgraph.ir.opdef import REGISTRY, get_op_def

_default_graphs = threading.local()


def _graph_stack() -> list[Graph]:
    stack = getattr(_default_graphs, "stack", None)
    if stack is None:
        stack = _default_graphs.stack = [Graph()]
    return stack


def get_default_graph() -> Graph:
    """The innermost graph of ``with g.as_default()`` on this thread (a global one otherwise);
    TF1's ``tf.get_default_graph``."""
    try:  # without a call to _graph_stack: this runs for every op built
        return _default_graphs.stack[-1]
    except AttributeError:
        return _graph_stack()[-1]


def reset_default_graph() -> None:
    """Replaces the global default graph with a new empty one (TF1's ``reset_default_graph``)."""
    stack = _graph_stack()
    if len(stack) > 1:
        raise AssertionError("reset_default_graph called inside a `with graph.as_default()` block")
    stack[0] = Graph()


class Graph(ir_graph.Graph):
    """TF1's ``tf.Graph``: the IR graph plus the scopes and collections of graph building."""

    def __init__(self) -> None:
        super().__init__()
        self._name_stack = ""
        self._valid_scope: str | None = ""
        """``_name_stack`` itself (the same object) when it is known to be a valid op name, so
        the names made in it need only their own part checked (``create_op``); else None."""
        self._control_stack: list[list[Operation]] = []
        self._device_stack: list[tuple[Any, str | None]] = []
        """``jg.device`` scopes, outermost first: (a DeviceSpec, a device function or None, the
        device every op gets when no function is in force, else None)."""
        self.collections: dict[str, list[Any]] = {}
        self._location_override: SourceLocation | None = None
        self.outer: Graph | None = None
        """For a sub-graph being traced (a control-flow body): the graph it is nested in."""
        self.captures: dict[Tensor, Tensor] = {}
        """Outer tensors used inside this sub-graph -> the parameter standing for each."""

    # ---- graph-building scopes -------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self) -> Iterator[Graph]:
        stack = _graph_stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()

    def name_scope(self, name: str | None) -> contextlib.AbstractContextManager[str]:
        """Pushes a scope; yields the scope prefix ``"outer/name/"``. ``None``/"" resets to top."""
        return NameScope(self, name)

    def get_name_scope(self) -> str:
        return self._name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """``scope/name``, suffixed ``_1``, ``_2`` ... when already used (TF1's rule)."""
        full = f"{self._name_stack}/{name}" if self._name_stack else name
        return super().unique_name(full, mark_as_used)

    def control_dependencies(
        self, control_inputs: Sequence[Any] | None
    ) -> contextlib.AbstractContextManager[None]:
        """Ops created inside run after ``control_inputs`` (None clears the outer ones)."""
        if control_inputs is None:
            return _Setting(self, "_control_stack", [])
        return self._control_scope(control_inputs)

    @contextlib.contextmanager
    def _control_scope(self, control_inputs: Sequence[Any]) -> Iterator[None]:
        """``control_dependencies`` of some ``control_inputs``."""
        ops = []
        for item in control_inputs:
            op = getattr(item, "op", item) if not isinstance(item, Operation) else item
            if not isinstance(op, Operation):
                raise TypeError(f"control_dependencies expects Tensors or Operations, got {item!r}")
            ops.append(op)
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    def stamp_location(self, location: SourceLocation | None) -> contextlib.AbstractContextManager[None]:
        """Ops created inside carry ``location`` (gradient ops carry their forward op's line)."""
        return _Setting(self, "_location_override", location)

    def device(self, device_name_or_function: Any) -> contextlib.AbstractContextManager[None]:
        """Ops created inside get this device (TF1's ``Graph.device``): a device string, merged
        with the enclosing scopes' (inner fields win), a ``DeviceSpec``, a function from the op
        to its device string, or None (clears the enclosing scopes). A bad string raises here."""
        entry = device_name_or_function
        if isinstance(entry, str):
            entry = DeviceSpec.from_string(entry)
        elif entry is not None and not isinstance(entry, DeviceSpec) and not callable(entry):
            raise TypeError(
                f"device expects a device string, a DeviceSpec, a function or None, not {type(entry)}"
            )
        return self._device_scope(entry)

    @contextlib.contextmanager
    def _device_scope(self, entry: Any) -> Iterator[None]:
        outer = self._device_stack[-1][1] if self._device_stack else ""
        if entry is None:
            fixed: str | None = ""
        elif isinstance(entry, DeviceSpec) and outer is not None:
            fixed = DeviceSpec.from_string(outer).make_merged_spec(entry).to_string()
        else:  # a function decides per op
            fixed = None
        self._device_stack.append((entry, fixed))
        try:
            yield
        finally:
            self._device_stack.pop()

    def _apply_device_scopes(self, op: Operation) -> None:
        """Sets ``op.device`` as TF1 does: the innermost scope first, each outer one merging
        (a spec: the op's fields win) or deciding (a function of the op), up to a None scope."""
        fixed = self._device_stack[-1][1]
        if fixed is None:
            for entry, _ in reversed(self._device_stack):
                if entry is None:
                    break
                if isinstance(entry, DeviceSpec):
                    op.device = entry.make_merged_spec(DeviceSpec.from_string(op.device or "")).to_string()
                else:
                    op.device = str(entry(op) or "")
            fixed = op.device
        op.device = fixed or None

    # ---- op creation -----------------------------------------------------------------------
    def create_op(
        self,
        op_type: str,
        inputs: Sequence[Tensor],
        attrs: dict[str, Any] | None = None,
        name: str | None = None,
        *,
        control_inputs: Sequence[Operation] = (),
        device: str | None = None,
        location: SourceLocation | None = None,
        caller: int = 2,
    ) -> Operation:
        """Adds an op in the current scopes: its name (``name`` or the op's default name) scoped
        and made unique — a name ending in ``/`` is taken as is — the control dependencies and
        device of the enclosing blocks, and the user's source line. Outer tensors used in a
        sub-graph being traced are captured as parameters. ``caller``: the frame the search
        for the user's line starts from (2: the caller's; ``ops.core.apply1`` skips itself)."""
        if location is None:
            location = self._location_override or user_location(caller)  # from the caller on
        opdef = REGISTRY.get(op_type) or get_op_def(op_type)
        taken_as_is = name is not None and name.endswith("/")
        if taken_as_is:
            op_name = name[:-1]
        else:  # unique_name's common case inline (a new name): this runs for every op built
            base = name or opdef.default_name
            op_name = f"{self._name_stack}/{base}" if self._name_stack else base
            key = op_name.lower()
            if key in self._name_counts:
                op_name = ir_graph.Graph.unique_name(self, op_name)
            else:
                self._name_counts[key] = 1
        controls = control_inputs
        if self._control_stack:
            controls = list(control_inputs)
            for frame in self._control_stack:
                controls.extend(c for c in frame if c not in controls)
        if self.outer is not None:  # a sub-graph being traced captures outer tensors
            inputs = [self._local(t, op_type, op_name, location) for t in inputs]
        if taken_as_is:  # the name may be taken already
            op = self.add_op(op_type, inputs, attrs, op_name, control_inputs=controls,
                             device=device, location=location)  # fmt: skip
        elif self._name_stack is self._valid_scope and (base in _valid_names or _remember_valid_name(base)):
            op = self._add_valid(opdef, inputs, attrs, op_name, controls, device, location)  # valid parts
        else:  # a name unique_name made: not taken, checked whole
            op = self._add_new(opdef, inputs, attrs, op_name, controls, device, location)
        if device is None and self._device_stack:
            self._apply_device_scopes(op)
        return op

    def _foreign_input_error(self, t: Tensor, op: Operation) -> InvalidArgumentError:
        """The IR's error for an input of another graph, with how to avoid it."""
        return InvalidArgumentError(
            f"input '{t.name}' belongs to another graph than this op (build ops of one graph "
            "inside its `with graph.as_default():` block)",
            op,
        )

    def _local(self, t: Any, op_type: str, op_name: str, location: SourceLocation | None) -> Any:
        """``t``, or the parameter standing for it when it comes from an enclosing graph."""
        if not isinstance(t, Tensor) or t.graph is self:
            return t
        if not self._encloses(t.graph):
            op = Operation(self, op_name, op_type, (), {}, (), None, location)
            raise self._foreign_input_error(t, op)
        return self.capture(t)

    # ---- sub-graphs ------------------------------------------------------------------------
    def _encloses(self, graph: Any) -> bool:
        outer = self.outer
        while outer is not None:
            if outer is graph:
                return True
            outer = outer.outer
        return False

    def capture(self, tensor: Tensor) -> Tensor:
        """The parameter of this sub-graph standing for the outer ``tensor`` (created once).

        A value becomes a ``placeholder``; a Variable handle becomes a ``variable`` op of the same
        name, so assigns inside a control-flow body update the outer Variable.
        """
        inner = self.captures.get(tensor)
        if inner is not None:
            return inner
        if tensor.graph is not self.outer:
            tensor = self.outer.capture(tensor)
            inner = self.captures.get(tensor)
            if inner is not None:
                return inner
        t = tensor.type
        with self.name_scope(None), self.control_dependencies(None):
            if t.ref:
                op = self.create_op("variable", [], {"dtype": t.dtype, "shape": tuple(t.shape)},
                                    tensor.op.name + "/", location=tensor.op.location)  # fmt: skip
            else:
                op = self.create_op("placeholder", [], {"dtype": t.dtype, "shape": tuple(t.shape)},
                                    "capture/" + tensor.op.name, location=tensor.op.location)  # fmt: skip
        self.captures[tensor] = op.outputs[0]
        return op.outputs[0]

    # ---- collections -----------------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        """Appends ``value`` to the collection ``name``; TF1's ``Graph.add_to_collection``."""
        self.collections.setdefault(name, []).append(value)

    def add_to_collections(self, names: str | Iterable[str], value: Any) -> None:
        """Adds ``value`` to each collection of ``names`` (a name or several, each once)."""
        for name in (names,) if isinstance(names, str) else dict.fromkeys(names):
            self.add_to_collection(name, value)

    def get_collection(self, name: str, scope: str | None = None) -> list[Any]:
        """A copy of the collection ``name``; with ``scope``, only the items whose ``.name``
        the regular expression ``scope`` matches at its start (items without a name are left out),
        as TF1's ``Graph.get_collection`` does."""
        items = self.collections.get(name, ())
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [
            item
            for item in items
            if isinstance(getattr(item, "name", None), str) and pattern.match(item.name)
        ]

    def get_collection_ref(self, name: str) -> list[Any]:
        """The collection ``name`` itself (created empty if missing): editing it edits the graph's."""
        return self.collections.setdefault(name, [])

    def get_all_collection_keys(self) -> list[str]:
        """The names of the graph's collections; TF1's ``Graph.get_all_collection_keys``."""
        return list(self.collections)


_valid_names: set[str] = set()
"""Names given to ops and name scopes lately (an op type's default name, a user's ``name=``)
that are valid op names (``ir.graph.valid_op_name``): one in a valid scope makes a valid op
name (or scope) unchecked."""


def _remember_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid op name; adds it to ``_valid_names`` if so (emptied when
    full: a cache)."""
    if len(_valid_names) >= 4096:
        _valid_names.clear()
    if ir_graph.valid_op_name(name):
        _valid_names.add(name)
        return True
    return False


class NameScope(contextlib.ContextDecorator):
    """``Graph.name_scope`` and ``jg.name_scope``: a class rather than a generator, as it is
    entered for every Variable, gradient rule and layer built (still usable as a decorator, as
    the generator was). ``graph`` None: the graph that is the default when the block is entered."""

    def __init__(self, graph: Graph | None, name: str | None) -> None:
        self.graph, self.name = graph, name

    def _recreate_cm(self) -> NameScope:
        """A fresh scope per decorated call (a recursive call must not overwrite ``saved``)."""
        return NameScope(self.graph, self.name)

    def __enter__(self) -> str:
        graph, name = self.graph, self.name
        if graph is None:
            graph = self.entered = get_default_graph()
        else:
            self.entered = graph
        self.saved = outer, outer_valid = graph._name_stack, graph._valid_scope
        if name is None or name == "":
            stack = ""
        elif name.endswith("/"):
            stack = name[:-1]
        else:
            stack = graph.unique_name(name)
            if outer is outer_valid and (name in _valid_names or _remember_valid_name(name)):
                graph._name_stack = graph._valid_scope = stack  # valid parts make a valid scope
                return stack + "/"
        graph._name_stack = stack
        graph._valid_scope = stack if not stack or ir_graph.valid_op_name(stack) else None
        return stack + "/" if stack else ""

    def __exit__(self, *exc_info: Any) -> None:
        self.entered._name_stack, self.entered._valid_scope = self.saved


class _Setting(contextlib.ContextDecorator):
    """Sets a graph's attribute to ``value`` while the block runs (a cheap context manager for
    the scopes entered per op: ``stamp_location``, ``control_dependencies(None)``)."""

    def __init__(self, graph: Graph, attribute: str, value: Any) -> None:
        self.graph, self.attribute, self.value = graph, attribute, value

    def _recreate_cm(self) -> _Setting:
        """A fresh setting per decorated call (a recursive call must not overwrite ``saved``)."""
        return _Setting(self.graph, self.attribute, self.value)

    def __enter__(self) -> None:
        self.saved = getattr(self.graph, self.attribute)
        setattr(self.graph, self.attribute, self.value)

    def __exit__(self, *exc_info: Any) -> None:
        setattr(self.graph, self.attribute, self.saved)
