"""A fetch set structurally identical to one compiled before runs on its executable
(``jaxgraph.session.structure``): the classic TF1 loop that builds ops every iteration compiles
once, while anything that changes a value (a constant, an attribute, a shape, another Variable,
a random op's stream) compiles on its own; errors name the new fetch set's op."""

import inspect

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _mlp_graph():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    w = jg.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 10, name="w")
    return x, w, jg.matmul(x, w)


def test_a_loop_building_sigmoid_each_iteration_compiles_once_with_equal_values():
    x, w, logits = _mlp_graph()
    with jg.Session() as sess:
        sess.run(w.initializer)
        before = sess.compile_count
        for step in range(6):
            feed = np.full((2, 3), step - 2.5, np.float32)
            out = sess.run(jg.sigmoid(logits), {x: feed})  # a new op every iteration
            np.testing.assert_allclose(out, _sigmoid(feed @ sess.run(w)), rtol=1e-6)
        assert sess.compile_count - before == 2  # the sigmoid once, the read of w once
        assert sess.reuse_count == 5
        assert sess.recompile_reasons == []


def test_generator_rebuilt_with_reused_variables_compiles_once():
    z = jg.placeholder(jg.float32, (4, 2), name="z")

    def generator(z):
        with jg.variable_scope("G", reuse=jg.AUTO_REUSE):
            w = jg.get_variable("w", initializer=np.array([[1.0, -1.0], [0.5, 2.0]], np.float32))
            return jg.tanh(jg.matmul(z, w))

    generator(z)
    rng = np.random.default_rng(0)
    w0 = np.array([[1.0, -1.0], [0.5, 2.0]], np.float32)
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        before = sess.compile_count
        for _ in range(4):
            zs = rng.normal(size=(4, 2)).astype(np.float32)
            np.testing.assert_allclose(sess.run(generator(z), {z: zs}), np.tanh(zs @ w0), rtol=1e-6)
        assert sess.compile_count - before == 1 and sess.reuse_count == 3


@pytest.mark.parametrize(
    "build",
    [
        lambda t, k: t * (2.0 + k),  # another constant
        lambda t, k: jg.reduce_sum(t, axis=k),  # another attribute
        lambda t, k: t * (-0.0 if k else 0.0),  # constants compare by their bytes, not ==
    ],
    ids=["constant", "attribute", "signed-zero"],
)
def test_fetch_sets_differing_in_a_value_do_not_share(build):
    x, w, logits = _mlp_graph()
    feed = np.array([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]], np.float32)
    with jg.Session() as sess:
        sess.run(w.initializer)
        before = sess.compile_count
        first, second = sess.run(build(logits, 0), {x: feed}), sess.run(build(logits, 1), {x: feed})
        assert sess.compile_count - before == 2 and sess.reuse_count == 0
        with jg.Session() as fresh:  # each fetch set compiled alone gives the same values
            fresh.run(w.initializer)
            np.testing.assert_array_equal(first, fresh.run(build(logits, 0), {x: feed}))
            np.testing.assert_array_equal(second, fresh.run(build(logits, 1), {x: feed}))
        assert first.tobytes() != second.tobytes()


def test_fetch_sets_differing_in_a_feed_shape_do_not_share():
    x, w, logits = _mlp_graph()
    with jg.Session() as sess:
        sess.run(w.initializer)
        before = sess.compile_count
        for n in (2, 5):
            feed = np.ones((n, 3), np.float32)
            np.testing.assert_allclose(
                sess.run(jg.sigmoid(logits), {x: feed}), _sigmoid(feed @ sess.run(w)), rtol=1e-6
            )
        assert sess.compile_count - before == 3 and sess.reuse_count == 0  # two sigmoids, w


def test_variables_with_other_names_do_not_share():
    a = jg.Variable(np.float32(2.0), name="a")
    b = jg.Variable(np.float32(3.0), name="b")
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        before = sess.compile_count
        assert float(sess.run(a * 10.0)) == 20.0
        assert float(sess.run(b * 10.0)) == 30.0
        assert float(sess.run(a * 10.0)) == 20.0  # a new op again: shares with the first
        assert sess.compile_count - before == 2 and sess.reuse_count == 1


def test_an_update_built_each_iteration_shares_and_updates_the_variable():
    v = jg.Variable(0.0, name="v")
    with jg.Session() as sess:
        sess.run(v.initializer)
        before = sess.compile_count
        with pytest.warns(UserWarning, match="the graph keeps growing between Session.run calls"):
            for _ in range(6):
                sess.run(v.assign_add(1.5))
        assert float(sess.run(v)) == 9.0
        assert sess.compile_count - before == 2 and sess.reuse_count == 5


def test_random_ops_share_only_with_the_same_seed():
    with jg.Session() as sess:
        unseeded = [sess.run(jg.random_uniform((3,))) for _ in range(2)]  # streams follow names
        assert sess.compile_count == 2 and sess.reuse_count == 0
        seeded = [sess.run(jg.random_uniform((3,), seed=7)) for _ in range(2)]
        assert sess.compile_count == 3 and sess.reuse_count == 1
    assert not np.array_equal(*unseeded) and not np.array_equal(*seeded)  # the RNG key moves on


