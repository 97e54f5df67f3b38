"""The IR text format: golden files, exact round trips (text and values) and parse errors.

Goldens live in ``tests/ir/golden/<name>.ir``; ``JAXGRAPH_UPDATE_GOLDEN=1`` rewrites them.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError, ParseError
from jaxgraph.ir import REGISTRY, Graph, parse, verify
from jaxgraph.ir.printer import format_value
from tests.ir.graphs import CASES, PROBE, RUNNABLE, Case

GOLDEN = pathlib.Path(__file__).parent / "golden"


@pytest.fixture(scope="module", autouse=True)
def probe_op():
    """Registers the test-only probe op while this module runs (and the end-of-test verifies)."""
    REGISTRY[PROBE.type] = PROBE
    yield
    del REGISTRY[PROBE.type]


def run_case(case: Case, graph: jg.Graph) -> list[np.ndarray]:
    """The case's fetches, computed from ``graph`` (the original or its parsed copy)."""
    with jg.Session(graph=graph) as sess:
        if case.init is not None:
            sess.run(case.init)
        return [np.asarray(v) for v in sess.run(case.fetches, case.feeds)]


# ---- golden files ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_golden(name):
    text = str(CASES[name]().graph) + "\n"
    path = GOLDEN / f"{name}.ir"
    if os.environ.get("JAXGRAPH_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_golden_lines_point_at_the_builders():
    """The ``# graphs.py:LINE`` comments name the line that created each op."""
    lines = (pathlib.Path(__file__).parent / "graphs.py").read_text().splitlines()
    graph = CASES["forward"]().graph
    for op_name, snippet in [("x", 'name="x"'), ("dense/w", 'name="w"'), ("Mean", "jg.reduce_mean(")]:
        op = graph.get_operation_by_name(op_name)
        assert os.path.basename(op.location.file) == "graphs.py"
        assert snippet in lines[op.location.line - 1]


# ---- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_round_trip_text_and_attributes(name):
    graph = CASES[name]().graph
    parsed = verify(parse(str(graph)))
    assert str(parsed) == str(graph)
    assert parsed.seed == graph.seed
    for original, copy in zip(graph.operations, parsed.operations, strict=True):
        assert (copy.name, copy.type, copy.device) == (original.name, original.type, original.device)
        assert [t.type for t in copy.outputs] == [t.type for t in original.outputs]
        for key, value in original.attrs.items():
            assert format_value(copy.attrs[key]) == format_value(value)
            assert type(copy.attrs[key]) is type(value) or isinstance(value, Graph)


@pytest.mark.parametrize("name", RUNNABLE)
def test_parsed_graph_computes_the_same_values(name):
    case = CASES[name]()
    expected = run_case(case, case.graph)
    actual = run_case(case, parse(str(case.graph)))
    for e, a in zip(expected, actual, strict=True):
        assert a.dtype == e.dtype
        np.testing.assert_array_equal(a, e)


def test_constants_keep_their_bits():
    """Inline or base64, every constant comes back bit for bit (nan payloads and -0.0 included)."""
    graph = CASES["attributes"]().graph
    parsed = parse(str(graph))
    for op in graph.operations:
        if op.type == "constant":
            copy = parsed.get_operation_by_name(op.name).attrs["value"].array
            assert copy.dtype == op.attrs["value"].array.dtype
            assert copy.tobytes() == op.attrs["value"].array.tobytes()


def test_text_without_locations_stays_without():
    text = "graph {\n  %x = placeholder() {dtype=f32, shape=[2]} : f32[2]\n}"
    assert str(parse(text)) == text
    assert parse(text).operations[0].location is None


def test_comments_and_blank_lines_are_ignored():
    text = "# a graph file\n\ngraph {\n  # the input\n  %x = placeholder() {dtype=f32, shape=[]} : f32[]\n\n}\n# end\n"
    assert str(parse(text)) == "graph {\n  %x = placeholder() {dtype=f32, shape=[]} : f32[]\n}"


def test_attribute_equal_to_default_is_left_out_but_negative_zero_is_not():
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (1,), name="x")
        g.create_op(PROBE.type, [x], {"f": 0.0, "b": False, "i": 0}, name="defaults")
        g.create_op(PROBE.type, [x], {"f": -0.0, "i": False}, name="differs")
    lines = [line.partition("  #")[0] for line in str(g).splitlines()]
    assert lines[2:4] == [
        "  %defaults = ir_test_probe(%x) : f32[1]",
        "  %differs = ir_test_probe(%x) {i=false, f=-0.0} : f32[1]",
    ]
    assert str(parse(str(g))) == str(g)


