"""The generated code's vocabulary: identifiers and expressions, built as ``ast`` nodes.

Split out of ``codegen`` (the driver) because it is the part of lowering that knows Python's
syntax and nothing of the emitter's state: making safe, unique identifiers from op names,
writing numbers, dtypes, attribute values and constants as literals (``0.9``, ``jnp.float32``,
``np.array(...)`` or base64), and filling an op's JAX template (``"{0} + {1}"``) with argument
expressions. Everything the graph's text contributes goes through ``ast`` here, so nothing
reaches the generated source unescaped.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import keyword
import math
import re
import string
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, computed_as
from jaxgraph.ir.graph import Graph, Operation
from jaxgraph.ir.opdef import OpDef
from jaxgraph.lowering import rules

IMPORTS = {
    "jax": "import jax",
    "jnp": "import jax.numpy as jnp",
    "np": "import numpy as np",
    "lax": "from jax import lax",
    "L": "from jaxgraph.lowering import rules as L",
}
"""The modules a generated program may use, by the name it uses them under."""

SMALL_CONSTANT = 16
"""Constants with at most this many elements are written as ``np.array`` literals."""

_PUBLIC_JAX = (("jnp", jnp), ("jax.nn", jax.nn), ("lax", lax))

LOAD, STORE = ast.Load(), ast.Store()
"""The expression contexts, one object each for every node, as ``ast.parse`` shares them (one
per name made a large program's trees a tenth bigger, for the collector to walk)."""


# ---- names -------------------------------------------------------------------------------------
def all_names(ops: Iterable[Operation]) -> list[str]:
    """Names of ``ops`` and of the ops of their sub-graphs."""
    names = []
    for op in ops:
        names.append(op.name)
        for value in op.attrs.values():
            if isinstance(value, Graph):
                names += all_names(value.operations)
    return names


def short_names(names: Iterable[str]) -> dict[str, str]:
    """Each name's shortest suffix of ``/``-separated parts that no other name ends with."""
    parts = {name: name.split("/") for name in names}
    counts = Counter(tuple(p[-k:]) for p in parts.values() for k in range(1, len(p) + 1))
    short = {}
    for name, p in parts.items():
        k = next((k for k in range(1, len(p)) if counts[tuple(p[-k:])] == 1), len(p))
        short[name] = "/".join(p[-k:])
    return short


class Names:
    """Unique Python identifiers, made of ASCII letters, digits and ``_`` only."""

    def __init__(self, op_names: Iterable[str]) -> None:
        self.used = {"key", *IMPORTS}
        self.short = short_names(op_names)

    def make(self, name: str) -> str:
        base = re.sub(r"[^0-9A-Za-z_]", "_", self.short.get(name, name))
        if not base or base[0].isdigit() or keyword.iskeyword(base):
            base = "t_" + base
        candidate, n = base, 1
        while candidate in self.used:
            candidate, n = f"{base}_{n}", n + 1
        self.used.add(candidate)
        return candidate


# ---- expressions -------------------------------------------------------------------------------
_TUPLE, _YIELD, _TEST, _FACTOR, _POWER, _ATOM = 2, 3, 4, 15, 16, 18
"""``ast.unparse``'s precedences (``ast._Precedence``) of the forms ``unparse`` writes itself."""

_BINARY = {ast.BitOr: ("|", 9), ast.BitXor: ("^", 10), ast.BitAnd: ("&", 11), ast.LShift: ("<<", 12),
           ast.RShift: (">>", 12), ast.Add: ("+", 13), ast.Sub: ("-", 13), ast.Mult: ("*", 14),
           ast.MatMult: ("@", 14), ast.Div: ("/", 14), ast.Mod: ("%", 14), ast.FloorDiv: ("//", 14),
           ast.Pow: ("**", _POWER)}  # fmt: skip
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}
_INFINITY = "1e" + repr(sys.float_info.max_10_exp + 1)


Mark = tuple[int, int, Any]
"""An op expression in a line of code: its first and end columns, and the op (``jaxgraph_op``).
Columns count UTF-8 bytes, as Python's (``col_offset``, a traceback's ``colno``) do."""


def columns(text: str) -> int:
    """How many columns ``text`` spans: its UTF-8 bytes (a string constant may hold others than
    ASCII)."""
    return len(text) if text.isascii() else len(text.encode())


