"""Graph building measured in CPU instructions (Valgrind's callgrind), for comparing code on a
busy machine: instruction counts do not move with load, where wall and CPU times move by 10–30%.

For each source tree given (default: this checkout) and each building phase of
``bench_chain.py``'s chain (``trace``, ``gradients``, ``optimizer``), a child Python process
builds the chain of ``--size`` layers under ``valgrind --tool=callgrind`` with instrumentation
switched on (``callgrind_control -i on``) only around that phase, so importing JAX and the rest
of the program cost nothing. Prints millions of instructions per phase and thousands per layer.
A phase's count includes the garbage collector's work in it, as its time does.

Run ``python benchmarks/build_instructions.py [--size 300] [TREE ...]`` (needs ``valgrind``; a
few minutes). E.g. ``git worktree add /tmp/base main`` and
``python benchmarks/build_instructions.py /tmp/base .`` compares a change with main.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PHASES = ("trace", "gradients", "optimizer")


def child(size: int, phase: str) -> None:
    """Builds the chain (``bench_chain.jaxgraph_chain``) with instrumentation on during ``phase``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_chain import jaxgraph_chain
    from chain_tf1 import chain_params

    def instrument(name: str, starting: bool) -> None:
        if name == phase:
            subprocess.run(["callgrind_control", "-i", "on" if starting else "off", str(os.getpid())],
                           capture_output=True, check=True)  # fmt: skip

    params = chain_params(size)
    gc.collect()
    jaxgraph_chain(params, on_phase=instrument)


def count(tree: Path, size: int, phase: str) -> int:
    """Instructions of ``phase`` when the chain is built by the ``jaxgraph`` of ``tree``."""
    with tempfile.TemporaryDirectory() as scratch:
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={scratch}/callgrind.out", sys.executable, __file__,
                   "--child", phase, "--size", str(size)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"valgrind failed in {tree}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", default=["."], help="source trees to compare")
    parser.add_argument("--size", type=int, default=300, help="layers of the chain")
    parser.add_argument("--child", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.size, args.child)
    if shutil.which("valgrind") is None:
        raise SystemExit("build_instructions.py needs valgrind (apt-get install valgrind)")
    print(f"chain of {args.size} layers; instructions per phase (millions, thousands per layer)\n")
    print("| tree | " + " | ".join(PHASES) + " | build |")
    print("|---|" + "---|" * (len(PHASES) + 1))
    for tree in args.trees:
        counts = [count(Path(tree).resolve(), args.size, phase) for phase in PHASES]
        cells = [f"{n / 1e6:.1f} M ({n / args.size / 1e3:.0f} k)" for n in [*counts, sum(counts)]]
        print(f"| {tree} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
