"""The IR verifier: valid graphs pass; each broken invariant gives its InternalError on the right op."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import jaxgraph as jg
from jaxgraph.errors import InternalError, describe_location
from jaxgraph.ir import Operation, Tensor, TensorShape, TensorType, verify
from tests.ir.graphs import CASES


@pytest.mark.parametrize("name", ["forward", "control"])
def test_valid_graphs_pass(name):
    graph = CASES[name]().graph
    assert verify(graph) is graph


def test_empty_graph_passes():
    graph = jg.Graph()
    assert verify(graph) is graph


def small_graph() -> jg.Graph:
    """x, a Variable v (v/zeros, v, v/Assign, v/read), y = tanh(x), m = x @ xᵀ, z = y + v, group."""
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (2, 3), name="x")
        v = jg.Variable(jg.zeros((3,)), name="v")
        y = jg.tanh(x, name="y")
        jg.matmul(x, x, transpose_b=True, name="m")
        z = jg.add(y, v, name="z")
        jg.group(z, name="done")
    return g


def append_by_hand(graph: jg.Graph, name: str, op_type: str, inputs: list[Tensor]) -> Operation:
    """An op added without create_op's checks (what a buggy pass could do), typed f32[3]."""
    op = Operation(graph, name, op_type, inputs, {}, [], None, None)
    op.outputs = (Tensor(op, 0, TensorType(jg.float32, TensorShape([3]))),)
    op.index = len(graph.operations)
    graph.operations.append(op)
    graph._by_name[name] = op
    return op


def swap_order(g: jg.Graph) -> Operation:
    y, z = g.get_operation_by_name("y"), g.get_operation_by_name("z")
    g.operations[y.index], g.operations[z.index] = z, y
    y.index, z.index = z.index, y.index
    return z


def change_output_type(g: jg.Graph) -> Operation:
    y = g.get_operation_by_name("y")
    y.outputs[0].type = TensorType(jg.float32, TensorShape([2, 4]))
    return y


def duplicate_name(g: jg.Graph) -> Operation:
    z = g.get_operation_by_name("z")
    z.name = "y"
    return z


def unindexed_name(g: jg.Graph) -> Operation:
    return g._by_name.pop("y")


def wrong_index(g: jg.Graph) -> Operation:
    y = g.get_operation_by_name("y")
    y.index += 1
    return y


def remove_producer(g: jg.Graph) -> Operation:
    y = g.get_operation_by_name("y")
    g.operations.remove(y)
    del g._by_name["y"]
    for i, op in enumerate(g.operations):
        op.index = i
    return g.get_operation_by_name("z")


def later_control_input(g: jg.Graph) -> Operation:
    y = g.get_operation_by_name("y")
    y.control_inputs = (g.get_operation_by_name("done"),)
    return y


def handle_as_value(g: jg.Graph) -> Operation:
    return append_by_hand(g, "bad", "identity", [g.get_operation_by_name("v").outputs[0]])


def read_of_a_value(g: jg.Graph) -> Operation:
    return append_by_hand(g, "bad", "read", [g.get_operation_by_name("v/read").outputs[0]])


def input_from_another_graph(g: jg.Graph) -> Operation:
    other = jg.Graph()
    with other.as_default():
        w = jg.placeholder(jg.float32, (3,), name="w")
    return append_by_hand(g, "bad", "identity", [w])


def attrs_break_type_rule(g: jg.Graph) -> Operation:
    m = g.get_operation_by_name("m")
    m.attrs = {**m.attrs, "transpose_b": False}
    return m


CORRUPTIONS: dict[str, tuple[Callable[[jg.Graph], Operation], str]] = {
    "swapped order": (swap_order, "input 'y:0' is not defined before its use"),
    "changed output type": (
        change_output_type,
        "output types ['f32[2,4]'] differ from its type rule's ['f32[2,3]']",
    ),
    "duplicate name": (duplicate_name, "op name 'y' is not unique"),
    "name missing from the index": (unindexed_name, "op name 'y' is not unique"),
    "wrong index": (wrong_index, "op is not indexed at its position in the graph"),
    "removed producer": (remove_producer, "input 'y:0' is not defined before its use"),
    "control input defined later": (
        later_control_input,
        "control input 'done' is not defined before its use",
    ),
    "Variable handle as a value": (handle_as_value, "Variable handle 'v:0' used as a value"),
    "state op on a plain value": (read_of_a_value, "a state op's first input must be a Variable handle"),
    "input from another graph": (input_from_another_graph, "input 'w:0' is not defined before its use"),
    "attrs the type rule rejects": (
        attrs_break_type_rule,
        "type rule fails: matmul inner dimensions differ: f32[2,3] @ f32[2,3] (3 != 2)",
    ),
}


@pytest.mark.parametrize("corrupt, message", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_corrupted_graph_is_rejected(corrupt, message):
    graph = small_graph()
    verify(graph)
    bad_op = corrupt(graph)
    with pytest.raises(InternalError) as info:
        verify(graph)
    assert info.value.message == message
    assert info.value.op is bad_op
    assert (
        str(info.value)
        == f"{message}\n  op '{bad_op.name}' ({bad_op.type}) {describe_location(bad_op.location)}"
    )
    graph.operations.clear()  # the suite verifies every graph a test built: drop the broken one
    graph._by_name.clear()
