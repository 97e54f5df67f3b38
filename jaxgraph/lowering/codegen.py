"""IR → JAX: the pruned sub-graph of a fetch set becomes a Python module over JAX.

Like torch.fx's generated code, the result is plain, readable Python; it runs as is (its
imports at the top, its constants embedded) and takes the same arguments as the Session's
executable::

    import jax
    import jax.numpy as jnp

    def run_graph(dense_w, x, key):
        with jax.named_scope('dense'):
            MatMul = jnp.matmul(x, dense_w)  # model.py:8
            Relu = jax.nn.relu(MatMul + 0.5)  # model.py:8,9
        return (Relu,), (), key, ()

- An op whose lowering is one JAX call appears as that call: the op's ``jax_call`` template
  (``"{0} + {1}"``, ``"jnp.matmul({0}, {1})"``), else its lowering rule itself when that is a
  public ``jax.numpy`` / ``jax.nn`` / ``jax.lax`` function (``jnp.tanh(x)``), else
  ``L.<op type>(...)`` from ``jaxgraph.lowering.rules`` with the non-default attributes.
- A value used once, by an op of the same name scope, is written inside its user's expression;
  other values get a line of their own, named after the shortest suffix of the op's name that
  is unique in the program (``dense0/w/Adam`` -> ``dense0_w_Adam``). Variable reads vanish (the
  value is the Variable's own name), scalar constants are inlined (``0.9 * m``, or
  ``jnp.float32(0.9)`` where a bare number would change the dtype), other constants are defined
  at the top of the module (``np.array`` literals, or base64 for more than 16 elements).
- One ``with jax.named_scope(scope):`` block per run of lines of one name scope: the scopes
  reach XLA's ``op_name`` metadata (``jit(run_graph)/dense/dot_general``), so an HLO fusion can
  be traced back to its scope; each line ends with the source lines of the ops it computes, and
  ``LoweredGraph.op_at_line`` maps a line and column back to the op (to blame errors).

Parameters, in order: Variables updated by the run (donated), Variables only read, feeds, and
the PRNG key. Results: fetched values, the updated Variables' new values, the next key, and the
run-time check statuses (per check op a bool, or an integer vector starting with its verdict and
holding the detail of its message; with ``check_numerics=True`` one bool per floating-point op
output), which the Session inspects before it commits anything. A run with checks returns each
donated Variable's new value only if every check passed (``L.if_passed(ok, new, old)``): its old
buffer is gone, so a failed run hands back the old value. Checks inside control-flow bodies are
threaded out like Variables (``ok_..._so_far`` parameters; see ``_Emitter.regions``).
Variable values are threaded through in trace order, so a read sees the assigns before it.

This module drives the lowering (``lower_graph``, the emitter, ``LoweredGraph``); the code's
vocabulary (identifiers, literals, constants, templates) is in ``expressions``, its layout
(statements, location comments, name scopes, wrapping) in ``lines``, and the run-time check
statuses in ``checks``.

Security: nothing from the graph's text reaches the source unescaped. Identifiers are made
(``expressions.Names``) from ASCII letters, digits and ``_``; every attribute value, name scope and op name is a
Python literal built through ``ast`` (strings ``repr``'d); location comments keep only the
printable characters of a file's base name.
"""

from __future__ import annotations

import ast
import dataclasses
import keyword
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

from jaxgraph.errors import InvalidArgumentError, describe_location
from jaxgraph.ir.graph import Graph, Operation, Tensor, paused_gc
from jaxgraph.ir.opdef import REQUIRED, OpDef, get_op_def
from jaxgraph.ir.passes import prune
from jaxgraph.ir.subgraphs import params, results
from jaxgraph.ir.values import ArrayValue
from jaxgraph.lowering.checks import Function, finish, finite_checks, has_checks, if_passed, passing_status
from jaxgraph.lowering.expressions import (
    IMPORTS,
    SMALL_CONSTANT,
    Expr,
    Names,
    all_names,
    attribute,
    bare_scalars,
    constant_source,
    dtype_node,
    fill,
    literal,
    load_name,
    number_node,
    template_fields,
    template_of,
    unparse,
)
from jaxgraph.lowering.groups import VARIABLE_OPS
from jaxgraph.lowering.lines import Line, chunked, spans, statement, tuple_text, wrapped

