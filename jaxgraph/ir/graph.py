"""Graph, Operation and Tensor: the jaxgraph IR, and nothing about building it from Python.

A Graph is an ordered list of Operations (insertion order is a topological order), an index by
name and use-lists (``tensor.consumers()`` in O(uses); made when first asked for). Like
torch.fx's Graph it has editing primitives for passes — ``add_op``, ``replace_all_uses_with``,
``erase``, ``inserting_before`` — and ``verify()``. Adding an Operation runs its op's type rule, so every Tensor has a static
type from birth.

TF1's graph-building state (the default-graph stack, name scopes, control-dependency and device
scopes, collections, captures of sub-graphs) lives one layer up, in ``jaxgraph.builder``, whose
``Graph`` subclasses this one. ``Tensor.eval`` and ``Operation.run`` are installed by the
session layer (the IR knows nothing of Sessions).
"""

from __future__ import annotations

import contextlib
import gc
import operator
import os
import re
import sys
from collections.abc import Iterator, Sequence
from types import CodeType
from typing import Any, NamedTuple

from jaxgraph.errors import InvalidArgumentError, NotFoundError
from jaxgraph.ir.dtypes import computed_as, narrowing_problem, string
from jaxgraph.ir.opdef import OpDef, TypeRuleError, get_op_def, output_types
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType
from jaxgraph.ir.values import ArrayValue


class SourceLocation(NamedTuple):
    """Where user code created an op."""

    file: str
    line: int
    function: str = ""


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_SKIPPED_FILES = (contextlib.__file__,)


_code_sites: dict[int, tuple[CodeType, dict[int, SourceLocation] | None]] = {}
"""What ``user_location`` learnt of each code object it met, by the object's id (hashing a code
object hashes its bytecode and constants each time, Python 3.11): the object itself, so its id
is not reused while the entry exists, and None for jaxgraph's own code (or contextlib's), else
the SourceLocation of each instruction offset an op was created from, made once."""
_MAX_CACHED = 1 << 14
"""Code objects the cache may hold before it is emptied (programs that ``exec`` code make new
code objects without end)."""


