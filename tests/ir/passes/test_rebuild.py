"""``Rebuild.unless_unchanged``: a pass that changes nothing gives back its input program (no
copy); one that changes something gives the same graph as a plain ``Rebuild`` would. And the
passes pause Python's cyclic GC only while they run."""

from __future__ import annotations

import gc

import pytest

import jaxgraph as jg
from jaxgraph.ir.graph import paused_gc
from jaxgraph.ir.passes import Optimized, Rebuild
from jaxgraph.ir.passes.folding import fold
from jaxgraph.ir.passes.simplification import simplify
from jaxgraph.ir.passes.subexpressions import cse


def _extracted(fetches, feeds) -> Optimized:
    from jaxgraph.ir.passes.pruning import extract

    return extract(fetches, feeds)


@pytest.mark.parametrize("run", [cse, fold, simplify])
def test_a_pass_that_changes_nothing_gives_back_its_input(run):
    x = jg.placeholder(jg.float32, (2,), name="x")
    y = jg.tanh(x * x)
    program = _extracted([y], [x])
    assert run(program) is program


def test_a_pass_that_changes_something_rebuilds_the_whole_graph():
    x = jg.placeholder(jg.float32, (2,), name="x")
    first = jg.tanh(x, name="first")
    again = jg.tanh(x, name="again")  # cse merges it into first
    y = jg.add(first * 2.0, again, name="y")
    program = _extracted([y], [x])
    merged = cse(program)
    assert merged is not program and merged.graph is not program.graph
    assert [op.name for op in merged.graph.operations] == ["x", "first", "Const", "Mul", "y"]
    assert merged.fetches[0].op.inputs[1] is merged.graph.get_operation_by_name("first").outputs[0]
    assert [op.name for op in program.graph.operations] == ["x", "first", "again", "Const", "Mul", "y"]


def test_a_tentative_rebuild_stops_at_the_first_change():
    x = jg.placeholder(jg.float32, (2,), name="x")
    y = jg.tanh(jg.tanh(x))
    program = _extracted([y], [x])
    calls = []

    def drop_the_last(rebuild: Rebuild) -> Optimized:
        calls.append(rebuild._kept is not None)
        ops = rebuild.program.graph.operations
        for op in ops[:-1]:
            rebuild.copy(op)
        rebuild.replace(ops[-1], rebuild.inputs(ops[-1])[0])
        return rebuild.done()

    result = Rebuild.unless_unchanged(program, drop_the_last)
    assert calls == [True, False]  # tentative first, then a real rebuild
    assert [op.type for op in result.graph.operations] == ["placeholder", "tanh"]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_gc_pause_ends_as_it_began(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with paused_gc():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), paused_gc():
            raise ValueError("a pass failed")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def _with_a_duplicate() -> Optimized:
    x = jg.placeholder(jg.float32, (2,), name="x")
    y = jg.add(jg.tanh(x, name="first"), jg.tanh(x, name="again"), name="y")
    return _extracted([y], [x])


def test_cse_settles_its_output_and_skips_a_program_it_settled():
    program = _with_a_duplicate()
    assert program.settled == set()
    merged = cse(program)
    assert merged.settled == {"cse"} and program.settled == set()
    assert [op.name for op in merged.graph.operations] == ["x", "first", "y"]
    assert cse(merged) is merged
    # the skip is by the mark alone: a program marked settled is given back as it is
    program.settled.add("cse")
    assert cse(program) is program
    assert [op.name for op in program.graph.operations] == ["x", "first", "again", "y"]


def test_a_pass_that_changes_nothing_keeps_the_settled_mark_and_a_change_drops_it():
    x = jg.placeholder(jg.float32, (2,), name="x")
    twice = jg.add(jg.tanh(x, name="first"), jg.tanh(x, name="again"), name="twice")
    y = twice + jg.constant(0.0) * 2.0
    merged = cse(_extracted([y], [x]))
    assert merged.settled == {"cse"}
    assert simplify(merged) is merged and merged.settled == {"cse"}  # nothing to simplify
    folded = fold(merged)  # 0 * 2 folds: a new program, which cse has not seen
    assert folded is not merged and folded.settled == set()
    assert simplify(folded).settled == set()  # + 0 goes: a new program again
