"""The pass pipeline (``jaxgraph.ir.passes``): one list of passes, each graph after each pass
recorded and verified, passes registered by higher layers, the user's graph left unchanged."""

from __future__ import annotations

import pytest

import jaxgraph as jg
from jaxgraph.errors import InternalError, describe_location
from jaxgraph.ir import TensorShape, TensorType, passes
from jaxgraph.ir.passes import PIPELINE, Optimized, Rebuild, optimize, register

NAMES = [
    "prune",
    "merge-scan-twins",
    "cse",
    "fold",
    "simplify",
    "cse-again",
    "prune-bodies",
    "roll-loops",
    "dce",
]


def _scaled_tanh():
    """x, and y = tanh(x * 1) * (2 * 3) + tanh(x) * (2 * 3): something for every rewriting pass."""
    x = jg.placeholder(jg.float32, (2, 3), name="x")
    jg.exp(x, name="unused")
    a = jg.constant(2.0, name="two") * 3.0
    b = jg.constant(2.0, name="two_again") * 3.0
    y = jg.add(jg.tanh(x * 1.0, name="y") * a, jg.tanh(x) * b, name="out")
    return x, y


def test_record_keeps_each_pass_output_and_leaves_the_inputs_unchanged():
    x, y = _scaled_tanh()
    source = str(jg.get_default_graph())
    optimized = optimize([y], [x], record=True, verify_each=True)
    stages = optimized.after_each_pass
    assert [name for name, _ in stages] == NAMES
    assert stages[-1][1] is optimized.graph
    ops = {name: [op.name for op in graph.operations] for name, graph in stages}
    common = ["x", "two", "Const"]
    assert ops["prune"] == [*common, "Mul", "two_again", "Const_1", "Mul_1", "Const_2", "Mul_2", "y", "Mul_3",
                            "Tanh", "Mul_4", "out"]  # fmt: skip
    assert ops["cse"] == [*common, "Mul", "Const_2", "Mul_2", "y", "Mul_3", "Tanh", "Mul_4", "out"]
    assert ops["fold"] == [*common, "Mul/folded", "Const_2", "Mul_2", "y", "Mul_3", "Tanh", "Mul_4", "out"]
    assert ops["simplify"] == [*common, "Mul/folded", "Const_2", "y", "Mul_3", "Tanh", "Mul_4", "out"]
    assert ops["cse-again"] == [*common, "Mul/folded", "Const_2", "y", "Mul_3", "out"]
    assert ops["dce"] == ["x", "Mul/folded", "y", "Mul_3", "out"]
    assert [t.op.name for t in optimized.graph.get_operation_by_name("out").inputs] == ["Mul_3", "Mul_3"]
    assert str(jg.get_default_graph()) == source
    assert len({id(graph) for _, graph in stages}) == 6  # twins and bodies: nothing to do, same graph


def test_without_record_no_stages_are_kept():
    x, y = _scaled_tanh()
    assert optimize([y], [x]).after_each_pass == []


BROKEN: list[jg.Graph] = []


def _retyping_pass(program: Optimized) -> Optimized:
    """A broken pass: gives ``y`` another output type than its type rule's."""
    rebuild = Rebuild(program)
    for op in program.graph.operations:
        new = rebuild.copy(op)
        if op.name == "y":
            new.outputs[0].type = TensorType(jg.float32, TensorShape([3, 2]))
    BROKEN.append(rebuild.graph)
    return rebuild.done()


def test_verify_each_names_the_op_a_broken_pass_left_wrong(monkeypatch):
    monkeypatch.setattr(passes, "PIPELINE", list(PIPELINE))
    register("retype", _retyping_pass, before="simplify")
    assert [name for name, _ in passes.PIPELINE] == [*NAMES[1:4], "retype", *NAMES[4:]]
    x, y = _scaled_tanh()
    with pytest.raises(InternalError) as info:
        optimize([y], [x], verify_each=True)
    message = "output types ['f32[3,2]'] differ from its type rule's ['f32[2,3]']"
    tanh = jg.get_default_graph().get_operation_by_name("y")
    assert str(info.value) == f"{message}\n  op 'y' (tanh) {describe_location(tanh.location)}"
    for graph in BROKEN:  # the suite verifies every graph a test built: drop the broken one
        graph.operations.clear()
        graph._by_name.clear()


def test_registering_a_name_again_replaces_the_pass(monkeypatch):
    monkeypatch.setattr(passes, "PIPELINE", list(PIPELINE))
    register("retype", _retyping_pass, before="simplify")
    register("retype", passes.cse, before="dce")
    assert [name for name, _ in passes.PIPELINE] == [*NAMES[1:-1], "retype", "dce"]


def test_registering_before_an_unknown_pass_is_refused(monkeypatch):
    monkeypatch.setattr(passes, "PIPELINE", list(PIPELINE))
    with pytest.raises(ValueError) as info:
        register("retype", _retyping_pass, before="inline")
    assert str(info.value) == (
        "cannot add pass 'retype' before 'inline': the pipeline has merge-scan-twins, cse, fold, simplify, "
        "cse-again, prune-bodies, roll-loops, dce"
    )