def user_location(depth: int = 1) -> SourceLocation | None:
    """The innermost stack frame outside the jaxgraph package (and contextlib), starting from
    the frame ``depth`` levels above this call (a caller known to be jaxgraph's can skip itself).

    Runs for every op built, so the walk asks a cache whether each frame's code object is
    jaxgraph's, and a location is made once per (code object, instruction) and then shared:
    keyed by the instruction, not by ``f_lineno``, which walks a line table."""
    frame = sys._getframe(depth)
    sites = _code_sites
    while frame is not None:
        code = frame.f_code
        entry = sites.get(id(code))
        if entry is None:
            if len(sites) >= _MAX_CACHED:
                sites.clear()
            filename = code.co_filename
            internal = filename.startswith(_PACKAGE_DIR) or filename in _SKIPPED_FILES
            entry = sites[id(code)] = (code, None if internal else {})
        located = entry[1]
        if located is not None:
            location = located.get(frame.f_lasti)
            if location is None:
                location = located[frame.f_lasti] = SourceLocation(
                    code.co_filename, frame.f_lineno, code.co_name
                )
            return location
        frame = frame.f_back
    return None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while a whole graph is built or copied at once
    (gradients, the passes, code generation): each collection walks every live object, and a
    large graph is hundreds of thousands of them, so collections triggered by the many small
    objects made took a quarter of those phases. Nothing is freed later than it would be:
    the collector runs again after. (Threads: it is enabled again by the call that found it
    enabled, so concurrent pauses end enabled.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Tensor:
    """Output ``value_index`` of ``op``, with a static TensorType.

    ``==`` is identity (as in TF1), so tensors can be dict keys; use ``jg.equal`` for
    elementwise comparison. Arithmetic operators are attached by ``jaxgraph.ops.overloads``.
    """

    __slots__ = ("op", "value_index", "type", "_uses", "__weakref__")
    __array_priority__ = 100

    def __init__(self, op: Operation, value_index: int, type: TensorType, uses: list | None = None):
        self.op = op
        self.value_index = value_index
        self.type = type
        self._uses: list[Operation] | None = uses

    @property
    def uses(self) -> list[Operation]:
        """The ops reading this tensor, once per input slot. Kept by the graph from the first
        time any tensor of it is asked (``Graph.index_uses``): building a graph asks none."""
        uses = self._uses
        if uses is None:
            self.op.graph.index_uses()
            uses = self._uses
        return uses

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
        """The ops that read this tensor, in graph order, each once (TF1's ``consumers()``)."""
        return sorted(set(self.uses), key=lambda op: op.index)

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
    """One node of the graph: a typed application of an op type to input Tensors; TF1's ``tf.Operation``."""

    __slots__ = (
        "graph", "name", "type", "_inputs", "attrs", "outputs",
        "control_inputs", "device", "location", "index", "__weakref__",
    )  # fmt: skip

    def __init__(self, graph, name, op_type, inputs, attrs, control_inputs, device, location):
        self.graph = graph
        self.name = name
        self.type = op_type
        self._inputs: tuple[Tensor, ...] = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = tuple(control_inputs)
        self.device = device
        self.location = location
        self.outputs: tuple[Tensor, ...] = ()
        self.index = -1

    inputs = property(
        operator.attrgetter("_inputs"),
        doc="""The input Tensors (``tuple[Tensor, ...]``), read-only: ``replace_input_with``
        changes them and keeps use-lists in step. (A C-level getter: passes and the gradient
        walk read it for every op.)""",
    )

    @property
    def op_def(self) -> OpDef:
        return get_op_def(self.type)

    def get_attr(self, name: str) -> Any:
        return self.attrs[name]

    def replace_input_with(self, old: Tensor, new: Tensor) -> None:
        """Reads ``new`` wherever this op read ``old`` (same type; use-lists follow)."""
        if old.type != new.type:
            raise InvalidArgumentError(
                f"cannot replace '{old.name}' ({old.type}) by '{new.name}' ({new.type})", self
            )
        inputs = list(self._inputs)
        kept = self.graph._uses_kept
        for i, t in enumerate(inputs):
            if t is old:
                inputs[i] = new
                if kept:
                    old._uses.remove(self)
                    new._uses.append(self)
        self._inputs = tuple(inputs)

    def __repr__(self) -> str:
        return f"<jaxgraph.Operation '{self.name}' type={self.type}>"


def _refuse_strings(op: Operation, tensors: Sequence[Tensor], what: str) -> None:
    """Raises when an op that XLA runs (no ``host`` rule) would take or make a string tensor:
    XLA has no strings, so they only flow between the ops the Session runs on the host."""
    found = next((t for t in tensors if t.dtype is string), None)
    if found is not None:
        raise InvalidArgumentError(
            f"{op.type} cannot {what} '{found.name}': XLA has no strings, so string tensors only "
            "flow between the string ops the Session runs on the host (constant, placeholder, "
            "identity, as_string, string_join)",
            op,
        )


_shared_types: dict[TensorType, TensorType] = {}
"""One TensorType object per distinct type lately made by a type rule (see ``_shared_type``)."""


def _shared_type(t: TensorType) -> TensorType:
    """``t``, or an equal TensorType made before: ops of one type share one object, so a large
    graph holds fewer objects (less memory, and less for Python's garbage collector to walk).
    Only types whose shape is a ``TensorShape`` are shared (equal and of the same classes)."""
    if type(t.shape) is not TensorShape:
        return t
    shared = _shared_types.get(t)
    if shared is None:
        if len(_shared_types) >= 4096:
            _shared_types.clear()
        shared = _shared_types[t] = t
    return shared


_rule_results: dict[tuple, tuple[TensorType, ...]] = {}
"""The output types each type rule lately gave, by the rule, its input types and its attributes
(with their types): a rule is a function of those alone, so a graph of many same-typed ops (the
layers of a deep model) runs it once per distinct key. Not for constants (their value would be
hashed) nor attributes that cannot be hashed."""


def _types_of(values: tuple) -> tuple:
    """The types of attribute ``values``, inside tuples too: ``True == 1`` and ``(1,) == (True,)``,
    but a type rule may accept one and refuse the other, so a key of ``_rule_results`` holds both."""
    return tuple([_types_of(v) if type(v) is tuple else type(v) for v in values])


def _remember_result(key: tuple, types: tuple[TensorType, ...]) -> None:
    """Puts ``types`` into ``_rule_results`` (emptied when full: a cache of recent rules)."""
    if len(_rule_results) >= 4096:
        _rule_results.clear()
    _rule_results[key] = types


def _any_string(types: Sequence[TensorType]) -> bool:
    """Whether any of ``types`` is a string tensor's (a loop: runs for every op added)."""
    for t in types:
        if t.dtype is string:
            return True
    return False


_VALID_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./\-]*")


