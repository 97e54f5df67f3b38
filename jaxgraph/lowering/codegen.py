"""IR → JAX: the pruned sub-graph of a fetch set becomes the Python source of one function.

Like torch.fx's generated code, the result is plain, readable Python, one line per op, calling
each op's lowering rule by its op type::

    def run_graph(var_dense_w, x, key):
        with named_scope("dense/w/read"): dense_w_read = read(var_dense_w)  # model.py:7
        with named_scope("dense/MatMul"): dense_MatMul = matmul(x, dense_w_read, ...)  # model.py:8
        return (dense_MatMul, ), (), key, ()

Each op runs under ``jax.named_scope(op name)``, so jaxgraph's op names reach XLA's ``op_name``
metadata (``jit(run_graph)/dense/MatMul/dot_general``) and an HLO fusion can be traced back to
the ops it came from.

Parameters, in order: Variables updated by the run (donated), Variables only read, feeds, and
the PRNG key. Results: fetched values, the updated Variables' new values, the next key, and the
run-time checks (one bool per check: ``check_numerics`` ops, or every floating-point op output
when ``check_numerics=True``), which the Session inspects before it commits anything.
Variable values are threaded through in trace order, so a read sees the assigns before it.
"""

from __future__ import annotations

import dataclasses
import json
import keyword
import os
import re
import zlib
from collections.abc import Sequence
from typing import Any

import jax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import ALL_DTYPES, DType
from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.ir.passes import prune
from jaxgraph.ir.values import ArrayValue


@dataclasses.dataclass
class LoweredGraph:
    """A fetch set turned into a Python function over JAX, with its calling convention."""

    source: str
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
    line_ops: dict[int, Operation]

    def op_at_line(self, line: int) -> Operation | None:
        """The op whose generated line is ``line`` (to blame errors raised while tracing)."""
        return self.line_ops.get(line)


def missing_feeds(ops: Sequence[Operation]) -> list[Operation]:
    """Placeholders among the needed ops (they must be fed)."""
    return [op for op in ops if op.type == "placeholder"]


class _Names:
    """Unique Python identifiers derived from op names."""

    def __init__(self) -> None:
        from jaxgraph.ir.opdef import REGISTRY

        self.used = {"key", "jax", "inf", "nan", "named_scope", *REGISTRY, *(d.short for d in ALL_DTYPES)}

    def make(self, name: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)  # ASCII: \W keeps "²", no identifier
        if not base or base[0].isdigit() or keyword.iskeyword(base):
            base = "t_" + base
        candidate, n = base, 1
        while candidate in self.used:
            candidate, n = f"{base}_{n}", n + 1
        self.used.add(candidate)
        return candidate


def op_seed(op: Operation) -> int:
    """The seed that makes a random op's stream its own: its ``seed`` attr, else its name's CRC."""
    seed = op.attrs.get("seed")
    return int(seed) if seed is not None else zlib.crc32(op.name.encode()) & 0x7FFFFFFF