# ---- property: random graphs of math ops round-trip and verify ---------------------------------
UNARY = [jg.tanh, jg.exp, jg.neg, jg.square, jg.sigmoid, jg.abs, jg.relu]
BINARY = [jg.add, jg.subtract, jg.multiply, jg.maximum, jg.truediv, jg.squared_difference]
REDUCE = [jg.reduce_sum, jg.reduce_mean, jg.reduce_max, jg.reduce_min, jg.reduce_prod]
floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)


@st.composite
def math_graphs(draw) -> jg.Graph:
    """A graph of elementwise, matmul and reduction ops over placeholders and constants."""
    g = jg.Graph()
    with g.as_default():
        pool = [
            jg.placeholder(jg.float32, (None, 3), name="x"),
            jg.placeholder(jg.float32, (3, 3), name="w"),
            jg.constant(np.array(draw(st.lists(floats32, min_size=3, max_size=3)), np.float32), name="b"),
            jg.constant(
                np.array(draw(st.lists(floats32, min_size=18, max_size=18)), np.float32).reshape(6, 3)
            ),
        ]
        for _ in range(draw(st.integers(1, 8))):
            kind = draw(st.sampled_from(["unary", "binary", "matmul", "reduce"]))
            a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
            with g.name_scope(draw(st.sampled_from([None, "layer", "layer/inner"]))):
                try:
                    if kind == "unary":
                        pool.append(draw(st.sampled_from(UNARY))(a))
                    elif kind == "binary":
                        pool.append(draw(st.sampled_from(BINARY))(a, b))
                    elif kind == "matmul":
                        flags = draw(st.tuples(st.booleans(), st.booleans()))
                        pool.append(jg.matmul(a, b, transpose_a=flags[0], transpose_b=flags[1]))
                    else:
                        axis = draw(st.sampled_from([None, 0, -1, (0, -1)]))
                        pool.append(draw(st.sampled_from(REDUCE))(a, axis=axis, keepdims=draw(st.booleans())))
                except InvalidArgumentError:
                    pass  # operands whose types the op rejects: draw again
    return g


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(math_graphs())
def test_random_math_graphs_round_trip(graph):
    verify(graph)
    text = str(graph)
    parsed = verify(parse(text))
    assert str(parsed) == text
    assert [op.attrs for op in parsed.operations] == [op.attrs for op in graph.operations]


# ---- parse errors ------------------------------------------------------------------------------
X = "  %x = placeholder() {dtype=f32, shape=[?,3]} : f32[?,3]  # m.py:1\n"
C = "  %c = placeholder() {dtype=f32, shape=[2,3]} : f32[2,3]\n"


def graph_text(*lines: str, close: bool = True) -> str:
    return "graph {\n" + "".join(lines) + ("}\n" if close else "")


