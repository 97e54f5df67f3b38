"""The rolling pass: runs of repeated blocks lowered as one scan, with the same fetched values."""

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.ir.passes import optimize, rolling
from jaxgraph.lowering import executable


def _chain(layers, width=16, widths=None, shared=None):
    """``y = tanh(y @ W_i + b_i)``; ``widths`` gives each layer's output width."""
    x = jg.placeholder(jg.float32, (4, width), name="x")
    y, rs = x, np.random.RandomState(0)
    for i in range(layers):
        out = widths[i] if widths else width
        w = (
            shared
            if shared is not None
            else jg.Variable(rs.randn(y.shape[1], out).astype(np.float32) * 0.4, name=f"W{i}")
        )
        b = jg.Variable(rs.randn(out).astype(np.float32) * 0.1, name=f"b{i}")
        y = jg.tanh(jg.matmul(y, w) + b)
    return x, y


def _scans(fetches, feeds):
    return [op for op in optimize(fetches, feeds).graph.operations if op.type == "scan"]


def _run_both(fetches, feed):
    """The fetched values with and without rolling (fresh Sessions, same initial values)."""
    out = []
    for roll in (True, False):
        with jg.Session(roll_loops=roll) as s:
            s.run(jg.global_variables_initializer())
            out.append(s.run(fetches, feed))
    return out


def test_deep_chain_is_one_scan_with_equal_values():
    x, y = _chain(12)
    (scan,) = _scans([y], [x])
    assert scan.name == "rolled/block"
    assert scan.attrs["rolled"] == "12 blocks of 3 ops"
    assert 'rolled="12 blocks of 3 ops"' in str(optimize([y], [x]).graph)
    assert not [op for op in optimize([y], [x], roll_loops=False).graph.operations if op.type == "scan"]
    xv = np.random.RandomState(1).randn(4, 16).astype(np.float32)
    rolled, unrolled = _run_both(y, {x: xv})
    np.testing.assert_array_equal(rolled, unrolled)


def test_dumps_show_the_rolled_scan(tmp_path):
    x, y = _chain(12)
    with jg.Session(dump_dir=str(tmp_path)) as s:
        s.run(jg.global_variables_initializer())
        s.run(y, {x: np.ones((4, 16), np.float32)})
    texts = [(p.name, p.read_text()) for p in tmp_path.rglob("*") if p.is_file()]
    assert any('rolled="12 blocks of 3 ops"' in t for name, t in texts if name == "01.opt.ir")
    assert any("rolled='12 blocks of 3 ops'" in t for name, t in texts if name == "02.jax.py")


