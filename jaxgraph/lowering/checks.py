"""Run-time check statuses in the generated code.

Split out of ``codegen`` (the driver) because checks cut across it: a check op (and, with
``check_numerics=True``, every floating-point output) yields a status the Session inspects
before it commits anything. Statuses of checks inside control-flow bodies are threaded out of
the nested functions like Variables (``ok_..._so_far`` parameters, starting from a passing
status, combined with ``L.first_failure``), and a run with checks returns each donated
Variable's new value only if every check passed (``L.if_passed(ok, new, old)``): the old buffer
is donated, so a failed run must hand back the old value.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable

import jax
import numpy as np

from jaxgraph.ir.dtypes import computed_as, computed_attrs
from jaxgraph.ir.graph import Graph, Operation
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.lowering.expressions import Names, attribute, call_of, literal, load_name
from jaxgraph.lowering.lines import Line, wrapped


def passing_status(op: Operation) -> ast.expr:
    """The status of a check that passed, with the type of ``op``'s status (what a loop's
    carried status starts from): ``jnp.ones(shape, dtype)``. A check op's status type comes from
    its lowering rule evaluated on stand-ins of its inputs (unknown dimensions as 1: statuses
    depend on ranks only); any other op's (``check_numerics=True``) is a bool."""
    opdef = get_op_def(op.type)
    shape, dtype = (), np.dtype(np.bool_)
    if opdef.check:
        stand_ins = [
            jax.ShapeDtypeStruct(tuple(1 if d is None else d for d in t.shape), computed_as(t.dtype).np)
            for t in op.inputs
        ]
        attrs = computed_attrs(op.attrs)
        status = jax.eval_shape(lambda *xs: opdef.lower(*xs, **attrs)[-1], *stand_ins)
        shape, dtype = status.shape, np.dtype(status.dtype)
    name = "bool_" if dtype == np.bool_ else dtype.name
    return ast.Call(attribute("jnp.ones"), [literal(tuple(shape)), attribute("jnp." + name)], [])


def has_checks(ops: Iterable[Operation]) -> bool:
    """Whether ``ops`` or their sub-graphs hold a check op."""
    return any(
        get_op_def(op.type).check
        or any(has_checks(v.operations) for v in op.attrs.values() if isinstance(v, Graph))
        for op in ops
    )


@dataclasses.dataclass
class Function:
    """A sub-graph's nested function before its op's check statuses are added (``finish``):
    its name, parameters, body, results, new Variable values, its checks (op, status) and the
    functions its body calls when it is long (``lines.chunked``), defined before it."""

    name: str
    args: list[str]
    body: list[Line]
    outs: list[ast.expr]
    state: list[ast.expr]
    checks: list[tuple[Operation, str]]
    parts: list[Line] = dataclasses.field(default_factory=list)


def finish(names: Names, function: Function, statuses: list[tuple[Operation, str]], own: int) -> list[Line]:
    """``function``'s lines, taking and returning ``statuses``, its own checks being
    ``statuses[own : own + len(function.checks)]``."""
    carried = [names.make(f"ok_{check.name}_so_far") for check, _ in statuses]
    state = list(function.state)
    for i, ident in enumerate(carried):
        mine = own <= i < own + len(function.checks)
        new = function.checks[i - own][1] if mine else None
        state.append(call_of("L.first_failure", ident, new) if new else load_name(ident))
    returned = ast.Tuple([ast.Tuple(function.outs, ast.Load()), ast.Tuple(state, ast.Load())])
    lines = function.parts + [Line(f"def {function.name}({', '.join(function.args + carried + ['key'])}):")]
    lines += [line.nested() for line in function.body] + [Line("return " + ast.unparse(returned), 1)]
    return lines


def finite_checks(
    names: Names, op: Operation, idents: list[str], lines: list[Line]
) -> list[tuple[Operation, str]]:
    """``check_numerics=True``: a bool status per floating-point output of ``op`` (named
    ``idents``), each computed by a line appended to ``lines``."""
    checks = []
    for t, ident in zip(op.outputs, idents):
        if t.dtype.is_floating:
            finite = names.make(f"finite_{ident}")
            lines.append(Line(f"{finite} = jnp.all(jnp.isfinite({ident}))", targets=(finite,)))
            checks.append((op, finite))
    return checks


def if_passed(names: Names, flags: list[str], updated: str, old: str) -> tuple[list[Line], str]:
    """The lines combining every check's status ``flags`` into ``ok``, and the updated Variables'
    values to return: ``updated`` if every check passed, else ``old`` (kept in the donated buffers)."""
    ok = names.make("ok")
    return wrapped(f"{ok} = L.checks_passed(", flags, ")"), f"L.if_passed({ok}, {updated}, {old})"
