"""Rolling: runs of isomorphic blocks become one ``scan`` over stacked per-block inputs.

Graphs built by Python loops repeat themselves: the layers of a deep chain, their gradients
(created in reverse), the optimizer's per-Variable updates, the modules of an Inception-style
network, the unrolled steps of ``static_rnn``. One flat program of such blocks costs XLA a
compile time growing faster than its size; a loop over the blocks costs it one block.

Which ops may go into a loop body ("body ops"): pure ops with inputs, fully known static
shapes, no control inputs, no sub-graphs, no host rule and no Variable handles. Everything else
(Variables and their reads, constants, placeholders, assigns, random draws, checks, effects)
stays outside, in its place: so Variables stay individually named, read and assigned.

Detection: the body ops, in graph order (a topological order), get a structural signature
(type, attributes, input and output types); a run of period ``P`` is a stretch where the
signature sequence repeats every ``P`` ops (found for every ``P`` up to ``MAX_PERIOD`` at once
with NumPy), the longest runs first. Each run's blocks are then checked for consistent wiring:
every input of the op at position ``r`` of a block is, in every block, either an op of the
same block at the same position (in-block), an op of the previous block at the same position
(the carry: block 0 reads its initial value from outside), or a tensor from outside the run
(the same one in every block: closed over; else one per block: stacked as the scan's xs).
Blocks that break the pattern split the run. A run pays from ``MIN_BLOCKS`` blocks and
``MIN_OPS`` body ops.

Lowering: the run becomes ``stack``s of its per-block inputs, one ``scan`` (named
``rolled/...``, its ``rolled`` attribute saying how many blocks of how many ops) whose body is
a copy of the first block, and ``unstack``s of the per-block values used after the run (the
final carry where only the last block's value is used). Stacks reuse what is already stacked:
a contiguous run of another scan's unstacked results, or of an earlier stack, is a slice of it,
and a run whose inputs come mostly in descending order (gradients, created in reverse) scans
in reverse, so that a backward scan reads its forward scan's stacked activations as they are.
Ops between the run's body ops that depend on them (an assign of an updated Variable) move
after the scan, in order; a run is left unrolled when that would reorder state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.ir.passes.program import Optimized, Rebuild
from jaxgraph.ir.passes.updates import fuse_updates
from jaxgraph.ir.passes.variable_groups import assigns_groupable, group_variables

MIN_BLOCKS = 4
"""A run is rolled only with at least this many blocks ..."""
MIN_OPS = 24
"""... and at least this many body ops in all (a loop costs XLA a few ops of its own)."""
MAX_PERIOD = 256
"""The largest block (in body ops) looked for."""
MAX_PICKED = 8
"""A run is rolled only if at most this many of its per-block values are used one by one
outside rolled runs: XLA on CPU compiles each slice of a stacked result into a kernel of its
own (~25 ms each), where the unrolled program's identical per-block kernels compile once.
Values that only feed an assign of an (unsharded) Variable do not count: such assigns become
one assign of a Variable group (``variable_groups``), which takes the stacked value whole. So a deep chain's
training step rolls into a forward, a backward and an update scan."""
ACCELERATOR_MIN_OPS = 20_000
"""Off the CPU, the default (``roll_loops=None``) rolls only programs of at least this many ops
(after pruning). A GPU runs each loop iteration's tiny kernels one launch and one loop-condition
round trip at a time: on an H200 a rolled 100- or 300-layer chain's SGD step took 2.0x JAX's
flat program's, where rolling saved 1-3 s of compile time; at 3,000 layers (57,000 ops) rolling
turned a 45 s first result into 7 s for a 1.15x step. So small and mid-sized programs stay
flat there, and Inception-scale ones roll."""


def rolls(requested: bool | None, platform: str, ops: int) -> bool:
    """Whether the rolling pass runs for a program of ``ops`` ops on ``platform``: as
    ``requested`` (``Session(roll_loops=True/False)``), or by default (``None``) where it pays:
    always on CPU, from ``ACCELERATOR_MIN_OPS`` ops on a GPU or TPU."""
    if requested is not None:
        return requested
    return platform == "cpu" or ops >= ACCELERATOR_MIN_OPS


Slot = tuple  # ("in" | "carry", position, output index) or ("ext",)


@dataclasses.dataclass
class Run:
    """A run of ``len(blocks)`` blocks of ``period`` body ops, with each input slot's wiring."""

    blocks: list[list[Operation]]
    pattern: list[tuple[Slot, ...]]
    deferred: list[Operation] = dataclasses.field(default_factory=list)

    @property
    def ops(self) -> set[Operation]:
        return {op for block in self.blocks for op in block}

    @property
    def last(self) -> Operation:
        return self.blocks[-1][-1]