class _Emitter:
    """Writes the lines of the generated source: one per op, nested functions for sub-graphs."""

    def __init__(self, check_numerics: bool):
        self.names = _Names()
        self.namespace: dict[str, Any] = {"jax": jax, "inf": float("inf"), "nan": float("nan"),
                                          "named_scope": jax.named_scope}  # fmt: skip
        self.namespace.update({d.short: d for d in ALL_DTYPES})
        self.lines: list[str] = []
        self.line_ops: dict[int, Operation] = {}
        self.checks: list[tuple[Operation, str]] = []
        self.check_numerics = check_numerics
        self.uses_key = False

    def expr(self, value: Any, indent: str, hint: str) -> str:
        """An attribute value as a Python expression (sub-graphs become nested functions)."""
        if isinstance(value, DType):
            return value.short
        if isinstance(value, ArrayValue):
            ident = self.names.make("const")
            self.namespace[ident] = value
            return ident
        if isinstance(value, Graph):
            return self.function(value, indent, hint)
        if isinstance(value, tuple):
            return "(" + "".join(self.expr(v, indent, hint) + ", " for v in value) + ")"
        return repr(value)

    def function(self, graph: Graph, indent: str, hint: str) -> str:
        """Emits ``def hint(*params, key): ... return (results), (variables)`` for a sub-graph;
        ``key`` is the PRNG key its random ops draw from (a loop passes a new one per step)."""
        from jaxgraph.ops.control_flow import params, results

        fname = self.names.make(hint)
        values: dict[Tensor, str] = {}
        var_name: dict[str, str] = {}
        args = []
        for t in params(graph):
            if t.type.ref:
                var_name[t.op.name] = self.names.make("var_" + t.op.name)
                args.append(var_name[t.op.name])
            else:
                values[t] = self.names.make(t.op.name)
                args.append(values[t])
        self.lines.append(f"{indent}def {fname}({', '.join(args + ['key'])}):")
        body_ops = [op for op in graph.operations[:-1] if op.type not in ("placeholder", "variable")]
        self.ops(body_ops, values, var_name, [], [], set(), indent + "    ", top=False)
        outs = "".join(values[t] + ", " for t in results(graph))
        state = "".join(var_name[op.name] + ", " for op in graph.operations if op.type == "variable")
        self.lines.append(f"{indent}    return ({outs}), ({state})")
        return fname

    def ops(self, ops, values, var_name, var_inputs, updated, fed, indent, top=True) -> None:
        """Emits one line per op, threading Variable values through ``var_name``."""
        for op in ops:
            opdef = get_op_def(op.type)
            if op.type == "variable":
                var_name[op.name] = self.names.make("var_" + op.name)
                continue
            if opdef.lower is None:
                raise InvalidArgumentError(f"op type '{op.type}' cannot be lowered to JAX", op)
            self.namespace.setdefault(op.type, opdef.lower)
            refs = [t for t in op.inputs if t.type.ref]
            args = [values[t] for t in op.inputs if not t.type.ref]
            hint = re.sub(r"\W", "_", op.name)
            kwargs = [f"{k}={self.expr(v, indent, f'{hint}_{k}')}" for k, v in op.attrs.items()]
            region = any(isinstance(v, Graph) for v in op.attrs.values())
            if region:  # control flow: lowered to a tuple of its outputs and Variables
                kwargs += [f"num_refs={len(refs)}", "key=key"]
            targets = []
            for t in refs:
                handle = t.op.name
                reads_old = opdef.state != "write"
                if top and reads_old and handle not in updated and handle not in var_inputs:
                    var_inputs.append(handle)
                if reads_old and opdef.state is None:  # control flow: Variables follow the values
                    args.append(var_name[handle])
                elif reads_old:  # read / update: the Variable is the first argument
                    args.insert(0, var_name[handle])
                if opdef.state != "read":
                    targets.append(var_name[handle])
                    if top and handle not in updated:
                        updated.append(handle)
            if opdef.needs_key:
                self.uses_key = True
                args.insert(0, f"jax.random.fold_in(key, {op_seed(op)})")
            outs = [
                self.names.make(op.name if len(op.outputs) == 1 else f"{op.name}_{i}")
                for i in range(len(op.outputs))
            ]
            for t, ident in zip(op.outputs, outs):
                if t not in fed:
                    values[t] = ident
            call = f"{op.type}({', '.join(args + kwargs)})"
            flag = None
            if opdef.check:
                flag = self.names.make(f"ok_{op.name}")
                outs.append(flag)
            if region:
                lhs = "".join(name + ", " for name in outs + targets) or "_"
            elif opdef.state is None:
                lhs = ", ".join(outs + targets) or "_"
            else:
                lhs = " = ".join(targets + [", ".join(outs) or "_"])
            # Text from a graph file reaches the source only escaped: unicode_escape leaves no line
            # break or control character in the comment, json.dumps gives a plain string literal.
            where = f"{os.path.basename(op.location.file)}:{op.location.line}" if op.location else ""
            location = f"  # {where.encode('unicode_escape').decode('ascii')}" if where else ""
            self.line_ops[len(self.lines) + 1] = op
            self.lines.append(f"{indent}with named_scope({json.dumps(op.name)}): {lhs} = {call}{location}")
            if flag is not None and top:
                self.checks.append((op, flag))
            if self.check_numerics and top and not opdef.check:
                for t, ident in zip(op.outputs, outs):
                    if t.dtype.is_floating:
                        finite = self.names.make(f"finite_{ident}")
                        self.lines.append(f"{indent}{finite} = jax.numpy.all(jax.numpy.isfinite({ident}))")
                        self.checks.append((op, finite))


