"""Variable groups: a rolled training step takes a run of Variables as one stacked argument and
returns it as one stacked result; the Session keeps every member individually addressable."""

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import FailedPreconditionError, InvalidArgumentError
from jaxgraph.ir.passes import optimize
from jaxgraph.session.variable_store import VariableStore
from tests.helpers import tanh_chain

LAYERS = 12  # the update run (2 ops a layer) needs 24 ops to roll


def _training(layers=LAYERS):
    """A chain ``y = tanh(y @ W_i + b_i)`` and its SGD step."""
    x, y = tanh_chain(layers)
    loss = jg.reduce_sum(y * y)
    train = jg.train.GradientDescentOptimizer(0.05).minimize(loss)
    return x, loss, train


XV = np.random.RandomState(1).randn(4, 16).astype(np.float32)


def _equal(got, want):
    """Rolled and unrolled values, bitwise: the update scan (no carry) lowers as ``jax.vmap`` of
    its block, so XLA fuses ``w - lr*g`` into the same fused multiply-add as unrolled."""
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def _steps(roll, steps, before=None, **session):
    """The losses of ``steps`` SGD steps and the Variables after them, in a graph of its own."""
    with jg.Graph().as_default():
        x, loss, train = _training()
        variables = jg.global_variables()
        s = jg.Session(roll_loops=roll, **session)
        s.run(jg.global_variables_initializer())
        if before is not None:
            before(s, variables)
        losses = [s.run([loss, train], {x: XV})[0] for _ in range(steps)]
        values = s.run(variables)
        s.close()
        return losses, values


def test_training_step_rolls_with_variable_groups():
    x, loss, train = _training()
    graph = optimize([train], [x]).graph
    groups = [op for op in graph.operations if op.type == "variable_group"]
    assert [op.attrs["members"] for op in groups] == [
        tuple(f"W{i}" for i in range(LAYERS)),
        tuple(f"b{i}" for i in range(LAYERS)),
    ]
    # per group: the backward scan's rows written in place, then the first layer's update
    assert [op.type for op in graph.operations if op.type.startswith("assign")] == [
        "assign",
        "assign_sub",
    ] * 2
    assert len([op for op in graph.operations if op.type == "scan"]) == 2  # forward, backward + update
    assert not [op for op in graph.operations if op.type == "variable"]
    with jg.Session() as s:
        s.run(jg.global_variables_initializer())
        s.run(train, {x: XV})
        (plan,) = [p for p in s._cache.values() if p.groups]
        assert plan.executable.lowered.donated_vars == [op.name for op in groups]


def test_rolled_training_matches_the_unrolled_program():
    rolled, unrolled = _steps(True, 1), _steps(False, 1)
    _equal(rolled[1], unrolled[1])
    rolled, unrolled = _steps(True, 4), _steps(False, 4)
    np.testing.assert_array_equal(rolled[0], unrolled[0])
    _equal(rolled[1], unrolled[1])


def test_fetching_one_variable_and_load_variable_of_a_member():
    def before(s, variables):
        s.run("GradientDescent/GradientDescent", {"x:0": XV})  # the Variables are stacked now
        w3 = variables[6]
        np.testing.assert_array_equal(s.run(w3), s.snapshot(["W3"])[0]["W3"])
        np.testing.assert_array_equal(w3.eval(session=s), s.run(w3))
        s.load_variable(w3, np.full((16, 16), 0.01, np.float32))
        np.testing.assert_array_equal(s.run(w3), np.full((16, 16), 0.01, np.float32))

    rolled, unrolled = _steps(True, 2, before), _steps(False, 2, before)
    _equal(rolled[1], unrolled[1])


def test_unrolled_programs_interleaved_with_rolled_steps():
    def before(s, variables):
        w3, b5 = variables[6], variables[11]
        for _ in range(2):
            s.run("GradientDescent/GradientDescent", {"x:0": XV})
            s.run(w3.assign(w3 * 0.5))  # an unrolled program writing one member
            s.run(b5 + 1.0)  # one reading one

    rolled, unrolled = _steps(True, 2, before), _steps(False, 2, before)
    _equal(rolled[1], unrolled[1])


