"""``parse(text) -> Graph``: reads the IR text format back (the inverse of ``str(graph)``).

A small tokenizer plus a recursive-descent parser. Every op is re-created through the graph's
``Graph.add_op``, so its type rule runs again and the printed types are checked against it.
Parsing never executes code: attribute values are literals only. Every failure is a
``jaxgraph.errors.ParseError`` giving the line and column. Hostile text is refused too: numbers
outside int64 (or uint64 for attribute values), shapes too large for NumPy or int64, nesting
deeper than ``MAX_NESTING`` (``MAX_GRAPH_NESTING`` for sub-graphs), and location comments that
are not printable one-line text (the code generator copies them into generated Python).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

import numpy as np

from jaxgraph.errors import JaxGraphError, ParseError
from jaxgraph.ir.dtypes import BY_SHORT_NAME
from jaxgraph.ir.graph import Graph, SourceLocation
from jaxgraph.ir.opdef import get_op_def
from jaxgraph.ir.printer import abbreviated, parse_scalars
from jaxgraph.ir.shapes import TensorShape, TensorType, shape_problem
from jaxgraph.ir.values import ArrayValue
from jaxgraph.ir.verifier import state_input_problem

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r]+|\n)
  | (?P<comment>\#[^\n]*)
  | (?P<ref>\^?%[A-Za-z0-9_.][A-Za-z0-9_./\-]*(?::\d+)?)
  | (?P<b64>b64"[A-Za-z0-9+/=]*")
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<float>-?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|inf\b|nan\b))
  | (?P<int>-?\d+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(){}\[\]<>,=:@?*])
    """,
    re.VERBOSE,
)
_LOCATION = re.compile(r"#[ \t]*(.+):(\d+)[ \t]*\r?$")
"""``# file:line`` after an op (a trailing ``\r`` is a Windows line end)."""
INT64 = (-(2**63), 2**63 - 1)
ATTR_INT = (-(2**63), 2**64 - 1)
"""Attribute integers are TF1's int64, widened to uint64 so a ``u64`` fill value round-trips."""
_CREATE_ERRORS = (JaxGraphError, ArithmeticError, AttributeError, LookupError, TypeError, ValueError)
"""What creating an op from text can raise: a type rule given attribute values of the wrong kind
(``axis=1.5``, ``shape=["a"]``) fails with a plain Python error, reported as a ParseError too."""
MAX_NESTING = 100
"""Deepest nesting of lists and sub-graphs in attribute values (keeps the parser's recursion bounded)."""
MAX_GRAPH_NESTING = 32
"""Deepest nesting of sub-graphs (control flow inside control flow): each level is a nested
function in the generated code (Python allows 100 indentation levels) and a level of recursion
when printing, lowering and tracing it."""


class _Token:
    __slots__ = ("kind", "text", "line", "column")

    def __init__(self, kind: str, text: str, line: int, column: int):
        self.kind, self.text, self.line, self.column = kind, text, line, column