def test_an_error_of_a_shared_executable_names_the_new_op():
    params = jg.constant(np.arange(5, dtype=np.float32))
    i = jg.placeholder(jg.int32, (None,), name="i")
    with jg.Session() as sess:
        sess.run(jg.gather(params, i), {i: np.array([1, 2], np.int32)})
        line = inspect.currentframe().f_lineno + 1
        gathered = jg.gather(params, i)
        with pytest.raises(errors.InvalidArgumentError) as caught:
            sess.run(gathered, {i: np.array([1, 7], np.int32)})
        assert sess.compile_count == 1 and sess.reuse_count == 1
    assert caught.value.op is gathered.op.graph.get_operation_by_name("GatherV2_1/CheckIndices")
    assert str(caught.value) == (
        "indices[1] = 7 is not in [0, 5)\n"
        f"  op 'GatherV2_1/CheckIndices' (check_indices) defined at {__file__}:{line}"
    )


def test_fetch_structures_over_shared_and_fast_paths_keep_their_types():
    x, w, logits = _mlp_graph()
    feed = {x: np.ones((2, 3), np.float32)}
    with jg.Session() as sess:
        sess.run(w.initializer)
        for _ in range(2):  # the second round takes the fast path
            as_list = sess.run([logits, w.initializer], feed)
            as_tuple = sess.run((logits, logits), feed)
            as_dict = sess.run({"l": logits, "nested": [logits]}, feed)
            assert type(as_list) is list and as_list[1] is None
            assert type(as_tuple) is tuple and len(as_tuple) == 2
            assert set(as_dict) == {"l", "nested"} and type(as_dict["nested"]) is list
            np.testing.assert_allclose(as_dict["nested"][0], np.ones((2, 3)) @ sess.run(w), rtol=1e-6)


def test_writes_in_another_graph_order_do_not_share():
    v = jg.Variable(0.0, name="v")
    with jg.Session() as sess:
        sess.run(v.initializer)
        sess.run([v.assign(1.0), v.assign(2.0)])  # run in graph order: 2.0 last
        assert float(sess.run(v)) == 2.0
        second = v.assign(2.0)
        first = v.assign(1.0)
        sess.run([first, second])  # the same fetch structure, built the other way round: 1.0 last
        assert float(sess.run(v)) == 1.0
        assert sess.reuse_count == 0


def test_ops_created_in_another_order_share():
    x = jg.placeholder(jg.float32, (2,), name="x")
    a = jg.Variable(np.float32([1.0, 2.0]), name="a")
    b = jg.Variable(np.float32([3.0, 5.0]), name="b")
    feed = {x: np.float32([1.0, -1.0])}
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        sess.run(x * a.value() + b.value(), feed)
        read_b = b.value()  # the reads made in the other order, then the same sum
        read_a = a.value()
        np.testing.assert_array_equal(sess.run(x * read_a + read_b, feed), np.float32([4.0, 3.0]))
        assert sess.reuse_count == 1


def test_check_numerics_of_a_shared_executable_names_the_new_op():
    x = jg.placeholder(jg.float32, (2,), name="x")
    with jg.Session(check_numerics=True) as sess:
        np.testing.assert_allclose(sess.run(jg.log(x), {x: np.float32([1.0, np.e])}), [0.0, 1.0], rtol=1e-6)
        line = inspect.currentframe().f_lineno + 1
        logarithm = jg.log(x)
        with pytest.raises(errors.InvalidArgumentError) as caught:
            sess.run(logarithm, {x: np.float32([-1.0, 1.0])})
        assert sess.compile_count == 1 and sess.reuse_count == 1
    assert caught.value.op is logarithm.op
    assert str(caught.value) == (
        "found NaN or Inf in the output (check_numerics)\n"
        f"  op '{logarithm.op.name}' (log) defined at {__file__}:{line}"
    )
    assert logarithm.op.name == "Log_1"


def test_keys_taken_again_are_equal_and_an_unshareable_op_stays_unshareable():
    """Each op's build-time part of the key is kept after its first keying (a growing loop
    keys its shared ops at every step): keying again gives the same key, and an op whose
    attribute has no by-value key (a loop body) gives none, every time."""
    from jaxgraph.session.structure import KeyMemo, structure_key

    with jg.Graph().as_default():
        x, w, y = _mlp_graph()
        fetch = jg.sigmoid(y)
        spec, statics = [((2, 3), np.dtype(np.float32))], KeyMemo()
        first = structure_key([fetch], [x], spec, statics)
        again = structure_key([fetch], [x], spec, statics)
        assert first[0] == again[0] and first[1] == again[1]
        assert structure_key([fetch], [x], spec, KeyMemo()) == first  # without the memo
        assert structure_key([jg.sigmoid(y)], [x], spec, statics)[0] == first[0]  # new ops, same structure
        loop = jg.while_loop(lambda i: i < 3, lambda i: i + 1, [jg.constant(0)])
        assert structure_key([loop], [], [], statics) is None
        assert structure_key([loop], [], [], statics) is None