def unparse(node: ast.AST) -> str:
    """``ast.unparse(node)``, written directly for the forms generated code is made of (names,
    attributes, calls, arithmetic, numbers, tuples, assignments), each sub-expression's text
    kept on its node so an expression inlined into its user is not written again; any other
    form goes to ``ast.unparse`` (its generic visitor made it most of code generation's time)."""
    return written(node)[0]


def written(node: ast.AST) -> tuple[str, tuple[Mark, ...] | None]:
    """``unparse(node)`` and the columns of the op expressions in it (the nodes carrying
    ``jaxgraph_op``), an expression before those inside it; None for the columns of a form left
    to ``ast.unparse``. Found while writing, so that a line of generated code need not keep its
    tree to blame an error on the op at a column (a large program's trees were a fifth of the
    objects Python's collector walks)."""
    try:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            head, _ = _part(target, _TUPLE if isinstance(target, ast.Tuple) else _TEST)
            text, marks = _part(node.value, _TEST)
            return f"{head} = {text}", _shifted(marks, columns(head) + 3)
        if isinstance(node, ast.Expr):
            return _part(node.value, _YIELD)
        return _part(node, _TEST)
    except _Unwritten:
        return ast.unparse(node), None


class _Unwritten(Exception):
    """A form ``unparse`` leaves to ``ast.unparse``."""


def _shifted(marks: tuple[Mark, ...], by: int) -> tuple[Mark, ...]:
    """``marks`` ``by`` columns further right (the text they are in was put after ``by`` more)."""
    return tuple([(start + by, end + by, op) for start, end, op in marks]) if marks and by else marks


def _part(node: ast.AST, context: int) -> tuple[str, tuple[Mark, ...]]:
    """``node``'s text where the surrounding form binds with precedence ``context``, and the
    columns of the op expressions in it."""
    kind = type(node)
    cached = node.__dict__.get("_jaxgraph_text")
    if cached is None:
        cached = node._jaxgraph_text = _bare(node)
    text, marks, precedence = cached
    op = node.__dict__.get("jaxgraph_op")
    if precedence < context:  # Python counts a tuple's parentheses in its columns, no other's
        width = columns(text)
        text, marks = f"({text})", _shifted(marks, 1)
        own = (0, width + 2) if kind is ast.Tuple else (1, width + 1)
    else:
        own = (0, columns(text))
    return text, marks if op is None else ((*own, op), *marks)


def _joined(parts: list[str | tuple[str, tuple[Mark, ...]]]) -> tuple[str, tuple[Mark, ...]]:
    """The parts' texts one after the other, with the columns of their op expressions."""
    texts: list[str] = []
    marks: list[Mark] = []
    column = 0
    for part in parts:
        text, inner = (part, ()) if type(part) is str else part
        if inner:
            marks += _shifted(inner, column)
        texts.append(text)
        column += columns(text)
    return "".join(texts), tuple(marks)


def _listed(items: list[tuple[str, tuple[Mark, ...]]]) -> list[str | tuple[str, tuple[Mark, ...]]]:
    """``items`` with ``", "`` between them, as parts for ``_joined``."""
    parts: list[str | tuple[str, tuple[Mark, ...]]] = []
    for item in items:
        parts += [", ", item] if parts else [item]
    return parts


def _bare(node: ast.AST) -> tuple[str, tuple[Mark, ...], int]:
    """``node``'s text without enclosing parentheses, the columns of the op expressions inside it
    (not its own: ``_part`` adds that), and its precedence."""
    kind = type(node)
    if kind is ast.Name:
        return node.id, (), _ATOM
    if kind is ast.Constant:
        value = node.value
        if type(value) is float:
            text = repr(value).replace("inf", _INFINITY).replace("nan", f"({_INFINITY}-{_INFINITY})")
            return text, (), _ATOM
        if value is None or type(value) in (bool, int, str) and node.kind is None:
            return repr(value), (), _ATOM
    elif kind is ast.Attribute and type(node.value) is not ast.Constant:
        return *_joined([_part(node.value, _ATOM), "." + node.attr]), _ATOM
    elif kind is ast.Call:
        args = [_part(a, _TEST) for a in node.args if type(a) is not ast.Starred]
        if len(args) == len(node.args) and all(k.arg is not None for k in node.keywords):
            args += [_joined([k.arg + "=", _part(k.value, _TEST)]) for k in node.keywords]
            return *_joined([_part(node.func, _ATOM), "(", *_listed(args), ")"]), _ATOM
    elif kind is ast.BinOp and type(node.op) in _BINARY:
        symbol, precedence = _BINARY[type(node.op)]
        left, right = (precedence + 1, precedence) if symbol == "**" else (precedence, precedence + 1)
        parts = [_part(node.left, left), f" {symbol} ", _part(node.right, right)]
        return *_joined(parts), precedence
    elif kind is ast.UnaryOp and type(node.op) in _UNARY:
        return *_joined([_UNARY[type(node.op)], _part(node.operand, _FACTOR)]), _FACTOR
    elif kind is ast.Tuple:
        items = [_part(e, _TEST) for e in node.elts]
        if items and not any(type(e) is ast.Starred for e in node.elts):
            return *_joined([*_listed(items), "," if len(items) == 1 else ""]), _TUPLE
    raise _Unwritten(kind)


