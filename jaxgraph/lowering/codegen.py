"""IR → JAX: the pruned sub-graph of a fetch set becomes the Python source of one function.

Like torch.fx's generated code, the result is plain, readable Python, one line per op, calling
each op's lowering rule by its op type::

    def run_graph(var_dense_w, x, key):
        dense_w_read = read(var_dense_w)                           # dense/w/read  model.py:7
        dense_MatMul = matmul(x, dense_w_read, transpose_a=False, transpose_b=False)  # ...
        return (dense_MatMul,), (), key

Parameters, in order: Variables updated by the run (donated), Variables only read, feeds, and
the PRNG key. Results: fetched values, the updated Variables' new values, the next key, and the
run-time checks (one bool per check: ``check_numerics`` ops, or every floating-point op output
when ``check_numerics=True``), which the Session inspects before it commits anything.
Variable values are threaded through in trace order, so a read sees the assigns before it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import zlib
from collections.abc import Sequence
from typing import Any

import jax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import ALL_DTYPES, DType
from jaxgraph.ir.graph import Operation, Tensor
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

        self.used = {"key", "jax", "inf", "nan", *REGISTRY, *(d.short for d in ALL_DTYPES)}

    def make(self, name: str) -> str:
        base = re.sub(r"\W", "_", name)
        if not base or base[0].isdigit():
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
    names = _Names()
    namespace: dict[str, Any] = {"jax": jax, "inf": float("inf"), "nan": float("nan")}
    namespace.update({d.short: d for d in ALL_DTYPES})
    values: dict[Tensor, str] = {t: names.make(t.op.name) for t in feeds}
    var_name: dict[str, str] = {}
    var_ops: dict[str, Operation] = {}
    var_inputs: list[str] = []
    updated: list[str] = []
    body: list[str] = []
    line_ops: dict[int, Operation] = {}
    checks: list[tuple[Operation, str]] = []
    uses_key = False

    def expr(value: Any) -> str:
        if isinstance(value, DType):
            return value.short
        if isinstance(value, ArrayValue):
            ident = names.make("const")
            namespace[ident] = value
            return ident
        if isinstance(value, tuple):
            return "(" + "".join(expr(v) + ", " for v in value) + ")"
        return repr(value)

    for op in ops:
        opdef = get_op_def(op.type)
        if op.type == "variable":
            var_ops[op.name] = op
            var_name[op.name] = names.make("var_" + op.name)
            continue
        if opdef.lower is None:
            raise InvalidArgumentError(f"op type '{op.type}' cannot be lowered to JAX", op)
        namespace.setdefault(op.type, opdef.lower)
        args = [values[t] for t in op.inputs[1 if opdef.state else 0 :]]
        kwargs = [f"{k}={expr(v)}" for k, v in op.attrs.items()]
        target_var = None
        if opdef.state is not None:
            handle = op.inputs[0].op.name
            target_var = var_name[handle]
            if opdef.state in ("read", "update") and handle not in updated and handle not in var_inputs:
                var_inputs.append(handle)
            if opdef.state != "write":
                args.insert(0, target_var)
            if opdef.state != "read" and handle not in updated:
                updated.append(handle)
        if opdef.needs_key:
            uses_key = True
            args.insert(0, f"jax.random.fold_in(key, {op_seed(op)})")
        outs = [
            names.make(op.name if len(op.outputs) == 1 else f"{op.name}_{i}")
            for i, _ in enumerate(op.outputs)
        ]
        for t, ident in zip(op.outputs, outs, strict=False):
            if t not in fed:
                values[t] = ident
        call = f"{op.type}({', '.join(args + kwargs)})"
        if opdef.check:
            flag = names.make(f"ok_{op.name}")
            checks.append((op, flag))
            outs = outs + [flag]
        if not outs:
            lhs = "_"
        elif len(outs) == 1:
            lhs = outs[0]
        else:
            lhs = ", ".join(outs)
        if target_var is not None and opdef.state != "read":
            lhs = f"{target_var} = {lhs}"
        location = f"  {os.path.basename(op.location.file)}:{op.location.line}" if op.location else ""
        line_ops[len(body) + 2] = op
        body.append(f"    {lhs} = {call}  # {op.name}{location}")
        if check_numerics and not opdef.check:
            for t, ident in zip(op.outputs, outs):
                if t.dtype.is_floating:
                    flag = names.make(f"finite_{ident}")
                    body.append(f"    {flag} = jax.numpy.all(jax.numpy.isfinite({ident}))")
                    checks.append((op, flag))

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
    next_key = "jax.random.fold_in(key, 0x5EED)" if uses_key else "key"
    body.append(
        "    return ("
        + "".join(v + ", " for v in fetched)
        + "), ("
        + "".join(var_name[v] + ", " for v in updated)
        + f"), {next_key}, ("
        + "".join(flag + ", " for _, flag in checks)
        + ")"
    )
    source = f"def {name}({', '.join(params)}):\n" + "\n".join(body) + "\n"
    code = compile(source, f"<jaxgraph {name}>", "exec")
    exec(code, namespace)
    return LoweredGraph(
        source=source,
        fn=namespace[name],
        ops=ops,
        donated_vars=donated,
        kept_vars=kept,
        feeds=list(feeds),
        fetches=[f for f in fetches if isinstance(f, Tensor)],
        updated_vars=updated,
        var_ops=var_ops,
        uses_key=uses_key,
        checks=checks,
        line_ops=line_ops,
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
