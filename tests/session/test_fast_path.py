"""The fast path of ``Session.run`` (a fetch set and feed signature run before): the same
results, checks and errors as the general path, and feed hooks asked once per Session."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import FailedPreconditionError, InvalidArgumentError
from jaxgraph.session import session as session_module
from jaxgraph.session.feed_hooks import FeedHooks
from jaxgraph.session.plan import fast_results
from jaxgraph.session.variable_store import VariableStore


def _graph():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    w = jg.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
    y = jg.matmul(x, w, name="y")
    return x, w, y


@pytest.mark.parametrize("rounds", [1, 2, 3])
def test_results_keep_their_structure_on_every_round(rounds):
    x, w, y = _graph()
    feed = {x: np.ones((2, 3), np.float32)}
    expected = np.ones((2, 3), np.float32) @ np.arange(6, dtype=np.float32).reshape(3, 2)
    with jg.Session() as sess:
        sess.run(w.initializer)
        for _ in range(rounds):  # the first round takes the general path, the others the fast one
            bare = sess.run(y, feed)
            one = sess.run([y], feed)
            pair = sess.run((y, w.initializer), feed)
            ops_only = sess.run([w.initializer, w.initializer])
            assert sess.run(w.initializer) is None
            np.testing.assert_allclose(bare, expected)
            assert type(one) is list and len(one) == 1
            np.testing.assert_allclose(one[0], expected)
            assert type(pair) is tuple and len(pair) == 2 and pair[1] is None
            np.testing.assert_allclose(pair[0], expected)
            assert ops_only == [None, None]


def test_a_fetch_list_like_one_run_before_but_nested_keeps_its_structure():
    x, w, y = _graph()
    feed = {x: np.ones((1, 3), np.float32)}
    Pair = collections.namedtuple("Pair", "a b")
    with jg.Session() as sess:
        sess.run(w.initializer)
        for _ in range(2):
            flat = sess.run([y, y], feed)
            nested = sess.run([y, [y]], feed)
            named = sess.run([y, Pair(y, y)], feed)
            plain = sess.run([y, (y, y)], feed)
            assert type(flat[1]) is not list and type(nested[1]) is list
            assert type(named[1]) is Pair and type(plain[1]) is tuple


def test_fast_runs_check_feeds_of_another_shape_or_dtype():
    x, w, y = _graph()
    with jg.Session() as sess:
        sess.run(w.initializer)
        for _ in range(2):
            sess.run(y, {x: np.ones((2, 3), np.float32)})
        with pytest.raises(InvalidArgumentError) as caught:
            sess.run(y, {x: np.ones((2, 4), np.float32)})
        assert caught.value.message == "feed for 'x:0' has shape [2, 4], which does not match f32[?,3]"
        for dtype in (np.int32, np.float64, np.int32):  # each its own fast path entry
            np.testing.assert_allclose(sess.run(y, {x: np.ones((1, 3), dtype)}), [[6.0, 9.0]])


def test_fast_runs_convert_and_range_check_every_feed():
    n = jg.placeholder(jg.int8, (2,), name="n")
    doubled = n * 2
    with jg.Session() as sess:
        for _ in range(2):
            np.testing.assert_array_equal(sess.run(doubled, {n: np.array([1, 2], np.int64)}), [2, 4])
        with pytest.raises(InvalidArgumentError) as caught:
            sess.run(doubled, {n: np.array([1, 300], np.int64)})
        assert caught.value.message == (
            "feed for 'n:0' has the value 300, which int8 cannot hold (from -128 to 127)"
        )
        with pytest.raises(InvalidArgumentError) as caught:
            sess.run(doubled, {n: np.array([1.0, 2.0], np.float32)})
        assert caught.value.message == (
            "feed for 'n:0' has dtype float32, which cannot be converted to int8 without changing its kind"
        )


def test_a_closed_session_refuses_fast_runs():
    x, w, y = _graph()
    feed = {x: np.ones((1, 3), np.float32)}
    plain = jg.constant(1.0) + 1.0
    sess = jg.Session()
    sess.run(w.initializer)
    sess.run(y, feed)
    sess.run(plain)
    sess.close()
    for fetch, feeds in ((y, feed), (plain, None)):
        with pytest.raises(FailedPreconditionError) as caught:
            sess.run(fetch, feeds)
        assert caught.value.message == "Attempted to use a closed Session."


def test_a_failed_check_on_the_fast_path_changes_no_variable():
    table = jg.Variable(np.zeros(4, np.float32), name="table")
    index = jg.placeholder(jg.int32, (), name="index")
    bump = table.assign_add(jg.one_hot(index, 4) + jg.gather(table, index) * 0.0)
    with jg.Session() as sess:
        sess.run(table.initializer)
        for _ in range(2):
            sess.run(bump, {index: np.int32(1)})
        with pytest.raises(InvalidArgumentError) as caught:
            sess.run(bump, {index: np.int32(9)})
        assert caught.value.message == "indices = 9 is not in [0, 4)"
        np.testing.assert_array_equal(sess.run(table), [0.0, 2.0, 0.0, 0.0])


def test_uninitialized_variables_are_named_on_the_fast_path():
    x, w, y = _graph()
    feed = {x: np.ones((1, 3), np.float32)}
    with jg.Session() as sess:
        sess.run(w.initializer)
        sess.run(y, feed)
        sess._variables.forget("w", {})
        with pytest.raises(FailedPreconditionError) as caught:
            sess.run(y, feed)
        assert caught.value.message.startswith("Attempting to use uninitialized Variable 'w': run ")


def test_variable_store_arguments_are_none_when_one_is_missing():
    store = VariableStore(lambda label, value: value)
    store["a"] = np.float32(1.0)
    assert store.arguments(["a"], {}) == [np.float32(1.0)]
    assert store.arguments(["a", "b"], {}) is None
    assert store.arguments(["g"], {"g": ("a", "b")}) is None


def test_fast_results_build_each_structure():
    fetched = ("first", "second")
    assert fast_results("t", [0])(fetched) == "first"
    assert fast_results("op", [None])(fetched) is None
    assert fast_results(["t"], [1])(fetched) == ["second"]
    assert fast_results(("op",), [None])(fetched) == (None,)
    assert fast_results(["a", "op", "b"], [1, None, 0])(fetched) == ["second", None, "first"]
    assert fast_results(("a", "b"), [0, 1])(fetched) == ("first", "second")


def test_feed_hooks_are_called_only_for_the_sessions_they_want(monkeypatch):
    hooks = FeedHooks()
    monkeypatch.setattr(session_module, "FEED_HOOKS", hooks)
    x = jg.placeholder(jg.float32, (), name="x")
    doubled = x * 2.0
    wanted: set[jg.Session] = set()
    calls = []

    def feed_three(session, fetches, feed_dict):
        calls.append(session)
        return {x: np.float32(3.0)}

    wanting, other = jg.Session(), jg.Session()
    hooks.add(feed_three, wants=lambda session: session in wanted)
    with pytest.raises(InvalidArgumentError):  # nothing feeds x
        wanting.run(doubled)
    wanted.add(wanting)
    assert calls == []  # the Session asks again only after changed()
    hooks.changed()
    assert float(wanting.run(doubled)) == 6.0
    assert float(wanting.run(doubled, {x: np.float32(1.0)})) == 6.0
    assert calls == [wanting, wanting]
    with pytest.raises(InvalidArgumentError):
        other.run(doubled)
    assert calls == [wanting, wanting]


def test_an_iterator_built_after_the_session_feeds_its_runs():
    graph = jg.Graph()
    with graph.as_default():
        total = jg.reduce_sum(jg.constant([1.0, 2.0]))
    with jg.Session(graph=graph) as sess:
        assert float(sess.run(total)) == 3.0
        with graph.as_default():
            element = jg.data.Dataset.from_tensor_slices(np.array([5.0, 7.0], np.float32))
            item = element.make_one_shot_iterator().get_next()
        assert [float(sess.run(item)), float(sess.run(item))] == [5.0, 7.0]
