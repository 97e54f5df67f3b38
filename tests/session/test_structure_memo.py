"""A Session keeps each op's build-time key part (``structure.KeyMemo``) and shares a plan's
lists with the plans made from it (``Plan.rebound``): keys taken with the memo still change
with everything the structural key holds that can change after an op is keyed (an output
type, an input, a control input, a feed's type, a Variable), and a shared plan still runs and
reports errors as its own fetch set's."""

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.session.structure import KeyMemo, structure_key

SPEC = [((2, 3), np.dtype(np.float32))]


def _graph():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    w = jg.Variable(np.ones((3, 2), np.float32), name="w")
    v = jg.Variable(np.ones((3, 2), np.float32), name="v")
    v.value()  # its read op built before the ops that may take it
    return x, w, v


def _refine_output(x, w, v, y):
    # what TF1's ``set_shape`` does to a tensor: a new, more precise type
    original, y.type = y.type, TensorType(y.dtype, TensorShape([2, 2]))
    return lambda: setattr(y, "type", original)  # the type rule's again, for the graph verifier


def _replace_input(x, w, v, y):
    y.op.replace_input_with(w.value(), v.value())


def _add_control_input(x, w, v, y):
    y.op.control_inputs = (*y.op.control_inputs, v.value().op)


@pytest.mark.parametrize(
    "change",
    [_refine_output, _replace_input, _add_control_input],
    ids=["output-type", "input", "control-input"],
)
def test_a_change_after_keying_changes_the_key_taken_with_the_memo(change):
    with jg.Graph().as_default():
        x, w, v = _graph()
        y = jg.matmul(x, w)
        memo = KeyMemo()
        before = structure_key([y], [x], SPEC, memo)
        assert structure_key([y], [x], SPEC, memo) == before  # nothing changed: the same key
        undo = change(x, w, v, y)
        after = structure_key([y], [x], SPEC, memo)
        assert after[0] != before[0]
        assert after == structure_key([y], [x], SPEC, KeyMemo())  # as without the memo
        if undo:
            undo()
            assert structure_key([y], [x], SPEC, memo) == before


def test_keys_with_the_memo_differ_by_feed_type_and_variable():
    with jg.Graph().as_default():
        x, w, v = _graph()
        memo = KeyMemo()
        key = structure_key([jg.matmul(x, w)], [x], SPEC, memo)[0]
        assert structure_key([jg.matmul(x, w)], [x], SPEC, memo)[0] == key
        assert structure_key([jg.matmul(x, v)], [x], SPEC, memo)[0] != key  # another Variable
        other_shape = [((4, 3), np.dtype(np.float32))]
        assert structure_key([jg.matmul(x, w)], [x], other_shape, memo)[0] != key
        other_dtype = [((2, 3), np.dtype(np.float64))]
        assert structure_key([jg.matmul(x, w)], [x], other_dtype, memo)[0] != key


def test_ops_built_alike_share_one_key_part():
    with jg.Graph().as_default():
        x, w, _ = _graph()
        memo = KeyMemo()
        first, second = jg.matmul(x, w), jg.matmul(x, w, transpose_b=False)
        structure_key([first, second], [x], SPEC, memo)
        assert memo.ops[first.op] is memo.ops[second.op]
        assert memo.ops[first.op] == ("matmul", memo.ops[first.op][1], None, None)
        third = jg.matmul(x, jg.transpose(w), transpose_b=True)
        structure_key([third], [x], SPEC, memo)
        assert memo.ops[third.op] != memo.ops[first.op]


def test_a_shared_plan_takes_its_templates_lists_and_its_own_ops():
    with jg.Graph().as_default():
        x, w, _ = _graph()
        feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
        with jg.Session() as sess:
            sess.run(w.initializer)
            first, second = jg.sigmoid(jg.matmul(x, w)), jg.sigmoid(jg.matmul(x, w))
            np.testing.assert_allclose(sess.run(first, feed), sess.run(second, feed), rtol=0)
            assert sess.reuse_count == 1
            plans = {leaves: plan for (_, leaves, _), plan in sess._cache.items()}
            template, shared = plans[(first,)], plans[(second,)]
            assert shared.executable is template.executable
            assert shared.feeds is template.feeds and shared.slots is template.slots
            assert shared.compiled_for == ["w", "w/read", "MatMul", "Sigmoid"]
            assert [op.name for op in shared.renames] == ["w", "w/read", "MatMul_1", "Sigmoid_1"]
            assert template.renames is None


def test_a_shared_plan_with_other_feeds_keeps_them():
    with jg.Graph().as_default():
        x, w, _ = _graph()
        z = jg.placeholder(jg.float32, (None, 3), name="z")
        value = np.arange(6, dtype=np.float32).reshape(2, 3)
        with jg.Session() as sess:
            sess.run(w.initializer)
            from_x = sess.run(jg.matmul(x, w), {x: value})
            from_z = sess.run(jg.matmul(z, w), {z: value + 1})
            assert sess.reuse_count == 1
            np.testing.assert_allclose(from_x, value @ np.ones((3, 2)), rtol=1e-6)
            np.testing.assert_allclose(from_z, (value + 1) @ np.ones((3, 2)), rtol=1e-6)
            with pytest.raises(errors.InvalidArgumentError) as info:
                sess.run(jg.matmul(z, w), {z: np.ones((2, 4), np.float32)})
            assert info.value.message == "feed for 'z:0' has shape [2, 4], which does not match f32[?,3]"
