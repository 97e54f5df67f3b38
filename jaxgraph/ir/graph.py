"""Graph, Operation and Tensor: the jaxgraph IR.

A Graph is an ordered list of Operations (insertion order is a topological order) with an index
by name. Building state that TF1 also kept on the graph lives here too: the default-graph stack,
the name-scope stack, control-dependency and device scopes, collections, and the graph seed.
Creating an Operation runs its op's type rule, so every Tensor has a static type from birth.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from jaxgraph.errors import InvalidArgumentError, NotFoundError
from jaxgraph.ir.dtypes import x64_enabled
from jaxgraph.ir.opdef import OpDef, TypeRuleError, get_op_def, output_types
from jaxgraph.ir.shapes import TensorShape, TensorType


class SourceLocation(NamedTuple):
    """Where user code created an op."""

    file: str
    line: int
    function: str = ""


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_SKIPPED_FILES = (contextlib.__file__,)


def user_location() -> SourceLocation | None:
    """The innermost stack frame outside the jaxgraph package (and contextlib)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and filename not in _SKIPPED_FILES:
            return SourceLocation(filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


class Tensor:
    """Output ``value_index`` of ``op``, with a static TensorType.

    ``==`` is identity (as in TF1), so tensors can be dict keys; use ``jg.equal`` for
    elementwise comparison. Arithmetic operators are attached by ``jaxgraph.tracer.overloads``.
    """

    __slots__ = ("op", "value_index", "type", "__weakref__")
    __array_priority__ = 100

    def __init__(self, op: Operation, value_index: int, type: TensorType):
        self.op = op
        self.value_index = value_index
        self.type = type

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        return self.op.graph

    @property
    def dtype(self):
        return self.type.dtype

    @property
    def shape(self) -> TensorShape:
        return self.type.shape

    def get_shape(self) -> TensorShape:
        return self.type.shape

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    @property
    def device(self) -> str | None:
        return self.op.device

    def consumers(self) -> list[Operation]:
        return [op for op in self.graph.operations if self in op.inputs]

    def eval(self, feed_dict: dict | None = None, session: Any = None) -> Any:
        """Runs this tensor in ``session`` or the default Session (TF1's ``Tensor.eval``)."""
        from jaxgraph.session import get_default_session_or_fail

        return (session or get_default_session_or_fail()).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<jaxgraph.Tensor '{self.name}' {self.type}>"

    def __bool__(self) -> bool:
        raise TypeError(
            f"using the jaxgraph Tensor '{self.name}' as a Python bool is not allowed: its value is"
            " only known when the graph runs; use jg.cond for data-dependent control flow"
        )

    def __iter__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"cannot iterate over Tensor '{self.name}' of type {self.type}")
        return (self[i] for i in range(self.shape[0]))

    def __len__(self) -> int:
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"len() of Tensor '{self.name}' of type {self.type} is unknown")
        return self.shape[0]


class Operation:
    """One node of the graph: a typed application of an op type to input Tensors."""

    __slots__ = (
        "graph", "name", "type", "inputs", "attrs", "outputs",
        "control_inputs", "device", "location", "index", "__weakref__",
    )  # fmt: skip

    def __init__(self, graph, name, op_type, inputs, attrs, control_inputs, device, location):
        self.graph = graph
        self.name = name
        self.type = op_type
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = tuple(control_inputs)
        self.device = device
        self.location = location
        self.outputs: tuple[Tensor, ...] = ()
        self.index = -1

    @property
    def op_def(self) -> OpDef:
        return get_op_def(self.type)

    def get_attr(self, name: str) -> Any:
        return self.attrs[name]

    def run(self, feed_dict: dict | None = None, session: Any = None) -> None:
        """Runs this op in ``session`` or the default Session (TF1's ``Operation.run``)."""
        from jaxgraph.session import get_default_session_or_fail

        (session or get_default_session_or_fail()).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<jaxgraph.Operation '{self.name}' type={self.type}>"


_VALID_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./\-]*")
_default_graphs = threading.local()


def _graph_stack() -> list[Graph]:
    stack = getattr(_default_graphs, "stack", None)
    if stack is None:
        stack = _default_graphs.stack = [Graph()]
    return stack


def get_default_graph() -> Graph:
    """The innermost graph of ``with g.as_default()`` on this thread (a global one otherwise)."""
    return _graph_stack()[-1]


def reset_default_graph() -> None:
    """Replaces the global default graph with a new empty one (TF1's ``reset_default_graph``)."""
    stack = _graph_stack()
    if len(stack) > 1:
        raise AssertionError("reset_default_graph called inside a `with graph.as_default()` block")
    stack[0] = Graph()


