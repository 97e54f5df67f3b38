"""Graph building speed: the chain of ``bench_chain.py`` built phase by phase, per op, side by
side with hand-written JAX tracing the same train step, in one process.

For each ``L`` in ``--sizes``: jaxgraph's ``trace`` (forward ops and loss), ``gradients``
(``compute_gradients``) and ``optimizer`` (``apply_gradients``, SGD on all ``2 L`` Variables)
— ``bench_chain.jaxgraph_chain`` — and hand-written JAX's ``jax.jit(step).trace(...)`` (which
includes ``jax.value_and_grad``: JAX's counterpart of building the graph). Each figure is the
best of ``--repeats`` builds (a collection first), so load from other processes shows less.
Prints a Markdown table: seconds per phase (and, of the fastest build, the seconds Python's
garbage collector ran in it), microseconds per op, and jaxgraph / JAX.
Run ``python benchmarks/bench_build.py [--sizes 300 1000 1500 3000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_chain import collections_timed, jax_step, jaxgraph_chain  # noqa: E402
from chain_tf1 import chain_input, chain_params  # noqa: E402
from common import machine  # noqa: E402

SIZES = (300, 1000, 1500, 3000)
PHASES = ("trace", "gradients", "optimizer", "build")


def jaxgraph_times(params: list, repeats: int) -> dict[str, float]:
    """The best time of each building phase over ``repeats`` builds, the op count, and the
    seconds Python's garbage collector ran during the fastest build (``gc``)."""
    best: dict[str, float] = {}
    for _ in range(repeats):
        gc.collect()
        with collections_timed() as collected:
            _, _, times = jaxgraph_chain(params)
        if times["build"] < best.get("build", float("inf")):
            best["gc"] = collected["gc"]
        for key, value in times.items():
            best[key] = min(best.get(key, value), value)
    return best


def jax_trace_time(params: list, repeats: int) -> float:
    """The best time of ``jax.jit(step).trace`` (a new function each time: no cache hit)."""
    xb = jnp.asarray(chain_input())
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        jax_step().trace(params, xb)
        best = min(best, time.perf_counter() - start)
    return best


def table(results: dict[int, tuple[dict[str, float], float]]) -> str:
    """One row per size: phases (s), per op (µs), JAX's trace (s) and the ratio of builds."""
    head = ["L", "ops", *(f"{p} (s)" for p in PHASES), "of which gc (s)", "µs / op", "JAX trace (s)",
            "build / JAX trace"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for depth, (times, theirs) in results.items():
        ops = times["ops"]
        cells = [str(depth), f"{ops:,.0f}", *(f"{times[p]:.3f}" for p in PHASES), f"{times['gc']:.3f}"]
        cells += [f"{times['build'] / ops * 1e6:.1f}", f"{theirs:.3f}", f"{times['build'] / theirs:.2f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="chain depths L")
    parser.add_argument("--repeats", type=int, default=3, help="builds per size (the best counts)")
    options = parser.parse_args()
    jaxgraph_chain(chain_params(10))  # imports and first-call costs out of the way
    jax_trace_time(chain_params(2), 1)
    results = {}
    for depth in options.sizes:
        params = chain_params(depth)
        results[depth] = (jaxgraph_times(params, options.repeats), jax_trace_time(params, options.repeats))
        print(f"L = {depth} done", file=sys.stderr)
    print(f"machine: {machine()}\n")
    print(table(results))


if __name__ == "__main__":
    main()
