"""Timing helpers shared by the benchmarks: medians of many runs, in one process.

``paired`` is the noise-robust one: the two functions run alternately, call by call, in blocks
(which of them goes first alternates between blocks), and each block gives one median per
function and one ratio; the figures are the medians over blocks, with the spread (the lowest
and highest block) shown, so a burst of load from other processes moves one block, not the
result, and shows up as spread.
"""

from __future__ import annotations

import dataclasses
import platform
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import jax


def block(x: Any) -> Any:
    return jax.block_until_ready(x)


def paired_medians(ours: Callable[[], Any], theirs: Callable[[], Any], runs: int = 200,
                   warmup: int = 10) -> tuple[float, float]:  # fmt: skip
    """Median wall times of two functions timed alternately (``paired``'s medians)."""
    timing = paired(ours, theirs, runs, warmup=warmup)
    return timing.ours.median, timing.theirs.median


@dataclasses.dataclass
class Spread:
    """The median over blocks of one per-block figure, and its lowest and highest block."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def ratio(self) -> str:
        """``1.012× (0.998–1.031)``."""
        return f"{self.median:.3f}× ({self.low:.3f}–{self.high:.3f})"

    def micros(self, digits: int = 1) -> str:
        """``12.3 µs (11.9–13.0)``."""
        return f"{self.median * 1e6:.{digits}f} µs ({self.low * 1e6:.{digits}f}–{self.high * 1e6:.{digits}f})"


@dataclasses.dataclass
class Paired:
    """``paired``'s result: each function's time per call and their ratio (ours / theirs)."""

    ours: Spread
    theirs: Spread
    ratio: Spread
    added: Spread
    """ours - theirs, per block (for overheads)."""


def paired(ours: Callable[[], Any], theirs: Callable[[], Any], runs: int = 200, blocks: int = 10,
           warmup: int = 10) -> Paired:  # fmt: skip
    """Times two functions alternately, call by call, in ``blocks`` blocks of ``runs // blocks``
    pairs (module docstring)."""
    for _ in range(warmup):
        block(ours())
        block(theirs())
    per_block = max(1, runs // blocks)
    medians: tuple[list[float], list[float]] = ([], [])
    for b in range(blocks):
        order = ((ours, 0), (theirs, 1)) if b % 2 == 0 else ((theirs, 1), (ours, 0))
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(per_block):
            for fn, which in order:
                start = time.perf_counter()
                block(fn())
                times[which].append(time.perf_counter() - start)
        for which in (0, 1):
            medians[which].append(statistics.median(times[which]))
    ratios = [a / b for a, b in zip(*medians, strict=True)]
    added = [a - b for a, b in zip(*medians, strict=True)]
    return Paired(Spread.of(medians[0]), Spread.of(medians[1]), Spread.of(ratios), Spread.of(added))


def threaded(fn: Callable[[], Any], threads: int = 8, runs: int = 200) -> float:
    """Wall time per call of ``fn`` called ``runs`` times by each of ``threads`` threads at
    once (total wall time / total calls)."""
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(runs):
            fn()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return (time.perf_counter() - start) / (threads * runs)


def paired_threaded(ours: Callable[[], Any], theirs: Callable[[], Any], blocks: int = 5, threads: int = 8,
                    runs: int = 200) -> Paired:  # fmt: skip
    """``threaded`` wall time per call of two functions in ``blocks`` alternating blocks (which
    of them goes first alternates), as ``paired``'s figures: medians over blocks and spread."""
    times: tuple[list[float], list[float]] = ([], [])
    for b in range(blocks):
        order = ((ours, 0), (theirs, 1)) if b % 2 == 0 else ((theirs, 1), (ours, 0))
        for fn, which in order:
            times[which].append(threaded(fn, threads, runs))
    ratios = [a / b for a, b in zip(*times, strict=True)]
    added = [a - b for a, b in zip(*times, strict=True)]
    return Paired(Spread.of(times[0]), Spread.of(times[1]), Spread.of(ratios), Spread.of(added))


def seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    block(fn())
    return time.perf_counter() - start


def machine() -> str:
    device = jax.devices()[0]
    return f"{platform.processor() or platform.machine()}, {device.platform}:{device.device_kind}, jax {jax.__version__}"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("benchmark", "jaxgraph", "hand-written JAX", "ratio / added")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