class Graph:
    """An append-only, ordered list of Operations plus TF1's graph-building scopes."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._name_counts: dict[str, int] = {}
        self._name_stack = ""
        self._control_stack: list[list[Operation]] = []
        self._device_stack: list[str | None] = []
        self.collections: dict[str, list[Any]] = {}
        self.seed: int | None = None
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

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        """Pushes a scope; yields the scope prefix ``"outer/name/"``. ``None``/"" resets to top."""
        old = self._name_stack
        if name is None or name == "":
            self._name_stack = ""
        elif name.endswith("/"):
            self._name_stack = name[:-1]
        else:
            self._name_stack = self.unique_name(name)
        try:
            yield self._name_stack + "/" if self._name_stack else ""
        finally:
            self._name_stack = old

    def get_name_scope(self) -> str:
        return self._name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """``scope/name``, suffixed ``_1``, ``_2`` ... when already used (TF1's rule)."""
        full = f"{self._name_stack}/{name}" if self._name_stack else name
        key = full.lower()
        count = self._name_counts.get(key, 0)
        candidate = full
        if count:
            candidate = f"{full}_{count}"
            while candidate.lower() in self._name_counts:
                count += 1
                candidate = f"{full}_{count}"
        if mark_as_used:
            self._name_counts[key] = count + 1
            self._name_counts.setdefault(candidate.lower(), 1)
        return candidate

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs: Sequence[Any] | None) -> Iterator[None]:
        """Ops created inside run after ``control_inputs`` (None clears the outer ones)."""
        if control_inputs is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
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

    @contextlib.contextmanager
    def stamp_location(self, location: SourceLocation | None) -> Iterator[None]:
        """Ops created inside carry ``location`` (gradient ops carry their forward op's line)."""
        saved, self._location_override = self._location_override, location
        try:
            yield
        finally:
            self._location_override = saved

    @contextlib.contextmanager
    def device(self, device_name: str | None) -> Iterator[None]:
        self._device_stack.append(device_name)
        try:
            yield
        finally:
            self._device_stack.pop()

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
        exact_name: bool = False,
    ) -> Operation:
        """Adds an op after checking its inputs and running its type rule.

        ``exact_name`` keeps ``name`` as given (the IR parser's case); otherwise ``name`` (or the
        op's default name) is scoped and made unique.
        """
        opdef = get_op_def(op_type)
        if location is None:
            location = self._location_override or user_location()
        if name is not None and name.endswith("/"):
            name, exact_name = name[:-1], True
        if exact_name:
            if name in self._by_name:
                raise InvalidArgumentError(f"duplicate op name '{name}'")
            self._name_counts.setdefault(name.lower(), 1)
            op_name = name
        else:
            op_name = self.unique_name(name or opdef.default_name)
        if not _VALID_NAME.fullmatch(op_name):
            raise InvalidArgumentError(f"'{op_name}' is not a valid op name: use letters, digits and _ . / -")
        if device is None and self._device_stack:
            device = self._device_stack[-1]
        controls = list(control_inputs)
        for frame in self._control_stack:
            controls.extend(c for c in frame if c not in controls)
        op = Operation(self, op_name, op_type, inputs, {}, controls, device, location)
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise InvalidArgumentError(f"input {t!r} is not a Tensor", op)
            if t.graph is not self:
                if not self._encloses(t.graph):
                    raise InvalidArgumentError(f"input '{t.name}' belongs to another graph than this op", op)
                inputs = list(inputs)
                inputs[i] = self.capture(t)
        op.inputs = tuple(inputs)
        try:
            op.attrs = opdef.complete_attrs(attrs or {})
            result = opdef.infer(*(t.type for t in inputs), **op.attrs)
        except TypeRuleError as e:
            raise InvalidArgumentError(str(e), op) from None
        types = output_types(result)
        for t in types:
            if t.dtype.size == 8 and not x64_enabled():  # JAX's config is read only for 64-bit types
                raise InvalidArgumentError(
                    f"dtype {t.dtype.name} needs JAX's 64-bit mode: call "
                    "jax.config.update('jax_enable_x64', True) yourself (jaxgraph never "
                    "changes JAX's configuration)",
                    op,
                )
        op.outputs = tuple(Tensor(op, i, t) for i, t in enumerate(types))
        op.index = len(self.operations)
        self.operations.append(op)
        self._by_name[op_name] = op
        return op

    # ---- sub-graphs ------------------------------------------------------------------------
    def _encloses(self, graph: Graph) -> bool:
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

    # ---- lookup ----------------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self.operations)

    def get_operation_by_name(self, name: str) -> Operation:
        try:
            return self._by_name[name]
        except KeyError:
            raise NotFoundError(f"the graph has no operation named '{name}'") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        op_name, sep, index = name.rpartition(":")
        if not sep or not index.isascii() or not index.isdigit():  # int() also takes "²" and "٣"
            raise InvalidArgumentError(f"'{name}' is not a tensor name: tensor names look like 'op_name:0'")
        op = self.get_operation_by_name(op_name)
        if len(index) > 9 or int(index) >= len(op.outputs):  # int() refuses 4300+ digits
            raise NotFoundError(f"operation '{op_name}' has {len(op.outputs)} output(s): no '{name}'")
        return op.outputs[int(index)]

    def as_graph_element(self, obj: Any) -> Tensor | Operation:
        """A Tensor or Operation from itself, a ``"name:0"`` tensor name or an ``"name"`` op name."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        graph_element = getattr(obj, "_as_graph_element", None)
        if graph_element is not None:
            obj = graph_element()
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise InvalidArgumentError(f"'{obj.name}' belongs to another graph")
            return obj
        raise TypeError(f"cannot interpret {obj!r} as a Tensor or Operation of this graph")

    # ---- collections -----------------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self.collections.setdefault(name, []).append(value)

    def get_collection(self, name: str) -> list[Any]:
        return list(self.collections.get(name, ()))

    # ---- text ------------------------------------------------------------------------------
    def __str__(self) -> str:
        from jaxgraph.ir.printer import print_graph

        return print_graph(self)

    def save(self, path: str) -> str:
        """Writes this graph, its Variables and collections to a graph file (``jg.load_graph``)."""
        from jaxgraph.ir.graph_file import save_graph

        return save_graph(self, path)

    def to_dot(self, name: str = "jaxgraph") -> str:
        """Graphviz source: name scopes as clusters, typed edges, dashed control edges."""
        from jaxgraph.ir.dot import to_dot

        return to_dot(self, name)

    def __repr__(self) -> str:
        return f"<jaxgraph.Graph with {len(self.operations)} ops>"