@dataclasses.dataclass
class Expr:
    """A value in the generated code: an expression, the identifiers it reads, the ops it
    computes (for the location comment) and, for an inlined scalar constant, its value."""

    node: ast.expr
    refs: frozenset[str]
    ops: tuple[Operation, ...] = ()
    scalar: np.ndarray | None = None
    _width: int | None = dataclasses.field(default=None, repr=False)

    @property
    def width(self) -> int:
        """The length of the expression's text (computed once)."""
        if self._width is None:
            self._width = len(unparse(self.node))
        return self._width


def load_name(ident: str) -> ast.expr:
    return ast.Name(id=ident, ctx=LOAD)


def attribute(path: str) -> ast.expr:
    """``jnp.float32`` as an AST."""
    node = load_name(path.split(".")[0])
    for part in path.split(".")[1:]:
        node = ast.Attribute(value=node, attr=part, ctx=LOAD)
    return node


def number_node(value: Any, dtype: np.dtype) -> ast.expr:
    """A Python number literal for a NumPy scalar: the shortest text that gives back the same
    ``dtype`` value (``0.9``, not ``0.8999999761581421``); ``jnp.inf`` / ``jnp.nan``."""
    if dtype.kind == "b":
        return ast.Constant(bool(value))
    if dtype.kind in "iu":
        number: Any = int(value)
    else:
        number = float(value)
        if math.isnan(number):
            return attribute("jnp.nan")
        if math.isinf(number):
            node = attribute("jnp.inf")
            return ast.UnaryOp(op=ast.USub(), operand=node) if number < 0 else node
        shortest = float(str(np.asarray(value, dtype)))
        number = shortest if np.asarray(shortest, dtype) == np.asarray(value, dtype) else number
    if number < 0 or (number == 0 and math.copysign(1.0, number) < 0):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-number))
    return ast.Constant(number)


def literal(value: Any) -> ast.expr:
    """A Python literal for an attribute value (tuples, strings, numbers, None, dtypes)."""
    if isinstance(value, DType):
        return dtype_node(value)
    if isinstance(value, tuple):
        return ast.Tuple(elts=[literal(v) for v in value], ctx=LOAD)
    if isinstance(value, float):
        return number_node(value, np.dtype(np.float64))
    if isinstance(value, int) and not isinstance(value, bool):
        return number_node(value, np.dtype(np.int64))
    if value is None or isinstance(value, (bool, str)):
        return ast.Constant(value)
    raise InvalidArgumentError(f"an attribute value of type {type(value).__name__} cannot be lowered")


def dtype_node(dtype: DType) -> ast.expr:
    """``jnp.float32`` for a jaxgraph dtype, as computed (``jnp.int32`` for int64 while JAX's x64
    mode is off: see ``jaxgraph.ir.dtypes.computed_as``)."""
    return attribute("jnp." + computed_as(dtype).np.name)


def constant_source(array: np.ndarray) -> str:
    """A Python expression for a constant: ``np.array`` literal, or base64 when large; in the
    dtype it computes in (its values fit: the graph checked them when the op was built)."""
    dtype = computed_as(as_dtype(array.dtype)).np
    array = array.astype(dtype, copy=False)
    if array.size <= SMALL_CONSTANT:
        elements = [number_node(v, dtype) for v in array.reshape(-1)]
        nested: Any = elements
        for dim in reversed(array.shape[1:]):
            nested = [nested[i : i + dim] for i in range(0, len(nested), dim)]

        def as_list(x: Any) -> ast.expr:
            return ast.List(elts=[as_list(e) for e in x], ctx=LOAD) if isinstance(x, list) else x

        data = as_list(nested) if array.ndim else elements[0]
        call = ast.Call(attribute("np.array"), [data], [ast.keyword("dtype", attribute("jnp." + dtype.name))])
        return ast.unparse(call)
    args = [ast.Constant(rules.to_base64(array)), ast.Constant(dtype.name), literal(tuple(array.shape))]
    return ast.unparse(ast.Call(attribute("L.from_base64"), args, []))


