"""``@jg.function``: traces a Python function into a Graph once per input signature, then runs
it through its own Session.

The signature of a call is the pytree structure of its arguments, each array's shape and dtype,
and the value of every other (static) Python leaf. Array leaves become placeholders named after
their argument path. ``input_signature=[TensorSpec(...), ...]`` fixes the placeholders (``None``
dims allowed) so calls with other batch sizes reuse one trace. Variables created on the first
trace live in ``f.session``; a retrace re-creates them by name and shares their values.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from jaxgraph.autodiff import gradients
from jaxgraph.builder import Graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, float32
from jaxgraph.ir.graph import Operation, SourceLocation, Tensor
from jaxgraph.ir.shapes import TensorShape
from jaxgraph.ops import construction
from jaxgraph.ops.core import convert_to_tensor, to_numpy
from jaxgraph.tracer.variables import GLOBAL_VARIABLES


class TensorSpec:
    """The type of a ``jg.function`` argument: shape (``None`` dims allowed) and dtype; TF1's
    ``tf.TensorSpec``."""

    def __init__(self, shape: Sequence[int | None], dtype: Any = float32, name: str | None = None):
        self.shape = TensorShape(shape)
        self.dtype: DType = as_dtype(dtype)
        self.name = name

    def __repr__(self) -> str:
        return f"TensorSpec({self.dtype.short}{self.shape})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype.short))


def _is_leaf(x: Any) -> bool:
    return isinstance(x, TensorSpec)


def _is_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic, jax.Array))


class _Trace:
    """One traced signature: its graph, placeholders and output structure.

    Besides the outputs, a call runs every Variable update the trace created (except
    initializers), as the body's effects, in program order.
    """

    def __init__(self, graph: Graph, placeholders: list[Tensor], outputs: list[Any], out_tree: Any):
        self.graph = graph
        self.placeholders = placeholders
        self.outputs = outputs
        self.out_tree = out_tree
        initializers = {v.initializer for v in graph.get_collection(GLOBAL_VARIABLES)}
        effects = [
            op for op in graph.operations
            if op.op_def.state in ("write", "update") and op not in initializers
        ]  # fmt: skip
        self.fetches = [o for o in outputs if isinstance(o, (Tensor, Operation))] + effects


class Function:
    """A traced-and-cached Python function (see the module docstring); what ``jg.function``
    returns, like the callable TF1's ``tf.function`` returns."""

    session_class: Any = None
    """The Session class a Function runs in, installed by ``jaxgraph.session`` (a higher layer)."""

    def __init__(self, fn: Callable[..., Any], input_signature: Sequence[TensorSpec] | None = None,
                 roll_loops: bool | None = None) -> None:  # fmt: skip
        functools.update_wrapper(self, fn)
        self.roll_loops = roll_loops
        self.python_function = fn
        self.input_signature = list(input_signature) if input_signature is not None else None
        self._signature = inspect.signature(fn)
        self._traces: dict[Any, _Trace] = {}
        self._session: Any = None
        self.trace_count = 0
        self.retrace_reasons: list[str] = []
        """Why each trace after the first happened, e.g. ``"x: f32[32,784] -> f32[16,784]"``."""

    @property
    def session(self) -> Any:
        """The Session holding this function's Variables (created on first use)."""
        if self._session is None:
            self._session = self.session_class(graph=Graph(), roll_loops=self.roll_loops)
        return self._session

    # ---- signatures ------------------------------------------------------------------------
    def _bind(self, args: tuple, kwargs: dict) -> tuple[list[tuple[str, Any]], Any]:
        if self.input_signature is not None:
            if len(args) != len(self.input_signature) or kwargs:
                raise InvalidArgumentError(
                    f"{self.__name__} has input_signature of {len(self.input_signature)} "
                    f"positional argument(s); called with {len(args)} and {sorted(kwargs)}"
                )
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        names = list(bound.arguments)
        leaves, tree = jax.tree_util.tree_flatten_with_path(list(bound.arguments.values()), is_leaf=_is_leaf)
        return [(_path_name(names[path[0].idx], path[1:]), leaf) for path, leaf in leaves], (
            tuple(names),
            tree,
        )

    def _key(self, leaves: list[tuple[str, Any]], tree: Any) -> tuple:
        parts: list[Any] = [tree]
        for i, (_, leaf) in enumerate(leaves):
            if self.input_signature is not None and i < len(self.input_signature):
                parts.append(("spec", i))
            elif isinstance(leaf, TensorSpec):
                parts.append(("array", tuple(leaf.shape), leaf.dtype.short))
            elif _is_array(leaf):
                parts.append(("array", tuple(leaf.shape), str(leaf.dtype)))
            else:
                try:
                    hash(leaf)
                except TypeError:
                    raise InvalidArgumentError(
                        f"{self.__name__}: argument '{leaves[i][0]}' = {leaf!r} is neither an array "
                        "nor a hashable Python value"
                    ) from None
                parts.append(("static", type(leaf), leaf))
        return tuple(parts)

    # ---- tracing ---------------------------------------------------------------------------
    def _get_trace(self, args: tuple, kwargs: dict) -> tuple[_Trace, list[Any]]:
        leaves, tree = self._bind(args, kwargs)
        key = self._key(leaves, tree)
        trace = self._traces.get(key)
        if trace is None:
            if self._traces:
                self._explain_retrace(next(reversed(self._traces)), key, [name for name, _ in leaves])
            trace = self._trace(leaves, tree)
            self._traces[key] = trace
        return trace, [leaf for _, leaf in leaves]

    def _explain_retrace(self, old: tuple, new: tuple, names: list[str]) -> None:
        """Records (and logs) why this call traces again, against the latest earlier trace."""
        if old[0] != new[0] or len(old) != len(new):
            reason = "the arguments' structure changed"
        else:
            reason = "; ".join(
                f"{name}: {_describe(a)} -> {_describe(b)}"
                for name, a, b in zip(names, old[1:], new[1:])
                if a != b
            )
        self.retrace_reasons.append(reason)
        logging.getLogger("jaxgraph").info("retracing %s: %s", self.__name__, reason)

    def _trace(self, leaves: list[tuple[str, Any]], tree: Any) -> _Trace:
        graph = Graph()
        graph.seed = self.session.graph.seed
        placeholders: list[Tensor] = []
        values: list[Any] = []
        with graph.as_default():
            for i, (name, leaf) in enumerate(leaves):
                spec = None
                if self.input_signature is not None and i < len(self.input_signature):
                    spec = self.input_signature[i]
                elif isinstance(leaf, TensorSpec):
                    spec = leaf
                elif _is_array(leaf):
                    spec = TensorSpec(leaf.shape, to_numpy(np.zeros((), leaf.dtype)).dtype)
                if spec is None:
                    values.append(leaf)
                    continue
                with graph.stamp_location(_definition(self.python_function)):
                    placeholder = construction.placeholder(spec.dtype, spec.shape, name=spec.name or name)
                placeholders.append(placeholder)
                values.append(placeholder)
            names, arg_tree = tree
            arguments = jax.tree_util.tree_unflatten(arg_tree, values)
            bound = inspect.BoundArguments(self._signature, dict(zip(names, arguments, strict=True)))
            result = self.python_function(*bound.args, **bound.kwargs)
            out_leaves, out_tree = jax.tree_util.tree_flatten(
                result, is_leaf=lambda x: isinstance(x, (Tensor, Operation)) or hasattr(x, "_to_tensor")
            )
            outputs = [o if isinstance(o, (Tensor, Operation)) else convert_to_tensor(o) for o in out_leaves]
        self.trace_count += 1
        self._initialize_new_variables(graph)
        return _Trace(graph, placeholders, outputs, out_tree)

    def _initialize_new_variables(self, graph: Graph) -> None:
        session = self.session
        fresh = []
        for var in graph.get_collection(GLOBAL_VARIABLES):
            stored = session._variables.get(var.op.name)
            if stored is None:
                fresh.append(var.initializer)
            elif tuple(stored.shape) != tuple(var.shape) or stored.dtype != var.dtype.np:
                raise InvalidArgumentError(
                    f"{self.__name__}: a retrace created Variable '{var.op.name}' as "
                    f"{var.dtype.short}{var.shape}, but the first trace made it "
                    f"{as_dtype(stored.dtype).short}{TensorShape(stored.shape)}",
                    var.op,
                )
        if fresh:
            session._run(graph, fresh, None, name=f"{self.__name__}.init")

    # ---- public API ------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        trace, leaves = self._get_trace(args, kwargs)
        arrays = [leaf for leaf in leaves if _is_array(leaf) or isinstance(leaf, TensorSpec)]
        if any(isinstance(a, TensorSpec) for a in arrays):
            raise InvalidArgumentError(f"{self.__name__}: TensorSpecs can be traced, not called; pass arrays")
        feeds = dict(zip(trace.placeholders, arrays, strict=False))
        fetched = self.session._run(trace.graph, trace.fetches, feeds, name=self.__name__)
        it = iter(fetched)
        results = [next(it) if isinstance(o, (Tensor, Operation)) else o for o in trace.outputs]
        return jax.tree_util.tree_unflatten(trace.out_tree, results)

    def trace(self, *args: Any, **kwargs: Any) -> Graph:
        """The Graph traced for these arguments (arrays or TensorSpecs)."""
        return self._get_trace(args, kwargs)[0].graph

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> Graph:
        return self.trace(*args, **kwargs)

    def dump(self, *args: Any, stage: str = "ir", **kwargs: Any) -> str:
        """The text of one compilation stage (``ir``, ``ir-opt``, ``jax``, ``jaxpr``,
        ``stablehlo``, ``hlo``) for a call with these arguments."""
        trace, leaves = self._get_trace(args, kwargs)
        if stage == "ir":
            return str(trace.graph)
        arrays = [leaf for leaf in leaves if _is_array(leaf) or isinstance(leaf, TensorSpec)]
        specs = [
            np.zeros([d or 1 for d in a.shape], a.dtype.np) if isinstance(a, TensorSpec) else a
            for a in arrays
        ]
        feeds = dict(zip(trace.placeholders, specs, strict=False))
        return self.session._dump(trace.graph, trace.fetches, feeds, stage, self.__name__)