def test_saver_round_trip_between_rolled_and_unrolled_sessions(tmp_path):
    x, loss, train = _training()
    variables = jg.global_variables()
    with jg.Session() as s:
        s.run(jg.global_variables_initializer())
        s.run(train, {x: XV})
        trained = s.run(variables)
        path = jg.train.Saver().save(s, str(tmp_path / "rolled.ckpt"))
    assert sorted(n for n, _ in jg.train.list_variables(path)) == sorted(v.op.name for v in variables)
    with jg.Session(roll_loops=False) as s:
        jg.train.Saver().restore(s, path)
        for got, want in zip(s.run(variables), trained):
            np.testing.assert_array_equal(got, want)
        s.run(train, {x: XV})
        after = s.run(variables)
        path = jg.train.Saver().save(s, str(tmp_path / "unrolled.ckpt"))
    with jg.Session() as s:
        s.run(jg.global_variables_initializer())
        s.run(train, {x: XV})  # stacked, then restored over
        jg.train.Saver().restore(s, path)
        for got, want in zip(s.run(variables), after):
            np.testing.assert_array_equal(got, want)


def test_a_failed_run_leaves_the_stacked_variables_unchanged():
    x, loss, train = _training()
    variables = jg.global_variables()
    with jg.Session(check_numerics=True) as s:
        s.run(jg.global_variables_initializer())
        s.run(train, {x: XV})
        before = s.run(variables)
        with pytest.raises(InvalidArgumentError, match=r"found NaN or Inf in the output \(check_numerics\)"):
            s.run(train, {x: np.full((4, 16), np.nan, np.float32)})
        for got, want in zip(s.run(variables), before):
            np.testing.assert_array_equal(got, want)
        s.run(train, {x: XV})  # and the next step runs on them


def test_uninitialized_members_are_named():
    x, loss, train = _training()
    with jg.Session() as s:
        s.run(jg.global_variables_initializer())
        s._variables.forget("W4", {})
        with pytest.raises(
            FailedPreconditionError, match=r"^Attempting to use uninitialized Variable 'W4': run "
        ):
            s.run(train, {x: XV})


def test_a_session_with_a_one_device_mesh():
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]), ("batch",))
    rolled, unrolled = _steps(True, 2, mesh=mesh), _steps(False, 2)
    _equal(rolled[1], unrolled[1])


# ---- the store itself -----------------------------------------------------------------------------
def _store():
    return VariableStore(lambda label, value: jax.device_put(value))


def test_store_views_rows_and_splits_a_member_on_write():
    store = _store()
    group = {"g": ("a", "b", "c")}
    store.update({"a": np.zeros(2, np.float32), "b": np.ones(2, np.float32), "c": np.full(2, 2, np.float32)})
    stack = store.argument("g", group)
    np.testing.assert_array_equal(stack, [[0, 0], [1, 1], [2, 2]])
    assert store.argument("g", group) is stack  # stored stacked: no copy
    store.commit("g", stack * 10, group)
    np.testing.assert_array_equal(store["b"], [10, 10])
    host = store.host_values(["c", "a"])
    assert sorted(host) == ["a", "c"] and isinstance(host["c"], np.ndarray)
    np.testing.assert_array_equal(host["c"], [20, 20])
    np.testing.assert_array_equal(host["a"], [0, 0])
    store["b"] = jax.numpy.full(2, 7.0)
    np.testing.assert_array_equal(store["c"], [20, 20])
    np.testing.assert_array_equal(store.argument("g", group), [[0, 0], [7, 7], [20, 20]])
    assert sorted(store) == ["a", "b", "c"]
    del store["a"]
    assert "a" not in store and store.argument("g", group) is None
