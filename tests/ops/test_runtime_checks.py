"""Values XLA would turn into garbage fail with TF1's InvalidArgumentError instead, naming the op
and the user's line: integer division by zero, integer powers with negative exponents, indices
out of range (gather, embedding_lookup, sparse labels), slices past the end — at build time when
the operand is a constant, else when the graph runs (a failed run commits nothing). Also: bad
static values (seeds, shapes beyond int64, negative dims, non-int axes) fail when built."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import run


@pytest.fixture(autouse=True)
def on_cpu():
    """TF1 makes these checks on CPU only (jaxgraph drops them on accelerators): run on the CPU."""
    with jax.default_device(jax.devices("cpu")[0]):
        yield


def _line(marker: str) -> int:
    """The line of this file that ends with ``marker``."""
    lines = inspect.getsource(inspect.getmodule(_line)).splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.endswith(marker))


def _assert_error(info, message: str, op_name: str, op_type: str, where: str | int) -> None:
    """The error names the op, its type and the line ending in the marker ``where`` (or numbered so)."""
    error = info.value
    line = where if isinstance(where, int) else _line(where)
    assert type(error) is errors.InvalidArgumentError
    assert error.message == message
    assert str(error) == f"{message}\n  op '{op_name}' ({op_type}) defined at {__file__}:{line}"


@pytest.fixture
def no_checks():
    previous = jg.debugging.set_runtime_checks(False)
    yield
    jg.debugging.set_runtime_checks(previous)


def _ints(*values):
    return np.array(values, np.int32)


# ---- integer division and powers ---------------------------------------------------------------
def test_constant_integer_power_with_a_negative_exponent_fails_when_built():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.constant([2, 3]) ** -1  # const-pow
    _assert_error(info, "Integers to negative integer powers are not allowed.", "Pow", "pow", "# const-pow")


def test_fed_integer_power_with_a_negative_exponent_fails_when_run():
    x = jg.placeholder(jg.int32, (2,), name="x")
    e = jg.placeholder(jg.int32, (2,), name="e")
    y = jg.pow(x, e)  # fed-pow
    assert run(y, {x: _ints(2, 3), e: _ints(2, 0)}).tolist() == [4, 1]
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(y, {x: _ints(2, 3), e: _ints(1, -1)})
    message = "Integers to negative integer powers are not allowed."
    _assert_error(info, message, "Pow/CheckValues", "check_values", "# fed-pow")


def test_float_powers_take_negative_exponents_unchecked():
    x = jg.placeholder(jg.float32, (2,), name="x")
    y = x**-1
    assert not [op for op in jg.get_default_graph().operations if op.type == "check_values"]
    np.testing.assert_array_equal(run(y, {x: np.array([2, 4], np.float32)}), [0.5, 0.25])


@pytest.mark.parametrize(
    "build, op_name, op_type, expected",
    [
        (lambda x, y: x // y, "FloorDiv", "floordiv", np.floor_divide),
        (lambda x, y: x % y, "FloorMod", "mod", np.mod),
        (lambda x, y: jg.div(x, y), "FloorDiv", "floordiv", np.floor_divide),
        (lambda x, y: jg.floormod(x, y, name="m"), "m", "mod", np.mod),
    ],
)
def test_integer_division_by_zero_fails(build, op_name, op_type, expected):
    x = jg.placeholder(jg.int32, (2,), name="x")
    y = jg.placeholder(jg.int32, (2,), name="y")
    out = build(x, y)
    assert out.op.name == op_name
    np.testing.assert_array_equal(run(out, {x: _ints(7, -7), y: _ints(2, 2)}), expected(_ints(7, -7), 2))
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(out, {x: _ints(7, 1), y: _ints(2, 0)})
    line = build.__code__.co_firstlineno
    _assert_error(info, "Integer division by zero", f"{op_name}/CheckValues", "check_values", line)
    with pytest.raises(errors.InvalidArgumentError) as info:
        build(x, 0)
    _assert_error(info, "Integer division by zero", out.op.name + "_1", op_type, line)


def test_a_failed_check_commits_nothing():
    v = jg.Variable(jg.zeros((2,), jg.int32), name="v")
    d = jg.placeholder(jg.int32, (2,), name="d")
    step = v.assign_add(_ints(10, 10) // d)
    with jg.Session() as sess:
        sess.run(v.initializer)
        sess.run(step, {d: _ints(5, 2)})
        with pytest.raises(errors.InvalidArgumentError):
            sess.run(step, {d: _ints(5, 0)})
        assert sess.run(v).tolist() == [2, 5]


def test_checks_can_be_switched_off(no_checks):
    x = jg.placeholder(jg.int32, (2,), name="x")
    q = x // 0
    assert jg.debugging.runtime_checks_enabled() is False
    assert [op.type for op in jg.get_default_graph().operations] == ["placeholder", "constant", "floordiv"]
    assert run(q, {x: _ints(1, 2)}).shape == (2,)  # unspecified values, no error


# ---- indices -----------------------------------------------------------------------------------
def test_gather_checks_indices_when_it_runs_with_tf1s_message():
    params = jg.placeholder(jg.float32, (None, 2), name="params")
    ids = jg.placeholder(jg.int32, (2, 3), name="ids")
    rows = jg.gather(params, ids)  # gather-line
    table = np.arange(10, dtype=np.float32).reshape(5, 2)
    good = _ints(0, 1, 4, 4, 3, 2).reshape(2, 3)
    np.testing.assert_array_equal(run(rows, {params: table, ids: good}), table[good])
    for bad, message in [(_ints(0, 1, 4, 4, 7, 2), "indices[1,1] = 7 is not in [0, 5)"),
                         (_ints(0, -1, 9, 4, 3, 2), "indices[0,1] = -1 is not in [0, 5)")]:  # fmt: skip
        with pytest.raises(errors.InvalidArgumentError) as info:
            run(rows, {params: table, ids: bad.reshape(2, 3)})
        _assert_error(info, message, "GatherV2/CheckIndices", "check_indices", "# gather-line")


def test_float_indices_are_reported_by_the_guarded_op():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.gather(jg.zeros((3,)), jg.placeholder(jg.float32, (2,)))
    assert info.value.message == "gather's indices must be integers, got f32[2]"
    assert info.value.op.name == "GatherV2"


def test_gather_of_no_indices_passes_its_check():
    ids = jg.placeholder(jg.int32, (None,), name="ids")
    rows = jg.gather(jg.zeros((3, 2)), ids)
    assert run(rows, {ids: np.zeros((0,), np.int32)}).shape == (0, 2)


def test_gather_checks_constant_indices_when_built_and_adds_no_check_for_good_ones():
    params = jg.zeros((3, 4))
    assert jg.gather(params, [1, 3], axis=1).op.inputs[1].op.type == "constant"
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.gather(params, 3, name="pick")  # const-gather
    _assert_error(info, "indices = 3 is not in [0, 3)", "pick", "gather", "# const-gather")


def test_embedding_lookup_and_sparse_labels_check_their_indices():
    table = jg.Variable(np.ones((5, 2), np.float32), name="table")
    ids = jg.placeholder(jg.int32, (None,), name="ids")
    rows = jg.nn.embedding_lookup(table, ids)  # lookup-line
    logits = jg.placeholder(jg.float32, (None, 5), name="logits")
    loss = jg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)  # labels-line
    feeds = {ids: _ints(1, 7), logits: np.zeros((2, 5), np.float32)}
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(rows, feeds)
    _assert_error(info, "indices[1] = 7 is not in [0, 5)", "embedding_lookup/CheckIndices", "check_indices",
                  "# lookup-line")  # fmt: skip
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(loss, feeds)
    name = "SparseSoftmaxCrossEntropyWithLogits/CheckIndices"
    _assert_error(info, "labels[1] = 7 is not in [0, 5)", name, "check_indices", "# labels-line")
    (grad,) = jg.gradients(jg.reduce_sum(rows), [table])
    np.testing.assert_array_equal(run(grad, {ids: _ints(1, 1)}), [[0, 0], [2, 2], [0, 0], [0, 0], [0, 0]])


def test_validate_indices_false_leaves_the_check_out_of_one_op():
    params = jg.constant(np.arange(5, dtype=np.float32))
    ids = jg.placeholder(jg.int32, (2,), name="ids")
    rows = jg.nn.embedding_lookup(params, ids, validate_indices=False)
    assert rows.op.inputs[1] is ids
    out = run(rows, {ids: _ints(1, 7)})
    assert out[0] == 1 and np.isnan(out[1])


def test_one_hot_keeps_tf1s_zero_rows_for_indices_out_of_range():
    np.testing.assert_array_equal(run(jg.one_hot([1, 7, -1], 3)), [[0, 1, 0], [0, 0, 0], [0, 0, 0]])


# ---- slices ------------------------------------------------------------------------------------
def test_slice_past_the_end_fails_when_built_and_when_run():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.slice(jg.zeros((4, 2)), [3, 0], [2, -1])  # static-slice
    _assert_error(info, "Expected size[0] in [0, 1], but got 2", "Slice", "slice", "# static-slice")
    x = jg.placeholder(jg.float32, (None,), name="x")
    piece = jg.slice(x, [1], [2])  # dynamic-slice
    np.testing.assert_array_equal(run(piece, {x: np.arange(4, dtype=np.float32)}), [1, 2])
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(piece, {x: np.arange(2, dtype=np.float32)})
    message = "Expected size[0] in [0, 1], but got 2 (when the graph ran)"
    _assert_error(info, message, "Slice_1", "slice", "# dynamic-slice")


def test_slice_gradient_pads_with_zeros():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    (grad,) = jg.gradients(jg.reduce_sum(jg.slice(x, [1, 1], [1, -1])), [x])
    np.testing.assert_array_equal(run(grad, {x: np.ones((2, 3), np.float32)}), [[0, 0, 0], [0, 1, 1]])


# ---- seeds -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "seed, problem",
    [("abc", "seed must be an int or None, got 'abc'"), (1.5, "seed must be an int or None, got 1.5"),
     (True, "seed must be an int or None, got True"), (2**70, f"seed {2**70} does not fit in 64 bits"),
     (2**63, f"seed {2**63} does not fit in 64 bits")],
)  # fmt: skip
def test_bad_seeds_fail_when_built(seed, problem):
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.set_random_seed(seed)
    assert info.value.message == f"set_random_seed: {problem}" and info.value.op is None
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.random_normal((2,), seed=seed)  # op-seed
    _assert_error(info, f"random_normal: {problem}", "RandomStandardNormal", "random_normal", "# op-seed")
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.dropout(jg.ones((2,)), 0.5, seed=seed)  # dropout-seed
    _assert_error(info, f"random_uniform: {problem}", "dropout/RandomUniform", "random_uniform",
                  "# dropout-seed")  # fmt: skip
    x = jg.placeholder(jg.float32, (None,), name="x")
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.nn.dropout(x, 0.5, seed=seed)  # dropout-like-seed
    _assert_error(info, f"random_uniform_like: {problem}", "dropout_1/RandomUniformLike", "random_uniform_like",
                  "# dropout-like-seed")  # fmt: skip
    init = jg.random_normal_initializer(seed=seed)
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.get_variable("w", (2,), initializer=init)  # initializer-seed
    name = "w/Initializer/RandomStandardNormal"
    _assert_error(info, f"random_normal: {problem}", name, "random_normal", "# initializer-seed")


def test_64_bit_seeds_are_taken_modulo_2_31_minus_1_as_tf1_does():
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(-(2**63))
        draws = [jg.random_uniform((3,), seed=s) for s in (2**63 - 1, -1, 2**31 - 2)]
    assert g.seed == -(2**63)
    assert [d.op.attrs["seed"] for d in draws] == [(2**63 - 1) % (2**31 - 1), 2**31 - 2, 2**31 - 2]
    first, _, same = run(draws, graph=g)
    np.testing.assert_array_equal(run(draws[1], graph=g), same)
    assert first.shape == (3,)


def test_seed_attributes_of_parsed_graphs_are_checked():
    text = "graph {\n  %r = random_normal() {shape=[2], dtype=f32, seed=-5} : f32[2]\n}"
    with pytest.raises(errors.ParseError) as info:
        jg.ir.parse(text)
    assert info.value.message == (
        "line 2, column 8: op '%r': random_normal: seed -5 is not in [0, 2147483647): op seeds are "
        "taken modulo 2**31 - 1"
    )


# ---- shapes and other static values ------------------------------------------------------------
BIG = 2**70
SHAPE_ERRORS = [
    (lambda: jg.ones((0, BIG)), "fill", "ones", f"fill's shape [0, {BIG}]"),
    (lambda: jg.zeros((2**62, 4)), "fill", "zeros", f"fill's shape [{2**62}, 4]"),
    (lambda: jg.fill((2**63,), 1.0), "fill", "Fill", f"fill's shape [{2**63}]"),
    (lambda: jg.reshape(jg.zeros((0,)), (0, BIG)), "reshape", "Reshape", f"reshape's shape [0, {BIG}]"),
    (lambda: jg.random_uniform((BIG,)), "random_uniform", "RandomUniform", f"random_uniform's shape [{BIG}]"),
    (lambda: jg.placeholder(jg.float32, (None, BIG)), "placeholder", "Placeholder",
     f"placeholder's shape [None, {BIG}]"),
    (lambda: jg.broadcast_to(1.0, (BIG,)), "broadcast_to", "BroadcastTo", f"broadcast_to's shape [{BIG}]"),
    (lambda: jg.tile(jg.zeros((0,)), (BIG,)), "tile", "Tile", f"tile's multiples's shape [{BIG}]"),
    (lambda: jg.tile(jg.zeros((2**62,)), (4,)), "tile", "Tile", f"tile's shape [{2**64}]"),
    (lambda: jg.pad(jg.zeros((1,)), [[0, BIG]]), "pad", "Pad", f"pad's shape [{BIG + 1}]"),
    (lambda: jg.one_hot(jg.zeros((0,), jg.int32), BIG), "one_hot", "OneHot", f"one_hot's shape [0, {BIG}]"),
]  # fmt: skip


@pytest.mark.parametrize("build, op_type, op_name, text", SHAPE_ERRORS, ids=[c[3][:30] for c in SHAPE_ERRORS])
def test_shapes_beyond_int64_fail_when_built(build, op_type, op_name, text):
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    assert info.value.message == f"{text} does not fit in int64 (dimensions and element count)"
    assert (info.value.op.name, info.value.op.type) == (op_name, op_type)
    assert info.value.op.location.line == build.__code__.co_firstlineno


NEGATIVE_DIMS = [
    (lambda: jg.ones((-1, 2)), "fill's shape [-1, 2] has a negative dimension"),
    (lambda: jg.random_normal((2, -3)), "random_normal's shape [2, -3] has a negative dimension"),
    (lambda: jg.broadcast_to(1.0, (-1,)), "broadcast_to's shape [-1] has a negative dimension"),
    (lambda: jg.truncated_normal((2, 0.5)), "truncated_normal's shape [2, 0.5] must list ints"),
]


@pytest.mark.parametrize("build, message", NEGATIVE_DIMS, ids=[m[:30] for _, m in NEGATIVE_DIMS])
def test_negative_dims_fail_when_built(build, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    assert info.value.message == message
    assert info.value.op.location.line == build.__code__.co_firstlineno


BUILDER_ERRORS = [
    (lambda: jg.constant(1.0, shape=(0, BIG)),
     f"constant's shape [0, {BIG}] does not fit in int64 (dimensions and element count)"),
    (lambda: jg.constant(1.0, shape=(-1,)), "constant's shape [-1] has a negative dimension"),
    (lambda: jg.constant([1.0, 2.0], shape=(3,)), "cannot broadcast a constant of shape [2] to (3,)"),
    (lambda: jg.constant(BIG),
     f"cannot convert {BIG} to a tensor: it holds an int beyond 64 bits or a value that is not a number"),
    (lambda: jg.argmax(jg.zeros((2,)), axis=1.5), "axis must be an int, got 1.5"),
    (lambda: jg.expand_dims(jg.zeros((2,)), 0.5), "axis must be an int, got 0.5"),
    (lambda: jg.concat([jg.zeros((2,))], True), "axis must be an int, got True"),
    (lambda: jg.unstack(jg.zeros((2,)), num=2.0), "unstack's num must be an int, got 2.0"),
    (lambda: jg.nn.softmax(jg.zeros((2,)), axis="0"), "axis must be an int, got '0'"),
    (lambda: jg.reduce_sum(jg.zeros((2,)), axis=True), "axis must be an int, a list of ints or None, got True"),
    (lambda: jg.zeros((True, 2)), "fill's dims must be a list of Python ints, got (True, 2): jaxgraph shapes "
     "are static (jg.shape(x) itself is accepted where a shape means x's run-time shape)"),
]  # fmt: skip


@pytest.mark.parametrize("build, message", BUILDER_ERRORS, ids=[m[:30] for _, m in BUILDER_ERRORS])
def test_bad_static_arguments_fail_in_the_builder(build, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    assert info.value.message == message and info.value.op is None


# ---- checks inside control flow ----------------------------------------------------------------
def test_a_check_in_a_scan_body_fails_the_run_with_the_first_bad_step():
    table = jg.placeholder(jg.float32, (None, 2), name="table")
    ids = jg.placeholder(jg.int32, (4, 2), name="ids")
    total = jg.scan(lambda acc, i: acc + jg.reduce_sum(jg.gather(table, i)), ids,  # scan-gather
                    initializer=jg.constant(0.0))  # fmt: skip
    values = np.arange(10, dtype=np.float32).reshape(5, 2)
    good = _ints(0, 1, 2, 3, 4, 4, 1, 1).reshape(4, 2)
    np.testing.assert_allclose(
        run(total, {table: values, ids: good}), np.cumsum(values[good].sum(axis=(1, 2)))
    )
    bad = _ints(0, 1, 2, 3, 4, 6, -1, 1).reshape(4, 2)  # steps 2 and 3 fail: step 2 is reported
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(total, {table: values, ids: bad})
    _assert_error(info, "indices[1] = 6 is not in [0, 5)", "GatherV2/CheckIndices", "check_indices",
                  "# scan-gather")  # fmt: skip


def test_a_check_in_a_cond_branch_fails_only_when_that_branch_runs():
    table = jg.placeholder(jg.float32, (None, 2), name="table")
    ids = jg.placeholder(jg.int32, (3,), name="ids")
    pred = jg.placeholder(jg.bool, (), name="pred")
    rows = jg.cond(pred, lambda: jg.zeros((3, 2)), lambda: jg.gather(table, ids))  # cond-gather
    values = np.arange(10, dtype=np.float32).reshape(5, 2)
    bad = _ints(4, 0, 5)
    np.testing.assert_array_equal(run(rows, {table: values, ids: bad, pred: True}), np.zeros((3, 2)))
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(rows, {table: values, ids: bad, pred: False})
    _assert_error(info, "indices[2] = 5 is not in [0, 5)", "GatherV2/CheckIndices", "check_indices",
                  "# cond-gather")  # fmt: skip


def test_check_numerics_in_a_while_body_and_a_nested_cond():
    x = jg.placeholder(jg.float32, (), name="x")

    def body(i, y):
        def log_y():
            return jg.debugging.check_numerics(jg.log(y), "log y")  # in-cond

        return i + 1, jg.cond(i > 1, log_y, lambda: y)

    _, out = jg.while_loop(lambda i, y: i < 3, body, (jg.constant(0), x))
    assert run(out, {x: np.float32(2.0)}) == pytest.approx(np.log(2.0))
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(out, {x: np.float32(-2.0)})  # the log in the third step only
    _assert_error(info, "log y (check_numerics)", "CheckNumerics", "check_numerics", "# in-cond")
