"""Fuzzing ``jaxgraph.ir.parse`` and the graph-file loader: random text, mutated valid dumps and
graph files with mutated metadata only ever raise ParseError.

Whatever the text, parsing either gives a Graph that verifies and prints back to text that parses
to the same graph, or raises ``jaxgraph.errors.ParseError``; never another exception. The same
holds for ``parse_graph_file`` (whose documented errors also include ``DataLossError``).

CI runs a bounded, derandomized number of examples. A longer, randomized run::

    JAXGRAPH_FUZZ_EXAMPLES=20000 python -m pytest tests/ir/test_parser_fuzz.py -q
"""

from __future__ import annotations

import json
import os
import re
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxgraph as jg
from jaxgraph.errors import DataLossError, ParseError
from jaxgraph.ir import REGISTRY, parse, verify
from jaxgraph.tracer.graph_file import META_PREFIX, parse_graph_file
from tests.ir.graphs import CASES, PROBE
from tests.train.test_saver import build_model

LONG_RUN = "JAXGRAPH_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(
    max_examples=int(os.environ.get("JAXGRAPH_FUZZ_EXAMPLES", 100)),
    derandomize=not LONG_RUN,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module", autouse=True)
def probe_op():
    """The golden graphs use the test-only probe op (an attribute of every kind)."""
    REGISTRY[PROBE.type] = PROBE
    yield
    del REGISTRY[PROBE.type]


def control_flow_graph() -> jg.Graph:
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (3,), name="x")
        v = jg.Variable(jg.zeros((3,)), name="v")
        jg.cond(jg.reduce_sum(x) > 0.0, lambda: x * v, lambda: x - 1.0)
        jg.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + x), [jg.constant(0), jg.zeros((3,))])
    return g


def seed_texts() -> list[str]:
    REGISTRY[PROBE.type] = PROBE
    with jg.Graph().as_default():
        texts = [str(make().graph) for make in CASES.values()]
    return texts + [str(build_model()[0]), str(control_flow_graph())]


SEEDS = seed_texts()
TOKEN = re.compile(r"%[\w./:\-^]+|[\w.\-]+|\"(?:[^\"\\]|\\.)*\"|\S")
SNIPPETS = ["graph {", "}", "%x", "^%x", "= ", ": f32[2]", "ref<f32[]>", "tensor<f32[2]>", 'b64"AAAA"',
            "[" * 50, "graph(seed=", "{", "(", ")", ",", "?", "-1", "9" * 30, "1e999", "nan", "#", "\n", "\\"]  # fmt: skip


def graph_file_texts() -> list[str]:
    """Graph files (header, metadata, IR) of a training model and of control flow."""
    texts = []
    with tempfile.TemporaryDirectory() as folder:
        for graph in (build_model()[0], control_flow_graph()):
            with open(graph.save(os.path.join(folder, "g.jgir")), encoding="utf-8") as f:
                texts.append(f.read())
    return texts


GRAPH_FILES = graph_file_texts()


def check(text: str, load=parse, errors=(ParseError,)) -> None:
    """The property: a Graph that verifies and round-trips, or one of ``errors``."""
    try:
        graph = load(text)
    except errors:
        return
    verify(graph)
    printed = str(graph)
    assert str(parse(printed)) == printed


def mutate(draw: st.DrawFn, text: str) -> str:
    """``text`` after a few character inserts / deletes / replaces, token swaps, line duplicates
    or drops, and truncation."""
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "swap", "snippet", "line", "truncate"]))
        pos = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:pos] + draw(st.text(min_size=1, max_size=3)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)) :]
        elif kind == "replace" and pos < len(text):
            text = text[:pos] + draw(st.characters()) + text[pos + 1 :]
        elif kind == "snippet":
            text = text[:pos] + draw(st.sampled_from(SNIPPETS)) + text[pos:]
        elif kind == "swap" and len(TOKEN.findall(text)) >= 2:
            tokens = [m.span() for m in TOKEN.finditer(text)]
            (a0, a1), (b0, b1) = sorted(draw(st.lists(st.sampled_from(tokens), min_size=2, max_size=2)))
            if a1 <= b0:
                text = text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
        elif kind == "line":
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i] = lines[j] if draw(st.booleans()) else ""
            text = "\n".join(lines)
        elif kind == "truncate":
            text = text[:pos]
    return text


@st.composite
def mutated_dump(draw: st.DrawFn) -> str:
    """A valid dump, mutated."""
    return mutate(draw, draw(st.sampled_from(SEEDS)))


META_NAMES = ["variables", "collections", "name", "initializer", "snapshot", "read", "assigned", "trainable",
              "variable", "tensor", "operation", "value", "w", "w/Assign", "w/read:0", "loss:0", "x", "x:0"]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(META_NAMES),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(META_NAMES) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def replace_somewhere(draw: st.DrawFn, value, new):
    """``value`` with one of its parts (maybe the whole) replaced by ``new``, or deleted when
    ``new`` is None and the part is in a list or object."""
    if isinstance(value, (list, dict)) and value and draw(st.booleans()):
        keys = list(range(len(value))) if isinstance(value, list) else list(value)
        key = draw(st.sampled_from(keys))
        value = value.copy()
        if new is None and draw(st.booleans()):
            del value[key]
        else:
            value[key] = replace_somewhere(draw, value[key], new)
        return value
    return new


@st.composite
def mutated_graph_file(draw: st.DrawFn) -> str:
    """A valid graph file whose metadata JSON has a part replaced or deleted, or whose text is
    mutated as a whole."""
    text = draw(st.sampled_from(GRAPH_FILES))
    if draw(st.booleans()):
        return mutate(draw, text)
    header, meta_line, body = text.split("\n", 2)
    meta = replace_somewhere(draw, json.loads(meta_line[len(META_PREFIX) :]), draw(JSON_VALUES))
    return f"{header}\n{META_PREFIX}{json.dumps(meta)}\n{body}"


@FUZZ
@given(mutated_dump())
def test_mutated_dumps_parse_or_raise_parse_error(text):
    check(text)


IR_ALPHABET = st.sampled_from(list('%^=(){}[]<>,:@?#"\\-+._/ \n0123456789abcdefgilnoprstuxyz') + SNIPPETS)


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(IR_ALPHABET, max_size=80).map("".join)))
def test_random_text_parses_or_raises_parse_error(text):
    check(text)


@FUZZ
@given(mutated_graph_file())
def test_mutated_graph_files_load_or_raise_parse_error(text):
    check(text, parse_graph_file, (ParseError, DataLossError))


@pytest.mark.parametrize(
    "text, message",
    [
        ("graph {\n  %a = fill() {shape=" + "[" * 500 + "]" * 500 + "} : f32[]\n}",
         "line 2, column 122: nesting deeper than 100 levels"),
        ("graph { %c = constant() {value=tensor<f32[99999999999999999999]>[1.0], dtype=f32} : f32[1] }",
         "line 1, column 43: dimension 99999999999999999999 is out of range [0, 9223372036854775807]"),
        ('graph { %p = placeholder() {dtype=f32, shape=[], s="\\0"} : f32[] }',
         "line 1, column 52: bad string literal: Invalid \\escape"),
    ],
    ids=["deep-nesting", "huge-constant", "bad-escape"],
)  # fmt: skip
def test_regressions_found_by_fuzzing(text, message):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message == message


def test_seeds_are_valid():
    for text in SEEDS:
        assert str(parse(text)) == text
    for text in GRAPH_FILES:
        assert str(parse_graph_file(text)) + "\n" == text.split("\n", 2)[2]
