"""64-bit dtypes in both of JAX's modes: TF1's dtypes and values (recorded by
``scripts/record_64bit.py`` into ``fixtures/tf1_64bit.json``), fetched values in the dtype they
compute in, feeds and Variable loads that do not fit 32 bits, gradients of float64 graphs.

The x64 cases run inside ``jax.enable_x64(True)`` (a context manager in jax 0.10): graphs, Sessions
and runs all happen inside it, and jaxgraph never changes the global setting itself.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors

ROOT = Path(__file__).parent.parent.parent
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "tf1_64bit.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location("record_64bit", ROOT / "scripts" / "record_64bit.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)

X64_NOTE = "is computed in 32 bits because JAX's x64 mode is off; jax.config.update('jax_enable_x64', True) enables it)"
MODES = ["x32", "x64"]


@pytest.fixture(params=MODES)
def mode(request):
    """Runs the test with JAX's x64 mode off (the default) or on, in a fresh default graph."""
    x64 = request.param == "x64"
    with jax.enable_x64(x64), jg.Graph().as_default():
        assert bool(jax.config.jax_enable_x64) is x64
        yield request.param


def computed(dtype: str, mode: str) -> np.dtype:
    """The NumPy dtype a ``dtype`` tensor is computed (and fetched) in."""
    narrow = {"int64": "int32", "uint64": "uint32", "float64": "float32"}
    return np.dtype(narrow.get(dtype, dtype) if mode == "x32" else dtype)


def _line(marker: str) -> int:
    source, start = inspect.getsourcelines(inspect.currentframe().f_back.f_code)
    return start + next(i for i, text in enumerate(source) if marker in text)


def _inputs():
    logits = jg.placeholder(jg.float32, [None, 3], name="logits")
    labels = jg.placeholder(jg.int64, [None], name="labels")
    doubles = jg.placeholder(jg.float64, [None], name="doubles")
    inputs = FIXTURE["inputs"]
    feed = {
        logits: np.array(inputs["logits"], np.float32),
        labels: np.array(inputs["labels"], np.int64),
        doubles: np.array(inputs["doubles"], np.float64),
    }
    return (logits, labels, doubles), feed


# ---- TF1's dtypes and values ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "name"),
    # a Python int beyond int32 is TF1's int64: refused without x64 mode (tested below)
    [(m, n) for m in MODES for n in sorted(FIXTURE["cases"]) if (m, n) != ("x32", "constant_beyond_int32")],
    indirect=["mode"],
)
def test_tf1_programs_with_64_bit_types_give_tf1s_dtypes_and_values(mode, name):
    placeholders, feed = _inputs()
    tensor = RECORD.cases(jg, *placeholders)[name]()
    want = FIXTURE["cases"][name]
    assert tensor.dtype.name == want["dtype"]  # the IR keeps the declared dtype in both modes
    with jg.Session() as sess:
        value = sess.run(tensor, feed)
    assert isinstance(value, jax.Array)
    assert value.dtype == computed(want["dtype"], mode)
    expected = np.asarray(want["value"], computed(want["dtype"], mode))
    float32_inside = mode == "x32" or want["dtype"] == "float32"
    np.testing.assert_allclose(value, expected, rtol=1e-6 if float32_inside else 1e-13)


def test_a_python_int_beyond_int32_fails_when_built_without_x64_mode():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.constant(FIXTURE["cases"]["constant_beyond_int32"]["value"], name="big")  # big-line
    assert info.value.message == f"the value 3000000000 does not fit in int32 (int64 {X64_NOTE}"
    assert info.value.op.name == "big"
    assert info.value.op.location.line == _line("# big-line")


@pytest.mark.parametrize(
    ("build", "text"),
    [
        (lambda: jg.constant(np.array([[1, -(2**40)]], np.int64)), "-1099511627776 at [0, 1]"),
        (lambda: jg.fill([2], 2**33, jg.int64), "8589934592"),
        (lambda: jg.zeros([2], jg.uint64) + np.uint64(2**63), "9223372036854775808"),
        (lambda: jg.constant([1.0, 1e300], jg.float64), "1e+300 at [1]"),
    ],
)  # fmt: skip
def test_64_bit_values_beyond_32_bits_fail_when_built_without_x64_mode(build, text):
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    assert info.value.op not in jg.get_default_graph().operations  # refused before joining the graph
    assert info.value.message.startswith(f"the value {text} does not fit in ")
    assert info.value.message.endswith(X64_NOTE)


