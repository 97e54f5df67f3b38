"""String tensors and ops against TF1's recorded behaviour (tests/ops/fixtures/strings.json,
recorded by scripts/record_strings.py): fetched values, ``as_string`` over a grid of dtypes,
values and options, ``string_join``; numeric ops refuse strings at build time; IR text and
GraphDef carry them."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir import parse
from jaxgraph.ir.dtypes import as_dtype
from jaxgraph.ir.opdef import TypeRuleError, get_op_def
from jaxgraph.ir.shapes import TensorShape, TensorType

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "strings.json").read_text())
AS_STRING = get_op_def("as_string")
RUNNABLE = ("float32", "float16", "int32", "uint8", "bool", "string")
"""The dtypes a Session runs without JAX's 64-bit mode (which tests never switch on)."""


def decode(dtype: str, values: list) -> np.ndarray:
    """The fixture's values as a NumPy array (floats are stored as their float64 bytes)."""
    if dtype == "string":
        array = np.empty(len(values), dtype=object)
        array[:] = [v.encode() for v in values]
        return array
    if dtype.startswith("float"):
        return np.array([np.frombuffer(bytes.fromhex(v), np.float64)[0] for v in values]).astype(dtype)
    return np.array(values, dtype=dtype)


def options_of(case: dict) -> dict:
    return {"precision": -1, "scientific": False, "shortest": False, "width": -1, "fill": ""} | case[
        "options"
    ]


def test_fetched_string_values_are_tf1s():
    p = jg.placeholder(jg.string)  # a scalar: jaxgraph tensors have a static rank
    v = jg.placeholder(jg.string, (None,))
    with jg.Session() as sess:
        fetched = {
            "constant scalar": sess.run(jg.constant("Hello, TensorFlow!")),
            "constant array": sess.run(jg.constant([["a", "bc"], ["é", ""]])),
            "fed str": sess.run(p, {p: "xy"}),
            "fed bytes": sess.run(p, {p: b"xy"}),
            "fed list": sess.run(v, {v: ["a", "é"]}),
            "identity of fed str": sess.run(jg.identity(p), {p: "é"}),
        }
    assert {name: repr(value) for name, value in fetched.items()} == FIXTURE["fetches"]


@pytest.mark.parametrize("case", FIXTURE["as_string"], ids=lambda c: f"{c['dtype']}-{c['options']}")
def test_as_string_rule_matches_tf1(case):
    """Every recorded case through the op's type rule (TF1's option errors) and host rule."""
    options, values = options_of(case), decode(case["dtype"], case["values"])
    x_type = TensorType(as_dtype(values.dtype), TensorShape(values.shape))
    if "error" in case["result"]:
        with pytest.raises(TypeRuleError) as info:
            AS_STRING.infer(x_type, **options)
        assert str(info.value) == case["result"]["error"]
    else:
        assert AS_STRING.infer(x_type, **options) == TensorType(jg.string, TensorShape(values.shape))
        result = AS_STRING.host(values, **options)
        assert [v.decode("latin-1") for v in result] == case["result"]


def test_as_string_in_a_session_matches_tf1():
    cases = [c for c in FIXTURE["as_string"] if c["dtype"] in RUNNABLE and "error" not in c["result"]]
    tensors = [jg.as_string(decode(c["dtype"], c["values"]), **options_of(c)) for c in cases]
    with jg.Session() as sess:
        results = sess.run(tensors)
    assert [[v.decode("latin-1") for v in r] for r in results] == [c["result"] for c in cases]


def test_as_string_option_errors_name_the_op_and_line():
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(InvalidArgumentError) as info:
        jg.as_string(jg.constant([1, 2]), precision=2, name="digits")
    assert info.value.message == "precision not supported for datatype int32"
    assert info.value.op.name == "digits" and info.value.op.location.line == line


def test_string_join_matches_tf1():
    a = jg.constant(["a", "bc"])
    p = jg.placeholder(jg.string, (None,))
    recorded = FIXTURE["string_join"]
    with jg.Session() as sess:
        results = {
            "join": sess.run(jg.string_join([a, "-", jg.constant(["x", "y"])])),
            "separator": sess.run(jg.string_join([a, "z"], separator=", ")),
            "scalars": sess.run(jg.strings.join(["x", "y"], separator="+")),
            "one input": sess.run(jg.string_join([a])),
        }
        assert {k: [v.decode() for v in np.atleast_1d(r)] for k, r in results.items()} == {
            k: recorded[k] for k in results
        }
        joined = jg.string_join([a, p])
        with pytest.raises(InvalidArgumentError) as info:
            sess.run(joined, {p: ["a", "b", "c"]})
    assert info.value.message == recorded["run mismatch"]
    assert info.value.op is joined.op


