"""Names of ops added to the IR graph: which names ``add_op`` marks as used (so that
``unique_name`` avoids them), whichever path adds the op, and how the checks on attributes and
foreign inputs answer on the fast paths of op creation."""

from __future__ import annotations

import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir import Graph
from jaxgraph.ir.dtypes import float32, int32

F32 = {"dtype": float32, "shape": (2,)}


def test_add_op_marks_its_name_used_case_blind():
    g = Graph()
    x = g.add_op("placeholder", [], F32, "X").outputs[0]
    assert g.unique_name("x") == "x_1"
    g.add_op("tanh", [x], {}, "T", types=[x.type])  # a pass's copy: its rule is not run again
    assert g.unique_name("t") == "t_1"
    assert g.get_operation_by_name("T").outputs[0].type == x.type


def test_a_refused_op_leaves_its_name_free():
    g = Graph()
    x = g.add_op("placeholder", [], F32, "x").outputs[0]
    i = g.add_op("placeholder", [], {"dtype": int32, "shape": (2,)}, "i").outputs[0]
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("tanh", [i], {}, "t")
    assert info.value.message == "tanh expects a floating-point tensor, got i32[2]"
    assert info.value.op.name == "t" and "t" not in [op.name for op in g.operations]
    assert g.unique_name("t") == "t"
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("tanh", [x], {}, "x", types=[x.type])
    assert info.value.message == "duplicate op name 'x'"


def test_an_op_type_without_attributes_refuses_given_ones():
    g = Graph()
    x = g.add_op("placeholder", [], F32, "x").outputs[0]
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("tanh", [x], {"axis": 0}, "t")
    assert info.value.message == "unknown attribute(s) ['axis'] for op type 'tanh'"
    assert g.add_op("tanh", [x], None, "t").attrs == {}


def test_an_input_of_another_graph_is_refused_by_the_ir_and_the_builder():
    other = Graph()
    foreign = other.add_op("placeholder", [], F32, "foreign").outputs[0]
    g = Graph()
    with pytest.raises(InvalidArgumentError) as info:
        g.add_op("tanh", [foreign], {}, "t")
    assert info.value.message == "input 'foreign:0' belongs to another graph than this op"
    graph = jg.Graph()
    with graph.as_default(), pytest.raises(InvalidArgumentError) as info:
        jg.tanh(foreign, name="t")
    assert info.value.message == (
        "input 'foreign:0' belongs to another graph than this op (build ops of one graph inside "
        "its `with graph.as_default():` block)"
    )
    assert info.value.op.name == "t" and info.value.op.type == "tanh"
    assert graph.get_operations() == []


def test_builder_names_new_and_taken_names_in_scopes():
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        with jg.name_scope("s"):
            names = [jg.tanh(x).op.name, jg.tanh(x).op.name, jg.tanh(x, name="S/Tanh_2").op.name]
            names.append(jg.tanh(x, name="Tanh").op.name)
            names.append(jg.tanh(x, name="taken/").op.name)
    assert names == ["s/Tanh", "s/Tanh_1", "s/S/Tanh_2", "s/Tanh_2", "taken"]
    assert graph.unique_name("taken") == "taken_1"
