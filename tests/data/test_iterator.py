"""Dataset iterators in Session.run: one element per run, TF1's end and initialization errors,
initializers fed through their feed_dict, and a training loop driven by an iterator."""

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import FailedPreconditionError, InvalidArgumentError, OutOfRangeError

X = np.linspace(-1.0, 1.0, 40, dtype=np.float32).reshape(20, 2)
Y = (X @ np.array([[2.0], [-3.0]], np.float32) + 0.5).astype(np.float32)


def _model(x, y):
    w = jg.Variable(jg.zeros([2, 1]), name="w")
    b = jg.Variable(jg.zeros([1]), name="b")
    loss = jg.reduce_mean(jg.square(jg.matmul(x, w) + b - y))
    return loss, jg.train.GradientDescentOptimizer(0.1).minimize(loss)


def test_training_loop_driven_by_an_iterator_equals_the_feed_dict_loop():
    with jg.Graph().as_default():
        x, y = (
            jg.data.Dataset.from_tensor_slices((X, Y)).batch(6).repeat(2).make_one_shot_iterator().get_next()
        )
        loss, train = _model(x, y)
        with jg.Session() as sess:
            sess.run(jg.global_variables_initializer())
            losses = []
            with pytest.raises(OutOfRangeError):
                while True:
                    losses.append(sess.run([loss, train])[0])
            w_after = sess.run("w:0")
            reasons = sess.recompile_reasons
    with jg.Graph().as_default():
        xp, yp = jg.placeholder(jg.float32, [None, 2]), jg.placeholder(jg.float32, [None, 1])
        loss, train = _model(xp, yp)
        with jg.Session() as sess:
            sess.run(jg.global_variables_initializer())
            fed = [
                sess.run([loss, train], {xp: X[i : i + 6], yp: Y[i : i + 6]})[0]
                for _ in range(2)
                for i in range(0, 20, 6)
            ]
            np.testing.assert_array_equal(w_after, sess.run("w:0"))
    np.testing.assert_array_equal(losses, fed)
    assert reasons == [
        "feed 'IteratorGetNext:0': f32[6,2] -> f32[2,2]; feed 'IteratorGetNext:1': f32[6,1] -> f32[2,1]"
    ]


def test_the_end_of_data_commits_nothing_and_names_the_op():
    with jg.Graph().as_default():
        x = (
            jg.data.Dataset.from_tensor_slices(np.ones((1, 3), np.float32))
            .make_one_shot_iterator()
            .get_next()
        )
        line = x.op.location.line
        v = jg.Variable(0.0)
        step = v.assign_add(jg.reduce_sum(x))
        with jg.Session() as sess:
            sess.run(v.initializer)
            assert sess.run(step) == 3.0
            with pytest.raises(OutOfRangeError) as e:
                sess.run(step)
            assert sess.run(v) == 3.0
    assert e.value.message == "End of sequence"
    assert e.value.op is x.op
    assert f"test_iterator.py:{line}" in str(e.value)


def test_several_fetches_of_one_get_next_see_one_element_and_unneeded_runs_pull_nothing():
    with jg.Graph().as_default():
        it = jg.data.Dataset.range(5).make_one_shot_iterator()
        n = it.get_next()
        other = jg.constant(1.0)
        with jg.Session() as sess:
            value, plus_ten, nested = sess.run([n, n + 10, {"a": n}])
            assert (int(value), int(plus_ten), int(nested["a"])) == (0, 10, 0)
            sess.run(other)
            assert int(sess.run(n)) == 1
            second = it.get_next()  # a second op pulls its own element in the same run
            assert [int(v) for v in sess.run([n, second])] == [2, 3]


def test_each_session_reads_a_one_shot_iterator_from_the_start():
    with jg.Graph().as_default():
        n = jg.data.Dataset.range(3).make_one_shot_iterator().get_next()
        with jg.Session() as a, jg.Session() as b:
            assert [int(a.run(n)), int(a.run(n)), int(b.run(n))] == [0, 1, 0]


def test_initializable_iterator_fed_through_its_initializer():
    with jg.Graph().as_default():
        data = jg.placeholder(jg.float32, [None, 2], name="data")
        it = jg.data.Dataset.from_tensor_slices(data).batch(2).make_initializable_iterator()
        n = it.get_next()
        assert it.output_shapes.as_list() == [None, 2] and it.output_types == jg.float32
        with jg.Session() as sess:
            with pytest.raises(FailedPreconditionError) as e:
                sess.run(n)
            assert e.value.message.startswith(
                "GetNext() failed because the iterator has not been initialized."
            )
            for rows in (3, 1):
                sess.run(
                    it.initializer, feed_dict={data: np.arange(rows * 2, dtype=np.float32).reshape(rows, 2)}
                )
                assert sess.run(n).tolist() == np.arange(min(rows, 2) * 2).reshape(-1, 2).tolist()
            sess.run(it.initializer, feed_dict={data: np.zeros((0, 2), np.float32)})
            with pytest.raises(OutOfRangeError):
                sess.run(n)
            with pytest.raises(InvalidArgumentError) as e:
                sess.run(it.initializer)
            assert "placeholder" in e.value.message and "'data:0'" in e.value.message


def test_reinitializable_iterator_switches_datasets():
    with jg.Graph().as_default():
        train = jg.data.Dataset.range(10, 13)
        valid = jg.data.Dataset.range(3)
        it = jg.data.Iterator.from_structure(train.output_types, train.output_shapes)
        n = it.get_next()
        to_train, to_valid = it.make_initializer(train), it.make_initializer(valid)
        with jg.Session() as sess:
            sess.run(to_train)
            assert int(sess.run(n)) == 10
            sess.run(to_valid)
            assert int(sess.run(n)) == 0
            sess.run(to_train)
            assert int(sess.run(n)) == 10
        with pytest.raises(InvalidArgumentError) as e:
            it.make_initializer(jg.data.Dataset.from_tensor_slices(np.zeros(3, np.float32)))
        assert e.value.message == (
            "cannot initialize iterator 'Iterator' of element types i64[] with a dataset of element types f32[]"
        )
        with pytest.raises(InvalidArgumentError) as e:
            _ = jg.data.make_one_shot_iterator(train).initializer
        assert e.value.message.startswith("iterator 'Iterator_1' has no initializer: it is one-shot")


def test_one_shot_iterator_refuses_a_placeholder():
    with jg.Graph().as_default():
        p = jg.placeholder(jg.float32, [3], name="p")
        with pytest.raises(InvalidArgumentError) as e:
            jg.data.Dataset.from_tensor_slices(p * 2.0).make_one_shot_iterator()
    assert e.value.message.startswith("Cannot capture a placeholder (name:p, type:Placeholder) by value")
    assert e.value.op is p.op


def test_get_next_tensors_can_be_fed_like_any_tensor():
    with jg.Graph().as_default():
        n = jg.data.Dataset.range(3).make_one_shot_iterator().get_next()
        with jg.Session() as sess:
            assert int(sess.run(n * 2, {n: np.int64(7)})) == 14
            assert int(sess.run(n)) == 0  # the fed run pulled nothing
