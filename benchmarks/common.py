"""Timing helpers shared by the benchmarks: medians of many runs, in one process."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax


def block(x: Any) -> Any:
    return jax.block_until_ready(x)


def paired_medians(ours: Callable[[], Any], theirs: Callable[[], Any], runs: int = 200,
                   warmup: int = 10) -> tuple[float, float]:  # fmt: skip
    """Median wall times of two functions timed alternately, so machine drift hits both alike."""
    for _ in range(warmup):
        block(ours())
        block(theirs())
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, bucket in ((ours, times[0]), (theirs, times[1])):
            start = time.perf_counter()
            block(fn())
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


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
