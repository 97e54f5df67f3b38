"""``@jg.function`` (jaxgraph/tracer/function.py): tracing once per signature, input signatures,
pytrees in and out, Variables living in ``f.session``, ``f.trace`` and the dumps of every stage."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close


def line_of(marker: str) -> int:
    """The line of this file holding ``marker`` (where an op under test is created)."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.rstrip().endswith(marker))


def f32(*shape: int, value: float = 1.0) -> np.ndarray:
    return np.full(shape, value, np.float32)


def test_same_signature_traces_once():
    @jg.function
    def predict(x, w, b):
        return jg.tanh(x @ w + b)

    rng = np.random.default_rng(0)
    xb, wb, bb = (rng.normal(size=s).astype(np.float32) for s in [(3, 4), (4, 2), (2,)])
    first = predict(xb, wb, bb)
    second = predict(xb * 2, wb, bb)
    assert predict.trace_count == 1
    assert_close(first, np.tanh(xb @ wb + bb), rtol=1e-5)
    assert_close(second, np.tanh(2 * xb @ wb + bb), rtol=1e-5)
    assert predict.__name__ == "predict"


def test_new_signatures_retrace():
    @jg.function
    def scaled(x, factor):
        return x * factor

    calls = [
        ((f32(2), 2.0), [2.0, 2.0], 1),
        ((f32(2, value=3.0), 2.0), [6.0, 6.0], 1),  # same shapes and static value: cached
        ((f32(3), 2.0), [2.0, 2.0, 2.0], 2),  # new shape
        ((np.ones(2, np.int32), 2), [2, 2], 3),  # new dtype
        ((f32(2), 5.0), [5.0, 5.0], 4),  # new static Python value
        ((f32(2), 2.0), [2.0, 2.0], 4),  # back to the first signature
    ]
    for args, want, count in calls:
        assert_close(scaled(*args), np.array(want, args[0].dtype))
        assert scaled.trace_count == count, args


def test_pytree_structure_is_part_of_the_signature():
    @jg.function
    def total(parts):
        return jg.add_n(list(parts))

    assert_close(total((f32(2), f32(2))), f32(2, value=2.0))
    assert_close(total([f32(2), f32(2)]), f32(2, value=2.0))
    assert total.trace_count == 2  # tuple vs list
    assert_close(total((f32(2), f32(2), f32(2))), f32(2, value=3.0))
    assert total.trace_count == 3


def test_python_values_are_static_and_branch_the_trace():
    @jg.function
    def maybe_double(x, double):
        return x * 2.0 if double else x + 0.0

    assert_close(maybe_double(f32(2), True), f32(2, value=2.0))
    assert_close(maybe_double(f32(2), False), f32(2))
    assert maybe_double.trace_count == 2
    with pytest.raises(errors.InvalidArgumentError) as info:
        maybe_double(f32(2), {1, 2})
    assert info.value.message == (
        "maybe_double: argument 'double' = {1, 2} is neither an array nor a hashable Python value"
    )


def test_input_signature_with_unknown_batch_reuses_one_trace():
    @jg.function(input_signature=[jg.TensorSpec((None, 3), jg.float32, name="batch")])
    def row_sums(x):
        return jg.reduce_sum(x, axis=1)

    for batch in (2, 5, 1):
        assert_close(row_sums(f32(batch, 3)), f32(batch, value=3.0))
    assert row_sums.trace_count == 1
    assert "%batch = placeholder() {dtype=f32, shape=[?,3]} : f32[?,3]" in str(row_sums.trace(f32(2, 3)))
    with pytest.raises(errors.InvalidArgumentError) as info:
        row_sums(f32(2, 4))
    assert info.value.message == "feed for 'batch:0' has shape [2, 4], which does not match f32[?,3]"
    with pytest.raises(errors.InvalidArgumentError) as info:
        row_sums(f32(2, 3), f32(2, 3))
    assert info.value.message == (
        "row_sums has input_signature of 1 positional argument(s); called with 2 and []"
    )


def test_pytrees_in_and_out():
    @jg.function
    def model(inputs, scale=2.0):
        a, (b, c) = inputs["a"], inputs["bc"]
        return {"sum": a + b, "pair": (b * scale, [c - a, None])}

    inputs = {"a": f32(2), "bc": [f32(2, value=3.0), f32(2, value=5.0)]}
    out = model(inputs)
    assert set(out) == {"sum", "pair"} and isinstance(out["pair"], tuple)
    assert isinstance(out["pair"][1], list) and out["pair"][1][1] is None
    assert_close(out["sum"], f32(2, value=4.0))
    assert_close(out["pair"][0], f32(2, value=6.0))
    assert_close(out["pair"][1][0], f32(2, value=4.0))
    text = str(model.trace(inputs))
    for name in ("inputs_a", "inputs_bc_0", "inputs_bc_1"):
        assert f"%{name} = placeholder() {{dtype=f32, shape=[2]}} : f32[2]" in text


def test_keyword_arguments_defaults_and_varargs():
    @jg.function
    def combine(x, *rest, scale=1.0, **named):
        return x * scale + jg.add_n([x, *rest, *named.values()])

    x, y, z = f32(2), f32(2, value=2.0), f32(2, value=4.0)
    assert_close(combine(x, y), f32(2, value=4.0))
    assert_close(combine(x=x), f32(2, value=2.0))
    assert_close(combine(x, y, scale=3.0, extra=z), f32(2, value=10.0))
    assert combine.trace_count == 3
    assert_close(combine(x, scale=1.0), f32(2, value=2.0))  # the default, given explicitly
    assert combine.trace_count == 3
    text = str(combine.trace(x, y, scale=3.0, extra=z))
    assert all(f"%{n} = placeholder()" in text for n in ("x", "rest_0", "named_extra"))