def public_jax_name(fn: Any) -> str | None:
    """``jnp.tanh`` when ``fn`` is that public function of jax.numpy / jax.nn / jax.lax."""
    name = getattr(fn, "__name__", None)
    for prefix, module in _PUBLIC_JAX:
        if name and not name.startswith("_") and getattr(module, name, None) is fn:
            return f"{prefix}.{name}"
    return None


def template_of(opdef: OpDef, attrs: dict[str, Any], arity: int) -> str | None:
    """The JAX expression template of an op with these attributes, if it has one: its
    ``jax_call`` when every attribute the template leaves out holds its default, else the
    public JAX function its lowering is (for ops without attributes)."""
    if opdef.jax_call is not None:
        used = template_fields(opdef.jax_call)
        if all(k in used or attrs[k] == opdef.attrs[k] for k in attrs):
            return opdef.jax_call
    if not attrs and (name := _public_jax_name(opdef.lower)):
        return name + "(" + ", ".join(f"{{{i}}}" for i in range(arity)) + ")"
    return None


@functools.cache
def template_fields(template: str) -> frozenset[str]:
    """The attribute fields of a template (``{axis}``; not the positional ``{0}``)."""
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f and not f.isdigit())


@functools.cache
def _public_jax_name(fn: Any) -> str | None:
    """``public_jax_name``, once per lowering function."""
    return public_jax_name(fn)


@functools.cache
def _parsed(template: str, arity: int, attrs: tuple[str, ...]) -> tuple[ast.expr, frozenset[int]]:
    """A template parsed once, its ``{0}``... as names ``_in0``... and ``{axis}``... as
    ``_at_axis``; and the ids of the nodes an instance must copy: the root and every node
    holding a placeholder (the others, ``jnp.tanh`` of ``jnp.tanh({0})``, are shared)."""
    placeholders = [f"_in{i}" for i in range(arity)]
    fields = {k: f"_at_{k}" for k in attrs}
    tree = ast.parse(template.format(*placeholders, **fields), mode="eval").body
    names = {*placeholders, *fields.values()}
    copied = {id(tree)}

    def visit(node: ast.AST) -> bool:
        holds = isinstance(node, ast.Name) and node.id in names
        for child in ast.iter_child_nodes(node):
            holds = visit(child) or holds
        if holds:
            copied.add(id(node))
        return holds

    visit(tree)
    return tree, frozenset(copied)


def _instance(node: Any, replacements: dict[str, ast.expr], copied: frozenset[int]) -> Any:
    """A copy of a parsed template's tree with the placeholder names replaced (parsing the
    template again for each op was a ``compile`` call per op), sharing its parts without a
    placeholder (no pass changes a generated tree below its root; copying them was half of
    filling templates)."""
    if isinstance(node, list):
        return [_instance(item, replacements, copied) for item in node]
    if not isinstance(node, ast.AST) or id(node) not in copied:
        return node
    if isinstance(node, ast.Name):
        return replacements.get(node.id) or ast.Name(id=node.id, ctx=node.ctx)
    fields = {field: _instance(value, replacements, copied) for field, value in ast.iter_fields(node)}
    return type(node)(**fields)


def fill(template: str, args: list[ast.expr], attrs: dict[str, ast.expr]) -> ast.expr:
    """The template with ``{0}``, ``{1}``... the arguments and ``{axis}``... the attributes."""
    replacements = {f"_in{i}": a for i, a in enumerate(args)} | {f"_at_{k}": v for k, v in attrs.items()}
    tree, copied = _parsed(template, len(args), tuple(sorted(attrs)))
    return _instance(tree, replacements, copied)


def call_of(function: str, *args: str) -> ast.expr:
    """``function(args...)`` of identifiers as an AST."""
    return ast.Call(attribute(function), [load_name(a) for a in args], [])


def bare_scalars(op: Operation, args: list[Expr]) -> list[ast.expr]:
    """A binary operator's operands, a scalar constant as a bare number when the other operand
    has its dtype (JAX's weak typing then gives the same result as the typed constant)."""
    nodes = [a.node for a in args]
    for i, (a, other) in enumerate([(args[0], args[1]), (args[1], args[0])]):
        if a.scalar is not None and other.scalar is None and op.inputs[i].dtype is op.inputs[1 - i].dtype:
            nodes[i] = number_node(a.scalar[()], a.scalar.dtype)
    return nodes