INLINE_WIDTH = 80
"""A value is written inside its user's expression only if its own text is at most this long."""


@dataclasses.dataclass
class LoweredGraph:
    """A fetch set turned into a Python function over JAX, with its calling convention."""

    fn: Any
    ops: list[Operation]
    donated_vars: list[str]
    kept_vars: list[str]
    feeds: list[Tensor]
    fetches: list[Tensor]
    updated_vars: list[str]
    var_ops: dict[str, Operation]
    uses_key: bool
    checks: list[tuple[Operation, str]]
    line_at: dict[int, Line]
    lines: list[str]
    constants: dict[int, tuple[str, ArrayValue]]

    @property
    def source(self) -> str:
        """The module's text: what the Session runs, with its constants written out."""
        lines = list(self.lines)
        for index, (ident, value) in self.constants.items():
            lines[index] = f"{ident} = {constant_source(value.array)}"
        return "\n".join(lines) + "\n"

    def op_at_line(
        self, line: int, column: int | None = None, end_column: int | None = None
    ) -> Operation | None:
        """The op whose generated code at ``line`` (and columns, when known) raised: the
        innermost op expression holding those columns, else the op the line assigns."""
        found = self.line_at.get(line)
        if found is None:
            return None
        if column is not None and end_column is not None:
            indent = 4 * found.indent
            holding = [s for s in spans(found) if s[0] + indent <= column and end_column <= s[1] + indent]
            if holding:
                return min(holding, key=lambda s: s[1] - s[0])[2]
        return found.op


def missing_feeds(ops: Sequence[Operation]) -> list[Operation]:
    """Placeholders among the needed ops (they must be fed)."""
    return [op for op in ops if op.type == "placeholder"]


def op_seed(op: Operation) -> int:
    """The seed that makes a random op's stream its own: its ``seed`` attr, else its name's CRC."""
    seed = op.attrs.get("seed")
    return int(seed) if seed is not None else zlib.crc32(op.name.encode()) & 0x7FFFFFFF


def scope_of(op: Operation) -> str:
    """The op's name scope (``dense/MatMul`` -> ``dense``)."""
    return op.name.rpartition("/")[0]


# ---- the emitter -------------------------------------------------------------------------------
class ValueTable(dict):
    """Each tensor's current ``Expr``, indexed by the names the expressions read, so that "does a
    value still needed read this Variable's name?" looks only at the values that read it (a scan
    of every value per assign made code generation quadratic in the graph's size)."""

    def __init__(self) -> None:
        super().__init__()
        self.readers: dict[str, set[Tensor]] = {}

    def __setitem__(self, tensor: Tensor, expr: Expr) -> None:
        old = self.get(tensor)
        if old is not None:
            for ref in old.refs:
                self.readers[ref].discard(tensor)
        for ref in expr.refs:
            self.readers.setdefault(ref, set()).add(tensor)
        super().__setitem__(tensor, expr)

    def reading(self, name: str) -> set[Tensor]:
        """The tensors whose current expression reads ``name``."""
        return self.readers.get(name, set())