def lower_graph(
    fetches: Sequence[Tensor | Operation],
    feeds: Sequence[Tensor],
    name: str = "run_graph",
    check_numerics: bool = False,
) -> LoweredGraph:
    """Generates and compiles (to Python) the function computing ``fetches`` from ``feeds``."""
    fed = set(feeds)
    ops = prune(fetches, fed)
    unfed = missing_feeds(ops)
    if unfed:
        raise missing_feed_error(unfed)
    emitter = _Emitter(check_numerics)
    values: dict[Tensor, str] = {t: emitter.names.make(t.op.name) for t in feeds}
    var_name: dict[str, str] = {}
    var_inputs: list[str] = []
    updated: list[str] = []
    emitter.lines.append("")  # the def line, written once the parameters are known
    emitter.ops(ops, values, var_name, var_inputs, updated, fed, "    ")
    var_ops = {op.name: op for op in ops if op.type == "variable"}
    fetched = []
    for f in fetches:
        if isinstance(f, Tensor) and f.type.ref:  # a Variable handle: its value after the run
            if f.op.name not in updated and f.op.name not in var_inputs:
                var_inputs.append(f.op.name)
            fetched.append(var_name[f.op.name])
        elif isinstance(f, Tensor):
            fetched.append(values[f])
    donated = [v for v in var_inputs if v in updated]
    kept = [v for v in var_inputs if v not in updated]
    params = [var_name[v] for v in donated + kept] + [values[t] for t in feeds] + ["key"]
    next_key = "jax.random.fold_in(key, 0x5EED)" if emitter.uses_key else "key"
    emitter.lines[0] = f"def {name}({', '.join(params)}):"
    emitter.lines.append(
        "    return ("
        + "".join(v + ", " for v in fetched)
        + "), ("
        + "".join(var_name[v] + ", " for v in updated)
        + f"), {next_key}, ("
        + "".join(flag + ", " for _, flag in emitter.checks)
        + ")"
    )
    source = "\n".join(emitter.lines) + "\n"
    code = compile(source, f"<jaxgraph {name}>", "exec")
    exec(code, emitter.namespace)
    return LoweredGraph(
        source=source,
        fn=emitter.namespace[name],
        ops=ops,
        donated_vars=donated,
        kept_vars=kept,
        feeds=list(feeds),
        fetches=[f for f in fetches if isinstance(f, Tensor)],
        updated_vars=updated,
        var_ops=var_ops,
        uses_key=emitter.uses_key,
        checks=emitter.checks,
        line_ops=emitter.line_ops,
    )


def missing_feed_error(placeholders: Sequence[Operation]) -> InvalidArgumentError:
    """One error listing every placeholder a run needs, each with its type and source line."""
    from jaxgraph.errors import describe_location

    lines = [
        f"  '{op.outputs[0].name}' ({op.outputs[0].type}) {describe_location(op.location)}"
        for op in placeholders
    ]
    return InvalidArgumentError(
        f"the fetches need a value fed for {len(placeholders)} placeholder(s):\n" + "\n".join(lines)
    )