def test_string_join_refuses_mismatched_shapes_when_built():
    with pytest.raises(InvalidArgumentError) as info:
        jg.string_join([jg.constant(["a", "bc"]), jg.constant(["a", "b", "c"])])
    assert (
        info.value.message
        == "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]."
    )
    assert FIXTURE["string_join"]["build mismatch"].startswith(info.value.message)


def test_string_join_refuses_numbers_and_non_lists():
    with pytest.raises(InvalidArgumentError) as info:
        jg.string_join([jg.constant(["a"]), jg.constant([1.0])])
    assert info.value.message == "string_join joins string tensors, got f32[1]"
    with pytest.raises(InvalidArgumentError) as info:
        jg.string_join("ab")
    assert info.value.message == "string_join expects a list of string tensors, got 'ab'"


@pytest.mark.parametrize(
    "build, op_type, what",
    [
        (lambda s: jg.add(s, s), "add", "take the string tensor 'Const:0'"),
        (lambda s: s + "b", "add", "take the string tensor 'Const:0'"),
        (lambda s: jg.cast(jg.constant(1.0), jg.string), "cast", "make the string tensor 'Cast:0'"),
        (lambda s: jg.cond(s, lambda: 1.0, lambda: 2.0), "cond", "take the string tensor 'Const:0'"),
        (lambda s: jg.Variable(s), "variable", "make the string tensor 'Variable:0'"),
    ],
    ids=["add", "operator", "cast", "cond", "variable"],
)
def test_ops_xla_runs_refuse_strings_at_the_users_line(build, op_type, what):
    with jg.Graph().as_default():
        s = jg.constant("a")
        with pytest.raises(InvalidArgumentError) as info:
            build(s)
    assert info.value.message == (
        f"{op_type} cannot {what}: XLA has no strings, so string tensors only flow between the string "
        "ops the Session runs on the host (constant, placeholder, identity, as_string, string_join)"
    )
    location = info.value.op.location
    assert info.value.op.type == op_type and (location.file, location.line) == (
        __file__,
        build.__code__.co_firstlineno,
    )


def test_string_constants_refuse_other_values():
    with pytest.raises(InvalidArgumentError) as info:
        jg.constant([1, "a"], dtype=jg.string)
    assert (
        info.value.message
        == "cannot convert [1, 'a'] to a string tensor: it holds values that are not str or bytes"
    )
    with pytest.raises(InvalidArgumentError) as info:
        jg.constant([1, "a"])
    assert info.value.message == "unsupported dtype dtype('<U21')"


def test_strings_round_trip_through_the_ir_text():
    g = jg.Graph()
    with g.as_default():
        jg.constant([["a", 'b"c'], ["é", ""]], name="a")
        x = jg.placeholder(jg.float32, (None,), name="x")
        jg.string_join([jg.as_string(x, precision=2), jg.placeholder(jg.string, (), name="p")], separator="|")
    text = str(g)
    assert 'value=tensor<string[2,2]>["a","b\\"c","\\u00c3\\u00a9",""], dtype=string} : string[2,2]' in text
    assert '%StringJoin = string_join(%AsString, %p) {separator="|"} : string[?]' in text
    parsed = parse(text)
    assert str(parsed) == text
    assert list(parsed.get_operation_by_name("a").attrs["value"].array.reshape(-1)) == [
        b"a",
        b'b"c',
        "é".encode(),
        b"",
    ]


def test_string_constant_text_errors():
    with pytest.raises(jg.errors.ParseError) as info:
        parse("graph {\n  %a = constant() {value=tensor<string[1]>[1], dtype=string} : string[1]\n}")
    assert info.value.message == "line 2, column 44: expected a string, found '1'"


def test_graph_def_holds_strings():
    from tensorboard.compat.proto import types_pb2

    from jaxgraph.summary import to_graph_def

    g = jg.Graph()
    with g.as_default():
        jg.constant(["a", "é"], name="a")
    node = to_graph_def(g).node[0]
    assert node.attr["dtype"].type == types_pb2.DT_STRING
    assert node.attr["value"].tensor.dtype == types_pb2.DT_STRING
    assert list(node.attr["value"].tensor.string_val) == [b"a", "é".encode()]