class _Emitter:
    """Writes the generated function: a line per value that needs a name, nested functions for
    sub-graphs, module-level constants."""

    def __init__(self, ops: Sequence[Operation], check_numerics: bool):
        self.names = Names(all_names(ops))
        self.constants: list[tuple[str, ArrayValue]] = []
        self.checks: list[tuple[Operation, str]] = []
        self.check_numerics = check_numerics
        self.uses_key = False

    def constant(self, op: Operation) -> Expr:
        """A scalar constant inline (``jnp.float32(0.5)``; a bare number where its user allows),
        any other one by the name of its module-level definition."""
        array = op.attrs["value"].array
        if array.shape == ():
            value = array[()]
            node = ast.Call(dtype_node(op.attrs["dtype"]), [number_node(value, array.dtype)], [])
            return Expr(node, frozenset(), scalar=array)
        ident = self.names.make(op.name)
        self.constants.append((ident, op.attrs["value"]))
        return Expr(load_name(ident), frozenset({ident}))

    def attr(self, value: Any, hint: str, lines: list[Line]) -> ast.expr:
        """An attribute value (not a sub-graph) as an expression."""
        if isinstance(value, ArrayValue):
            ident = self.names.make(hint)
            self.constants.append((ident, value))
            return load_name(ident)
        return literal(value)

    def call(
        self, op: Operation, opdef: OpDef, args: list[Expr], lines: list[Line]
    ) -> tuple[ast.expr, list[tuple[Operation, str]]]:
        """The op's expression: its JAX template filled in, else ``L.<type>(...)``; and, for a
        control-flow op, the check statuses of its sub-graphs, which it returns after its
        outputs and Variables (see ``regions``)."""
        template = template_of(opdef, op.attrs, len(args))
        hint = self.names.short.get(op.name, op.name)
        if template is not None:
            attrs = {k: self.attr(op.attrs[k], f"{hint}_{k}", lines) for k in template_fields(template)}
            node = fill(template, [a.node for a in args], attrs)
            if (
                isinstance(node, ast.BinOp)
                and len(args) == 2
                and (node.left, node.right) == (args[0].node, args[1].node)
            ):
                node.left, node.right = bare_scalars(op, args)
            return node, []
        if not op.type.isidentifier() or keyword.iskeyword(op.type):
            raise InvalidArgumentError(f"op type '{op.type}' cannot be lowered to JAX", op)
        functions, statuses = self.regions(op, hint, lines)
        kwargs = [
            ast.keyword(k, load_name(functions[k]) if k in functions else self.attr(v, f"{hint}_{k}", lines))
            for k, v in op.attrs.items()
            if opdef.attrs[k] is REQUIRED or not (type(v) is type(opdef.attrs[k]) and v == opdef.attrs[k])
        ]
        inputs = [a.node for a in args]
        if functions:
            refs = sum(1 for t in op.inputs if t.type.ref) + len(statuses)
            kwargs += [ast.keyword("num_refs", ast.Constant(refs))] if refs else []
            kwargs.append(ast.keyword("key", load_name("key")))
            inputs += [passing_status(check) for check, _ in statuses]
        return ast.Call(attribute("L." + op.type), inputs, kwargs), statuses

    def regions(
        self, op: Operation, hint: str, lines: list[Line]
    ) -> tuple[dict[str, str], list[tuple[Operation, str]]]:
        """The nested functions of a control-flow op's sub-graphs (their lines go to ``lines``),
        by attribute, and the check statuses they thread through: every sub-graph's checks, in
        attribute order. Each function takes all of them after its Variables and returns them
        after its new Variables (its own checks combined in, keeping the first failure, the
        others passed through), so a loop carries them from step to step as it carries the
        Variables, and a ``cond`` returns those of the branch taken."""
        functions = {k: self.function(v, f"{hint}_{k}") for k, v in op.attrs.items() if isinstance(v, Graph)}
        statuses = [check for function in functions.values() for check in function.checks]
        start = 0
        for function in functions.values():
            lines.extend(finish(self.names, function, statuses, start))
            start += len(function.checks)
        return {k: f.name for k, f in functions.items()}, statuses

    def function(self, graph: Graph, hint: str) -> Function:
        """A sub-graph as ``def hint(*params, key): ... return (results), (variables)``, its
        check statuses not yet added (``finish``); ``key`` is the PRNG key its random ops draw
        from (a loop passes a new one per step)."""
        fname = self.names.make(hint)
        values = ValueTable()
        var_name: dict[str, str] = {}
        args = []
        for t in params(graph):
            ident = self.names.make(t.op.name)
            args.append(ident)
            if t.type.ref:
                var_name[t.op.name] = ident
            else:
                values[t] = Expr(load_name(ident), frozenset({ident}))
        body_ops = [op for op in graph.operations[:-1] if op.type not in ("placeholder", "variable")]
        outs = results(graph)
        outer, self.checks = self.checks, []
        groups = self.body(body_ops, values, var_name, Counter(outs), set(), None)
        checks, self.checks = self.checks, outer
        state = [load_name(var_name[op.name]) for op in graph.operations if op.type == "variable"]
        returned = [values[t].node for t in outs]
        after = [unparse(node) for node in returned + state] + [flag for _, flag in checks]
        parts, body = chunked(groups, [*args, "key"], after, lambda i: self.names.make(f"{fname}_part{i}"))
        return Function(fname, args, body, returned, state, checks, parts)

    def body(
        self,
        ops: Sequence[Operation],
        values: ValueTable,
        var_name: dict[str, str],
        escapes: Counter[Tensor],
        fed: set[Tensor],
        top: _TopState | None,
    ) -> list[tuple[str, list[Line]]]:
        """The lines computing ``ops``, per op with its name scope, threading Variable values
        through ``var_name``. ``escapes`` counts the values read after the last op (fetches,
        results)."""
        users: dict[Tensor, list[Operation]] = {}
        for op in ops:
            for t in op.inputs:
                if not t.type.ref:
                    users.setdefault(t, []).append(op)
        live = Counter({t: len(u) for t, u in users.items()})
        live.update(escapes)
        groups: list[tuple[str, list[Line]]] = []
        for op in ops:
            lines: list[Line] = []
            self.op(op, values, var_name, users, live, fed, top, lines)
            groups.append((scope_of(op), lines))
        return groups

    def op(self, op, values, var_name, users, live, fed, top, lines) -> None:
        """Emits one op: as a line, inside its user's expression, or as an alias of a name."""
        opdef = get_op_def(op.type)
        if op.type in VARIABLE_OPS:
            var_name[op.name] = self.names.make(op.name)
            if top is not None:
                top.params[op.name] = var_name[op.name]
            return
        if opdef.lower is None:
            raise InvalidArgumentError(f"op type '{op.type}' cannot be lowered to JAX", op)
        if op.type == "constant":
            if op.outputs[0] not in fed:
                values[op.outputs[0]] = self.constant(op)
            return
        self.shorten([t for t in op.inputs if not t.type.ref], values, lines)
        args = [values[t] for t in op.inputs if not t.type.ref]
        targets = []
        for t in (t for t in op.inputs if t.type.ref):
            handle, reads_old = t.op.name, opdef.state != "write"
            current = Expr(load_name(var_name[handle]), frozenset({var_name[handle]}))
            if top is not None:
                top.touch(handle, reads_old, opdef.state != "read")
            if reads_old and opdef.state is None:  # control flow: Variables follow the values
                args.append(current)
            elif reads_old:  # read / update: the Variable is the first argument
                args.insert(0, current)
            if opdef.state != "read":  # written, or threaded through control flow
                targets.append(handle)
        if opdef.needs_key:
            self.uses_key = True
            fold = ast.Call(
                attribute("jax.random.fold_in"), [load_name("key"), ast.Constant(op_seed(op))], []
            )
            args.insert(0, Expr(fold, frozenset({"key"})))
        node, statuses = self.call(op, opdef, args, lines)
        if not isinstance(node, ast.Name) and not hasattr(node, "jaxgraph_op"):
            node.jaxgraph_op = op  # its columns blame errors on this op
        for t in op.inputs:
            if not t.type.ref:
                live[t] -= 1
        computed = tuple(o for a in args for o in a.ops) + (op,)
        expr = Expr(node, frozenset().union(*(a.refs for a in args)), computed)
        if not op.outputs and isinstance(node, ast.Constant) and node.value is None:
            return  # computes nothing (no_op)
        for handle in targets:  # a new value: a new name if the old one is still needed
            if any(live[t] > 0 for t in values.reading(var_name[handle])) or (
                top is not None and top.keeps(handle, var_name[handle])
            ):
                var_name[handle] = self.names.make(handle)
        region = any(isinstance(v, Graph) for v in op.attrs.values())
        if len(op.outputs) == 1 and not targets and not opdef.check and not region:
            if isinstance(node, ast.Name):  # a read, an identity: the value keeps its name
                values[op.outputs[0]] = Expr(node, expr.refs)
                return
            if self.inlinable(op, opdef, users, live, fed, top, expr):
                values[op.outputs[0]] = expr
                return
        if targets and not region:
            outs = [var_name[h] for h in targets]
        else:
            outs = [
                self.names.make(op.name if len(op.outputs) == 1 else f"{op.name}_{i}")
                for i in range(len(op.outputs))
            ]
            outs += [var_name[h] for h in targets]
        flags = [(op, self.names.make(f"ok_{op.name}"))] if opdef.check else []
        flags += [(check, self.names.make(f"ok_{check.name}")) for check, _ in statuses]
        lines.append(statement(outs + [f for _, f in flags], node, op, computed, unpack=region))
        for t, ident in zip(op.outputs, outs):
            if t not in fed:
                values[t] = Expr(load_name(ident), frozenset({ident}))
        self.checks += flags
        if self.check_numerics and not opdef.check:
            self.checks += finite_checks(self.names, op, outs, lines)

    def shorten(self, inputs: list[Tensor], values: ValueTable, lines: list[Line]) -> None:
        """Gives the longest inlined inputs lines of their own until the rest fit ``INLINE_WIDTH``."""
        while True:
            pending = sorted((values[t].width, i, t) for i, t in enumerate(inputs) if values[t].ops)
            if not pending or sum(n for n, _, _ in pending) <= INLINE_WIDTH:
                return
            t = pending[-1][2]
            ident = self.names.make(t.op.name)
            lines.append(statement([ident], values[t].node, t.op, values[t].ops))
            values[t] = Expr(load_name(ident), frozenset({ident}))

    def inlinable(self, op, opdef, users, live, fed, top, expr) -> bool:
        """Whether the op's one output can be written inside its only user's expression: same
        name scope, a pure op, not fetched, short, and not a value ``check_numerics`` checks."""
        t = op.outputs[0]
        only = users.get(t, [])
        return (
            len(only) == 1
            and live[t] == 1
            and t not in fed
            and scope_of(only[0]) == scope_of(op)
            and opdef.state is None
            and not opdef.needs_key
            and not (self.check_numerics and t.dtype.is_floating)
            and expr.width <= INLINE_WIDTH
        )


