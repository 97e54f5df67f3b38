"""Session semantics: fetch structures, names, feeds, initialization, effects order, threads."""

from __future__ import annotations

import collections
import threading

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close


def test_design_forward_example_matches_numpy():
    rng = np.random.default_rng(0)
    xb = rng.normal(size=(32, 784)).astype(np.float32)
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, shape=(None, 784), name="x")
        with jg.name_scope("dense"):
            w = jg.Variable(jg.random_normal((784, 10), stddev=0.01), name="w")
            b = jg.Variable(jg.zeros((10,)), name="b")
        logits = jg.matmul(x, w) + b
        probs = jg.tanh(logits)
        init = jg.global_variables_initializer()
    assert w.name == "dense/w:0" and b.op.name == "dense/b"
    with jg.Session(graph=g) as sess:
        sess.run(init)
        wv, bv = sess.run([w, b])
        out = sess.run(probs, feed_dict={x: xb})
    # atol covers TF32, JAX's default f32 matmul precision on NVIDIA GPUs (2e-4 seen on an H200)
    assert_close(out, np.tanh(xb @ np.asarray(wv) + np.asarray(bv)), rtol=1e-4, atol=1e-3)
    assert np.asarray(wv).std() == pytest.approx(0.01, rel=0.1)


def test_nested_fetches_names_and_operations():
    a = jg.constant(2.0, name="a")
    b = a * 3.0
    op = jg.no_op(name="nothing")
    Pair = collections.namedtuple("Pair", "left right")
    with jg.Session() as sess:
        out = sess.run({"x": [a, (b, op)], "p": Pair("a:0", b), "none": None})
    assert float(out["x"][0]) == 2.0 and float(out["x"][1][0]) == 6.0 and out["x"][1][1] is None
    assert isinstance(out["p"], Pair) and float(out["p"].left) == 2.0 and out["none"] is None


def test_feed_any_tensor_and_dtype_conversion():
    x = jg.placeholder(jg.float32, shape=(2,), name="x")
    y = x * 2.0
    z = y + 1.0
    with jg.Session() as sess:
        assert_close(sess.run(z, {x: [1, 2]}), np.array([3.0, 5.0], np.float32))
        assert_close(sess.run(z, {y: np.array([10.0, 20.0])}), np.array([11.0, 21.0], np.float32))
        assert_close(sess.run(z, {"x:0": np.float64([0.5, 1.5])}), np.array([2.0, 4.0], np.float32))


def test_uninitialized_variable_raises_naming_it():
    v = jg.Variable(jg.zeros((2,)), name="weights")
    with jg.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError) as info:
            sess.run(v + 1.0)
    assert info.value.message.startswith("Attempting to use uninitialized Variable 'weights': run ")
    assert "op 'weights' (variable) defined at" in str(info.value)


def test_assigns_run_in_program_order():
    v = jg.Variable(1.0, name="v")
    first = v.assign(v * 10.0)
    after_first = v.value() + 0.0
    second = v.assign_add(5.0)
    after_second = v.value() + 0.0
    sub = v.assign_sub(1.0)
    with jg.Session() as sess:
        sess.run(v.initializer)
        out = sess.run([first, after_first, second, after_second, sub])
        assert [float(o) for o in out] == [10.0, 10.0, 15.0, 15.0, 14.0]
        # a read whose assigns are not fetched sees the stored value
        assert float(sess.run(after_first)) == 14.0
        assert float(sess.run(v)) == 14.0


def test_random_ops_seeded_and_fresh_each_run():
    def draws():
        g = jg.Graph()
        with g.as_default():
            jg.set_random_seed(7)
            r = jg.random_normal((3,), seed=1)
            u = jg.random_uniform((3,))
        with jg.Session(graph=g) as sess:
            return [np.asarray(sess.run([r, u])) for _ in range(2)]

    a, b = draws(), draws()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0][0], a[0][1])


def test_threads_assign_add_exact_count():
    counter = jg.Variable(0, name="counter")
    inc = counter.assign_add(1)
    with jg.Session() as sess:
        sess.run(counter.initializer)

        def work():
            for _ in range(100):
                sess.run(inc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert int(sess.run(counter)) == 800
        assert sess.compile_count == 3


def test_closed_session_and_with_block():
    c = jg.constant(1.0)
    sess = jg.Session()
    with sess:
        assert float(c.eval()) == 1.0
    with pytest.raises(errors.FailedPreconditionError, match="closed Session"):
        sess.run(c)


def test_executable_cache_by_feed_signature():
    x = jg.placeholder(jg.float32, shape=(None, 3), name="x")
    y = jg.reduce_sum(x)
    with jg.Session() as sess:
        for n in (1, 2, 1, 2):
            sess.run(y, {x: np.ones((n, 3), np.float32)})
        assert sess.compile_count == 2


def test_session_device_places_variables_and_results():
    v = jg.Variable(np.arange(3, dtype=np.float32), name="v")
    y = v * 2.0
    with jg.Session(device="cpu") as sess:
        sess.run(v.initializer)
        out = sess.run(y)
    assert_close(out, np.array([0.0, 2.0, 4.0], np.float32))
    assert {d.platform for d in out.devices()} == {"cpu"}


def test_unknown_device_is_an_invalid_argument():
    with pytest.raises(
        errors.InvalidArgumentError, match=r"device 'tpu:7' is not available \(this process has: "
    ):
        jg.Session(device="tpu:7")


def test_recompilation_is_explained():
    x = jg.placeholder(jg.float32, (None, 4), name="x")
    y = jg.reduce_sum(x)
    with jg.Session() as sess:
        sess.run(y, {x: np.ones((32, 4), np.float32)})
        sess.run(y, {x: np.ones((16, 4), np.float32)})
        sess.run(y, {x: np.ones((16, 4), np.float64)})
    assert sess.recompile_reasons == [
        "feed 'x:0': f32[32,4] -> f32[16,4]",
        "feed 'x:0': f32[16,4] -> f64[16,4]",
    ]


def test_graph_growing_inside_a_training_loop_warns_once_naming_the_op():
    import warnings

    v = jg.Variable(0.0, name="v")
    with jg.Session() as sess:
        sess.run(v.initializer)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(8):
                sess.run(v.assign_add(1.0))  # a new op every step: the classic TF1 slowdown
        assert float(sess.run(v)) == 8.0
    messages = [str(w.message) for w in caught if "keeps growing" in str(w.message)]
    assert len(messages) == 1
    assert "op 'Const_4' (constant)" in messages[0] and __file__ in messages[0]