def test_python_and_none_outputs():
    @jg.function
    def outputs(x):
        return x + 1.0, None, 3, jg.no_op()

    value, nothing, three, op_result = outputs(f32(2))
    assert_close(value, f32(2, value=2.0))
    assert nothing is None and op_result is None
    assert_close(three, np.int32(3))


def test_variables_persist_across_calls_and_retraces():
    @jg.function
    def accumulate(x):
        total = jg.Variable(jg.zeros((3,)), name="total")
        with jg.variable_scope("layer"):
            w = jg.get_variable("w", shape=(3,), initializer=jg.ones_initializer())
        return total.assign_add(jg.reduce_sum(x * w, axis=0)), w.assign_add(jg.ones((3,)))

    totals, weights = accumulate(f32(2, 3))
    session = accumulate.session
    assert_close(totals, f32(3, value=2.0))
    assert_close(weights, f32(3, value=2.0))
    totals, weights = accumulate(f32(2, 3))
    assert_close(totals, f32(3, value=6.0))
    assert accumulate.trace_count == 1
    totals, weights = accumulate(f32(1, 3))  # a retrace re-creates the Variables by name
    assert accumulate.trace_count == 2
    assert_close(totals, f32(3, value=9.0))
    assert_close(weights, f32(3, value=4.0))
    assert accumulate.session is session
    assert sorted(session._variables) == ["layer/w", "total"]


def test_variable_updates_run_even_when_not_returned():
    @jg.function
    def count(x):
        counter = jg.Variable(jg.zeros((2,)), name="counter")
        counter.assign_add(x)
        return counter.value() * 10.0

    assert_close(count(f32(2)), f32(2, value=10.0))  # the read after the update sees it
    assert_close(count(f32(2, value=2.0)), f32(2, value=30.0))
    assert_close(count.session._variables["counter"], f32(2, value=3.0))


def test_retrace_with_a_differently_shaped_variable_is_an_error():
    @jg.function
    def counter(x):
        count = jg.Variable(jg.zeros(x.shape), name="count")  # marker: count
        return count.assign_add(x)

    counter(f32(3))
    line = line_of("# marker: count")
    with pytest.raises(errors.InvalidArgumentError) as info:
        counter(f32(4))
    assert str(info.value) == (
        "counter: a retrace created Variable 'count' as f32[4], but the first trace made it f32[3]\n"
        f"  op 'count' (variable) defined at {__file__}:{line}"
    )


def test_trace_with_tensor_specs_returns_graph_and_calling_with_specs_raises():
    @jg.function
    def predict(x, w):
        return jg.tanh(jg.matmul(x, w))

    graph = predict.trace(jg.TensorSpec((None, 4)), f32(4, 2))
    assert isinstance(graph, jg.Graph)
    lines = [line.split("  #")[0] for line in str(graph).splitlines()]
    assert "  %x = placeholder() {dtype=f32, shape=[?,4]} : f32[?,4]" in lines
    assert "  %w = placeholder() {dtype=f32, shape=[4,2]} : f32[4,2]" in lines
    assert "  %Tanh = tanh(%MatMul) : f32[?,2]" in lines
    assert predict.trace_count == 1
    with pytest.raises(errors.InvalidArgumentError) as info:
        predict(jg.TensorSpec((2, 4)), f32(4, 2))
    assert info.value.message == "predict: TensorSpecs can be traced, not called; pass arrays"


@pytest.mark.parametrize(
    "stage, markers",
    [
        ("ir", ["%x = placeholder() {dtype=f32, shape=[3,4]}", "= tanh(%MatMul) : f32[3,2]"]),
        ("ir-opt", ["tanh(%MatMul)"]),
        ("jax", ["def run_graph(x, w, key):", "Tanh = jnp.tanh(jnp.matmul(x, w))"]),
        ("jaxpr", ["tanh", "dot_general", "f32[3,4]"]),
        ("stablehlo", ["stablehlo.tanh", "tensor<3x4xf32>"]),
        ("hlo", ["tanh", "HloModule"]),
    ],
)
def test_dump_stages(stage, markers):
    @jg.function
    def predict(x, w):
        return jg.tanh(jg.matmul(x, w))

    text = predict.dump(f32(3, 4), f32(4, 2), stage=stage)
    for marker in markers:
        assert marker in text, (stage, marker)


def test_dump_rejects_unknown_stage():
    @jg.function
    def identity(x):
        return x + 0.0

    with pytest.raises(errors.InvalidArgumentError) as info:
        identity.dump(f32(2), stage="llvm")
    assert (
        info.value.message == "unknown dump stage 'llvm'; stages are ir, ir-opt, jax, jaxpr, stablehlo, hlo"
    )


def test_retraces_are_explained():
    @jg.function
    def scale(x, n=2):
        return x * n

    scale(np.ones((32, 4), np.float32))
    scale(np.ones((16, 4), np.float32))
    scale(np.ones((16, 4), np.float32), n=3)
    scale(np.ones((16, 4), np.int32), n=3)
    scale(np.ones((16, 4), np.float32))  # cached: no new reason
    assert scale.retrace_reasons == ["x: f32[32,4] -> f32[16,4]", "n: 2 -> 3", "x: f32[16,4] -> i32[16,4]"]