@dataclasses.dataclass
class _TopState:
    """The top-level function's Variables: parameters, those read before any write, updated
    (dicts used as ordered sets: membership tests on lists made code generation quadratic);
    ``checked``: the run has checks, so the parameters keep their (old) values to the end."""

    checked: bool = False
    params: dict[str, str] = dataclasses.field(default_factory=dict)
    var_inputs: dict[str, None] = dataclasses.field(default_factory=dict)
    updated: dict[str, None] = dataclasses.field(default_factory=dict)

    def keeps(self, handle: str, ident: str) -> bool:
        """Whether a new value of ``handle`` needs a name other than ``ident``, its parameter's."""
        return self.checked and self.params.get(handle) == ident

    def touch(self, handle: str, reads_old: bool, writes: bool) -> None:
        if reads_old and handle not in self.updated:
            self.var_inputs.setdefault(handle)
        if writes:
            self.updated.setdefault(handle)


def lower_graph(
    fetches: Sequence[Tensor | Operation],
    feeds: Sequence[Tensor],
    name: str = "run_graph",
    check_numerics: bool = False,
) -> LoweredGraph:
    """Generates the module computing ``fetches`` from ``feeds`` and runs it (to Python)."""
    with paused_gc():
        return _lower_graph(fetches, feeds, name, check_numerics)


