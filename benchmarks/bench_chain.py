"""Deep chains, phase by phase, side by side with hand-written JAX in one process.

The chain ``y = tanh(y @ W_i + b_i)`` for ``i < L`` (width 16, batch 16), loss
``mean(y ** 2)``, one SGD step on all ``2 L`` Variables; for each ``L`` in ``--sizes``:

* jaxgraph (one column per entry of ``VARIANTS``, a dict of ``Session`` keyword arguments):
  graph building — ``trace`` (forward ops and loss), ``gradients`` (``compute_gradients``),
  ``optimizer`` (``apply_gradients``) — then the first ``Session.run`` split into ``passes``
  (pruning and the ``jaxgraph.ir.passes`` pipeline), ``codegen`` (the generated JAX function),
  ``jax trace`` and ``jax lower`` (JAX tracing that function, from ``jax.monitoring``'s compile
  event, and the rest of ``jit(...).lower``), ``xla compile`` (``.compile``; wall times, as
  for hand-written JAX, so JAX's bookkeeping around them counts there), and ``first step``
  (the rest of the first run: the session's planning and the step itself); ``first result`` is building plus
  the whole first run; ``steady step`` is the median of interleaved runs (each jaxgraph
  variant alternating with hand-written JAX).
* hand-written JAX: ``jax.jit(step).trace`` (which includes ``jax.value_and_grad``), ``.lower``,
  ``.compile``, the first step, and its ``steady step``.
* TF1 (``tensorflow.compat.v1``, only where ``tensorflow`` imports or ``--tf1-python`` names a
  Python that has it; never a dependency; ``chain_tf1.py``): graph building, the first
  ``sess.run`` and the steady step.
* XLA's memory analysis (argument + output + temporary bytes) of jaxgraph's and JAX's programs.
* ``gc``: the seconds Python's cyclic garbage collector ran during the first result's compile
  and first step (part of the phases above: a collection walks every object made since the
  last, so a large program's graph copies, trees and jaxprs cost it time).

Both programs start from the same parameters; their first losses are checked equal. Run
``python benchmarks/bench_chain.py [--sizes 100 300 1000 3000] [--quick] [--json out.json]``;
prints Markdown tables (seconds, and ratios to hand-written JAX) and writes the JSON that
``benchmarks/plot_chain.py`` draws. L = 3,000 takes minutes per variant.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chain_tf1 import BATCH, LR, WIDTH, chain_input, chain_params, run_tf1  # noqa: E402
from common import block, machine, paired_medians  # noqa: E402

import jaxgraph as jg  # noqa: E402

SIZES = (100, 300, 1000, 3000)
QUICK_SIZES = (30, 100)

VARIANTS: dict[str, dict[str, Any]] = {
    "jaxgraph": {"roll_loops": True},
    "jaxgraph-unrolled": {"roll_loops": False},
}
"""jaxgraph's columns: a name and the ``Session`` keyword arguments it runs with (rolled, as by
default on CPU, also on a GPU, whose default rolls only programs of 20,000 ops or more)."""

JAXGRAPH_PHASES = ("trace", "gradients", "optimizer", "build", "passes", "codegen", "jax trace",
                   "jax lower", "xla compile", "first step", "first result", "steady step")  # fmt: skip
JAX_PHASES = ("jax trace", "jax lower", "xla compile", "first step", "first result", "steady step")
EXTRA_ROWS = ("gc", "memory")
TF_PHASES = ("build", "first step", "first result", "steady step")

_JAX_EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "jax trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "jax lower",
    "/jax/core/compile/backend_compile_duration": "xla compile",
}
_recorded: dict[str, float] = defaultdict(float)


def _record(event: str, duration: float, **_: Any) -> None:
    """``jax.monitoring`` listener: adds up JAX's compile phases (reset before each run)."""
    if event in _JAX_EVENTS:
        _recorded[_JAX_EVENTS[event]] += duration