def rollable(op: Operation) -> bool:
    """Whether ``op`` may go into a loop body (see the module docstring)."""
    opdef = op.op_def
    return (
        opdef.pure
        and bool(op.inputs)
        and bool(op.outputs)
        and not op.control_inputs
        and not opdef.region
        and opdef.host is None
        and opdef.lower is not None
        and all(not t.type.ref and t.shape.is_fully_defined() for t in (*op.inputs, *op.outputs))
    )


def _signature(op: Operation) -> tuple:
    return (
        op.type,
        tuple(op.attrs.items()),
        tuple(t.type for t in op.outputs),
        tuple(t.type for t in op.inputs),
    )


def periodic_runs(ids: np.ndarray) -> list[tuple[int, int, int]]:
    """``(start, period, blocks)`` of non-overlapping stretches of ``ids`` repeating with a
    period, longest first (ties: the shortest period), each of at least ``MIN_BLOCKS`` blocks
    and ``MIN_OPS`` elements; a stretch overlapping a longer one keeps its free part."""
    n = len(ids)
    found = []
    for p in range(1, min(MAX_PERIOD, n // MIN_BLOCKS) + 1):
        same = np.concatenate([[False], ids[:-p] == ids[p:], [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(same))
        starts, ends = edges[::2], edges[1::2]  # ids[i] == ids[i + p] for start <= i < end
        blocks = (ends - starts + p) // p
        long_enough = (blocks >= MIN_BLOCKS) & (blocks * p >= MIN_OPS)
        for a, n_blocks in zip(starts[long_enough].tolist(), blocks[long_enough].tolist()):
            found.append((n_blocks * p, p, a, n_blocks))
    found.sort(key=lambda f: (-f[0], f[1]))
    used = np.zeros(n + 1, dtype=bool)
    runs = []
    for _, p, a, blocks in found:
        free = np.concatenate([[False], ~used[a : a + blocks * p], [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(free))
        for lo, hi in zip(edges[::2].tolist(), edges[1::2].tolist()):  # free stretches, cut to whole blocks
            first, last = -(-lo // p), hi // p
            if last - first >= MIN_BLOCKS and (last - first) * p >= MIN_OPS:
                runs.append((a + first * p, p, last - first))
                used[a + first * p : a + last * p] = True
    return runs


def _wiring(block: list[Operation], where: dict[Operation, int], start: int, p: int, b: int):
    """Each input slot of block ``b`` (ops at ``start + b*p ...``) as in-block, carry or
    external; None when an input comes from an earlier block than the previous one."""
    slots = []
    for op in block:
        for t in op.inputs:
            q = where.get(t.op)
            if q is None or q < start:
                slots.append(("ext",))
                continue
            pb, rel = divmod(q - start, p)
            if pb == b:
                slots.append(("in", rel, t.value_index))
            elif pb == b - 1:
                slots.append(("carry", rel, t.value_index))
            else:
                return None
    return tuple(slots)


def _fits_first(first: tuple, pattern: tuple) -> bool:
    """Whether the run's first block fits ``pattern`` (its carries may come from outside)."""
    return all(f == q or (q[0] == "carry" and f[0] != "in") for f, q in zip(first, pattern))


def _verified(seq: list[Operation], where: dict[Operation, int], start: int, p: int, n: int) -> list[Run]:
    """The runs of consistently wired blocks within a periodic stretch."""
    blocks = [seq[start + b * p : start + (b + 1) * p] for b in range(n)]
    wiring = [_wiring(blocks[b], where, start, p, b) for b in range(n)]
    runs = []
    b = 0
    while b + 1 < n:
        pattern = wiring[b + 1]
        if wiring[b] is None or pattern is None or not _fits_first(wiring[b], pattern):
            b += 1
            continue
        e = b + 2
        while e < n and wiring[e] == pattern:
            e += 1
        run = Run(blocks[b:e], _per_op(blocks[b], pattern))
        if e - b >= MIN_BLOCKS and (e - b) * p >= MIN_OPS and _one_init_per_carry(run):
            runs.append(run)
            b = e
        else:
            b += 1
    return runs


def _per_op(block: list[Operation], slots: tuple) -> list[tuple[Slot, ...]]:
    """The flat slot list of a block split per op."""
    out, i = [], 0
    for op in block:
        out.append(slots[i : i + len(op.inputs)])
        i += len(op.inputs)
    return out


def _one_init_per_carry(run: Run) -> bool:
    """Whether the first block reads one initial value per carried value."""
    init: dict[tuple, Tensor] = {}
    for op, slots in zip(run.blocks[0], run.pattern):
        for t, slot in zip(op.inputs, slots):
            if slot[0] == "carry" and init.setdefault(slot[1:], t) is not t:
                return False
    return True


def _schedule(run: Run, ops: Sequence[Operation]) -> bool:
    """Finds the ops between the run's body ops that depend on them (``run.deferred``: they
    move after the scan); False when the run cannot be one scan: a body op reads one of them,
    or moving them would reorder how they and the ops staying touch Variables or effects."""
    body = run.ops
    first, last = run.blocks[0][0].index, run.last.index
    deferred: set[Operation] = set()
    moved_state: set = set()
    for op in ops[first : last + 1]:
        if op in body:
            continue
        sources = [t.op for t in op.inputs] + list(op.control_inputs)
        state = _touches(op)
        if any(s in body or s in deferred for s in sources):
            deferred.add(op)
            run.deferred.append(op)
            moved_state |= state
        elif state & moved_state:
            return False
    return not any(t.op in deferred for op in body for t in op.inputs)


def _touches(op: Operation) -> set:
    """The Variables (handles) an op reads or writes, and ``"effect"`` for other stateful ops
    whose order matters (random draws are keyed by name, so their order does not)."""
    refs = {t for t in op.inputs if t.type.ref}
    opdef = op.op_def
    if opdef.stateful and not refs and not opdef.needs_key and not opdef.parameter:
        refs.add("effect")
    return refs


def find_runs(ops: Sequence[Operation]) -> list[Run]:
    """The runs worth rolling among ``ops`` (a graph's operations), in graph order."""
    seq = [op for op in ops if rollable(op)]
    if len(seq) < MIN_OPS:
        return []
    table: dict[tuple, int] = {}
    ids = np.array([table.setdefault(_signature(op), len(table)) for op in seq], dtype=np.int64)
    where = {op: i for i, op in enumerate(seq)}
    runs = [run for start, p, n in periodic_runs(ids) for run in _verified(seq, where, start, p, n)]
    runs.sort(key=lambda r: r.blocks[0][0].index)
    kept: list[Run] = []
    for run in runs:  # spans may not interleave (each scan goes where its run ends)
        if kept and run.blocks[0][0].index < kept[-1].last.index:
            continue
        if _schedule(run, ops):
            kept.append(run)
    return _paying(kept)


def _paying(runs: list[Run]) -> list[Run]:
    """The runs left once those needing more than ``MAX_PICKED`` of their per-block values one
    by one (used by ops outside every rolled run) are dropped, until none does."""
    while True:
        rolled = {op for run in runs for op in run.ops}
        paying = [run for run in runs if _picked(run, rolled) <= MAX_PICKED]
        if len(paying) == len(runs):
            return runs
        runs = paying


def _picked(run: Run, rolled: set[Operation]) -> int:
    """How many per-block values of ``run`` ops outside ``rolled`` read (the last block's
    carried values come out whole, as the final carry, and are not counted)."""
    picked = 0
    for block in run.blocks[:-1]:
        for op in block:
            picked += sum(
                any(u not in rolled and not assigns_groupable(u, t) for u in t.uses) for t in op.outputs
            )
    return picked


class _Stacks:
    """Stacked tensors of the new graph and their elements, so a stack of elements that are
    already stacked (a scan's results, an earlier stack) becomes a slice of that stack."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.position: dict[Tensor, tuple[Tensor, int]] = {}
        self.made: dict[tuple[Tensor, ...], Tensor] = {}

    def register(self, stacked: Tensor, elements: Sequence[Tensor]) -> None:
        for i, t in enumerate(elements):
            self.position.setdefault(t, (stacked, i))
        self.made.setdefault(tuple(elements), stacked)

    def direction(self, elements: Sequence[Tensor]) -> int:
        """+1 per neighbour pair stacked in ascending order, -1 per pair in descending order."""
        score = 0
        for a, b in zip(elements, elements[1:]):
            pa, pb = self.position.get(a), self.position.get(b)
            if pa is not None and pb is not None and pa[0] is pb[0]:
                score += (pb[1] - pa[1] == 1) - (pb[1] - pa[1] == -1)
        return score

    def stack(self, elements: Sequence[Tensor], name: str, like: Operation) -> Tensor:
        """``elements`` stacked along a new leading axis, from slices of existing stacks where
        they are contiguous in them, else by a ``stack`` op."""
        key = tuple(elements)
        if key in self.made:
            return self.made[key]
        pieces: list[Tensor] = []
        singles: list[Tensor] = []
        i = 0
        while i < len(elements):
            k, step = self._contiguous(elements, i)
            if k < 2:
                singles.append(elements[i])
                i += 1
                continue
            if singles:
                pieces.append(self._op("stack", singles, {"axis": 0}, name, like))
                singles = []
            pieces.append(self._slice(elements[i], k, step, name, like))
            i += k
        if singles:
            pieces.append(self._op("stack", singles, {"axis": 0}, name, like))
        result = pieces[0] if len(pieces) == 1 else self._op("concat", pieces, {"axis": 0}, name, like)
        self.register(result, elements)
        return result

    def _contiguous(self, elements: Sequence[Tensor], i: int) -> tuple[int, int]:
        """How many elements from ``i`` on are neighbours in one stack, and in which order."""
        hit = self.position.get(elements[i])
        if hit is None:
            return 1, 0
        stacked, j = hit
        for step in (1, -1):
            k = 1
            while i + k < len(elements) and self.position.get(elements[i + k]) == (stacked, j + step * k):
                k += 1
            if k >= 2:
                return k, step
        return 1, 0

    def _slice(self, first: Tensor, k: int, step: int, name: str, like: Operation) -> Tensor:
        stacked, j = self.position[first]
        lo = j if step == 1 else j - k + 1
        whole = stacked.shape[0]
        part = stacked
        if (lo, k) != (0, whole):
            begin = (lo,) + (0,) * (len(stacked.shape) - 1)
            size = (k,) + (-1,) * (len(stacked.shape) - 1)
            part = self._op("slice", [stacked], {"begin": begin, "size": size}, name, like)
        return part if step == 1 else self._op("reverse", [part], {"axis": (0,)}, name, like)

    def _op(self, op_type: str, inputs: list[Tensor], attrs: dict, name: str, like: Operation) -> Tensor:
        op = self.graph.add_op(op_type, inputs, attrs, self.graph.unique_name(f"{name}/{op_type}"),
                               location=like.location)  # fmt: skip
        return op.outputs[0]


def _body(run: Run, carries: list[tuple], xs_slots: dict, captured: list[Tensor], xs_types: list,
          ys: list[tuple], name: str) -> Graph:  # fmt: skip
    """The scan's body: parameters (carries, xs, closed-over values), a copy of the first
    block, and its results (new carries, then the per-block values used after the run)."""
    body = Graph()
    template = run.blocks[0]
    local: dict[tuple, Tensor] = {}

    def param(t_type, label: str) -> Tensor:
        attrs = {"dtype": t_type.dtype, "shape": tuple(t_type.shape)}
        return body.add_op("placeholder", [], attrs, f"{name}/{label}").outputs[0]

    carry_params = {key: param(_output(template, key).type, f"carry_{i}") for i, key in enumerate(carries)}
    xs_params = [param(t, f"x_{i}") for i, t in enumerate(xs_types)]
    captured_params = {t: param(t.type, f"closed_{i}") for i, t in enumerate(captured)}
    for r, (op, slots) in enumerate(zip(template, run.pattern)):
        inputs = []
        for k, (t, slot) in enumerate(zip(op.inputs, slots)):
            if slot[0] == "in":
                inputs.append(local[slot[1:]])
            elif slot[0] == "carry":
                inputs.append(carry_params[slot[1:]])
            elif (r, k) in xs_slots:
                inputs.append(xs_params[xs_slots[r, k]])
            else:
                inputs.append(captured_params[t])
        new = body.add_op(op.type, inputs, op.attrs, op.name, device=op.device, location=op.location,
                          types=[o.type for o in op.outputs])  # fmt: skip
        local.update(((r, i), o) for i, o in enumerate(new.outputs))
    body.add_op("results", [local[key] for key in [*carries, *ys]], {}, f"{name}/results")
    return body


def _output(block: list[Operation], key: tuple) -> Tensor:
    return block[key[0]].outputs[key[1]]


def _escapes(run: Run, fetched: set) -> dict[tuple, set[int]]:
    """For each block-local value (position, output index), the blocks whose value is used
    outside the run's body (by later ops, or fetched)."""
    body = run.ops
    out: dict[tuple, set[int]] = {}
    for b, block in enumerate(run.blocks):
        for r, op in enumerate(block):
            for i, t in enumerate(op.outputs):
                if t in fetched or any(u not in body for u in t.uses):
                    out.setdefault((r, i), set()).add(b)
    return out


def _emit(rebuild: Rebuild, stacks: _Stacks, run: Run, fetched: set) -> None:
    """Adds the run's stacks, scan and unstacks to the new graph; maps its values there."""
    n, template = len(run.blocks), run.blocks[0]
    graph = rebuild.graph
    name = graph.unique_name("rolled/" + (template[0].name.rpartition("/")[0] or "block"))
    carries = list(dict.fromkeys(s[1:] for slots in run.pattern for s in slots if s[0] == "carry"))
    init = {}
    for op, slots in zip(template, run.pattern):
        for t, s in zip(op.inputs, slots):
            if s[0] == "carry":
                init[s[1:]] = rebuild.tensors[t]
    lists: dict[tuple, int] = {}
    xs_slots: dict[tuple[int, int], int] = {}
    captured: list[Tensor] = []
    for r, slots in enumerate(run.pattern):
        for k, s in enumerate(slots):
            if s[0] != "ext":
                continue
            per_block = tuple(rebuild.tensors[block[r].inputs[k]] for block in run.blocks)
            if all(t is per_block[0] for t in per_block):
                if template[r].inputs[k] not in captured:
                    captured.append(template[r].inputs[k])
            else:
                xs_slots[r, k] = lists.setdefault(per_block, len(lists))
    reverse = sum(stacks.direction(elements) for elements in lists) < 0
    xs = [stacks.stack(elements[::-1] if reverse else elements, name, template[0]) for elements in lists]
    views = [_view(x) for x in xs]
    offsets = tuple(o for _, o in views) if any(o is not None for _, o in views) else None
    xs = [x for x, _ in views]
    escapes = _escapes(run, fetched)
    ys = [key for key, blocks in escapes.items() if not (key in init and blocks == {n - 1})]
    body = _body(run, carries, xs_slots, captured, [elements[0].type for elements in lists], ys, name)
    ops = len(template)
    attrs = {"body": body, "num_carry": len(carries), "num_xs": len(xs), "length": n, "reverse": reverse,
             "rolled": f"{n} blocks of {ops} ops", "offsets": offsets}  # fmt: skip
    inputs = [init[key] for key in carries] + xs + [rebuild.tensors[t] for t in captured]
    scan = graph.add_op("scan", inputs, attrs, name, location=template[0].location)
    for key, out in zip(carries, scan.outputs):
        if key in escapes and key not in ys:
            rebuild.tensors[_output(run.blocks[-1], key)] = out
    for key, stacked in zip(ys, scan.outputs[len(carries) :]):
        parts = graph.add_op("unstack", [stacked], {"num": n, "axis": 0}, graph.unique_name(f"{name}/unstack"),
                             location=template[key[0]].location).outputs  # fmt: skip
        per_block = parts[::-1] if reverse else parts
        stacks.register(stacked, list(parts))
        for block, part in zip(run.blocks, per_block):
            rebuild.tensors[_output(block, key)] = part
    for op in run.ops:
        rebuild.ops[op] = scan


def _view(x: Tensor) -> tuple[Tensor, int | None]:
    """A slice of rows of a stack as (the whole stack, the first row), else ``(x, None)``: the
    scan reads such xs row by row from the stack (its ``offsets``), so no copy of the slice is
    made before the loop (a backward scan reads its forward scan's results shifted by one)."""
    op = x.op
    if (
        op.type != "slice"
        or any(b for b in op.attrs["begin"][1:])
        or any(n != -1 for n in op.attrs["size"][1:])
    ):
        return x, None
    return op.inputs[0], op.attrs["begin"][0]


def roll_loops(program: Optimized) -> Optimized:
    """The rolling pass (see the module docstring): each run of repeated blocks as one scan."""
    ops = program.graph.operations
    runs = find_runs(ops)
    if not runs:
        return program
    rebuild = Rebuild(program)
    stacks = _Stacks(rebuild.graph)
    fetched = {f for f in program.fetches if isinstance(f, Tensor)}
    run_of = {op: run for run in runs for op in run.ops}
    deferred = {op for run in runs for op in run.deferred}
    for op in ops:
        run = run_of.get(op)
        if run is not None:
            if op is run.last:
                _emit(rebuild, stacks, run, fetched)
                for moved in run.deferred:
                    rebuild.copy(moved)
        elif op not in deferred:
            rebuild.copy(op)
    return fuse_updates(group_variables(rebuild.done()))
