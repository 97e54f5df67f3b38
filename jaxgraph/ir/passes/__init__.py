"""IR → IR passes run before lowering (the ``ir-opt`` dump stage).

``optimize(fetches, feeds)`` copies the ops the fetches need out of the user's graph
(``pruning.extract``: fed tensors become placeholders), then runs ``PIPELINE``, a list of
``(name, pass)``; each pass takes an ``Optimized`` (a graph plus where the fetches and feeds are
in it) and returns a new one, never changing its input:

* ``cse``: identical pure ops merge (common-subexpression elimination; first, so that the
  many equal constant expressions of a training step are folded once);
* ``fold``: ops whose inputs are all constants become constants (small results only);
* ``simplify``: algebra whose result type is unchanged, from rule tables and op traits
  (``x*1``, ``x+0``, ``--x``, identities, same-type reshapes and casts, transpose pairs ...);
* ``cse-again``: merges what folding and simplification made equal;
* ``prune-bodies``: control-flow bodies drop what their results and effects do not need;
* ``roll-loops``: runs of repeated blocks (layers, their gradients, per-Variable updates)
  become one ``scan`` each (``rolling``; ``optimize(roll_loops=False)`` skips it);
* ``dce``: dead-code elimination of what the rewrites left unused.

Higher layers add their own passes with ``register`` (autodiff's scan-twin merge). Stateful
ops (Variables, random draws, effects) are copied as they are; copies keep their names, source
lines and devices, so errors and dumps still point at the user's code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jaxgraph.ir.graph import Operation, Tensor, paused_gc
from jaxgraph.ir.passes.bodies import prune_bodies
from jaxgraph.ir.passes.checks import strip_cpu_only_checks
from jaxgraph.ir.passes.folding import fold
from jaxgraph.ir.passes.program import Optimized, Rebuild
from jaxgraph.ir.passes.pruning import dce, extract, prune
from jaxgraph.ir.passes.rolling import roll_loops
from jaxgraph.ir.passes.simplification import simplify
from jaxgraph.ir.passes.subexpressions import cse
from jaxgraph.ir.verifier import verify

Pass = Callable[[Optimized], Optimized]

PIPELINE: list[tuple[str, Pass]] = [
    ("cse", cse),
    ("fold", fold),
    ("simplify", simplify),
    ("cse-again", cse),
    ("prune-bodies", prune_bodies),
    ("roll-loops", roll_loops),
    ("dce", dce),
]
"""The passes ``optimize`` runs, in order, after extracting the fetch set's sub-graph."""


def register(name: str, run: Pass, *, before: str) -> None:
    """Adds the pass ``run`` to ``PIPELINE`` ahead of the pass named ``before`` (a layer above
    the IR registers its own bookkeeping this way); registering a name again replaces it."""
    names = [entry[0] for entry in PIPELINE if entry[0] != name]
    if before not in names:
        raise ValueError(f"cannot add pass '{name}' before '{before}': the pipeline has {', '.join(names)}")
    PIPELINE[:] = [entry for entry in PIPELINE if entry[0] != name]
    PIPELINE.insert(names.index(before), (name, run))


def optimize(
    fetches: Sequence[Tensor | Operation],
    feeds: Sequence[Tensor],
    *,
    record: bool = False,
    verify_each: bool = False,
    roll_loops: bool = True,
) -> Optimized:
    """Prunes the sub-graph computing ``fetches`` and runs ``PIPELINE`` on it.

    ``record`` keeps each pass's output graph in ``after_each_pass`` (``"prune"`` first);
    ``verify_each`` runs the IR verifier after every pass (an InternalError names the op);
    ``roll_loops=False`` skips the ``roll-loops`` pass (the program stays unrolled)."""
    with paused_gc():
        return _optimize(fetches, feeds, record, verify_each, roll_loops)


def _optimize(
    fetches: Sequence[Tensor | Operation],
    feeds: Sequence[Tensor],
    record: bool,
    verify_each: bool,
    roll_loops: bool,
) -> Optimized:
    program = extract(fetches, feeds)
    stages = [("prune", program.graph)] if record else []
    if verify_each:
        verify(program.graph)
    for name, run in PIPELINE:
        if name == "roll-loops" and not roll_loops:
            continue
        program = run(program)
        if verify_each:
            verify(program.graph)
        if record:
            stages.append((name, program.graph))
    program.after_each_pass = stages
    return program


__all__ = [
    "PIPELINE",
    "Optimized",
    "Pass",
    "Rebuild",
    "optimize",
    "prune",
    "register",
    "strip_cpu_only_checks",
]