@contextlib.contextmanager
def collections_timed() -> Iterator[dict[str, float]]:
    """Adds up, under ``"gc"``, the seconds Python's garbage collections take inside the block."""
    timed = {"gc": 0.0}
    started = [0.0]

    def watch(phase: str, _: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            timed["gc"] += time.perf_counter() - started[0]

    gc.callbacks.append(watch)
    try:
        yield timed
    finally:
        gc.callbacks.remove(watch)


# ---- jaxgraph ------------------------------------------------------------------------------------
def jaxgraph_chain(params: list, on_phase: Callable[[str, bool], None] | None = None,
                   ) -> tuple[jg.Graph, dict[str, Any], dict[str, float]]:  # fmt: skip
    """The chain's graph, its tensors, and the seconds each part of building it took.
    ``on_phase(name, starting)`` is called as each phase starts and ends (``build_instructions``)."""
    times = {}
    mark = on_phase or (lambda name, starting: None)
    graph = jg.Graph()
    mark("trace", True)
    start = time.perf_counter()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (BATCH, WIDTH), name="x")
        y = x
        for i, (w0, b0) in enumerate(params):
            with jg.name_scope(f"layer{i}"):
                y = jg.tanh(jg.matmul(y, jg.Variable(w0, name="w")) + jg.Variable(b0, name="b"))
        loss = jg.reduce_mean(jg.square(y))
        times["trace"] = time.perf_counter() - start
        mark("trace", False)
        optimizer = jg.train.GradientDescentOptimizer(LR)
        mark("gradients", True)
        start = time.perf_counter()
        grads = optimizer.compute_gradients(loss)
        times["gradients"] = time.perf_counter() - start
        mark("gradients", False)
        mark("optimizer", True)
        start = time.perf_counter()
        train_op = optimizer.apply_gradients(grads)
        times["optimizer"] = time.perf_counter() - start
        mark("optimizer", False)
        init = jg.global_variables_initializer()
    times["build"] = times["trace"] + times["gradients"] + times["optimizer"]
    times["ops"] = len(graph.get_operations())
    return graph, {"x": x, "loss": loss, "train_op": train_op, "init": init}, times


def run_jaxgraph(params: list, xb: jax.Array, options: dict[str, Any]) -> tuple[dict, Any, Callable, Any]:
    """Builds the chain and runs its first step in a Session made with ``options``: the phase
    times, the first loss, a step function (for steady-state timing) and the Session."""
    graph, t, times = jaxgraph_chain(params)
    sess = jg.Session(graph=graph, **options)
    sess.run(t["init"])
    fetches, feed = [t["loss"], t["train_op"]], {t["x"]: xb}
    _recorded.clear()
    with collections_timed() as collected:
        start = time.perf_counter()
        loss = sess.run(fetches, feed)[0]
        block(loss)
        first_run = time.perf_counter() - start
    times["gc"] = collected["gc"]
    made = _executable(sess).made
    times["passes"] = made["ir"][1] + made["ir-opt"][1]
    times["codegen"] = made["jax"][1]
    times["jax trace"] = _recorded["jax trace"]  # JAX's own bookkeeping counted as for JAX's
    times["jax lower"] = made["stablehlo"][1] - _recorded["jax trace"]  # program: wall times
    times["xla compile"] = made["hlo"][1]
    compiled = sum(times[k] for k in ("passes", "codegen", "jax trace", "jax lower", "xla compile"))
    times["first step"] = first_run - compiled
    times["first result"] = times["build"] + first_run
    times["memory"] = _memory_of(sess)
    return times, float(loss), lambda: sess.run(fetches, feed)[0], sess


def _plan(sess: jg.Session) -> Any:
    """The Session's most recent plan (its compiled train step)."""
    return list(sess._cache.values())[-1]


def _executable(sess: jg.Session) -> Any:
    return _plan(sess).executable


def _memory_of(sess: jg.Session) -> int:
    """XLA's memory analysis of the Session's train step (JAX's caches make this no new compile)."""
    plan = _plan(sess)
    args = [sess._variables.argument(n, plan.groups) for n in plan.var_args]  # groups stacked
    args += [jax.ShapeDtypeStruct((BATCH, WIDTH), jnp.float32), None]
    return _memory(plan.executable.jitted.lower(*args).compile())


# ---- hand-written JAX ----------------------------------------------------------------------------
def jax_loss(params: list, x: jax.Array) -> jax.Array:
    y = x
    for w, b in params:
        y = jnp.tanh(y @ w + b)
    return jnp.mean(y**2)


def jax_step():
    """A new function object each call, so ``jax.jit``'s cache cannot hide the compile."""

    def step(params, x):
        loss, grads = jax.value_and_grad(jax_loss)(params, x)
        return loss, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    return jax.jit(step, donate_argnums=0)


def run_jax(params: list, xb: jax.Array) -> tuple[dict, Any, Callable]:
    """Hand-written JAX's phases (trace, lower, compile, first step), first loss and step."""
    state = {"p": jax.device_put(params)}
    times = {}
    with collections_timed() as collected:
        start = time.perf_counter()
        traced = jax_step().trace(state["p"], xb)
        times["jax trace"] = time.perf_counter() - start
        start = time.perf_counter()
        lowered = traced.lower()
        times["jax lower"] = time.perf_counter() - start
        start = time.perf_counter()
        compiled = lowered.compile()
        times["xla compile"] = time.perf_counter() - start
        start = time.perf_counter()
        loss, state["p"] = compiled(state["p"], xb)
        block(loss)
        times["first step"] = time.perf_counter() - start
    times["gc"] = collected["gc"]
    times["first result"] = sum(times[k] for k in ("jax trace", "jax lower", "xla compile", "first step"))
    times["memory"] = _memory(compiled)

    def step() -> jax.Array:
        value, state["p"] = compiled(state["p"], xb)
        return value

    return times, float(loss), step


