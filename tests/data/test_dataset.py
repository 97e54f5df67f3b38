"""tf.data datasets: types, shapes and elements equal to TensorFlow's (fixture recorded by
scripts/record_data_reference.py), shuffling, and the errors of bad pipelines."""

import json
import pathlib

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from tests.data import data_cases

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "tf1_data.json").read_text())["cases"]


@pytest.mark.parametrize("name", data_cases.CASES)
def test_pipeline_matches_tensorflow(name):
    assert data_cases.run_case(jg, name) == FIXTURE[name]


def _drain(next_element, sess):
    out = []
    while True:
        try:
            out.append(np.asarray(sess.run(next_element)).tolist())
        except jg.errors.OutOfRangeError:
            return out


def test_shuffle_is_a_seeded_permutation_reshuffled_each_pass():
    with jg.Graph().as_default():
        ds = jg.data.Dataset.range(20).shuffle(5, seed=3).repeat(2)
        n = ds.make_one_shot_iterator().get_next()
        with jg.Session() as sess:
            first = _drain(n, sess)
        with jg.Session() as sess:
            again = _drain(n, sess)
    assert sorted(first[:20]) == list(range(20)) and sorted(first[20:]) == list(range(20))
    assert first[:20] != list(range(20)) and first[:20] != first[20:]
    assert first == again  # each Session starts the seeded pipeline afresh


def test_shuffle_without_reshuffle_repeats_its_order_and_graph_seed_decides():
    with jg.Graph().as_default() as g:
        g.seed = 7
        ds = jg.data.Dataset.range(10).shuffle(10, reshuffle_each_iteration=False).repeat(2)
        with jg.Session() as sess:
            order = _drain(ds.make_one_shot_iterator().get_next(), sess)
    assert order[:10] == order[10:] and sorted(order[:10]) == list(range(10))


def test_shuffle_buffer_of_one_keeps_order():
    with jg.Graph().as_default():
        n = jg.data.Dataset.range(6).shuffle(1, seed=1).make_one_shot_iterator().get_next()
        with jg.Session() as sess:
            assert _drain(n, sess) == list(range(6))


def test_prefetch_and_repeat_of_empty_dataset():
    with jg.Graph().as_default():
        ds = jg.data.Dataset.range(0).repeat().prefetch(2)
        with jg.Session() as sess:
            assert _drain(ds.make_one_shot_iterator().get_next(), sess) == []


def test_map_with_random_ops_and_dict_outputs():
    with jg.Graph().as_default() as g:
        g.seed = 1
        ds = jg.data.Dataset.range(3).map(lambda i: {"i": i, "u": jg.random_uniform([2])})
        assert ds.output_types == {"i": jg.int64, "u": jg.float32}
        n = ds.make_one_shot_iterator().get_next()
        with jg.Session() as sess:
            values = [sess.run(n) for _ in range(3)]
    assert [int(v["i"]) for v in values] == [0, 1, 2]
    assert not np.array_equal(values[0]["u"], values[1]["u"])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: jg.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4))),
         "from_tensor_slices: all components must have the same size in their first dimension, got sizes [3, 4]"),
        (lambda: jg.data.Dataset.from_tensor_slices(np.float32(1)),
         "from_tensor_slices: a component is a scalar; slicing needs rank >= 1"),
        (lambda: jg.data.Dataset.range(3).batch(0), "batch_size must be an integer >= 1, got 0"),
        (lambda: jg.data.Dataset.range(3).shuffle(0), "buffer_size must be an integer >= 1, got 0"),
        (lambda: jg.data.Dataset.range(3).take(1.5), "count must be an integer >= 0, got 1.5"),
        (lambda: jg.data.Dataset.range(1, 5, 0), "Dataset.range: step must not be 0"),
        (lambda: jg.data.Dataset.range("a"), "Dataset.range takes 1 to 3 integers (start, stop, step), got ('a',)"),
        (lambda: jg.data.Dataset.range(3).filter(lambda i: i * 2),
         "filter's predicate must return a scalar bool tensor, got i64[]"),
        (lambda: jg.data.Dataset.zip((1, 2)), "Dataset.zip takes a tuple or dict of datasets, got (1, 2)"),
        (lambda: jg.data.Dataset.from_generator(3, jg.int32), "from_generator needs a callable generator, got 3"),
    ],
)  # fmt: skip
def test_bad_datasets_are_refused(build, message):
    with jg.Graph().as_default(), pytest.raises(InvalidArgumentError) as e:
        build()
    assert e.value.message == message


@pytest.mark.parametrize(
    "items, message",
    [
        ([[1, 2, 3]], "`generator` yielded an element of shape [3] where an element of shape [2] was expected"),
        ([["a", "b"]], "`generator` yielded an element that could not be converted to the expected type int32: ['a', 'b']"),
        ([([1, 2], 3)], "`generator` yielded an element that did not match the expected structure i32[2]: ([1, 2], 3)"),
    ],
)  # fmt: skip
def test_generator_elements_are_checked_when_pulled(items, message):
    with jg.Graph().as_default():
        ds = jg.data.Dataset.from_generator(lambda: iter(items), jg.int32, output_shapes=[2])
        n = ds.make_one_shot_iterator().get_next()
        with jg.Session() as sess, pytest.raises(InvalidArgumentError) as e:
            sess.run(n)
    assert e.value.message == message
    assert e.value.op is n.op


def test_batching_elements_of_different_shapes_fails():
    with jg.Graph().as_default():
        ds = jg.data.Dataset.from_generator(lambda: iter([[1], [2, 3]]), jg.int32).batch(2)
        n = ds.make_one_shot_iterator().get_next()
        with jg.Session() as sess, pytest.raises(InvalidArgumentError) as e:
            sess.run(n)
    assert e.value.message == (
        "Cannot batch tensors with different shapes in component 0. First element had shape [1] "
        "and element 1 had shape [2]."
    )
    assert e.value.op is n.op