def _lower_graph(
    fetches: Sequence[Tensor | Operation], feeds: Sequence[Tensor], name: str, check_numerics: bool
) -> LoweredGraph:
    fed = set(feeds)
    ops = prune(fetches, fed)
    unfed = missing_feeds(ops)
    if unfed:
        raise missing_feed_error(unfed)
    emitter = _Emitter(ops, check_numerics)
    values = ValueTable()
    for t in feeds:
        ident = emitter.names.make(t.op.name if len(t.op.outputs) == 1 else t.name)
        values[t] = Expr(load_name(ident), frozenset({ident}))
    var_name: dict[str, str] = {}
    top = _TopState(checked=check_numerics or has_checks(ops))
    escapes = Counter(f for f in fetches if isinstance(f, Tensor) and not f.type.ref)
    groups = emitter.body(ops, values, var_name, escapes, fed, top)
    fetched = []
    for f in fetches:
        if isinstance(f, Tensor) and f.type.ref:  # a Variable handle: its value after the run
            top.touch(f.op.name, True, False)
            fetched.append(var_name[f.op.name])
        elif isinstance(f, Tensor):
            fetched.append(unparse(values[f].node))
    donated = [v for v in top.var_inputs if v in top.updated]
    kept = [v for v in top.var_inputs if v not in top.updated]
    params = [top.params[v] for v in donated + kept] + [unparse(values[t].node) for t in feeds] + ["key"]
    next_key = "jax.random.fold_in(key, 0x5EED)" if emitter.uses_key else "key"
    flags = [flag for _, flag in emitter.checks]
    updated = tuple_text([var_name[v] for v in top.updated])
    tail: list[Line] = []
    if flags and top.updated:  # a failed check keeps the old values (in the donated buffers)
        old = tuple_text([top.params[v] if v in top.var_inputs else var_name[v] for v in top.updated])
        tail, updated = if_passed(emitter.names, flags, updated, old)
    results = [tuple_text(fetched), updated, next_key, tuple_text(flags)]
    returned = wrapped("return ", results, "")
    tail += returned if len(returned) == 1 else wrapped("return (", results, ")")
    parts, body = chunked(
        groups, params, [line.text for line in tail], lambda i: emitter.names.make(f"{name}_part{i}")
    )
    function = parts + wrapped(f"def {name}(", params, "):")
    function += [line.nested() for line in body + tail]
    return _module(emitter, function, name, ops, feeds, fetches, donated, kept, top)


