"""jaxgraph.builder's Graph (jg.Graph): TF1's naming rules, lookups by name, op-name validation, cross-graph inputs, Tensor."""

from __future__ import annotations

import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError, NotFoundError, describe_location


def names(*tensors) -> list[str]:
    return [t.op.name for t in tensors]


def test_default_names_are_made_unique_as_in_tf1():
    x = jg.placeholder(jg.float32, (2, 2), name="x")
    first, second = jg.matmul(x, x), jg.matmul(x, x)
    lower = jg.identity(x, name="matmul")  # names are unique ignoring case, as in TF1
    taken = jg.identity(x, name="MatMul_3")
    after, again = jg.matmul(x, x), jg.matmul(x, x)  # skips the name taken explicitly
    assert names(first, second, lower, taken, after, again) == [
        "MatMul", "MatMul_1", "matmul_2", "MatMul_3", "MatMul_4", "MatMul_5"
    ]  # fmt: skip


def test_name_scopes_nest_and_reuse_as_in_tf1():
    g = jg.get_default_graph()
    x = jg.placeholder(jg.float32, (2,), name="x")
    with jg.name_scope("dense") as outer:
        a = jg.tanh(x)
        with jg.name_scope("inner") as inner:
            b = jg.tanh(x)
            assert g.get_name_scope() == "dense/inner"
    with jg.name_scope("dense") as reused:
        c = jg.tanh(x)
    with jg.name_scope("dense/") as reopened:  # a trailing "/" re-enters the scope as it is
        d = jg.tanh(x)
        with jg.name_scope(None) as top:  # None returns to the top level
            e = jg.tanh(x)
    clash = jg.identity(x, name="dense")  # the scope name is taken
    assert (outer, inner, reused, reopened, top) == ("dense/", "dense/inner/", "dense_1/", "dense/", "")
    assert names(a, b, c, d, e, clash) == [
        "dense/Tanh", "dense/inner/Tanh", "dense_1/Tanh", "dense/Tanh_1", "Tanh", "dense_2"
    ]  # fmt: skip
    assert g.get_name_scope() == ""


def test_unique_name_without_marking():
    g = jg.Graph()
    assert g.unique_name("Foo", mark_as_used=False) == "Foo"
    assert [g.unique_name("Foo"), g.unique_name("Foo"), g.unique_name("foo")] == ["Foo", "Foo_1", "foo_2"]


def test_lookups_by_name():
    x = jg.placeholder(jg.float32, (2,), name="x")
    g = jg.get_default_graph()
    assert g.get_tensor_by_name("x:0") is x and g.get_operation_by_name("x") is x.op
    assert g.as_graph_element("x:0") is x and g.as_graph_element("x") is x.op


@pytest.mark.parametrize(
    "lookup, name, error, message",
    [
        ("tensor", "x", InvalidArgumentError, "'x' is not a tensor name: tensor names look like 'op_name:0'"),
        (
            "tensor",
            "x:a",
            InvalidArgumentError,
            "'x:a' is not a tensor name: tensor names look like 'op_name:0'",
        ),
        ("tensor", "x:1", NotFoundError, "operation 'x' has 1 output(s): no 'x:1'"),
        ("tensor", "y:0", NotFoundError, "the graph has no operation named 'y'"),
        ("operation", "y", NotFoundError, "the graph has no operation named 'y'"),
        ("operation", "x:0", NotFoundError, "the graph has no operation named 'x:0'"),
    ],
)
def test_lookup_errors(lookup, name, error, message):
    jg.placeholder(jg.float32, (2,), name="x")
    g = jg.get_default_graph()
    find = g.get_tensor_by_name if lookup == "tensor" else g.get_operation_by_name
    with pytest.raises(error) as info:
        find(name)
    assert info.value.message == message


@pytest.mark.parametrize("name", ["bad name", "a:b", "-x", "ü", "x\n"])
def test_invalid_op_names_are_rejected(name):
    x = jg.placeholder(jg.float32, (2,), name="x")
    with pytest.raises(InvalidArgumentError) as info:
        jg.identity(x, name=name)
    assert info.value.message == f"'{name}' is not a valid op name: use letters, digits and _ . / -"
    assert [op.name for op in jg.get_default_graph().operations] == ["x"]


def test_names_are_checked_in_valid_and_invalid_scopes_alike_also_for_gradients():
    """Names in a scope known to be valid skip the check only for parts seen valid: a bad name
    there, a bad scope (entered, left, entered again) and a bad gradients scope still raise."""
    x = jg.placeholder(jg.float32, (2,), name="x")
    message = "'{}' is not a valid op name: use letters, digits and _ . / -"
    for scope in ("fine", "fine_1"):
        with jg.name_scope("fine"):
            assert jg.identity(x, name="ok").op.name == f"{scope}/ok"
            with pytest.raises(InvalidArgumentError) as info:
                jg.identity(x, name="not ok")
            assert info.value.message == message.format(f"{scope}/not ok")
            with jg.name_scope("bad scope"), pytest.raises(InvalidArgumentError) as info:
                jg.identity(x, name="ok")
            assert info.value.message == message.format(f"{scope}/bad scope/ok")
            assert jg.identity(x, name="ok").op.name == f"{scope}/ok_1"
    y = jg.reduce_sum(jg.square(x))
    with pytest.raises(InvalidArgumentError) as info:
        jg.gradients(y, [x], name="bad grads")
    assert info.value.message == message.format("bad grads/grad_ys")
    with pytest.raises(InvalidArgumentError) as info:  # the first op made by a gradient rule
        jg.gradients(y, [x], grad_ys=[jg.constant(1.0)], name="bad grads")
    assert info.value.message == message.format("bad grads_1/Sum_grad/BroadcastLike")
    (g,) = jg.gradients(y, [x])
    assert g.op.name == "gradients/Square_grad/Mul_1"


