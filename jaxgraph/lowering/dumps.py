"""Dump folders: every compilation writes each stage of its program to ``<dir>/<name>-<hash>/``.

Switched on by ``JAXGRAPH_DUMP_DIR=dir`` (read when a compilation happens, never at import) or by
``Session(dump_dir=dir)``. One folder per compilation (a Session fetch set or a ``jg.function``
signature), named after the function or the fetched tensors plus a hash of the program and its
argument types, so the same program compiled again in another process lands in the same folder::

    00.traced.ir        the ops the fetch set needs, as traced (jaxgraph IR text)
    01.opt.ir           after jaxgraph's IR passes (``jaxgraph.ir.passes.PIPELINE``)
    01.opt.NN.PASS.ir   the graph after each pass of the pipeline, in order (NN = 00, 01 ...)
    02.jax.py           the generated Python module over JAX (runs as is: imports, constants)
    03.jaxpr            JAX's jaxpr of that function
    04.stablehlo.mlir   the StableHLO module ``jax.jit`` lowers it to (before XLA's passes)
    05.hlo              the HLO after XLA's optimisation (fusions), from the compiled executable
    06.cost.json        XLA's cost_analysis and memory_analysis, and op counts at every stage

Each file's first line is a comment naming the pass or stage that made it, when, and in how
long (in ``06.cost.json``, the ``"//"`` key). When a stage fails (e.g. a lowering error), its
file holds the error and the later stages are not written; the run itself then reports the
error, blamed on the op.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax

from jaxgraph.lowering.executable import Executable, arg_specs

ENV_VAR = "JAXGRAPH_DUMP_DIR"

FILES = {
    "ir": ("00.traced.ir", "#", "jaxgraph.ir.passes.prune: the ops the fetch set needs, as traced"),
    "ir-opt": ("01.opt.ir", "#", "jaxgraph.ir.passes.optimize: the PIPELINE of IR passes"),
    "jax": ("02.jax.py", "#", "jaxgraph.lowering.codegen.lower_graph: the generated JAX module"),
    "jaxpr": ("03.jaxpr", "#", "jax.make_jaxpr of the generated function"),
    "stablehlo": ("04.stablehlo.mlir", "//", "jax.jit(...).lower: StableHLO, before XLA's passes"),
    "hlo": ("05.hlo", "//", "XLA compile: the optimised HLO of the executable"),
    "cost": ("06.cost.json", None, "XLA cost_analysis + memory_analysis, and op counts per stage"),
}
"""Stage -> (file name, comment marker (JSON has none: the ``"//"`` key), the pass that makes it)."""

_HLO_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?[\w.\-]+\s*=\s*.*?\s([a-z][a-z0-9\-]*)\(", re.MULTILINE)


def dump_dir(option: str | os.PathLike | None = None) -> str | None:
    """Where compilations dump: ``option`` (``Session(dump_dir=...)``), else ``$JAXGRAPH_DUMP_DIR``
    as set now; None when dumping is off."""
    if option:
        return os.fspath(option)
    return os.environ.get(ENV_VAR) or None


def fetch_label(fetches: Sequence[Any]) -> str:
    """A folder name for a Session fetch set: its tensor and op names joined by ``+``."""
    names = [f.name.removesuffix(":0") for f in fetches]
    return "+".join(names) or "run"


def folder_name(name: str, executable: Executable, specs: Sequence[Any]) -> str:
    """``<name>-<8 hex digits>``: the hash covers the traced program, the generated code, the
    argument types and the device, so equal compilations share a folder."""
    safe = re.sub(r"[^A-Za-z0-9_.+\-]", ".", name)[:60] or "run"
    text = "\n".join(
        [executable.dump("ir", specs), executable.lowered.source, repr(specs), str(executable.device)]
    )
    return f"{safe}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def write_dumps(directory: str | os.PathLike, name: str, executable: Executable, args: Sequence[Any]) -> Path:
    """Writes every stage of ``executable`` for arguments like ``args``; returns the folder."""
    specs = arg_specs(args)
    folder = Path(directory) / folder_name(name, executable, specs)
    folder.mkdir(parents=True, exist_ok=True)
    label = folder.name
    for stage in ("ir", "ir-opt", "jax"):
        _write(folder, label, stage, executable.dump(stage, specs), *executable.made[stage])
    _write_each_pass(folder, label, executable)
    counts: dict[str, dict[str, int]] = {
        "traced_ir": _count(op.type for op in executable.traced),
        "optimized_ir": _count(op.type for op in executable.optimized.graph.operations),
    }
    results: dict[str, Any] = {}
    texts: dict[str, str] = {}
    steps: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        ("jaxpr", lambda: jax.make_jaxpr(executable.lowered.fn)(*specs), str),
        ("stablehlo", lambda: executable.jitted.lower(*specs), lambda lowered: lowered.as_text()),
        ("hlo", lambda: results["stablehlo"].compile(), lambda compiled: compiled.as_text()),
    ]
    for stage, make, text in steps:
        start = time.time()
        try:
            results[stage] = make()
            texts[stage] = text(results[stage])
        except Exception as e:  # noqa: BLE001 - written down here; the run reports it with its op
            _write(folder, label, stage, f"failed: {type(e).__name__}: {e}", time.time(), time.time() - start)
            return folder
        _write(folder, label, stage, texts[stage], time.time(), time.time() - start)
    counts["jaxpr"] = _count(eqn.primitive.name for eqn in results["jaxpr"].jaxpr.eqns)
    counts["hlo"] = _count(_HLO_INSTRUCTION.findall(texts["hlo"]))
    _write_cost(folder, label, results["hlo"], counts, executable)
    return folder


def _write_each_pass(folder: Path, label: str, executable: Executable) -> None:
    """``01.opt.NN.<pass>.ir``: the graph after each pass (``optimize(record=True)``)."""
    made = executable.made["ir-opt"][0]
    for n, (name, graph) in enumerate(executable.optimized.after_each_pass):
        file_name = f"01.opt.{n:02d}.{name}.ir"
        stamp = f"# {file_name} | made by jaxgraph.ir.passes: {name} | {_utc(made)} | {label}"
        (folder / file_name).write_text(stamp + "\n" + str(graph).rstrip("\n") + "\n")


def _utc(made: float) -> str:
    return datetime.datetime.fromtimestamp(made, datetime.timezone.utc).isoformat(timespec="milliseconds")


def _stamp(stage: str, label: str, made: float, seconds: float) -> str:
    """``<file> | made by <pass> | <UTC time> | <duration> | <folder>``."""
    file_name, _, what = FILES[stage]
    return f"{file_name} | made by {what} | {_utc(made)} | {seconds * 1000:.1f} ms | {label}"


def _write(folder: Path, label: str, stage: str, text: str, made: float, seconds: float) -> None:
    file_name, marker, _ = FILES[stage]
    stamp = f"{marker} {_stamp(stage, label, made, seconds)}"
    (folder / file_name).write_text(stamp + "\n" + text.rstrip("\n") + "\n")


def _count(names: Any) -> dict[str, int]:
    return dict(sorted(Counter(names).items()))


def _write_cost(folder: Path, label: str, compiled: Any, counts: dict, executable: Executable) -> None:
    start = time.time()
    cost = compiled.cost_analysis()
    if isinstance(cost, (list, tuple)):  # older jaxlibs: one dict per computation
        cost = cost[0] if cost else {}
    memory = compiled.memory_analysis()
    memory_stats = {
        key: getattr(memory, key)
        for key in dir(memory)
        if key.endswith("_in_bytes") and isinstance(getattr(memory, key), int)
    }
    report = {
        "//": _stamp("cost", label, time.time(), time.time() - start),
        "backend": executable.device.platform if executable.device is not None else jax.default_backend(),
        "cost_analysis": {key: _finite(value) for key, value in sorted((cost or {}).items())},
        "memory_analysis": memory_stats,
        "op_counts": counts,
    }
    (folder / FILES["cost"][0]).write_text(json.dumps(report, indent=2) + "\n")


def _finite(value: Any) -> Any:
    """JSON has no NaN/Inf: those become None."""
    return value if not isinstance(value, float) or math.isfinite(value) else None