_MODULE_USE = re.compile(r"(?<![\w.'\"])(" + "|".join(IMPORTS) + r")\.")
"""A use of an imported module in generated code (``jnp.`` ...)."""


def _module(emitter, function, name, ops, feeds, fetches, donated, kept, top) -> LoweredGraph:
    """The module around the functions (imports they use, constants), run once."""
    code = [line.text for line in function]
    used = set(_MODULE_USE.findall("\n".join(code)))
    for _, value in emitter.constants:
        used |= {"np", "jnp"} if value.array.size <= SMALL_CONSTANT else {"L"}
    lines = [IMPORTS[m] for m in IMPORTS if m in used] + [""]
    constants = {}
    for ident, value in emitter.constants:
        constants[len(lines)] = (ident, value)
        lines.append("")
    if emitter.constants:
        lines.append("")
    line_at = {}
    for line in function:
        lines.append("    " * line.indent + line.text if line.text else "")
        if line.op is not None:
            line_at[len(lines)] = line
    namespace: dict[str, Any] = {ident: value.array for ident, value in emitter.constants}
    exec(compile("\n".join(lines) + "\n", f"<jaxgraph {name}>", "exec"), namespace)
    return LoweredGraph(
        fn=namespace[name],
        ops=ops,
        donated_vars=donated,
        kept_vars=kept,
        feeds=list(feeds),
        fetches=[f for f in fetches if isinstance(f, Tensor)],
        updated_vars=list(top.updated),
        var_ops={op.name: op for op in ops if op.type in VARIABLE_OPS},
        uses_key=emitter.uses_key,
        checks=emitter.checks,
        line_at=line_at,
        lines=lines,
        constants=constants,
    )


def missing_feed_error(placeholders: Sequence[Operation]) -> InvalidArgumentError:
    """One error listing every placeholder a run needs, each with its type and source line."""
    lines = [
        f"  '{op.outputs[0].name}' ({op.outputs[0].type}) {describe_location(op.location)}"
        for op in placeholders
    ]
    return InvalidArgumentError(
        f"the fetches need a value fed for {len(placeholders)} placeholder(s):\n" + "\n".join(lines)
    )