def _memory(compiled: Any) -> int:
    stats = compiled.memory_analysis()
    return stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes


# ---- the benchmark -------------------------------------------------------------------------------
def bench_size(depth: int, runs: int, tf1: str | None) -> dict[str, dict[str, float]]:
    """Every program's phases at one depth."""
    params = chain_params(depth)
    xb = jnp.asarray(chain_input())
    results: dict[str, dict[str, float]] = {}
    gc.collect()  # each program's first result starts from a collected heap
    theirs_times, theirs_loss, theirs_step = run_jax(params, xb)
    results["JAX"] = theirs_times
    for name, options in VARIANTS.items():
        gc.collect()
        times, loss, step, sess = run_jaxgraph(params, xb, options)
        # same program, same parameters; a GPU may multiply float32 matrices in TF32 (JAX's
        # default precision), where one program's fusion choices move the loss's last digits;
        # through hundreds of layers that reaches ~0.1 % (L = 300 on an H200: 1.4e-3)
        rtol = 1e-5 if jax.default_backend() == "cpu" else 1e-2
        np.testing.assert_allclose(loss, theirs_loss, rtol=rtol)
        times["steady step"], theirs = paired_medians(step, theirs_step, runs, warmup=3)
        results["JAX"].setdefault("steady step", theirs)
        results[name] = times
        sess.close()
    if tf1 is not None:
        tf_times = _tf1(depth, runs, tf1)
        if tf_times is not None:
            results["TF1"] = tf_times
    return results


def _tf1(depth: int, runs: int, python: str) -> dict[str, float] | None:
    """TF1's phases: in this process where ``tensorflow`` imports (``python`` empty), else run by
    the interpreter ``python`` (a virtual environment with TensorFlow, e.g. ``/tmp/tfvenv/bin/python``)."""
    if not python:
        return run_tf1(chain_params(depth), chain_input(), runs)
    script = Path(__file__).resolve().parent / "chain_tf1.py"
    done = subprocess.run(
        [python, str(script), str(depth), str(runs)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"TF1 skipped: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def runs_for(depth: int) -> int:
    """Steady-state repetitions: fewer for deeper chains (their steps take longer)."""
    return max(10, min(200, 20_000 // depth))


def tables(results: dict[int, dict[str, dict[str, float]]]) -> str:
    """One Markdown table per depth: seconds per phase and program, and jaxgraph / JAX."""
    out = []
    for depth, programs in results.items():
        names = list(programs)
        ops = programs[next(iter(VARIANTS))].get("ops", 0)
        head = ["phase (s)", *names, *(f"{n} / JAX" for n in VARIANTS if n in programs)]
        out += [f"\nL = {depth} ({ops:.0f} ops)\n", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for phase in (*JAXGRAPH_PHASES, *EXTRA_ROWS):
            cells = [_cell(programs[n].get(phase), phase) for n in names]
            ratios = [
                _ratio(programs[n].get(phase), programs["JAX"].get(phase)) for n in VARIANTS if n in programs
            ]
            if any(c for c in cells):
                out.append("| " + " | ".join([phase, *cells, *ratios]) + " |")
    return "\n".join(out)


def _cell(value: float | None, phase: str) -> str:
    if value is None:
        return ""
    if phase == "memory":
        return f"{value / 2**20:.2f} MiB"
    return f"{value * 1e3:.2f} ms" if phase == "steady step" else f"{value:.3f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.3f}×" if ours is not None and theirs else ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="chain depths L")
    parser.add_argument("--quick", action="store_true", help=f"small depths only {QUICK_SIZES}")
    parser.add_argument("--runs", type=int, default=None, help="steady-step repetitions (default: by depth)")
    parser.add_argument("--no-tf1", action="store_true", help="skip TF1 even where tensorflow imports")
    parser.add_argument(
        "--tf1-python", default="", help="a Python with TensorFlow to run TF1 in (a subprocess)"
    )
    parser.add_argument("--json", default="chain_results.json", help="where to write the results")
    options = parser.parse_args()
    sizes = QUICK_SIZES if options.quick else options.sizes
    jax.monitoring.register_event_duration_secs_listener(_record)
    results = {}
    for depth in sizes:
        tf1 = None if options.no_tf1 else options.tf1_python
        results[depth] = bench_size(depth, options.runs or runs_for(depth), tf1)
        print(f"L = {depth} done", file=sys.stderr)
    print(f"machine: {machine()}")
    print(tables(results))
    report = {"machine": machine(), "width": WIDTH, "batch": BATCH, "results": results}
    Path(options.json).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    print(f"\nwrote {options.json}")


if __name__ == "__main__":
    main()