def test_gradients_and_training_match_jax_and_the_unrolled_program():
    import jax
    import jax.numpy as jnp

    x, y = _chain(10)
    loss = jg.reduce_sum(y * y)
    variables = jg.global_variables()
    grads = jg.gradients(loss, variables)
    train = jg.train.GradientDescentOptimizer(0.05).minimize(loss)
    xv = np.random.RandomState(2).randn(4, 16).astype(np.float32)
    results = []
    for roll in (True, False):
        with jg.Session(roll_loops=roll) as s:
            s.run(jg.global_variables_initializer())
            initial = s.run(variables)
            g = s.run(grads, {x: xv})
            for _ in range(3):
                s.run(train, {x: xv})
            results.append((initial, g, s.run(variables)))

    def f(params):
        h = jnp.asarray(xv)
        for w, b in zip(params[::2], params[1::2]):
            h = jnp.tanh(h @ w + b)
        return jnp.sum(h * h)

    expected = jax.grad(f)([jnp.asarray(v) for v in results[0][0]])
    for got, want in zip(results[0][1], expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for a, b in zip(results[0][1] + results[0][2], results[1][1] + results[1][2]):
        np.testing.assert_array_equal(a, b)
    assert [v.op.name for v in variables] == [n for i in range(10) for n in (f"W{i}", f"b{i}")]


def test_rolled_training_keeps_each_variable_in_checkpoints_and_tensorboard(tmp_path):
    """Trained rolled (Variables stored as stacked groups), the checkpoint and TensorBoard's
    graph still name every Variable, and the checkpoint restores into an unrolled Session."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    x, y = _chain(12)
    loss = jg.reduce_mean(jg.square(y))
    train = jg.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: np.ones((4, 16), np.float32)}
    with jg.Session() as s:
        s.run(jg.global_variables_initializer())
        s.run(train, feed)
        assert "variable_group" in s.dump(train, feed, stage="ir-opt")
        before = s.run(y, feed)
        weights = s.run(jg.global_variables())
        path = jg.train.Saver().save(s, str(tmp_path / "model.ckpt"))
    names = {f"W{i}" for i in range(12)} | {f"b{i}" for i in range(12)}
    assert {name for name, _ in jg.train.list_variables(path)} == names
    with jg.Session(roll_loops=False) as s:
        jg.train.Saver().restore(s, path)
        np.testing.assert_array_equal(s.run(y, feed), before)
        for got, want in zip(s.run(jg.global_variables()), weights, strict=True):
            np.testing.assert_array_equal(got, want)
    jg.summary.FileWriter(str(tmp_path / "logs"), jg.get_default_graph()).close()
    board = EventAccumulator(str(tmp_path / "logs"))
    board.Reload()
    assert names <= {node.name for node in board.Graph().node}


def test_inception_style_modules_roll():
    rs = np.random.RandomState(3)
    x = jg.placeholder(jg.float32, (2, 6, 6, 4), name="x")
    h = x
    for i in range(6):
        wa = jg.Variable(rs.randn(1, 1, 4, 2).astype(np.float32) * 0.3, name=f"m{i}/a")
        wb = jg.Variable(rs.randn(3, 3, 4, 2).astype(np.float32) * 0.3, name=f"m{i}/b")
        a = jg.nn.relu(jg.nn.conv2d(h, wa, [1, 1, 1, 1], "SAME"))
        b = jg.nn.relu(jg.nn.conv2d(h, wb, [1, 1, 1, 1], "SAME"))
        h = jg.concat([a, b], axis=3)
    (scan,) = _scans([h], [x])
    assert scan.attrs["length"] >= 5
    xv = rs.randn(2, 6, 6, 4).astype(np.float32)
    rolled, unrolled = _run_both(h, {x: xv})
    np.testing.assert_array_equal(rolled, unrolled)


def test_static_rnn_steps_roll():
    jg.set_random_seed(12)  # the cell's initializers draw the same values in both Sessions
    inputs = [jg.placeholder(jg.float32, (3, 5), name=f"in{t}") for t in range(12)]
    cell = jg.nn.rnn_cell.BasicRNNCell(8)
    _, state = jg.nn.static_rnn(cell, inputs, dtype=jg.float32)
    assert len(_scans([state], inputs)) == 1
    rs = np.random.RandomState(4)
    feed = {t: rs.randn(3, 5).astype(np.float32) for t in inputs}
    rolled, unrolled = _run_both(state, feed)
    np.testing.assert_array_equal(rolled, unrolled)


def test_a_differing_shape_splits_the_run():
    widths = [16] * 9 + [8] + [8] * 9
    x, y = _chain(19, widths=widths)
    scans = _scans([y], [x])
    assert sorted(op.attrs["length"] for op in scans) == [9, 9]
    xv = np.random.RandomState(5).randn(4, 16).astype(np.float32)
    rolled, unrolled = _run_both(y, {x: xv})
    np.testing.assert_array_equal(rolled, unrolled)


def test_a_variable_shared_by_every_block_is_closed_over():
    shared = jg.Variable(np.random.RandomState(6).randn(16, 16).astype(np.float32) * 0.4, name="shared")
    x, y = _chain(12, shared=shared)
    (scan,) = _scans([y], [x])
    assert any(t.op.name == "shared/read" for t in scan.inputs)
    xv = np.random.RandomState(7).randn(4, 16).astype(np.float32)
    rolled, unrolled = _run_both(y, {x: xv})
    np.testing.assert_array_equal(rolled, unrolled)


def test_random_draws_inside_blocks_stay_unrolled():
    jg.set_random_seed(11)
    x = jg.placeholder(jg.float32, (4, 16), name="x")
    y = x
    for i in range(12):
        y = jg.nn.dropout(jg.tanh(y * 1.5 + 0.1), rate=0.2, seed=i)
    assert not [op for op in optimize([y], [x]).graph.operations if op.type == "scan" and
                any(o.op_def.needs_key for o in op.attrs["body"].operations)]  # fmt: skip
    xv = np.random.RandomState(8).randn(4, 16).astype(np.float32)
    rolled, unrolled = _run_both(y, {x: xv})
    np.testing.assert_array_equal(rolled, unrolled)


@pytest.mark.parametrize(
    "make", [lambda f: jg.function(f, roll_loops=False), lambda f: jg.function(roll_loops=False)(f)]
)
def test_function_off_switch(make):
    f = make(lambda x: x)
    assert f.session.roll_loops is False


@pytest.mark.parametrize(
    ("requested", "platform", "ops", "expected"),
    [
        (None, "cpu", 10, True),
        (None, "gpu", rolling.ACCELERATOR_MIN_OPS - 1, False),
        (None, "gpu", rolling.ACCELERATOR_MIN_OPS, True),
        (None, "tpu", 10, False),
        (True, "gpu", 10, True),
        (False, "cpu", 10**6, False),
    ],
)
def test_rolls_where_it_pays_unless_asked(requested, platform, ops, expected):
    assert rolling.rolls(requested, platform, ops) is expected


def test_an_accelerators_default_rolls_only_big_programs(monkeypatch):
    monkeypatch.setattr(executable, "_platform", lambda device, mesh: "gpu")
    x, y = _chain(12)
    feed = {x: np.ones((4, 16), np.float32)}
    with jg.Session() as s:
        assert s.roll_loops is None
        assert "rolled=" not in s.dump(y, feed, stage="ir-opt")  # 12 layers: far below the bound
    monkeypatch.setattr(rolling, "ACCELERATOR_MIN_OPS", 40)
    with jg.Session() as s:
        assert 'rolled="12 blocks of 3 ops"' in s.dump(y, feed, stage="ir-opt")
    with jg.Session(roll_loops=False) as s:
        assert "rolled=" not in s.dump(y, feed, stage="ir-opt")
