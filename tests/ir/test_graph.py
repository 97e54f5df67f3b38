"""The IR Graph (jaxgraph.ir.graph): exact-name ops, use-lists and torch.fx-style editing."""

from __future__ import annotations

import sys

import pytest

import jaxgraph as jg
from jaxgraph import builder as jgraph
from jaxgraph.errors import InternalError, InvalidArgumentError
from jaxgraph.ir import Graph, parse
from jaxgraph.ir.dtypes import float32, int32

F32 = {"dtype": float32, "shape": (2,)}


def small_graph() -> tuple[Graph, list]:
    g = Graph()
    x = g.add_op("placeholder", [], F32, "x").outputs[0]
    y = g.add_op("tanh", [x], {}, "y").outputs[0]
    z = g.add_op("add", [x, y], {}, "z").outputs[0]
    w = g.add_op("mul", [z, x], {}, "w").outputs[0]
    return g, [x, y, z, w]


def test_add_op_keeps_the_exact_name_and_rejects_duplicates_and_bad_names():
    g, (x, *_) = small_graph()
    assert [op.name for op in g.operations] == ["x", "y", "z", "w"]
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("tanh", [x], {}, "y")
    assert info.value.message == "duplicate op name 'y'"
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("tanh", [x], {}, "a b")
    assert info.value.message == "'a b' is not a valid op name: use letters, digits and _ . / -"
    assert g.unique_name("y") == "y_1"


def test_use_lists_follow_every_input_slot():
    g, (x, y, z, w) = small_graph()
    assert x.uses == [y.op, z.op, w.op]
    assert x.consumers() == [y.op, z.op, w.op]
    assert z.consumers() == [w.op]
    assert w.consumers() == []


def test_replace_all_uses_with_rewires_readers_and_use_lists():
    g, (x, y, z, w) = small_graph()
    changed = g.replace_all_uses_with(x, y)
    assert changed == [z.op, w.op]  # y itself reads x and is not a reader of y
    assert z.op.inputs == (y, y) and w.op.inputs == (z, y)
    assert x.consumers() == [y.op]
    assert y.uses == [z.op, z.op, w.op]
    g.verify()


def test_replace_needs_the_same_type():
    g, (x, *_) = small_graph()
    s = g.add_op("placeholder", [], {"dtype": float32, "shape": ()}, "s").outputs[0]
    with pytest.raises(InvalidArgumentError) as info:
        g.replace_all_uses_with(x, s)
    assert info.value.message == "cannot replace 'x:0' (f32[2]) by 's:0' (f32[])"


def test_erase_removes_an_unused_op_and_renumbers():
    g, (x, y, z, w) = small_graph()
    with pytest.raises(InvalidArgumentError) as info:
        g.erase(z.op)
    assert info.value.message == "cannot erase 'z': 'w' still uses it"
    g.erase(w.op)
    g.erase(z.op)
    assert [op.name for op in g.operations] == ["x", "y"]
    assert x.consumers() == [y.op]
    assert "z" not in g._by_name
    assert str(g.verify()) == str(parse(str(g)))


def test_inserting_before_places_new_ops_in_order():
    g, (x, y, z, w) = small_graph()
    with g.inserting_before(z.op):
        a = g.add_op("exp", [x], {}, "a").outputs[0]
        b = g.add_op("neg", [a], {}, "b").outputs[0]
    assert [op.name for op in g.operations] == ["x", "y", "a", "b", "z", "w"]
    assert [op.index for op in g.operations] == list(range(6))
    g.replace_all_uses_with(y, b)
    assert z.op.inputs == (x, b)
    g.erase(y.op)
    assert [op.name for op in g.verify().operations] == ["x", "a", "b", "z", "w"]


def test_verify_catches_a_use_before_definition():
    g, (x, y, z, w) = small_graph()
    g.operations[1], g.operations[2] = g.operations[2], g.operations[1]
    with pytest.raises(InternalError) as info:
        g.verify()
    assert info.value.message == "op is not indexed at its position in the graph"