def valid_op_name(name: str) -> bool:
    """Whether ``name`` may name an op (TF1's rule: letters, digits and ``_ . / -``, not starting
    with ``/`` or ``-``). Two valid names joined by ``/`` make a valid name."""
    return _VALID_NAME.fullmatch(name) is not None


class Graph:
    """An ordered list of Operations with an index by name and use-lists.

    ``add_op`` appends (or inserts, inside ``inserting_before``) an op under the exact name it
    is given; ``jaxgraph.builder.Graph`` adds TF1's scoped, uniquified naming on top.
    """

    def __init__(self) -> None:
        self.operations: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._name_counts: dict[str, int] = {}
        self.seed: int | None = None
        """The graph-level random seed (TF1's ``set_random_seed``), printed in the IR text."""
        self._insert_at: int | None = None
        self._uses_kept = False
        """Whether tensors' use-lists exist and are kept current (``index_uses``)."""
        self.holds_strings = False
        """Whether an op of this graph makes a string tensor (so the Session must look for
        host ops: ``jaxgraph.session.host_ops``)."""

    # ---- names ----------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """``name``, suffixed ``_1``, ``_2`` ... when already used (TF1's rule, case-blind)."""
        key = name.lower()
        counts = self._name_counts
        count = counts.get(key, 0)
        if not count:  # a new name (the common case)
            if mark_as_used:
                counts[key] = 1
            return name
        candidate = f"{name}_{count}"
        while candidate.lower() in counts:
            count += 1
            candidate = f"{name}_{count}"
        if mark_as_used:
            counts[key] = count + 1
            counts.setdefault(candidate.lower(), 1)
        return candidate

    # ---- adding and editing ops --------------------------------------------------------------
    def add_op(
        self,
        op_type: str,
        inputs: Sequence[Tensor],
        attrs: dict[str, Any] | None,
        name: str,
        *,
        control_inputs: Sequence[Operation] = (),
        device: str | None = None,
        location: SourceLocation | None = None,
        types: Sequence[TensorType] | None = None,
    ) -> Operation:
        """Adds an op named exactly ``name`` after checking its inputs and running its type rule.

        ``types``: the output types of a copy of an op that already passed its type rule (IR
        passes copying ops with unchanged input types); the rule is not run again, and ``attrs``
        must be complete."""
        if types is not None:
            op = Operation(self, name, op_type, inputs, attrs, control_inputs, device, location)
            self._check_new_name(name)
            self._place(op, types, _any_string(types))
        else:
            opdef = get_op_def(op_type)
            self._check_new_name(name)
            op = self._add_new(opdef, inputs, attrs, name, control_inputs, device, location)
        self._name_counts.setdefault(name.lower(), 1)  # a name unique_name did not make
        return op

    def _check_new_name(self, name: str) -> None:
        """Refuses a name an op of the graph has."""
        if name in self._by_name:
            raise InvalidArgumentError(f"duplicate op name '{name}'")

    def _add_new(self, opdef: OpDef, inputs: Sequence[Tensor], attrs: dict[str, Any] | None, name: str,
                 control_inputs: Sequence[Operation], device: str | None,
                 location: SourceLocation | None) -> Operation:  # fmt: skip
        """``add_op`` for a name no op of the graph has (one ``unique_name`` just made, say),
        which it leaves to the caller to mark as used."""
        if not _VALID_NAME.fullmatch(name):
            raise InvalidArgumentError(f"'{name}' is not a valid op name: use letters, digits and _ . / -")
        return self._add_valid(opdef, inputs, attrs, name, control_inputs, device, location)

    def _add_valid(self, opdef: OpDef, inputs: Sequence[Tensor], attrs: dict[str, Any] | None, name: str,
                   control_inputs: Sequence[Operation], device: str | None,
                   location: SourceLocation | None) -> Operation:  # fmt: skip
        """``_add_new`` for a name known to be valid (``valid_op_name``). Runs for every op built."""
        op = Operation(self, name, opdef.type, inputs, {}, control_inputs, device, location)
        input_types = []
        infer = opdef.known_rank_infer
        for t in op._inputs:
            if type(t) is not Tensor and not isinstance(t, Tensor):
                raise InvalidArgumentError(f"input {t!r} is not a Tensor", op)
            if t.op.graph is not self:
                raise self._foreign_input_error(t, op)
            t_type = t.type
            input_types.append(t_type)
            if t_type.shape is UNKNOWN_RANK:
                infer = opdef.infer
        if opdef.host is None and self.holds_strings:  # a string input is of an op of this graph
            _refuse_strings(op, op.inputs, "take the string tensor")
        key = None
        types: Sequence[TensorType] | None = None
        try:
            if attrs or opdef.attrs:
                op.attrs = attrs = opdef.complete_attrs(attrs)
                if opdef.value_attr is None:  # not a constant: a value's digest costs more than the rule
                    values = tuple(attrs.values())
                    try:
                        key = (infer, *input_types, values, _types_of(values))
                        types = _rule_results.get(key)
                    except (TypeError, RecursionError):  # an attribute that cannot be hashed (a list, say)
                        key = None
            else:  # an op type without attributes (many are)
                attrs = op.attrs
                key = (infer, *input_types)
                types = _rule_results.get(key)
            if types is None:
                result = infer(*input_types, **attrs)
        except TypeRuleError as e:
            raise InvalidArgumentError(str(e), op) from None
        if types is not None:  # the rule's result for these types, seen before
            strings = _any_string(types)
        else:
            if type(result) is TensorType:  # one output (the common case)
                types = (_shared_type(result),)
                strings = result.dtype is string
            else:
                types = output_types(result)
                strings = _any_string(types)
            if key is not None:
                _remember_result(key, types)
        if strings and opdef.host is None:
            _refuse_strings(op, [Tensor(op, i, t) for i, t in enumerate(types)], "make the string tensor")
        if opdef.value_attr is not None:
            self._check_value_fits(op, opdef.value_attr, types)
        return self._place(op, types, strings)

    def _foreign_input_error(self, t: Tensor, op: Operation) -> InvalidArgumentError:
        """The error for an input ``t`` of ``op`` that belongs to another graph."""
        return InvalidArgumentError(f"input '{t.name}' belongs to another graph than this op", op)

    @staticmethod
    def _check_value_fits(op: Operation, attr: str, types: Sequence[TensorType]) -> None:
        """An op holding its value (attribute ``attr``: a constant, a fill) of a 64-bit dtype
        needs a value that the 32-bit type JAX computes it in can hold while x64 mode is off:
        refused when built, with the op and the user's line, rather than wrapped at run time."""
        dtype = types[0].dtype
        if computed_as(dtype) is dtype:  # computed as itself (most constants): nothing narrows
            return
        value = op.attrs[attr]
        problem = narrowing_problem(dtype, value.array if isinstance(value, ArrayValue) else value)
        if problem is not None:
            raise InvalidArgumentError(f"the {problem}", op)

    def _place(self, op: Operation, types: Sequence[TensorType], strings: bool) -> Operation:
        """Gives ``op`` (of a name no op has) its outputs and puts it in the graph, the index by
        name and its inputs' use-lists. ``strings``: whether ``types`` has a string type."""
        if not self._uses_kept:  # the common case while a graph is built
            if len(types) == 1:
                op.outputs = (Tensor(op, 0, types[0]),)
            else:
                op.outputs = tuple([Tensor(op, i, t) for i, t in enumerate(types)])
        else:
            op.outputs = tuple([Tensor(op, i, t, []) for i, t in enumerate(types)])
            for t in op._inputs:
                t._uses.append(op)
        if strings:
            self.holds_strings = True
        self._by_name[op.name] = op
        if self._insert_at is None:
            op.index = len(self.operations)
            self.operations.append(op)
        else:
            self.operations.insert(self._insert_at, op)
            self._insert_at += 1
            self._renumber(self._insert_at - 1)
        return op

    @contextlib.contextmanager
    def inserting_before(self, op: Operation) -> Iterator[None]:
        """Ops added inside go just before ``op`` (in order), as torch.fx's ``inserting_before``."""
        saved, self._insert_at = self._insert_at, op.index
        try:
            yield
        finally:
            self._insert_at = saved

    def replace_all_uses_with(self, old: Tensor, new: Tensor) -> list[Operation]:
        """Makes every reader of ``old`` that comes after ``new``'s op read ``new`` (earlier
        readers cannot read a later value, so they keep ``old``); returns the ops changed."""
        if old.type != new.type:
            raise InvalidArgumentError(
                f"cannot replace '{old.name}' ({old.type}) by '{new.name}' ({new.type})"
            )
        changed = [op for op in old.consumers() if op.index > new.op.index]
        for op in changed:
            op.replace_input_with(old, new)
        return changed

    def index_uses(self) -> None:
        """Gives every tensor its use-list (in graph order) and keeps them current from now on:
        done when one is first asked for (``Tensor.uses``), as building a graph needs none and a
        list per tensor made while building costs time and the garbage collector's walks."""
        if self._uses_kept:
            return
        for op in self.operations:
            for t in op.outputs:
                t._uses = []
        for op in self.operations:
            for t in op._inputs:
                t._uses.append(op)
        self._uses_kept = True

    def erase(self, op: Operation) -> None:
        """Removes ``op``, which no op may still read (as a data or control input)."""
        users = [u for t in op.outputs for u in t.uses]
        users += [o for o in self.operations if op in o.control_inputs]
        if users:
            raise InvalidArgumentError(f"cannot erase '{op.name}': '{users[0].name}' still uses it", op)
        for t in op.inputs:
            t._uses.remove(op)
        del self.operations[op.index]
        del self._by_name[op.name]
        self._renumber(op.index)
        op.index = -1

    def _renumber(self, start: int) -> None:
        for i in range(start, len(self.operations)):
            self.operations[i].index = i

    def verify(self) -> Graph:
        """Checks the IR's invariants (``jaxgraph.ir.verifier``); returns the graph."""
        from jaxgraph.ir.verifier import verify  # the verifier imports this module

        return verify(self)

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

    # ---- text ------------------------------------------------------------------------------
    def __str__(self) -> str:
        from jaxgraph.ir.printer import print_graph  # the printer imports this module

        return print_graph(self)

    def to_dot(self, name: str = "jaxgraph") -> str:
        """Graphviz source: name scopes as clusters, typed edges, dashed control edges."""
        from jaxgraph.ir.dot import to_dot  # dot imports this module

        return to_dot(self, name)

    def __repr__(self) -> str:
        return f"<jaxgraph.Graph with {len(self.operations)} ops>"