def test_a_scope_part_valid_only_after_a_slash_is_checked_as_a_whole():
    """A scope name is taken as valid unchecked when its outer scope is valid and the name
    alone is a valid op name; ``-inner`` is not (it starts with ``-``), yet ``fine/-inner`` is."""
    x = jg.placeholder(jg.float32, (2,), name="x")
    with jg.name_scope("fine"), jg.name_scope("-inner"):
        assert jg.identity(x, name="ok").op.name == "fine/-inner/ok"
    with jg.name_scope("-inner"), pytest.raises(InvalidArgumentError) as info:
        jg.identity(x, name="ok")
    assert info.value.message == "'-inner/ok' is not a valid op name: use letters, digits and _ . / -"


def test_invalid_name_inside_a_scope_names_the_full_name():
    x = jg.placeholder(jg.float32, (2,), name="x")
    with jg.name_scope("scope"), pytest.raises(InvalidArgumentError) as info:
        jg.identity(x, name="x y")
    assert info.value.message == "'scope/x y' is not a valid op name: use letters, digits and _ . / -"


def test_exact_names_must_be_new():
    g = jg.Graph()
    g.create_op("placeholder", [], {"dtype": jg.float32, "shape": ()}, "x/")
    with pytest.raises(InvalidArgumentError) as info:
        g.create_op("placeholder", [], {"dtype": jg.float32, "shape": ()}, "x/")
    assert info.value.message == "duplicate op name 'x'"


def test_tensor_from_another_graph_is_rejected_naming_the_op():
    other = jg.Graph()
    with other.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
    g = jg.Graph()
    with g.as_default(), pytest.raises(InvalidArgumentError) as info:
        jg.tanh(x, name="squash")
    err = info.value
    assert err.message == (
        "input 'x:0' belongs to another graph than this op (build ops of one graph inside its "
        "`with graph.as_default():` block)"
    )
    assert (err.op.name, err.op.type) == ("squash", "tanh")
    assert str(err) == f"{err.message}\n  op 'squash' (tanh) {describe_location(err.op.location)}"
    assert err.op.location.file == __file__
    assert g.operations == []
    with pytest.raises(InvalidArgumentError) as info:
        g.as_graph_element(x)
    assert info.value.message == "'x:0' belongs to another graph"


def test_tensor_is_not_a_python_bool():
    x = jg.placeholder(jg.bool, (), name="flag")
    with pytest.raises(TypeError) as info:
        if x:
            pass
    assert str(info.value) == (
        "using the jaxgraph Tensor 'flag:0' as a Python bool is not allowed: its value is only known "
        "when the graph runs; use jg.cond for data-dependent control flow"
    )


def test_tensor_and_operation_properties():
    x = jg.placeholder(jg.float32, (None, 3), name="x")
    y = jg.tanh(x)
    with jg.device("gpu:0"):
        z = jg.exp(y)
    assert (y.name, y.value_index, y.dtype, y.shape.as_list(), y.ndim) == (
        "Tanh:0",
        0,
        jg.float32,
        [None, 3],
        2,
    )
    assert (
        repr(y) == "<jaxgraph.Tensor 'Tanh:0' f32[?,3]>"
        and repr(y.op) == "<jaxgraph.Operation 'Tanh' type=tanh>"
    )
    assert y.consumers() == [z.op] and z.device == "/device:GPU:0" and y.device is None
    assert y.op.inputs == (x,) and y.op.outputs == (y,) and y.op.index == 1 and y.graph is x.graph
    assert y.op.op_def.type == "tanh" and x.op.get_attr("shape") == (None, 3)
    with pytest.raises(TypeError) as info:
        len(x)
    assert str(info.value) == "len() of Tensor 'x:0' of type f32[?,3] is unknown"


def test_scopes_work_as_decorators_and_restore_on_errors():
    """``jg.name_scope``, ``Graph.name_scope``, ``control_dependencies(None)`` and
    ``stamp_location`` are classes (cheap to enter), still usable as decorators (each call its
    own scope, recursion included) and restored when the block raises."""
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")

        @jg.name_scope("block")
        def block(depth):
            y = jg.tanh(x)
            return [y] + (block(depth - 1) if depth else [])

        @g.name_scope("layer")
        def layer():
            return jg.exp(x)

        names = [t.op.name for t in block(1)] + [layer().op.name, layer().op.name]
        assert names == ["block/Tanh", "block/block/Tanh", "layer/Exp", "layer_1/Exp"]
        with g.control_dependencies([x]):
            with pytest.raises(ValueError):
                with g.name_scope("failing"), g.control_dependencies(None):
                    assert g.get_name_scope() == "failing" and g._control_stack == []
                    raise ValueError("inside")
            assert g.get_name_scope() == "" and jg.neg(x).op.control_inputs == (x.op,)