def bounded_int(text: str, low: int, high: int) -> int | None:
    """The integer ``text`` (decimal digits, maybe a ``-``) if it lies in ``[low, high]``, else None;
    never converts more than 20 digits (Python refuses strings over 4300 digits, slowly)."""
    if len(text.lstrip("-")) > 20:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _tokenize(text: str) -> list[_Token]:
    tokens, pos, line, line_start = [], 0, 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ParseError(
                f"line {line}, column {pos - line_start + 1}: unexpected character {text[pos]!r}"
            )
        kind = match.lastgroup
        if kind == "space":
            if match.group() == "\n":
                line, line_start = line + 1, match.end()
        else:
            tokens.append(_Token(kind, match.group(), line, pos - line_start + 1))
        pos = match.end()
    tokens.append(_Token("end", "", line, pos - line_start + 1))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = [t for t in _tokenize(text)]
        self.pos = 0
        self.depth = 0
        self.graph_depth = 0

    # ---- token helpers ---------------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def next(self) -> _Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def error(self, message: str, token: _Token | None = None) -> ParseError:
        token = token or self.peek()
        return ParseError(f"line {token.line}, column {token.column}: {message}")

    @staticmethod
    def found(token: _Token) -> str:
        """How an error message shows the token it found."""
        return repr(token.text) if token.kind != "end" else "end of text"

    def expect(self, text: str) -> _Token:
        token = self.next()
        if token.text != text or token.kind in ("string", "comment"):
            raise self.error(f"expected '{text}', found {self.found(token)}", token)
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.text == text and token.kind in ("punct", "ident"):
            self.pos += 1
            return True
        return False

    def skip_comments(self) -> None:
        while self.peek().kind == "comment":
            self.pos += 1

    # ---- grammar ---------------------------------------------------------------------------
    def parse_graph(self, graph: Graph) -> Graph:
        self.skip_comments()
        self.expect("graph")
        if self.accept("("):
            self.expect("seed")
            self.expect("=")
            graph.seed = self.parse_int("seed", *INT64)
            self.expect(")")
        self.expect("{")
        self.skip_comments()
        while not self.accept("}"):
            self.parse_op(graph)
            self.skip_comments()
        return graph

    def parse_int(self, what: str, low: int, high: int) -> int:
        """The next token as an integer in ``[low, high]`` (``what`` names it in errors)."""
        token = self.next()
        if token.kind != "int":
            raise self.error(f"expected an integer, found {self.found(token)}", token)
        return self.int_in_range(token, what, low, high)

    def int_in_range(self, token: _Token, what: str, low: int, high: int) -> int:
        value = bounded_int(token.text, low, high)
        if value is None:
            raise self.error(f"{what} {abbreviated(token.text)} is out of range [{low}, {high}]", token)
        return value

    def parse_op(self, graph: Graph) -> None:
        start = self.next()
        if start.kind != "ref" or start.text.startswith("^") or ":" in start.text:
            raise self.error(f"expected an op definition '%name = ...', found {self.found(start)}", start)
        name = start.text[1:]
        self.expect("=")
        type_token = self.next()
        if type_token.kind != "ident":
            raise self.error(f"expected an op type, found {self.found(type_token)}", type_token)
        self.expect("(")
        inputs, controls = [], []
        while not self.accept(")"):
            if inputs or controls:
                self.expect(",")
            token = self.next()
            if token.kind != "ref":
                raise self.error(f"expected an operand '%name', found {self.found(token)}", token)
            if token.text.startswith("^"):
                controls.append(self.lookup_op(graph, token.text[2:], token))
            elif controls:
                raise self.error("data operands must come before control operands", token)
            else:
                inputs.append(self.lookup_tensor(graph, token.text[1:], token))
        attrs = {}
        if self.accept("{"):
            while True:
                key = self.next()
                if key.kind != "ident":
                    raise self.error(f"expected an attribute name, found {self.found(key)}", key)
                self.expect("=")
                attrs[key.text] = self.parse_value()
                if self.accept("}"):
                    break
                self.expect(",")
        device = None
        if self.accept("@"):
            device = self.parse_string()
        self.expect(":")
        types = self.parse_types()
        location = self.parse_location()
        try:
            problem = state_input_problem(get_op_def(type_token.text), inputs)
            op = None if problem else graph.add_op(
                type_token.text, inputs, attrs, name, control_inputs=controls,
                device=device, location=location,
            )  # fmt: skip
        except _CREATE_ERRORS as e:
            problem = (
                e.message
                if isinstance(e, JaxGraphError)
                else f"bad attribute value ({type(e).__name__}: {e})"
            )
        if problem:
            raise self.error(f"op '%{name}': {problem}", type_token)
        op.location = location  # exactly the text's, also when it gives none
        inferred = [t.type for t in op.outputs]
        if inferred != types:
            printed = abbreviated(", ".join(map(str, types)) or "()", 200)
            actual = abbreviated(", ".join(map(str, inferred)) or "()", 200)
            raise self.error(f"op '%{name}' is typed {printed} but its type rule gives {actual}", type_token)

    def parse_location(self) -> SourceLocation | None:
        """The ``# file:line`` comment ending the op's line, if there is one.

        The code generator copies it into a comment of the generated Python, so it must be one
        line of printable text: a ``\r``, NUL, U+2028 ... would end that comment and turn the rest
        of it into code.
        """
        comment = self.peek()
        if comment.kind != "comment" or comment.line != self.tokens[self.pos - 1].line:
            return None
        match = _LOCATION.match(comment.text)
        if match is None:
            return None
        file, line = match.group(1), bounded_int(match.group(2), 0, INT64[1])
        bad = next((c for c in file if not c.isprintable()), None)
        if bad is not None:
            raise self.error(f"location comment contains the non-printable character {bad!r}", comment)
        if line is None:
            raise self.error(f"location line {abbreviated(match.group(2))} is out of range", comment)
        self.pos += 1
        return SourceLocation(file, line, "")

    def lookup_op(self, graph: Graph, name: str, token: _Token) -> Any:
        op = graph._by_name.get(name)
        if op is None:
            raise self.error(f"'%{name}' is used before it is defined", token)
        return op

    def lookup_tensor(self, graph: Graph, ref: str, token: _Token) -> Any:
        name, _, index = ref.partition(":")
        op = self.lookup_op(graph, name, token)
        i = bounded_int(index or "0", 0, len(op.outputs) - 1)
        if i is None:
            raise self.error(
                f"'%{name}' has {len(op.outputs)} output(s), no output {abbreviated(index)}", token
            )
        return op.outputs[i]

    def parse_string(self) -> str:
        token = self.next()
        if token.kind != "string":
            raise self.error(f"expected a string, found {self.found(token)}", token)
        try:
            return json.loads(token.text)
        except json.JSONDecodeError as e:
            raise self.error(f"bad string literal: {e.msg}", token) from None

    def parse_types(self) -> list[TensorType]:
        if self.accept("("):
            types = []
            while not self.accept(")"):
                if types:
                    self.expect(",")
                types.append(self.parse_type())
            return types
        return [self.parse_type()]

    def parse_type(self) -> TensorType:
        if self.accept("ref"):
            self.expect("<")
            inner = self.parse_type()
            self.expect(">")
            return TensorType(inner.dtype, inner.shape, ref=True)
        token = self.next()
        dtype = BY_SHORT_NAME.get(token.text) if token.kind == "ident" else None
        if dtype is None:
            raise self.error(f"expected a type such as f32[2,3], found {self.found(token)}", token)
        dims = self.parse_dims()
        problem = None if dims is None else shape_problem(dims)
        if problem:
            raise self.error(f"bad shape: {problem}", token)
        return TensorType(dtype, TensorShape(dims))

    def parse_dims(self) -> list[int | None] | None:
        """``[2,?]`` as a list of dimensions; ``[*]`` (unknown rank) as None."""
        self.expect("[")
        if self.accept("*"):
            self.expect("]")
            return None
        dims: list[int | None] = []
        while not self.accept("]"):
            if dims:
                self.expect(",")
            if self.accept("?"):
                dims.append(None)
            elif self.peek().text.startswith("-"):
                raise self.error(f"negative dimension {abbreviated(self.peek().text)}")
            else:
                dims.append(self.parse_int("dimension", 0, INT64[1]))
        return dims

    def parse_value(self) -> Any:
        token = self.peek()
        if self.depth >= MAX_NESTING:
            raise self.error(f"nesting deeper than {MAX_NESTING} levels", token)
        self.depth += 1
        try:
            return self.parse_scalar_or_nested(token)
        finally:
            self.depth -= 1

    def parse_scalar_or_nested(self, token: _Token) -> Any:
        if token.kind == "int":
            return self.int_in_range(self.next(), "integer", *ATTR_INT)
        if token.kind == "float":
            return float(self.next().text)
        if token.kind == "string":
            return self.parse_string()
        if self.accept("?"):
            return None
        if self.accept("["):
            items = []
            while not self.accept("]"):
                if items:
                    self.expect(",")
                items.append(self.parse_value())
            return tuple(items)
        if token.kind == "ident":
            if token.text in ("true", "false"):
                self.next()
                return token.text == "true"
            if token.text in BY_SHORT_NAME:
                self.next()
                return BY_SHORT_NAME[token.text]
            if token.text == "tensor":
                return self.parse_array()
            if token.text == "graph":
                return self.parse_sub_graph(token)
        raise self.error(f"expected an attribute value, found {self.found(token)}")

    def parse_sub_graph(self, token: _Token) -> Graph:
        if self.graph_depth >= MAX_GRAPH_NESTING:
            raise self.error(f"sub-graphs nested deeper than {MAX_GRAPH_NESTING} levels", token)
        self.graph_depth += 1
        try:
            return self.parse_graph(Graph())
        finally:
            self.graph_depth -= 1

    def parse_array(self) -> ArrayValue:
        self.expect("tensor")
        self.expect("<")
        token = self.peek()
        array_type = self.parse_type()
        self.expect(">")
        dtype, shape = array_type.dtype.np, array_type.shape
        if not shape.is_fully_defined():
            raise self.error("a constant's shape must be fully known", token)
        size = math.prod(shape)
        data = self.peek()
        if dtype.kind == "O":
            array = self.parse_strings(size, array_type, data)
        elif data.kind == "b64":
            self.next()
            try:
                raw = base64.b64decode(data.text[4:-1], validate=True)
            except binascii.Error:
                raise self.error("malformed base64 data", data) from None
            if len(raw) != size * dtype.itemsize:
                raise self.error(
                    f"constant data has {len(raw)} bytes, {array_type} needs {size * dtype.itemsize}",
                    data,
                )
            array = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype)
        else:
            array = self.parse_elements(dtype, size, array_type, data)
        try:
            return ArrayValue(array.reshape(tuple(shape)))
        except ValueError as e:  # NumPy's own size limit: f64[0,2**62] has too many bytes
            raise self.error(f"constant of type {array_type}: {e}", token) from None

    def parse_items(self, size: int, array_type: TensorType, data: _Token, item_text) -> list:
        """The ``size`` inline elements ``[a,b,...]`` of a constant, each token turned into an
        element by ``item_text`` (which raises on a token of the wrong kind)."""
        self.expect("[")
        items = []
        while not self.accept("]"):
            if items:
                self.expect(",")
            items.append(item_text(self.next()))
        if len(items) != size:
            raise self.error(f"constant has {len(items)} elements, {array_type} needs {size}", data)
        return items

    def parse_strings(self, size: int, array_type: TensorType, data: _Token) -> np.ndarray:
        """The inline ``["a","b\\u00e9"]`` elements of a string constant, flat: JSON strings of
        characters up to U+00FF, one per byte."""

        def element(item: _Token) -> bytes:
            if item.kind != "string":
                raise self.error(f"expected a string, found {self.found(item)}", item)
            try:
                return json.loads(item.text).encode("latin-1")
            except (ValueError, UnicodeEncodeError) as e:
                raise self.error(f"bad string element: {e}", item) from None

        array = np.empty(size, dtype=object)
        array[:] = self.parse_items(size, array_type, data, element)
        return array

    def parse_elements(self, dtype: np.dtype, size: int, array_type: TensorType, data: _Token) -> np.ndarray:
        """The inline ``[1.0,2.5,...]`` elements of a constant, flat."""

        def element(item: _Token) -> str:
            if item.kind not in ("int", "float", "ident") or (
                item.kind == "ident" and item.text not in ("true", "false")
            ):
                raise self.error(f"expected a number, found {self.found(item)}", item)
            return item.text

        items = self.parse_items(size, array_type, data, element)
        try:
            return parse_scalars(items, dtype)
        except (ValueError, OverflowError) as e:
            raise self.error(f"bad constant element: {e}", data) from None


def parse(text: str, into: Graph | None = None) -> Graph:
    """Parses IR text (as printed by ``str(graph)``) into ``into`` (an empty Graph: e.g. a
    ``jg.Graph`` to build on afterwards) or a new IR Graph."""
    if not isinstance(text, str):
        raise ParseError(f"parse expects IR text (str), got {type(text).__name__}")
    parser = _Parser(text)
    graph = parser.parse_graph(into if into is not None else Graph())
    parser.skip_comments()
    if parser.peek().kind != "end":
        raise parser.error(f"unexpected text after the graph: {parser.peek().text!r}")
    return graph