def _definition(fn: Callable[..., Any]) -> SourceLocation | None:
    """Where the user's function starts: its arguments' placeholders are stamped with it."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    return SourceLocation(code.co_filename, code.co_firstlineno, code.co_name) if code else None


def _describe(part: tuple) -> str:
    """A signature part as text: ``f32[32,784]`` for arrays, ``3`` for static values."""
    if part[0] == "array":
        return f"{as_dtype(part[2]).short}[{','.join('?' if d is None else str(d) for d in part[1])}]"
    return repr(part[-1])


def _path_name(arg_name: str, path: tuple) -> str:
    parts = [arg_name]
    for entry in path:
        key = getattr(entry, "key", getattr(entry, "idx", getattr(entry, "name", entry)))
        parts.append(str(key))
    return re.sub(r"[^A-Za-z0-9_.\-/]", "_", "_".join(parts)) or "arg"


def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Function:
    """A ``jg.function`` returning ``(fn(...), gradient)``: the gradient of the scalar ``fn``
    with respect to the argument(s) ``argnums`` (pytrees allowed), built by ``jg.gradients``.
    jaxgraph's own, after ``jax.value_and_grad``; TF1 has no counterpart."""
    python_fn = getattr(fn, "python_function", fn)
    signature = inspect.signature(python_fn)
    indices = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(python_fn)
    def traced(*args: Any, **kwargs: Any) -> Any:
        value = convert_to_tensor(python_fn(*args, **kwargs))
        if tuple(value.shape) != () or not value.dtype.is_floating:
            raise InvalidArgumentError(
                f"grad of {python_fn.__name__} needs a scalar floating-point result, got {value.type}",
                value.op,
            )
        positional = list(signature.bind(*args, **kwargs).arguments.values())
        targets = [positional[i] for i in indices]
        leaves, tree = jax.tree_util.tree_flatten(targets)
        grads = jax.tree_util.tree_unflatten(tree, gradients(value, leaves, unconnected_gradients="zero"))
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)

    return Function(traced)


def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Function:
    """A ``jg.function`` returning the gradient of the scalar ``fn`` (see ``value_and_grad``).
    jaxgraph's own, after ``jax.grad``; TF1 has no counterpart (the closest is ``tf.gradients``)."""
    python_fn = value_and_grad(fn, argnums).python_function

    @functools.wraps(python_fn)
    def traced(*args: Any, **kwargs: Any) -> Any:
        return python_fn(*args, **kwargs)[1]

    return Function(traced)


def function(
    fn: Callable[..., Any] | None = None,
    *,
    input_signature: Sequence[TensorSpec] | None = None,
    roll_loops: bool | None = None,
) -> Any:
    """Decorator: ``@jg.function`` or ``@jg.function(input_signature=[...])``; TF1's ``tf.function``.
    ``roll_loops``: whether its Session lowers repeated blocks as loops (``jg.Session(roll_loops=...)``:
    by default where it pays; ``False`` keeps them unrolled)."""
    if fn is None:
        return lambda f: Function(f, input_signature, roll_loops)
    return Function(fn, input_signature, roll_loops)