PARSE_ERRORS = {
    "unknown op type": (
        graph_text(X, "  %y = frobnicate(%x) : f32[?,3]\n"),
        "line 3, column 8: op '%y': unknown op type 'frobnicate'",
    ),
    "undefined operand": (
        graph_text(X, "  %y = tanh(%z) : f32[?,3]\n"),
        "line 3, column 13: '%z' is used before it is defined",
    ),
    "undefined control input": (
        graph_text(X, "  %y = tanh(%x, ^%later) : f32[?,3]\n"),
        "line 3, column 17: '%later' is used before it is defined",
    ),
    "missing output index": (
        graph_text(X, "  %y = tanh(%x:1) : f32[?,3]\n"),
        "line 3, column 13: '%x' has 1 output(s), no output 1",
    ),
    "control before data operand": (
        graph_text(X, "  %y = add(^%x, %x) : f32[?,3]\n"),
        "line 3, column 17: data operands must come before control operands",
    ),
    "duplicate name": (graph_text(X, X), "line 3, column 8: op '%x': duplicate op name 'x'"),
    "bad type syntax": (
        graph_text("  %x = placeholder() {dtype=f32, shape=[2]} : f33[2]\n"),
        "line 2, column 47: expected a type such as f32[2,3], found 'f33'",
    ),
    "unclosed dims": (
        graph_text("  %x = placeholder() {dtype=f32, shape=[2]} : f32[2\n"),
        "line 3, column 1: expected ',', found '}'",
    ),
    "negative dim": (
        graph_text("  %x = placeholder() {dtype=f32, shape=[2]} : f32[-2]\n"),
        "line 2, column 51: negative dimension -2",
    ),
    "type differs from the type rule": (
        graph_text(X, "  %y = tanh(%x) : f32[?,4]\n"),
        "line 3, column 8: op '%y' is typed f32[?,4] but its type rule gives f32[?,3]",
    ),
    "wrong number of outputs": (
        graph_text(X, "  %n = no_op(^%x) : f32[?,3]\n"),
        "line 3, column 8: op '%n' is typed f32[?,3] but its type rule gives ()",
    ),
    "type rule rejects the operands": (
        graph_text(C, "  %m = matmul(%c, %c) : f32[2,3]\n"),
        "line 3, column 8: op '%m': matmul inner dimensions differ: f32[2,3] @ f32[2,3] (3 != 2)",
    ),
    "bad attribute value": (
        graph_text("  %x = placeholder() {dtype=float, shape=[2]} : f32[2]\n"),
        "line 2, column 29: expected an attribute value, found 'float'",
    ),
    "attribute value of the wrong kind": (
        graph_text(X, "  %s = reduce_sum(%x) {axis=1.5} : f32[]\n"),
        "line 3, column 8: op '%s': bad attribute value (TypeError: 'float' object is not iterable)",
    ),
    "unknown attribute": (
        graph_text(X, "  %s = tanh(%x) {fast=true} : f32[?,3]\n"),
        "line 3, column 8: op '%s': unknown attribute(s) ['fast'] for op type 'tanh'",
    ),
    "device is not a string": (
        graph_text("  %x = placeholder() {dtype=f32, shape=[2]} @gpu : f32[2]\n"),
        "line 2, column 46: expected a string, found 'gpu'",
    ),
    "missing '='": (
        graph_text("  %x placeholder() {dtype=f32, shape=[2]} : f32[2]\n"),
        "line 2, column 6: expected '=', found 'placeholder'",
    ),
    "unterminated graph": (
        graph_text(X, close=False),
        "line 3, column 1: expected an op definition '%name = ...', found end of text",
    ),
    "garbage characters": (
        graph_text(X, "  %y = tanh(%x) : f32[?,3] $$\n"),
        "line 3, column 28: unexpected character '$'",
    ),
    "text after the graph": (
        graph_text() + "graph {\n}\n",
        "line 3, column 1: unexpected text after the graph: 'graph'",
    ),
    "not a graph": ("%x = tanh() : f32[]", "line 1, column 1: expected 'graph', found '%x'"),
    "malformed base64": (
        graph_text('  %c = constant() {value=tensor<f32[2]>b64"AAA", dtype=f32} : f32[2]\n'),
        "line 2, column 40: malformed base64 data",
    ),
    "base64 of the wrong size": (
        graph_text('  %c = constant() {value=tensor<f32[2]>b64"AACAPw==", dtype=f32} : f32[2]\n'),
        "line 2, column 40: constant data has 4 bytes, f32[2] needs 8",
    ),
    "wrong constant element count": (
        graph_text("  %c = constant() {value=tensor<f32[2,2]>[1.0,2.0,3.0], dtype=f32} : f32[2,2]\n"),
        "line 2, column 42: constant has 3 elements, f32[2,2] needs 4",
    ),
    "float element in an int constant": (
        graph_text("  %c = constant() {value=tensor<i32[2]>[1,2.5], dtype=i32} : i32[2]\n"),
        "line 2, column 40: bad constant element: invalid literal for int() with base 10: '2.5'",
    ),
    "constant dtype differs": (
        graph_text("  %c = constant() {value=tensor<i32[1]>[1], dtype=f32} : f32[1]\n"),
        "line 2, column 8: op '%c': constant value has dtype i32, not f32",
    ),
    "constant of unknown shape": (
        graph_text("  %c = constant() {value=tensor<f32[?]>[1.0], dtype=f32} : f32[1]\n"),
        "line 2, column 33: a constant's shape must be fully known",
    ),
    "Variable handle as a value": (
        graph_text("  %v = variable() {dtype=f32, shape=[2]} : ref<f32[2]>\n", "  %y = tanh(%v) : f32[2]\n"),
        "line 3, column 8: op '%y': Variable handle 'v:0' used as a value",
    ),
    "read of a plain value": (
        graph_text(X, "  %r = read(%x) : f32[?,3]\n"),
        "line 3, column 8: op '%r': a state op's first input must be a Variable handle",
    ),
}


@pytest.mark.parametrize("text, message", PARSE_ERRORS.values(), ids=PARSE_ERRORS.keys())
def test_parse_error(text, message):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message == message
    assert isinstance(info.value, ValueError)


def test_parse_rejects_non_text():
    with pytest.raises(ParseError) as info:
        parse(b"graph {}")
    assert info.value.message == "parse expects IR text (str), got bytes"
