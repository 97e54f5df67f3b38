"""The generated code's lines: statements with their location comments, ``named_scope`` blocks,
functions of at most ``CHUNK_LINES`` lines, and wrapping.

Split out of ``codegen`` (the driver) because layout is its own concern: a ``Line`` keeps,
besides its text and indentation, the op it assigns and the columns of every op expression in
it (``spans``, for a run-time error to blame the op at a column: ``LoweredGraph.op_at_line``),
found while writing it, not its tree (a large program's trees were a fifth of the objects
Python's collector walks); the helpers here write
``targets = value  # model.py:8``, group runs of one name scope under one
``with jax.named_scope(...)``, split a long body into functions (``chunked``) and wrap long
parameter and result lists at ``WIDTH``.

Why functions of bounded length: JAX gives every equation an MLIR location from its Python
traceback, and finding the line of a frame walks its code object's line table from the start.
One function of 25,000 lines (a 1,000-layer chain's training step) made lowering quadratic in
the graph's size (14 s of 22 s); in parts of at most ``CHUNK_LINES`` lines each lookup is short.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import os
import re
import textwrap
import threading
from collections.abc import Callable, Iterable, Sequence

from jaxgraph.ir.graph import Operation
from jaxgraph.lowering.expressions import STORE, Mark, columns, written

WIDTH = 100
"""Parameter and result lists wrap at this width."""

CHUNK_LINES = 200
"""A function body longer than this is split into functions of at most this many lines (of
statements; a single op's lines are never split)."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

AST_PARSE_LOCK = threading.Lock()
"""``ast.parse`` from several threads at once can fail in CPython 3.11 ("AST constructor recursion
depth mismatch", CPython issue 106905): Sessions compile fetch sets in parallel threads."""


@dataclasses.dataclass(slots=True)
class Line:
    """One generated line, ``indent`` levels deep, with the op it assigns, the op expressions of
    the statement it was written from (their columns in that statement's text, which starts at
    column ``column`` of ``text``: see ``spans``; columns count UTF-8 bytes, as Python's do) and
    the names it assigns. (Slots: a large program keeps tens of thousands, for blaming errors.)"""

    text: str
    indent: int = 0
    op: Operation | None = None
    marks: tuple[Mark, ...] = ()
    column: int = 0
    targets: tuple[str, ...] = ()

    def nested(self, levels: int = 1, prefix: str = "") -> Line:
        shift = columns(prefix)
        return Line(
            prefix + self.text, self.indent + levels, self.op, self.marks, self.column + shift, self.targets
        )


def spans(line: Line) -> list[Mark]:
    """The columns (in ``line``'s text, indentation excluded) of every op expression in it, an
    expression before those inside it."""
    return [(start + line.column, end + line.column, op) for start, end, op in line.marks]


def _parsed_marks(stmt: ast.stmt, text: str) -> tuple[Mark, ...]:
    """The op expressions of ``stmt`` written as ``text`` by ``ast.unparse`` (a form ``written``
    leaves to it): ``text`` parsed back, walked alongside ``stmt``; none when the two differ in
    shape."""
    with AST_PARSE_LOCK:
        tree = ast.parse(text)
    found = []
    for made, parsed in zip(ast.walk(stmt), ast.walk(tree.body[0])):
        if type(made) is not type(parsed):  # unparse changed the tree's shape: no columns
            return ()
        if getattr(made, "jaxgraph_op", None) is not None:
            found.append((parsed.col_offset, parsed.end_col_offset, made.jaxgraph_op))
    return tuple(found)


@functools.cache
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
    """``targets = value  # locations`` (``unpack``: a tuple even of one)."""
    if not targets:
        stmt: ast.stmt = ast.Expr(value=value)
    else:
        names = [ast.Name(id=t, ctx=STORE) for t in targets]
        target = names[0] if len(names) == 1 and not unpack else ast.Tuple(elts=names, ctx=STORE)
        stmt = ast.Assign(targets=[target], value=value, type_comment=None, lineno=1)
    text, marks = written(stmt)
    if marks is None:
        marks = _parsed_marks(stmt, text)
    return Line(text + _locations(ops), op=op, marks=marks, targets=tuple(targets))


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
    body = filled(", ".join(items), WIDTH - 4)
    return [Line(head)] + [Line(line, 1) for line in body[:-1]] + [Line(body[-1] + tail, 1)]


_WHITESPACE = frozenset("\t\n\x0b\x0c\r")
"""The whitespace ``textwrap`` splits at, besides the space."""


def filled(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)``, written
    directly for text whose only whitespace is single spaces (lists of names, as parameter lists
    are: textwrap's general splitting was a tenth of chunking a large program), else textwrap's."""
    words = text.split(" ")
    if "" in words or not _WHITESPACE.isdisjoint(text):
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    lines, line = [], words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def tuple_text(items: list[str]) -> str:
    """``(a, b)``, ``(a,)`` or ``()``."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def chunked(
    groups: list[tuple[str, list[Line]]],
    bound: Iterable[str],
    after: Iterable[str],
    part_name: Callable[[int], str],
) -> tuple[list[Line], list[Line]]:
    """A function body (per op: its name scope and lines) as functions of at most
    ``CHUNK_LINES`` lines and the body calling them in order: ``(functions, body)``. ``bound``:
    the names bound before the body (the function's parameters); ``after``: the text read after
    it (the function's return); ``part_name(i)`` names the ``i``-th part. A short body is
    returned as it is, without functions.

    Each part takes the names it reads that are bound before it (any identifier in its text
    counts as read: one too many only adds a parameter) and returns the names it assigns that
    are read after it."""
    chunks: list[list[tuple[str, list[Line]]]] = [[]]
    size = 0
    for scope, lines in groups:
        if size and size + len(lines) > CHUNK_LINES:
            chunks.append([])
            size = 0
        chunks[-1].append((scope, lines))
        size += len(lines)
    if len(chunks) == 1:
        return [], scoped(groups)
    reads = [dict.fromkeys(n for _, lines in chunk for line in lines for n in _IDENTIFIER.findall(line.text))
             for chunk in chunks]  # fmt: skip
    last_read = {n: len(chunks) for text in after for n in _IDENTIFIER.findall(text)}
    for i in reversed(range(len(chunks))):
        for n in reads[i]:
            last_read.setdefault(n, i)
    bound = set(bound)
    functions: list[Line] = []
    body: list[Line] = []
    for i, chunk in enumerate(chunks):
        assigned = dict.fromkeys(
            t for _, lines in chunk for line in lines if line.indent == 0 for t in line.targets
        )
        params = [n for n in reads[i] if n in bound]
        outs = [n for n in assigned if last_read.get(n, i) > i]
        call = f"{part_name(i + 1)}("
        functions += wrapped("def " + call, params, "):") + [line.nested() for line in scoped(chunk)]
        functions += [line.nested() for line in _tuple_lines("return ", outs, "")] + [Line("")]
        body += _assignment(outs, call, params)
        bound.update(outs)
    return functions, body


def _tuple_lines(head: str, items: list[str], tail: str) -> list[Line]:
    """``head (a, b) tail`` (``(a,)`` for one item), wrapped inside the brackets when long."""
    return wrapped(head + "(", items, ("," if len(items) == 1 else "") + ")" + tail)


def _assignment(targets: list[str], call: str, args: list[str]) -> list[Line]:
    """``(targets) = call args)`` (just the call without targets), wrapped when long."""
    if not targets:
        return wrapped(call, args, ")")
    text = f"{tuple_text(targets)} = {call}{', '.join(args)})"
    if len(text) <= WIDTH:
        return [Line(text)]
    return [Line("("), *_items(targets), Line(f") = {call}"), *_items(args), Line(")")]


def _items(items: list[str]) -> list[Line]:
    """``items`` separated by commas, wrapped at ``WIDTH``, one level deep."""
    text = ", ".join(items) + ("," if len(items) == 1 else "")
    return [Line(line, 1) for line in filled(text, WIDTH - 4)]