# ---- feeds and Variable loads ------------------------------------------------------------------
def test_an_int64_feed_beyond_int32_fails_naming_the_placeholder_without_x64_mode():
    ids = jg.placeholder(jg.int64, [None], name="ids")  # ids-line
    with jg.Session() as sess:
        np.testing.assert_array_equal(sess.run(ids * 2, {ids: np.array([-5, 2**31 - 1])}), [-10, -2])
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(ids * 2, {ids: np.array([1, 2, 3_000_000_000])})
    assert info.value.message == (
        f"feed for 'ids:0': the value 3000000000 at [2] does not fit in int32 (int64 {X64_NOTE}"
    )
    assert info.value.op.location.line == _line("# ids-line")


def test_64_bit_feeds_keep_their_values_with_x64_mode(mode):
    ids = jg.placeholder(jg.int64, [None], name="ids")
    half = jg.placeholder(jg.float64, [], name="half")
    feed = {ids: np.array([1, 2**31 - 1]), half: 0.1}
    with jg.Session() as sess:
        out_ids, out_half = sess.run([ids + 1, half * 1.0], feed)
    assert out_ids.dtype == computed("int64", mode) and out_half.dtype == computed("float64", mode)
    np.testing.assert_array_equal(out_ids, np.array([2, 2**31], np.int64).astype(out_ids.dtype))
    assert out_half == np.asarray(0.1, out_half.dtype)  # a float64 feed rounds to float32 in x32


def test_a_float64_feed_that_overflows_float32_fails_without_x64_mode():
    x = jg.placeholder(jg.float64, [None], name="x")
    with jg.Session() as sess, pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(x, {x: [1.0, -1e39]})
    assert (
        info.value.message
        == f"feed for 'x:0': the value -1e+39 at [1] does not fit in float32 (float64 {X64_NOTE}"
    )


def test_64_bit_variables_compute_in_their_computed_dtype_and_load_checked(mode):
    step = jg.Variable(jg.constant(0, jg.int64), name="step")  # step-line
    scale = jg.Variable(np.array([0.5, 2.0]), name="scale")
    assert step.dtype is jg.int64 and scale.dtype is jg.float64
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        for _ in range(3):
            sess.run(step.assign_add(2))
        assert sess.run(step) == 6 and sess.run(step).dtype == computed("int64", mode)
        np.testing.assert_array_equal(sess.run(scale * 2), [1.0, 4.0])
        if mode == "x64":
            step.load(2**40, sess)
            assert sess.run(step) == 2**40
            return
        with pytest.raises(errors.InvalidArgumentError) as info:
            step.load(2**40, sess)
        assert info.value.message == (
            f"cannot load into Variable 'step': the value 1099511627776 does not fit in int32 (int64 {X64_NOTE}"
        )
        assert info.value.op.location.line == _line("# step-line")
        assert sess.run(step) == 6  # unchanged


# ---- gradients of float64 graphs ---------------------------------------------------------------
def test_gradients_of_a_float64_graph_match_jax_vjp(mode):
    xv = np.array([[0.3, -1.2], [2.0, 0.7]])
    wv = np.array([[1.5, -0.5], [0.25, 2.0]])
    x = jg.placeholder(jg.float64, [2, 2], name="x")
    w = jg.Variable(wv, name="w")
    loss = jg.reduce_sum(jg.tanh(jg.matmul(x, w)) ** 2)
    dx, dw = jg.gradients(loss, [x, w])
    assert dx.dtype is jg.float64 and dw.dtype is jg.float64
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        got = sess.run([loss, dx, dw], {x: xv})

    def reference(x, w):
        return jnp.sum(jnp.tanh(x @ w) ** 2)

    want_loss, vjp = jax.vjp(reference, jnp.asarray(xv), jnp.asarray(wv))
    want = [want_loss, *vjp(jnp.ones_like(want_loss))]
    for g, r in zip(got, want, strict=True):
        assert g.dtype == r.dtype == computed("float64", mode)
        np.testing.assert_allclose(
            g, r, **({"rtol": 1e-5, "atol": 1e-6} if mode == "x32" else {"rtol": 1e-13})
        )


def test_numpy_values_next_to_a_tensor_take_its_dtype_of_the_same_kind_and_must_fit():
    ids = jg.placeholder(jg.int32, [None], name="ids")
    x = jg.placeholder(jg.float32, [None], name="x")
    assert (ids + np.array([1, 2])).dtype is jg.int32  # TF1 converts the int64 array to int32
    assert (x * np.full(2, 0.5)).dtype is jg.float32
    assert (x * np.array([1, 2])).dtype is jg.float32  # another kind: promoted as JAX does (TF1 agrees)
    with pytest.raises(errors.InvalidArgumentError) as info:
        ids + np.array([1, 3_000_000_000])
    assert (
        info.value.message
        == "cannot convert array([         1, 3000000000]) to int32: its value 3000000000 does not fit"
    )
