"""Variables: TF1's ``Variable``, ``get_variable`` / ``variable_scope`` and the initializer helpers.

A Variable is a ``variable`` op (its handle) plus the ops that use it. Its value lives in a
Session. ``Variable(...)`` creates, TF1-style, ``name`` (the handle), ``name/Assign`` (the
initializer) and ``name/read``. Using the Variable as a Tensor reads it: the latest read op is
reused until an assign to it is traced, after which a new read is created, so reads see the
assigns traced before them (automatic control dependencies). A read made under
``control_dependencies`` carries those dependencies and is never reused.

Fetching a Variable (``sess.run(v)``, ``v.eval()``, ``sess.run("v:0")``) fetches its handle:
the value the Variable holds after the run, with no other op run for it (as in TF1, fetching a
Variable has no side effects).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError, UnimplementedError
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Graph, Operation, Tensor, user_location
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import overloads
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer import initializers
from jaxgraph.tracer.graph_collections import GraphKeys

GLOBAL_VARIABLES = GraphKeys.GLOBAL_VARIABLES
TRAINABLE_VARIABLES = GraphKeys.TRAINABLE_VARIABLES


class Variable:
    """TF1's ``tf.Variable(initial_value, trainable=True, name=None, dtype=None)``.

    ``sharding`` (jaxgraph's own): how a Session with a mesh stores the value, a PartitionSpec
    over the mesh's axis names such as ``("model", None)`` (rows split over the ``model`` axis)
    or ``jax.sharding.PartitionSpec`` itself; a Session without a mesh ignores it
    (``docs/devices_and_sharding.md``)."""

    __array_priority__ = 100  # NumPy defers to our operators: ``ndarray @ variable`` is a matmul op

    def __init__(self, initial_value: Any = None, trainable: bool = True, name: str | None = None,
                 dtype: Any = None, validate_shape: bool = True, collections: Any = None,
                 shape: Any = None, sharding: Any = None) -> None:  # fmt: skip
        if initial_value is None:
            raise InvalidArgumentError("Variable needs an initial_value")
        graph = get_default_graph()
        with graph.name_scope(name or "Variable") as scope:
            # ``control_dependencies(None)`` and ``stamp_location`` for the ops below, set
            # directly (no scope objects: this runs for every Variable)
            saved = graph._control_stack, graph._location_override
            graph._control_stack = []
            try:
                self._add_ops(graph, scope[:-1], initial_value, dtype, shape, sharding)
            finally:
                graph._control_stack, graph._location_override = saved
        self.trainable = trainable
        # As TF1: ``collections`` replaces the default [GLOBAL_VARIABLES] (a LOCAL_VARIABLES
        # Variable is neither initialized by global_variables_initializer nor saved).
        if collections is None:  # the common case, without building a list
            graph.add_to_collection(GLOBAL_VARIABLES, self)
            if trainable:
                graph.add_to_collection(TRAINABLE_VARIABLES, self)
            return
        names = list(collections)
        if trainable and TRAINABLE_VARIABLES not in names:
            names.append(TRAINABLE_VARIABLES)
        for collection in dict.fromkeys(names):
            graph.add_to_collection(collection, self)

    def _add_ops(self, graph: Graph, var_name: str, initial_value: Any, dtype: Any, shape: Any,
                 sharding: Any) -> None:  # fmt: skip
        """The Variable's ops, in its name scope and without control dependencies: TF1's
        ``name/initial_value`` (or ``name/Initializer/...``), ``name``, ``name/Assign`` and
        ``name/read`` (``value()``'s first read: the one later uses reuse)."""
        if callable(initial_value):
            with graph.name_scope("Initializer"):
                initial_value = initial_value()
        # the ops below run no user code: they share the user's line, found once (the caller
        # restores the graph's location override)
        graph._location_override = graph._location_override or user_location(2)
        value = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
        shape = tuple(value.shape) if shape is None else tuple(shape)
        attrs = {"dtype": value.dtype, "shape": shape, "sharding": sharding_spec(sharding)}
        handle = graph.create_op("variable", [], attrs, var_name + "/").outputs[0]
        self._handle = handle
        self.initial_value = value
        self._initializer = graph.create_op("assign", [handle, value], name="Assign")
        self._version = 0
        self._read = graph.create_op("read", [handle], name="read").outputs[0]
        self._read_version = 0
        self._snapshot = self._read

    @classmethod
    def from_ops(cls, handle: Operation, initializer: Operation, trainable: bool = True,
                 snapshot: Tensor | None = None, read: Tensor | None = None,
                 assigned: bool = False) -> Variable:  # fmt: skip
        """Wraps an existing ``variable`` op (of a loaded graph file) without adding ops or
        touching collections. ``snapshot``: the read made at creation (TF1's ``name/read``, kept
        so a graph file saved again names it); ``read``: the latest read, still fresh; ``assigned``:
        whether assigns were traced (later reads must then be new read ops)."""
        self = cls.__new__(cls)
        self._handle = handle.outputs[0]
        self._initializer = initializer
        self.initial_value = initializer.inputs[1]
        self._version = 1 if assigned else 0
        self._read = read
        self._read_version = self._version if read is not None else -1
        self._snapshot = snapshot
        self.trainable = trainable
        return self

    def ops_state(self) -> dict[str, Any]:
        """What ``from_ops`` needs to rebuild this Variable, by op and tensor names (graph files)."""
        fresh = self._read is not None and self._read_version == self._version
        return {
            "name": self.op.name,
            "initializer": self._initializer.name,
            "snapshot": None if self._snapshot is None else self._snapshot.name,
            "read": self._read.name if fresh else None,
            "assigned": self._version > 0,
            "trainable": bool(self.trainable),
        }

    # ---- identity --------------------------------------------------------------------------
    @property
    def op(self) -> Operation:
        return self._handle.op

    @property
    def name(self) -> str:
        """``scope/name:0`` as in TF1 (``op.name`` is the variable's name in a Session)."""
        return self._handle.name

    @property
    def graph(self) -> Graph:
        return self._handle.graph

    @property
    def dtype(self):
        return self._handle.dtype

    @property
    def shape(self):
        return self._handle.shape

    def get_shape(self):
        return self._handle.shape

    @property
    def handle(self) -> Tensor:
        return self._handle

    @property
    def initializer(self) -> Operation:
        return self._initializer

    def __repr__(self) -> str:
        return f"<jaxgraph.Variable '{self.name}' shape={self.shape.as_list()} dtype={self.dtype.name}>"

    # ---- reading ---------------------------------------------------------------------------
    def value(self) -> Tensor:
        """A Tensor of the Variable's value at this point of the program.

        Inside a control-flow body that assigned this Variable, the read is made in the body
        (it sees the assign); otherwise it is made, or reused, in the Variable's graph and the
        body captures it.
        """
        graph, current = self.graph, get_default_graph()
        if current is not graph and self._assigned_inside(current):
            return current.create_op("read", [self._handle], name=f"{self.op.name}/read").outputs[0]
        fresh = self._read is not None and self._read_version == self._version
        if fresh and not current._control_stack:
            return self._read
        with graph.name_scope(self.op.name + "/"):
            read = graph.create_op("read", [self._handle], name="read").outputs[0]
        if not read.op.control_inputs:  # one under control_dependencies runs them: never reused
            self._read, self._read_version = read, self._version
        return read

    read_value = value

    def _assigned_inside(self, body: Graph) -> bool:
        """Whether a control-flow body being traced (or one it is nested in) assigns this Variable."""
        while body is not None and body is not self.graph:
            if self._handle in body.captures:
                return True
            body = body.outer
        return False

    def _to_tensor(self) -> Tensor:
        return self.value()

    def _as_graph_element(self) -> Tensor:
        """What fetching the Variable fetches: its handle, i.e. its value after the run, which
        runs nothing else (a read op could carry control dependencies)."""
        return self._handle

    # ---- writing ---------------------------------------------------------------------------
    def _state_op(self, op_type: str, value: Any, name: str | None) -> Tensor:
        value = convert_to_tensor(value, dtype=self.dtype)
        op = get_default_graph().create_op(op_type, [self._handle, value], name=name)
        self._version += 1
        return op.outputs[0]

    def assign(self, value: Any, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Tensor:  # fmt: skip
        """Sets the value; returns the new value (runs it when fetched)."""
        return self._state_op("assign", value, name or "Assign")

    def assign_add(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Tensor:  # fmt: skip
        return self._state_op("assign_add", delta, name or "AssignAdd")

    def assign_sub(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Tensor:  # fmt: skip
        return self._state_op("assign_sub", delta, name or "AssignSub")


def sharding_spec(sharding: Any) -> tuple | None:
    """A ``sharding`` argument as the ``variable`` op's attribute: a tuple of axis names, tuples
    of them and Nones (a list or a ``jax.sharding.PartitionSpec`` becomes one); None stays None.
    Anything else is left as is for the op's type rule to refuse with its message."""
    if sharding is None or isinstance(sharding, str):
        return sharding
    try:
        entries = list(sharding)
    except TypeError:
        return sharding
    return tuple(tuple(e) if isinstance(e, (list, tuple)) else e for e in entries)


# ---- TF1's module-level state functions ------------------------------------------------------
def _variable_ref(function: str, ref: Any) -> Variable:
    """``ref`` when it is a Variable: TF1's ``tf.assign`` & co. write only to Variables."""
    if not isinstance(ref, Variable):
        raise InvalidArgumentError(f"{function} needs a Variable as ref, got {type(ref).__name__}")
    return ref


def assign(ref: Variable, value: Any, validate_shape: bool | None = None, use_locking: bool | None = None,
           name: str | None = None) -> Tensor:  # fmt: skip
    """``ref.assign(value)``: the new value, set when it runs. A Variable's shape is fixed, so
    ``validate_shape=False`` (TF1's reshaping assign) is refused. TF1's ``tf.assign``."""
    if validate_shape is False:
        raise InvalidArgumentError(
            "assign(validate_shape=False) is not supported: a Variable's shape is fixed"
        )
    return _variable_ref("assign", ref).assign(value, name=name)


def assign_add(ref: Variable, value: Any, use_locking: bool | None = None, name: str | None = None) -> Tensor:
    """``ref.assign_add(value)``: ``ref + value``, stored when it runs. TF1's ``tf.assign_add``."""
    return _variable_ref("assign_add", ref).assign_add(value, name=name)


def assign_sub(ref: Variable, value: Any, use_locking: bool | None = None, name: str | None = None) -> Tensor:
    """``ref.assign_sub(value)``: ``ref - value``, stored when it runs. TF1's ``tf.assign_sub``."""
    return _variable_ref("assign_sub", ref).assign_sub(value, name=name)


# ---- collections -------------------------------------------------------------------------------
def global_variables(scope: str | None = None) -> list[Variable]:
    """The graph's GLOBAL_VARIABLES collection, filtered to the Variables whose name the regular
    expression ``scope`` matches at its start; TF1's ``tf.global_variables``."""
    return get_default_graph().get_collection(GLOBAL_VARIABLES, scope)


def trainable_variables(scope: str | None = None) -> list[Variable]:
    """The graph's TRAINABLE_VARIABLES collection, filtered as ``global_variables``; TF1's
    ``tf.trainable_variables``."""
    return get_default_graph().get_collection(TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[Variable]:
    """The graph's LOCAL_VARIABLES collection (Variables created with
    ``collections=[GraphKeys.LOCAL_VARIABLES]``), filtered as ``global_variables``; TF1's
    ``tf.local_variables``."""
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def variables_initializer(var_list: list[Variable], name: str = "init") -> Operation:
    """One op that runs the initializers of ``var_list``; TF1's ``tf.variables_initializer``."""
    return identity_ops.group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer() -> Operation:
    """One op that runs every Variable's initializer (TF1's ``init`` op)."""
    return variables_initializer(global_variables(), name="init")


def local_variables_initializer() -> Operation:
    """One op that runs the initializers of ``local_variables()``; TF1's
    ``tf.local_variables_initializer``."""
    return variables_initializer(local_variables(), name="init")


def tables_initializer(name: str = "init_all_tables") -> Operation:
    """TF1's ``tf.tables_initializer``: jaxgraph has no lookup tables, so this op does nothing
    (programs call it by habit before training)."""
    return identity_ops.group(name=name)


def initialize_all_variables() -> Operation:
    """Same as ``global_variables_initializer``; TF1's deprecated ``tf.initialize_all_variables``."""
    return global_variables_initializer()


# ---- variable_scope / get_variable -------------------------------------------------------------
AUTO_REUSE = "auto_reuse"
_scopes = threading.local()


class _VarScope:
    """A variable scope: its name and the defaults ``get_variable`` takes from it."""

    __slots__ = ("name", "reuse", "initializer", "regularizer", "dtype")

    def __init__(
        self, name: str, reuse: Any, initializer: Any, regularizer: Any = None, dtype: Any = float32
    ):
        self.name, self.reuse, self.initializer = name, reuse, initializer
        self.regularizer, self.dtype = regularizer, dtype


def _scope_stack() -> list[_VarScope]:
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = [_VarScope("", False, None)]
    return stack


_UNSUPPORTED_SCOPE_ARGUMENTS = ("partitioner", "custom_getter", "constraint")


def _refuse_unsupported(what: str, **arguments: Any) -> None:
    """TF1 arguments jaxgraph does not implement, refused when set (rather than ignored)."""
    for name, value in arguments.items():
        if value is not None:
            raise UnimplementedError(f"{what}: {name}= is not supported by jaxgraph (got {value!r})")


def get_variable_scope() -> _VarScope:
    """The innermost active variable scope; TF1's ``tf.get_variable_scope``."""
    return _scope_stack()[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope: Any, default_name: str | None = None, values: Any = None,
                   initializer: Any = None, regularizer: Any = None, caching_device: Any = None,
                   partitioner: Any = None, custom_getter: Any = None, reuse: Any = None,
                   dtype: Any = None, use_resource: Any = None, constraint: Any = None,
                   auxiliary_name_scope: bool = True) -> Iterator[_VarScope]:  # fmt: skip
    """Prefixes ``get_variable`` names; ``reuse=True`` / ``AUTO_REUSE`` shares existing ones;
    ``initializer``, ``regularizer`` and ``dtype`` become the defaults of ``get_variable`` inside
    (inherited by inner scopes). TF1's ``tf.variable_scope``; ``partitioner``, ``custom_getter``
    and ``constraint`` are refused with UnimplementedError."""
    _refuse_unsupported(
        "variable_scope", partitioner=partitioner, custom_getter=custom_getter, constraint=constraint
    )
    outer = get_variable_scope()
    name = name_or_scope.name if isinstance(name_or_scope, _VarScope) else (name_or_scope or default_name)
    full = f"{outer.name}/{name}" if outer.name and not isinstance(name_or_scope, _VarScope) else name
    inherited = outer.reuse if reuse is None or reuse is False and outer.reuse else reuse
    scope = _VarScope(
        full,
        inherited,
        initializer if initializer is not None else outer.initializer,
        regularizer if regularizer is not None else outer.regularizer,
        as_dtype(dtype) if dtype is not None else outer.dtype,
    )
    _scope_stack().append(scope)
    try:
        with get_default_graph().name_scope(name):
            yield scope
    finally:
        _scope_stack().pop()


def get_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None,
                 regularizer: Any = None, trainable: bool | None = None, collections: Any = None,
                 caching_device: Any = None, partitioner: Any = None, validate_shape: bool = True,
                 use_resource: Any = None, custom_getter: Any = None, constraint: Any = None,
                 synchronization: Any = None, aggregation: Any = None,
                 sharding: Any = None) -> Variable:  # fmt: skip
    """The Variable ``<variable scope>/name``: created (with ``initializer``, default the
    scope's, else Glorot uniform for floats and zeros otherwise) or, under ``reuse``, the
    existing one. A new Variable's ``regularizer(variable)`` (default the scope's) is added to
    ``GraphKeys.REGULARIZATION_LOSSES`` under ``name/Regularizer``. TF1's ``tf.get_variable``;
    ``partitioner``, ``custom_getter`` and ``constraint`` are refused with UnimplementedError.
    ``sharding`` (jaxgraph's own) is a new Variable's sharding annotation (see ``Variable``)."""
    _refuse_unsupported(
        "get_variable", partitioner=partitioner, custom_getter=custom_getter, constraint=constraint
    )
    trainable = True if trainable is None else trainable
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    graph = get_default_graph()
    existing = {v.op.name: v for v in graph.get_collection(GLOBAL_VARIABLES)}.get(full)
    if existing is not None:
        if not scope.reuse:
            raise InvalidArgumentError(
                f"Variable {full} already exists, disallowed. Did you mean to set reuse=True "
                f"or reuse=jg.AUTO_REUSE in variable_scope?"
            )
        if shape is not None and not existing.shape.is_compatible_with(tuple(shape)):
            raise InvalidArgumentError(
                f"Trying to share Variable {full}, but specified shape {list(shape)} and found "
                f"shape {existing.shape.as_list()}."
            )
        return existing
    if scope.reuse is True:
        raise InvalidArgumentError(
            f"Variable {full} does not exist, or was not created with get_variable(). Did you "
            "mean to set reuse=jg.AUTO_REUSE in variable_scope?"
        )
    dtype = as_dtype(dtype) if dtype is not None else scope.dtype
    init = initializer if initializer is not None else scope.initializer
    if init is None:
        init = (
            initializers.glorot_uniform_initializer()
            if dtype.is_floating
            else initializers.zeros_initializer()
        )
    if isinstance(init, Tensor) or not callable(init):
        initial: Callable[[], Any] | Any = init
    else:
        if shape is None:
            raise InvalidArgumentError(f"get_variable('{full}') needs a shape for its initializer")
        initial = lambda: init(tuple(shape), dtype)  # noqa: E731
    with graph.name_scope(None):
        variable = Variable(
            initial, trainable=trainable, name=full, dtype=dtype, collections=collections, sharding=sharding
        )
        regularizer = regularizer if regularizer is not None else scope.regularizer
        if regularizer is not None:
            with graph.name_scope(f"{full}/Regularizer"):
                loss = regularizer(variable)
            if loss is not None:
                graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return variable


overloads.install(Variable)  # a Variable in an expression reads it: ``w * 2``
