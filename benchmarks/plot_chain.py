"""Draws ``benchmarks/bench_chain.py``'s results: each phase's seconds against the chain's depth,
log-log, one line per program (jaxgraph variants, hand-written JAX, TF1 when measured).

Run: ``python benchmarks/plot_chain.py [chain_results.json] [--out docs/chain_phases.png]``
(needs matplotlib: ``pip install -e .[benchmarks]``).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.lines  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

PHASES = ("build", "passes", "codegen", "jax trace", "jax lower", "xla compile", "first step",
          "first result", "steady step")  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]


def plot(report: dict, out: Path) -> None:
    """One panel per phase that any program measured; a line per program across depths."""
    results = {int(depth): programs for depth, programs in report["results"].items()}
    depths = sorted(results)
    programs = list(dict.fromkeys(name for depth in depths for name in results[depth]))
    phases = [p for p in PHASES if any(p in results[d].get(n, {}) for d in depths for n in programs)]
    columns = 3
    rows = math.ceil(len(phases) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    for ax, phase in zip(axes.flat, phases):
        for index, name in enumerate(programs):  # one color per program in every panel
            points = [(d, results[d][name][phase]) for d in depths if phase in results[d].get(name, {})]
            points = [(d, s) for d, s in points if s > 0]
            if points:
                ax.plot(*zip(*points), marker="o", color=f"C{index}", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(depths, [str(d) for d in depths])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_title(phase)
        ax.set_xlabel("layers L")
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(phases) :]:
        ax.axis("off")
    handles = [matplotlib.lines.Line2D([], [], color=f"C{i}", marker="o") for i in range(len(programs))]
    figure.legend(handles, programs, loc="lower right", ncols=len(programs))
    figure.suptitle(
        f"chain y = tanh(y @ W + b), width {report['width']}, batch {report['batch']}: {report['machine']}"
    )
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", nargs="?", default="chain_results.json")
    parser.add_argument("--out", default=str(ROOT / "docs" / "chain_phases.png"))
    options = parser.parse_args()
    plot(json.loads(Path(options.results).read_text()), Path(options.out))
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
