"""64-bit dtypes in the IR: the declared dtype whichever JAX mode computes them (IR text,
parsing, TensorBoard's GraphDef), and the generated JAX code in the dtype it computes in."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from tensorboard.compat.proto import types_pb2

import jaxgraph as jg
from jaxgraph.ir import parse
from jaxgraph.ir.dtypes import computed_as, narrowing_problem
from jaxgraph.summary.graph_def import to_graph_def
from tests.session.test_64bit import MODES


def _classifier():
    graph = jg.Graph()
    with graph.as_default():
        logits = jg.placeholder(jg.float32, [None, 3], name="logits")
        labels = jg.placeholder(jg.int64, [None], name="labels")
        correct = jg.equal(jg.argmax(logits, 1, name="predicted"), labels, name="correct")
        big = jg.constant(np.array([2, 5], np.int64), name="big")
        scaled = jg.cast(labels, jg.float64, name="scaled") * 0.5
    return graph, {"logits": logits, "labels": labels, "correct": correct, "big": big, "scaled": scaled}


@pytest.mark.parametrize("mode", MODES)
def test_the_ir_keeps_the_declared_dtypes_whichever_mode(mode):
    with jax.enable_x64(mode == "x64"):
        graph, t = _classifier()
    assert t["labels"].dtype is jg.int64 and t["scaled"].dtype is jg.float64
    text = str(graph)
    assert "%labels = placeholder() {dtype=i64, shape=[?]} : i64[?]" in text
    assert "%predicted = argmax(%logits) {axis=1, output_type=i64} : i64[?]" in text
    assert "%big = constant() {value=tensor<i64[2]>[2,5], dtype=i64} : i64[2]" in text
    assert "%scaled = cast(%labels) {dtype=f64} : f64[?]" in text
    assert str(parse(text)) == text


def test_tensorboard_shows_the_declared_dtypes():
    graph, _ = _classifier()
    nodes = {node.name: node for node in to_graph_def(graph).node}
    assert nodes["labels"].attr["dtype"].type == types_pb2.DT_INT64
    assert nodes["predicted"].attr["output_type"].type == types_pb2.DT_INT64
    assert nodes["scaled"].attr["dtype"].type == types_pb2.DT_DOUBLE


@pytest.mark.parametrize(
    ("mode", "int_name", "float_name"), [("x32", "int32", "float32"), ("x64", "int64", "float64")]
)
def test_the_generated_code_computes_in_the_modes_dtypes(mode, int_name, float_name):
    with jax.enable_x64(mode == "x64"):
        graph, t = _classifier()
        with jg.Session(graph=graph) as sess:
            feed = {t["labels"]: [1], t["logits"]: np.ones((1, 3), np.float32)}
            code = sess.dump([t["correct"], t["big"], t["scaled"]], feed, stage="jax")
            assert np.asarray(sess.run(t["scaled"], {t["labels"]: [3]})).dtype == float_name
    assert f"output_type=jnp.{int_name}" in code
    assert f"labels.astype(jnp.{float_name}) * 0.5" in code
    assert f"np.array([2, 5], dtype=jnp.{int_name})" in code
    other = {"int32": "int64", "int64": "int32"}[int_name]
    assert f"jnp.{other}" not in code


@pytest.mark.parametrize(
    ("dtype", "x32", "x64"),
    [(jg.int64, jg.int32, jg.int64), (jg.uint64, jg.uint32, jg.uint64), (jg.float64, jg.float32, jg.float64),
     (jg.int32, jg.int32, jg.int32), (jg.float16, jg.float16, jg.float16), (jg.bool, jg.bool, jg.bool)],
)  # fmt: skip
def test_computed_as_follows_jax_canonicalization(dtype, x32, x64):
    assert computed_as(dtype) is x32
    assert jax.dtypes.canonicalize_dtype(dtype.np) == x32.np
    with jax.enable_x64(True):
        assert computed_as(dtype) is x64
        assert narrowing_problem(dtype, np.full(1, 2**40 if dtype.size == 8 else 1, dtype.np)) is None


def test_narrowing_problem_names_the_first_value_that_does_not_fit():
    values = np.array([[0, 2**31 - 1], [-(2**31), -(2**31) - 1]], np.int64)
    assert narrowing_problem(jg.int64, values) == (
        "value -2147483649 at [1, 1] does not fit in int32 (int64 is computed in 32 bits because JAX's "
        "x64 mode is off; jax.config.update('jax_enable_x64', True) enables it)"
    )
    assert narrowing_problem(jg.int64, values[0]) is None
    assert narrowing_problem(jg.float64, np.array([np.inf, np.nan, 3e38, 1e-60])) is None  # rounds
    assert narrowing_problem(jg.int32, values) is None  # not 64-bit: other checks' business
