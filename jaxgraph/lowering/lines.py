"""The generated code's lines: statements with their location comments, ``named_scope`` blocks
and wrapping.

Split out of ``codegen`` (the driver) because layout is its own concern: a ``Line`` keeps,
besides its text and indentation, the op it assigns and the columns of every op expression in
it, which ``LoweredGraph.op_at_line`` uses to blame a run-time error on its op; the helpers
here write ``targets = value  # model.py:8``, group runs of one name scope under one
``with jax.named_scope(...)``, and wrap long parameter and result lists at ``WIDTH``.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import textwrap
from collections.abc import Iterable, Sequence

from jaxgraph.ir.graph import Operation

WIDTH = 100
"""Parameter and result lists wrap at this width."""


@dataclasses.dataclass
class Line:
    """One generated line, ``indent`` levels deep, with the op it assigns and, per op computed
    in it, the columns of that op's expression (to blame errors)."""

    text: str
    indent: int = 0
    op: Operation | None = None
    spans: list[tuple[int, int, Operation]] = dataclasses.field(default_factory=list)

    def nested(self, levels: int = 1, prefix: str = "") -> Line:
        shift = len(prefix)
        spans = [(a + shift, b + shift, op) for a, b, op in self.spans]
        return Line(prefix + self.text, self.indent + levels, self.op, spans)


def _safe_file(path: str) -> str:
    """A location comment's file: the base name's printable characters (no line breaks)."""
    return "".join(c for c in os.path.basename(path) if c.isprintable())


def _locations(ops: Iterable[Operation]) -> str:
    """``  # model.py:8,9``: where the ops a line computes were created."""
    lines: dict[str, list[int]] = {}
    for op in ops:
        if op.location is not None:
            found = lines.setdefault(_safe_file(op.location.file), [])
            if int(op.location.line) not in found:
                found.append(int(op.location.line))
    where = " ".join(f"{f}:{','.join(str(n) for n in sorted(ns))}" for f, ns in lines.items())
    return f"  # {where}" if where else ""


def statement(
    targets: list[str], value: ast.expr, op: Operation, ops: Iterable[Operation], unpack: bool = False
) -> Line:
    """``targets = value  # locations`` (``unpack``: a tuple even of one), with the columns of
    every op expression in it."""
    if not targets:
        stmt: ast.stmt = ast.Expr(value=value)
    else:
        names = [ast.Name(id=t, ctx=ast.Store()) for t in targets]
        target = names[0] if len(names) == 1 and not unpack else ast.Tuple(elts=names, ctx=ast.Store())
        stmt = ast.Assign(targets=[target], value=value, type_comment=None, lineno=1)
    text = ast.unparse(stmt)
    spans = []
    for made, parsed in zip(ast.walk(stmt), ast.walk(ast.parse(text).body[0])):
        if type(made) is not type(parsed):  # unparse changed the tree's shape: no columns
            spans = []
            break
        if getattr(made, "jaxgraph_op", None) is not None:
            spans.append((parsed.col_offset, parsed.end_col_offset, made.jaxgraph_op))
    return Line(text + _locations(ops), op=op, spans=spans)


def scoped(groups: list[tuple[str, list[Line]]]) -> list[Line]:
    """One ``with jax.named_scope(scope):`` per run of lines of one scope (a single line
    shares the ``with``'s line)."""
    merged: list[tuple[str, list[Line]]] = []
    for scope, lines in groups:
        if merged and merged[-1][0] == scope:
            merged[-1][1].extend(lines)
        elif lines:
            merged.append((scope, list(lines)))
    out = []
    for scope, lines in merged:
        head = f"with jax.named_scope({scope!r}):"
        if not scope:
            out += lines
        elif len(lines) == 1 and lines[0].indent == 0 and len(head) + len(lines[0].text) < WIDTH:
            out.append(lines[0].nested(0, head + " "))
        else:
            out.append(Line(head))
            out += [line.nested() for line in lines]
    return out


def wrapped(head: str, items: Sequence[str], tail: str) -> list[Line]:
    """``head + items + tail`` on one line, or wrapped at ``WIDTH`` inside the brackets."""
    text = head + ", ".join(items) + tail
    if len(text) <= WIDTH:
        return [Line(text)]
    body = textwrap.wrap(", ".join(items), WIDTH - 4, break_long_words=False, break_on_hyphens=False)
    return [Line(head)] + [Line(line, 1) for line in body[:-1]] + [Line(body[-1] + tail, 1)]


def tuple_text(items: list[str]) -> str:
    """``(a, b)``, ``(a,)`` or ``()``."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