def test_ops_of_one_rule_and_input_types_share_their_output_type_and_bad_types_still_fail():
    """The type rule of an op without attributes runs once per distinct input types; the
    result is shared, and other input types still get the rule's own answer (or error)."""
    g, (x, y, z, w) = small_graph()
    again = g.add_op("add", [x, y], {}, "again").outputs[0]
    assert again.type is z.type and str(again.type) == "f32[2]"
    i = g.add_op("placeholder", [], {"dtype": int32, "shape": (2, 3)}, "i").outputs[0]
    assert str(g.add_op("add", [i, i], {}, "ints").outputs[0].type) == "i32[2,3]"
    for _ in range(2):  # the same bad types again: the rule runs again
        with pytest.raises(InvalidArgumentError) as info:
            g.add_op("add", [x, i], {}, "mixed")
        assert info.value.message == "shapes f32[2] and i32[2,3] cannot be broadcast together"


def test_a_rule_with_attributes_runs_again_for_attributes_equal_in_python_but_of_other_types():
    """``(True,) == (1,)`` in Python; reduce_sum's rule refuses a bool axis, also after the same
    op with ``axis=(1,)`` (whose result is reused for equal attributes of the same types)."""
    g = Graph()
    x = g.add_op("placeholder", [], {"dtype": float32, "shape": (2, 3)}, "x").outputs[0]
    first = g.add_op("reduce_sum", [x], {"axis": (1,), "keepdims": False}, "s").outputs[0]
    second = g.add_op("reduce_sum", [x], {"axis": (1,), "keepdims": False}, "t").outputs[0]
    assert second.type is first.type and str(first.type) == "f32[2]"
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("reduce_sum", [x], {"axis": (True,), "keepdims": False}, "u")
    assert info.value.message == "axis True is out of range for a tensor of rank 2"
    listed = g.add_op("reduce_sum", [x], {"axis": [0], "keepdims": True}, "v").outputs[0]  # unhashable
    assert str(listed.type) == "f32[1,3]"


def test_source_locations_are_the_calling_lines_also_for_code_made_again_and_again():
    """``user_location`` caches by code object and instruction: two calls on one line share the
    line, and code compiled anew each time (``exec``, as notebooks do) gets its own lines."""
    graph = jgraph.Graph()
    with graph.as_default():
        a, b = jg.constant(1.0), jg.constant(2.0)
        line = sys._getframe().f_lineno - 1
        assert (a.op.location.line, b.op.location.line) == (line, line)
        for blank_lines in (0, 3, 1):
            namespace: dict = {"jg": jg}
            exec(compile("\n" * blank_lines + "t = jg.constant(3.0)", "<cell>", "exec"), namespace)
            location = namespace["t"].op.location
            assert (location.file, location.line) == ("<cell>", blank_lines + 1)


def test_use_lists_are_made_when_first_asked_for_and_kept_current_after():
    """Building asks for no use-list (none is made); the first ask indexes the whole graph in
    graph order, and later edits (new ops, replaced inputs, erased ops) keep them current.
    Edits made before any ask are seen by the index."""
    g, (x, y, z, w) = small_graph()
    assert x._uses is None and g._uses_kept is False
    with g.inserting_before(z.op):
        v = g.add_op("neg", [x], {}, "v").outputs[0]
    z.op.replace_input_with(y, v)  # before the index: z now reads x and v
    assert x.uses == [y.op, v.op, z.op, w.op] and y.uses == [] and v.uses == [z.op]
    assert x.consumers() == [y.op, v.op, z.op, w.op]
    u = g.add_op("exp", [v], {}, "u").outputs[0]
    assert v.uses == [z.op, u.op] and u.uses == []
    g.erase(y.op)
    assert x.uses == [v.op, z.op, w.op]
    with g.inserting_before(w.op):
        t = g.add_op("exp", [x], {}, "t").outputs[0]
    w.op.replace_input_with(x, t)
    assert x.uses == [v.op, z.op, t.op] and t.uses == [w.op]
    assert str(g.verify()) == str(parse(str(g)))
