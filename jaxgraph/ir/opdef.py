"""The op registry: one ``OpDef`` per op type, declared once with its type, lowering and gradient rule.

An op family module declares each op with the ``@op`` decorator on a small class::

    @op("matmul", "MatMul", attrs={"transpose_a": False, "transpose_b": False})
    class MatMul:
        def infer(a, b, *, transpose_a, transpose_b): ...   # TensorTypes in, TensorType(s) out
        def lower(a, b, *, transpose_a, transpose_b): ...   # jax values in, jax value(s) out
        def grad(op, g): ...                                # jaxgraph Tensors in and out

``infer`` is pure Python and runs when the op is created; it reports bad input with
``type_error(...)``, which the graph turns into an ``InvalidArgumentError`` naming the op and the
user's line. ``grad`` is absent for ops that have no gradient (integer results, random draws).

Unknown rank: a type rule sees an input of unknown rank (``TensorShape(None)``) only when its op
declares ``unknown_rank=True``. For every other op the registry applies a generic fallback
(``unknown_rank_fallback``): the rule runs with each unknown-rank input taken as a shape of
unknown dimensions of some rank (the ranks of the known inputs first, then 0 to ``MAX_GUESSED_RANK``),
and the first rank the rule accepts gives the outputs' number and dtypes; their shapes are of
unknown rank. So an op whose rule was written for static ranks still types (TF1 also gives
unknown shapes there), and its real shapes come when the Session specializes the graph to the
fed shapes and runs the rule again. When no rank fits (a dtype mismatch, say), the rule's error
at the first rank tried is reported.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from jaxgraph.errors import NotFoundError
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType

REQUIRED = object()
"""Default value marking an attribute the caller must give."""

FED = "fed"
"""The ``host`` trait of ops whose host value is their feed (placeholders of strings)."""


class TypeRuleError(Exception):
    """Raised by a type rule; the graph re-raises it as an InvalidArgumentError with op context."""


def type_error(message: str) -> TypeRuleError:
    """Returns the exception a type rule raises (``raise type_error(...)``)."""
    return TypeRuleError(message)


@dataclasses.dataclass(frozen=True)
class OpDef:
    """Everything jaxgraph knows about one op type.

    ``state`` says how the op touches the Variable whose handle is its first input: ``"read"``
    (lowered with the current value), ``"write"`` (the value replaces it) or ``"update"``
    (lowered with the current value and the new one; the result replaces it).
    ``needs_key``: lowered with a PRNG key as first argument. ``stateful``: never merged,
    folded or removed as redundant by IR passes (Variables, random draws, effects).
    ``cpu_only``: a check TF1 makes on CPU only (index ranges, integer division): on other
    platforms the Session drops it (the op forwards its first input unchecked).
    ``check``: a run-time check; its lowering's last output is its status, a bool that must be
    true, or a vector whose first entry must be non-zero, or the run fails and changes nothing;
    ``explain(op, detail)`` gives the failure's message from the rest of the status (``detail``),
    or the ``InvalidArgumentError`` (a subclass) to raise.

    ``jax_call``: how generated code shows the op when its lowering is one JAX expression, a
    template over its lowering's arguments (``{0}``, ``{1}``) and attributes (``{axis}``):
    ``"{0} + {1}"``, ``"jnp.matmul({0}, {1})"``; used only while the attributes it leaves out
    hold their defaults (``"None"``: the op computes nothing). See ``jaxgraph.lowering.codegen``.

    Traits the IR passes, the verifier and the lowering ask instead of naming op types:

    * ``parameter``: the op's value comes from outside the graph (placeholders, Variables, a
      body's parameters): never merged, folded, or dropped from a control-flow body.
    * ``region``: attributes hold sub-graphs (control flow); Variable handles may flow in.
    * ``value_attr``: the attribute holding the op's value: an ``ArrayValue`` (``constant``)
      or the scalar every element has (``fill``, ``full_like``).
    * ``commutative``: ``op(a, b) == op(b, a)``.
    * ``identity_element``: ``e`` with ``op(x, e) == x`` (and ``op(e, x) == x`` when
      commutative): ``x + 0``, ``x / 1``, ``x ** 1``.
    * ``involution``: ``op(op(x)) == x`` (``neg``).
    * ``forwards_input``: the op returns its first input unchanged: ``"always"`` (identity),
      or ``"same_type"`` when its output's static type is the input's and fully known
      (reshapes, broadcasts and casts that change nothing).

    Traits for shapes known only at run time (see ``jaxgraph.ir.passes.specialize``):

    * ``unknown_rank``: the type rule handles inputs of unknown rank itself (otherwise the
      registry's fallback, see the module docstring, types the op).
    * ``type_only``: the value depends only on the input's static type (``shape``, ``size``,
      ``rank``): once the input's shape is known the op folds to a constant, computed by its
      lowering from a ``jax.ShapeDtypeStruct``.
    * ``shape_inputs``: the op's last ``shape_inputs`` inputs are values that decide its output's
      shape (a shape tensor, a range's limits), so they must be known when the graph compiles;
      ``static_form(attrs, values)`` gives the op type and attributes that compute the same
      from those values (NumPy arrays) as attributes, applied to the other inputs.
    * ``host``: the op's NumPy rule (inputs and attributes in, array out), which the Session
      runs on the host around the XLA executable, or ``FED`` (its value is its feed): only
      such ops may take or give ``string`` tensors, which XLA cannot hold
      (``jaxgraph.session.host_ops``).
    """

    type: str
    default_name: str
    attrs: dict[str, Any]
    infer: Callable[..., Any]
    lower: Callable[..., Any] | None
    grad: Callable[..., Any] | None
    state: str | None = None
    needs_key: bool = False
    stateful: bool = False
    check: bool = False
    cpu_only: bool = False
    parameter: bool = False
    region: bool = False
    value_attr: str | None = None
    commutative: bool = False
    identity_element: Any = None
    involution: bool = False
    forwards_input: str | None = None
    explain: Callable[..., str] | None = None
    jax_call: str | None = None
    unknown_rank: bool = False
    type_only: bool = False
    shape_inputs: int = 0
    static_form: Callable[..., tuple[str, dict[str, Any]]] | None = None
    host: Callable[..., Any] | str | None = None
    known_rank_infer: Callable[..., Any] | None = None
    """``infer`` for inputs all of known rank: the rule without the unknown-rank fallback's
    wrapper (``Graph.add_op``, which runs for every op, already knows the ranks); ``infer``
    when not given."""

    def __post_init__(self) -> None:
        if self.known_rank_infer is None:
            object.__setattr__(self, "known_rank_infer", self.infer)
        if self.state is not None or self.needs_key or self.check:  # effects are stateful
            object.__setattr__(self, "stateful", True)

    @property
    def pure(self) -> bool:
        """The op's value depends only on its inputs and attributes (mergeable, foldable)."""
        return not (self.stateful or self.parameter)

    @property
    def foldable(self) -> bool:
        """Constant inputs make the op a constant: pure, lowerable, and no sub-graphs."""
        return self.pure and self.lower is not None and not self.region

    @property
    def assigns(self) -> bool:
        """The op changes its Variable (an effect kept even when nothing reads its result)."""
        return self.state in ("write", "update")

    def complete_attrs(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """Fills defaults; rejects unknown or missing attributes (a TypeRuleError). Keys come in
        the declared order. Runs for every op built, so the common cases check no more than
        needed: nothing given, or only declared attributes given and none of them required."""
        declared = self.attrs
        if not given:
            if not declared:
                return {}
            given = {}
        elif not given.keys() <= declared.keys():
            unknown = set(given) - set(declared)
            raise type_error(f"unknown attribute(s) {sorted(unknown)} for op type '{self.type}'")
        attrs = {**declared, **given} if given else dict(declared)
        if self._required and not self._required <= given.keys():
            key = next(k for k in declared if k in self._required and k not in given)
            raise type_error(f"missing attribute '{key}' for op type '{self.type}'")
        return attrs

    @functools.cached_property
    def _required(self) -> frozenset[str]:
        """The attributes without a default (``REQUIRED``)."""
        return frozenset(k for k, v in self.attrs.items() if v is REQUIRED)


def output_types(result: Any) -> tuple:
    """A type rule's result as a tuple of output types (a rule returns one type, a tuple, or None)."""
    if result is None:
        return ()
    return result if isinstance(result, tuple) and not hasattr(result, "dtype") else (result,)


MAX_GUESSED_RANK = 8
"""Highest rank the unknown-rank fallback tries for an input of unknown rank."""


def has_unknown_rank_input(types: tuple) -> bool:
    """Whether any of ``types`` has a shape of unknown rank."""
    return any(t.shape is UNKNOWN_RANK for t in types)


def unknown_rank_fallback(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``rule`` extended to inputs of unknown rank (see the module docstring): outputs with the
    dtypes the rule gives for a guessed rank, and shapes of unknown rank."""

    @functools.wraps(rule)
    def infer(*types: TensorType, **attrs: Any) -> Any:
        for t in types:  # a loop, not has_unknown_rank_input: this runs for every op built
            if t.shape is UNKNOWN_RANK:
                break
        else:
            return rule(*types, **attrs)
        known = sorted({len(t.shape) for t in types if t.shape is not UNKNOWN_RANK})
        first_error = None
        for rank in dict.fromkeys([*known, *range(MAX_GUESSED_RANK + 1)]):
            guess = TensorShape([None] * rank)
            guessed = [t._replace(shape=guess) if t.shape is UNKNOWN_RANK else t for t in types]
            try:
                result = rule(*guessed, **attrs)
            except TypeRuleError as e:
                first_error = first_error or e
                continue
            outputs = output_types(result)
            unknown = tuple(t._replace(shape=UNKNOWN_RANK) for t in outputs)
            return unknown if isinstance(result, tuple) and not hasattr(result, "dtype") else unknown[0]
        raise first_error

    return infer


REGISTRY: dict[str, OpDef] = {}


def op(
    type_name: str,
    default_name: str,
    *,
    attrs: dict[str, Any] | None = None,
    **traits: Any,
) -> Callable[[type], OpDef]:
    """Class decorator registering an op type; returns the OpDef in place of the class.
    ``traits`` are OpDef fields (``state``, ``stateful``, ``commutative`` ...)."""

    def register(cls: type) -> OpDef:
        namespace = vars(cls)
        if "host" in namespace:
            traits["host"] = namespace["host"]
        return declare(type_name, default_name, namespace["infer"], namespace.get("lower"),
                       namespace.get("grad"), attrs=attrs, explain=namespace.get("explain"), **traits)  # fmt: skip

    return register


def declare(
    type_name: str,
    default_name: str,
    infer: Callable[..., Any],
    lower: Callable[..., Any] | None,
    grad: Callable[..., Any] | None,
    *,
    attrs: dict[str, Any] | None = None,
    **traits: Any,
) -> OpDef:
    """Registers an op type from its rules (``@op`` and table-driven op families use this);
    ``traits`` are OpDef fields. A rule not declared ``unknown_rank=True`` gets the registry's
    unknown-rank fallback."""
    if type_name in REGISTRY:
        raise ValueError(f"op type '{type_name}' is declared twice")
    rule = infer
    if not traits.get("unknown_rank"):
        infer = unknown_rank_fallback(infer)
    opdef = OpDef(type=type_name, default_name=default_name, attrs=dict(attrs or {}), infer=infer,
                  lower=lower, grad=grad, known_rank_infer=rule, **traits)  # fmt: skip
    REGISTRY[type_name] = opdef
    return opdef


def get_op_def(type_name: str) -> OpDef:
    """The OpDef of ``type_name``; NotFoundError for an unknown op type."""
    try:
        return REGISTRY[type_name]
    except KeyError:
        raise NotFoundError(f"unknown op type '{type_name}'") from None


def register_gradient(type_name: str, grad: Callable[..., Any]) -> None:
    """Installs the gradient rule of an op type declared without one: how a higher layer
    (``jaxgraph.autodiff``) gives control-flow ops their gradients without the op library
    importing it."""
    opdef = get_op_def(type_name)
    if opdef.grad is not None:
        raise ValueError(f"op type '{type_name}' already has a gradient rule")
    REGISTRY[type_name] = dataclasses.replace(opdef, grad=grad)
