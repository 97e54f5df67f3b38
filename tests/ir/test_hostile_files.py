"""Hostile IR text and graph files: code-injection payloads and numbers or structures built to
crash the loader end in a ParseError naming the place, and text that is accepted never runs.

The payloads would create a file ``MARKER`` in the current folder (each test runs in its own
``tmp_path``) if any part of them became code of the generated Python.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import ParseError
from jaxgraph.ir import parse
from jaxgraph.ir.graph import SourceLocation
from jaxgraph.lowering.executable import STAGES

PAYLOAD = "    open('MARKER', 'w')  #"
"""After a line break in the comment of ``with named_scope(...): y = tanh(x)  # ...``, this line
is at the statement's indentation: it would run with the graph."""
BREAKS = ["\r", "\x00", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1e"]
X = "  %x = placeholder() {dtype=f32, shape=[2]} : f32[2]  # model.py:1\n"


def graph_text(*lines: str) -> str:
    return "graph {\n" + "".join(lines) + "}\n"


def tanh_line(comment: str) -> str:
    return f"  %y = tanh(%x) : f32[2]  # {comment}\n"


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Every test runs in its own folder, where a payload would leave ``MARKER``."""
    monkeypatch.chdir(tmp_path)
    yield
    assert not os.path.exists(tmp_path / "MARKER")


@pytest.mark.parametrize("brk", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_line_break_in_a_location_comment_is_a_parse_error(brk):
    text = graph_text(X, tanh_line(f"model.py{brk}{PAYLOAD}:3"))
    with pytest.raises(ParseError) as info:
        parse(text)
    column = text.split("\n")[2].index("#") + 1
    assert info.value.message == (
        f"line 3, column {column}: location comment contains the non-printable character {brk!r}"
    )


def test_newline_in_a_location_comment_leaves_the_payload_as_bad_ir():
    text = graph_text(X, tanh_line(f"model.py\n{PAYLOAD}:3"))
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message == 'line 4, column 10: unexpected character "\'"'


def saved_graph(path: str) -> str:
    """A graph file of ``y = tanh(x)``; returns its text."""
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        jg.tanh(x, name="y")
    g.save(path)
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


@pytest.mark.parametrize("brk", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_line_break_in_a_graph_file_location_is_a_parse_error(tmp_path, brk):
    path = str(tmp_path / "model.jgir")
    lines = saved_graph(path).split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("  %y = "))
    lines[index] = lines[index][: lines[index].index("#")] + f"# model.py{brk}{PAYLOAD}:3"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines))
    with pytest.raises(ParseError) as info:
        jg.load_graph(path)
    column = lines[index].index("#") + 1
    assert info.value.message == (
        f"{path}: line {index + 1}, column {column}: location comment contains the non-printable character {brk!r}"
    )


def test_very_long_location_lines():
    long_name = "m" * 1_000_000
    assert parse(graph_text(X, tanh_line(f"{long_name}.py:3"))).get_operation_by_name("y").location == (
        SourceLocation(f"{long_name}.py", 3, "")
    )
    with pytest.raises(ParseError) as info:
        parse(graph_text(X, tanh_line(f"{long_name}\r{PAYLOAD}:3")))
    assert (
        info.value.message == "line 3, column 27: location comment contains the non-printable character '\\r'"
    )


def run_and_dump_every_stage(graph: jg.Graph, dump_dir: str) -> dict[str, str]:
    """Runs ``y`` (and writes the dump folder), and returns every stage's text."""
    feed = {"x:0": np.array([0.5, -1.0], np.float32)}
    with jg.Session(graph=graph, dump_dir=dump_dir) as sess:
        np.testing.assert_allclose(sess.run("y:0", feed), np.tanh(feed["x:0"]), rtol=1e-6)
        return {stage: sess.dump("y:0", feed, stage=stage) for stage in STAGES}


def test_accepted_hostile_text_never_runs(tmp_path):
    """Text that parses (a printable payload in a location, line breaks inside attribute strings)
    and a location set in-process (never parsed) stay inert in every stage."""
    text = graph_text(
        X,
        tanh_line(f"m.py\"); open('MARKER', 'w'); (\"{PAYLOAD}:3"),
        '  %c = check_numerics(%y) {message="\\r\\n' + PAYLOAD + '\\u2028\\u0000"} : f32[2]  # model.py:4\n',
    )
    graph = parse(text)
    graph.get_operation_by_name("x").location = SourceLocation(f"model.py\r{PAYLOAD}\n", 1)
    stages = run_and_dump_every_stage(graph, str(tmp_path / "dumps"))
    source = stages["jax"]
    assert f"# model.py\\r{PAYLOAD}\\n:1" not in source  # x is fed: it has no line of its own
    assert f"tanh(x)  # m.py\"); open('MARKER', 'w'); (\"{PAYLOAD}:3\n" in source
    assert source.endswith("    return (y,), (), key, ()\n") and source.count("\n") == 5  # no line was added
    assert f"%y = tanh(%x) : f32[2]  # m.py\"); open('MARKER', 'w'); (\"{PAYLOAD}:3\n" in stages["ir"]
    assert os.listdir(tmp_path / "dumps")


def test_in_process_location_with_line_breaks_is_escaped_in_generated_code(tmp_path):
    graph = parse(graph_text(X, tanh_line("model.py:2")))
    graph.get_operation_by_name("y").location = SourceLocation(f"model.py\r{PAYLOAD}\u2028\x00", 2)
    stages = run_and_dump_every_stage(graph, str(tmp_path / "dumps"))
    assert f"    y = jnp.tanh(x)  # model.py{PAYLOAD}:2\n" in stages["jax"]  # control characters dropped
    assert f"  # model.py?{PAYLOAD}??:2\n" in stages["ir"]
    printed = str(graph)
    assert str(parse(printed)) == printed  # the printer's text of any location parses back


def nested_conds(levels: int) -> str:
    """IR text of ``levels`` sub-graphs nested in one another (a cond in a cond ...)."""
    leaf = "graph {\n%p = placeholder() {dtype=f32, shape=[]} : f32[]\n%results = results(%p) : ()\n}"
    true = "%t = constant() {value=tensor<bool[]>[true], dtype=bool} : bool[]\n"
    branch = leaf
    for _ in range(levels - 1):
        branch = (
            "graph {\n%p = placeholder() {dtype=f32, shape=[]} : f32[]\n" + true
            + f"%c = cond(%t, %p) {{then_branch={branch}, else_branch={leaf}}} : f32[]\n"
            + "%results = results(%c) : ()\n}"
        )  # fmt: skip
    return (
        "graph {\n%x = placeholder() {dtype=f32, shape=[]} : f32[]\n" + true
        + f"%c = cond(%t, %x) {{then_branch={branch}, else_branch={leaf}}} : f32[]\n}}\n"
    )  # fmt: skip


def test_sub_graph_nesting_is_bounded():
    graph = parse(nested_conds(32))  # the deepest allowed still runs
    with jg.Session(graph=graph) as sess:
        assert sess.run("c:0", {"x:0": np.float32(3.0)}) == 3.0
    text = nested_conds(33)
    with pytest.raises(ParseError) as info:
        parse(text)
    opened = [i for i in range(len(text)) if text.startswith("then_branch=graph", i)]
    where = opened[32] + len("then_branch=")  # the 33rd sub-graph
    line_start = text.rfind("\n", 0, where) + 1
    assert info.value.message == (
        f"line {text.count(chr(10), 0, where) + 1}, column {where - line_start + 1}: "
        "sub-graphs nested deeper than 32 levels"
    )


NINES = "9" * 5000
RANK_100K = "f32[" + ",".join(["1"] * 100_000) + "]"
HOSTILE_IR = {
    "dimension beyond int64": (
        graph_text("  %x = placeholder() {dtype=f32, shape=[2]} : f32[9223372036854775808]\n"),
        "line 2, column 51: dimension 9223372036854775808 is out of range [0, 9223372036854775807]",
    ),
    "5000-digit dimension": (
        graph_text(f"  %x = placeholder() {{dtype=f32, shape=[2]}} : f32[{NINES}]\n"),
        "line 2, column 51: dimension 999999999999...(5000 characters) is out of range [0, 9223372036854775807]",
    ),
    "zero-sized constant with a 10^23 dimension": (
        graph_text(f"  %c = constant() {{value=tensor<f32[0,{10**23}]>[], dtype=f32}} : f32[0,{10**23}]\n"),
        f"line 2, column 39: dimension {10**23} is out of range [0, 9223372036854775807]",
    ),
    "zero-sized constant NumPy cannot shape": (
        graph_text(f"  %c = constant() {{value=tensor<f64[0,{2**62}]>[], dtype=f64}} : f64[0,{2**62}]\n"),
        f"line 2, column 33: constant of type f64[0,{2**62}]: array is too big; "
        "`arr.size * arr.dtype.itemsize` is larger than the maximum possible size.",
    ),
    "element count beyond int64": (
        graph_text(f"  %x = placeholder() {{dtype=f32, shape=[2]}} : f32[{2**32},0,{2**32}]\n"),
        "line 2, column 47: bad shape: more than 9223372036854775807 elements (2**63 - 1)",
    ),
    "rank beyond NumPy's": (
        graph_text(f"  %x = placeholder() {{dtype=f32, shape=[2]}} : f32[{','.join(['1'] * 65)}]\n"),
        "line 2, column 47: bad shape: rank 65 exceeds the maximum of 64",
    ),
    "negative dimension": (
        graph_text("  %x = placeholder() {dtype=f32, shape=[2]} : f32[-1]\n"),
        "line 2, column 51: negative dimension -1",
    ),
    "attribute integer beyond uint64": (
        graph_text(f"  %z = fill() {{shape=[2], value={2**64}, dtype=u64}} : u64[2]\n"),
        "line 2, column 33: integer 18446744073709551616 is out of range "
        "[-9223372036854775808, 18446744073709551615]",
    ),
    "5000-digit attribute": (
        graph_text(f"  %x = placeholder() {{dtype=f32, shape=[{NINES}]}} : f32[2]\n"),
        "line 2, column 41: integer 999999999999...(5000 characters) is out of range "
        "[-9223372036854775808, 18446744073709551615]",
    ),
    "huge attribute tuple": (
        graph_text(f"  %x = placeholder() {{dtype=f32, shape=[{','.join(['1'] * 100_000)}]}} : f32[2]\n"),
        f"line 2, column 8: op '%x' is typed f32[2] but its type rule gives {RANK_100K[:100]}...(200004 characters)",
    ),
    "5000-digit seed": (
        f"graph(seed={NINES}) {{\n}}\n",
        "line 1, column 12: seed 999999999999...(5000 characters) is out of range "
        "[-9223372036854775808, 9223372036854775807]",
    ),
    "5000-digit location line": (
        graph_text(X, tanh_line(f"model.py:{NINES}")),
        "line 3, column 27: location line 999999999999...(5000 characters) is out of range",
    ),
    "5000-digit output index": (
        graph_text(X, f"  %y = tanh(%x:{NINES}) : f32[2]\n"),
        "line 3, column 13: '%x' has 1 output(s), no output 999999999999...(5000 characters)",
    ),
    "5000-digit constant element": (
        graph_text(f"  %c = constant() {{value=tensor<i64[1]>[{NINES}], dtype=i64}} : i64[1]\n"),
        "line 2, column 40: bad constant element: integer 999999999999...(5000 characters) is out of range for int64",
    ),
    "base64 of the wrong length": (
        graph_text('  %c = constant() {value=tensor<f64[3]>b64"AAAAAAAAAAA=", dtype=f64} : f64[3]\n'),
        "line 2, column 40: constant data has 8 bytes, f64[3] needs 24",
    ),
    "number in a bool constant": (
        graph_text("  %c = constant() {value=tensor<bool[2]>[true,7], dtype=bool} : bool[2]\n"),
        "line 2, column 41: bad constant element: '7' is not a bool (true or false)",
    ),
    "unknown dtype": (
        graph_text("  %x = placeholder() {dtype=f8, shape=[2]} : f32[2]\n"),
        "line 2, column 29: expected an attribute value, found 'f8'",
    ),
    "lists nested 200k deep": (
        graph_text(
            "  %x = placeholder() {dtype=f32, shape=" + "[" * 200_000 + "]" * 200_000 + "} : f32[2]\n"
        ),
        "line 2, column 140: nesting deeper than 100 levels",
    ),
}


@pytest.mark.parametrize("text, message", HOSTILE_IR.values(), ids=HOSTILE_IR.keys())
def test_hostile_ir_is_a_parse_error(text, message):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message == message


BODY = graph_text(X)


def graph_file(meta: str, body: str = BODY, header: str = "# jaxgraph-ir v1") -> str:
    return f"{header}\n# meta: {meta}\n{body}"


def variable_entry(**changes) -> str:
    entry = {
        "name": "x",
        "initializer": "x",
        "snapshot": None,
        "read": None,
        "assigned": False,
        "trainable": True,
    }
    return json.dumps({"variables": [entry | changes], "collections": {}})


HOSTILE_FILES = {
    "JSON nested 200k deep": (
        graph_file("[" * 200_000 + "]" * 200_000),
        "line 2, column 109: metadata nested deeper than 100 levels",
    ),
    "brackets inside JSON strings do not count": (
        graph_file(json.dumps({"variables": [], "collections": {"[" * 200: 5}})),
        "line 2: bad metadata: ValueError: collection '" + "[" * 27 + "..." + "[" * 28 + "' must be a list",
    ),
    "5000-digit JSON number": (
        graph_file('{"variables": [], "collections": {"c": [{"value": ' + NINES + "}]}}"),
        "line 2: malformed metadata JSON: an integer of over 4300 digits",
    ),
    "5000-digit format version": (
        graph_file('{"variables": [], "collections": {}}', header=f"# jaxgraph-ir v{NINES}"),
        "line 1: not a jaxgraph graph file (the first line must be '# jaxgraph-ir v1')",
    ),
    "variables not a list": (
        graph_file('{"variables": 5, "collections": {}}'),
        "line 2: bad metadata: ValueError: 'variables' must be a list and 'collections' an object",
    ),
    "variable name not a string": (
        graph_file(variable_entry(name=[1])),
        "line 2: bad metadata: ValueError: variable entry {'assigned': False, 'initializer': 'x', "
        "'name': [1], 'read': None, ...}: bad 'name' [1]",
    ),
    "trainable not a bool": (
        graph_file(variable_entry(trainable="no")),
        "line 2: bad metadata: ValueError: variable entry {'assigned': False, 'initializer': 'x', "
        "'name': 'x', 'read': None, ...}: bad 'trainable' 'no'",
    ),
    "tensor item not a string": (
        graph_file('{"variables": [], "collections": {"c": [{"tensor": ["x:0"]}]}}'),
        "line 2: bad metadata: ValueError: collection item {'tensor': ['x:0']} must give the tensor's name "
        "as a string",
    ),
    "5000-digit output index": (
        graph_file('{"variables": [], "collections": {"c": [{"tensor": "x:' + NINES + '"}]}}'),
        f"line 2: bad metadata: operation 'x' has 1 output(s): no 'x:{NINES}'",
    ),
    "huge item in an error message": (
        graph_file(json.dumps({"variables": [], "collections": {"c": [{"code": "x" * 100_000}]}})),
        "line 2: bad metadata: ValueError: bad collection item {'code': 'xxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "...xxxxxxxxxxxxxxxxxxxxxxxxxxxx'}",
    ),
}


@pytest.mark.parametrize("text, message", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_hostile_graph_file_is_a_parse_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad.jgir"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as info:
        jg.load_graph(str(path))
    assert info.value.message == f"{path}: {message}"
