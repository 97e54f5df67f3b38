"""``parse(text) -> Graph``: reads the IR text format back (the inverse of ``str(graph)``).

A small tokenizer plus a recursive-descent parser. Every op is re-created through the graph's
``create_op``, so its type rule runs again and the printed types are checked against it.
Parsing never executes code: attribute values are literals only. Every failure is a
``jaxgraph.errors.ParseError`` giving the line and column.
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
from jaxgraph.ir.printer import parse_scalars
from jaxgraph.ir.shapes import TensorShape, TensorType
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
  | (?P<punct>[(){}\[\]<>,=:@?])
    """,
    re.VERBOSE,
)
_LOCATION = re.compile(r"#\s*(.+):(\d+)\s*$")
_CREATE_ERRORS = (JaxGraphError, ArithmeticError, AttributeError, LookupError, TypeError, ValueError)
"""What creating an op from text can raise: a type rule given attribute values of the wrong kind
(``axis=1.5``, ``shape=["a"]``) fails with a plain Python error, reported as a ParseError too."""
MAX_NESTING = 100
"""Deepest nesting of lists and sub-graphs in attribute values (keeps the parser's recursion bounded)."""


class _Token:
    __slots__ = ("kind", "text", "line", "column")

    def __init__(self, kind: str, text: str, line: int, column: int):
        self.kind, self.text, self.line, self.column = kind, text, line, column


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
            graph.seed = self.parse_int()
            self.expect(")")
        self.expect("{")
        self.skip_comments()
        while not self.accept("}"):
            self.parse_op(graph)
            self.skip_comments()
        return graph

    def parse_int(self) -> int:
        token = self.next()
        if token.kind != "int":
            raise self.error(f"expected an integer, found {self.found(token)}", token)
        return int(token.text)

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
        location = None
        last_line = self.tokens[self.pos - 1].line
        comment = self.peek()
        if comment.kind == "comment" and comment.line == last_line:
            match = _LOCATION.match(comment.text)
            if match:
                location = SourceLocation(match.group(1), int(match.group(2)), "")
                self.pos += 1
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
            printed = ", ".join(map(str, types)) or "()"
            actual = ", ".join(map(str, inferred)) or "()"
            raise self.error(f"op '%{name}' is typed {printed} but its type rule gives {actual}", type_token)

    def lookup_op(self, graph: Graph, name: str, token: _Token) -> Any:
        op = graph._by_name.get(name)
        if op is None:
            raise self.error(f"'%{name}' is used before it is defined", token)
        return op

    def lookup_tensor(self, graph: Graph, ref: str, token: _Token) -> Any:
        name, _, index = ref.partition(":")
        op = self.lookup_op(graph, name, token)
        i = int(index or 0)
        if i >= len(op.outputs):
            raise self.error(f"'%{name}' has {len(op.outputs)} output(s), no output {i}", token)
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
        return TensorType(dtype, TensorShape(self.parse_dims()))

    def parse_dims(self) -> list[int | None]:
        self.expect("[")
        dims: list[int | None] = []
        while not self.accept("]"):
            if dims:
                self.expect(",")
            if self.accept("?"):
                dims.append(None)
            else:
                token = self.peek()
                dim = self.parse_int()
                if dim < 0:
                    raise self.error(f"negative dimension {dim}", token)
                dims.append(dim)
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
            return int(self.next().text)
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
                return self.parse_graph(Graph())
        raise self.error(f"expected an attribute value, found {self.found(token)}")

    def parse_array(self) -> ArrayValue:
        self.expect("tensor")
        self.expect("<")
        token = self.peek()
        array_type = self.parse_type()
        self.expect(">")
        dtype, shape = array_type.dtype.np, tuple(array_type.shape)
        if None in shape:
            raise self.error("a constant's shape must be fully known", token)
        size = math.prod(shape)
        data = self.peek()
        if data.kind == "b64":
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
            return ArrayValue(array.reshape(shape))
        self.expect("[")
        items = []
        while not self.accept("]"):
            if items:
                self.expect(",")
            item = self.next()
            if item.kind not in ("int", "float", "ident") or (
                item.kind == "ident" and item.text not in ("true", "false")
            ):
                raise self.error(f"expected a number, found {self.found(item)}", item)
            items.append(item.text)
        if len(items) != size:
            raise self.error(f"constant has {len(items)} elements, {array_type} needs {size}", data)
        try:
            return ArrayValue(parse_scalars(items, dtype).reshape(shape))
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
