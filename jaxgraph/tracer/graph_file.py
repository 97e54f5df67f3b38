"""Graph files: a Graph saved as its IR text, loadable and runnable in another process.

A graph file is the text ``str(graph)`` prints, after two header comment lines::

    # jaxgraph-ir v1
    # meta: {"variables": [...], "collections": {...}}
    graph(seed=7) {
      %w = variable() {dtype=f32, shape=[3,1]} : ref<f32[3,1]>  # model.py:5
      ...
    }

The first line is the format version. The second is JSON: each Variable (its ``variable`` op,
initializer ``assign`` op, the reads the tracer keeps, whether it is trainable) and every
collection (Variables, Tensors and Operations by name, plus JSON scalars), so that
``global_variables_initializer()``, ``jg.train.Saver``, ``get_global_step()`` and new optimizers
work on the loaded graph as on the original. Loading parses literals only and never executes code;
any problem is a ``ParseError`` naming the file (and the line, when it is in the IR text).
Since the header lines are comments, ``jaxgraph.ir.parse`` also reads a graph file's body.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
import threading
import warnings
from collections.abc import Callable
from typing import Any

from jaxgraph.builder import Graph
from jaxgraph.errors import JaxGraphError, ParseError
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.parser import MAX_NESTING, parse
from jaxgraph.tracer.variables import Variable

VERSION = 1
HEADER = f"# jaxgraph-ir v{VERSION}"
META_PREFIX = "# meta: "
_VERSION_LINE = re.compile(r"# jaxgraph-ir v(\d{1,9})\s*$")
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
"""The tokens of a JSON text that matter for its nesting depth: strings (skipped) and brackets."""
_shown = reprlib.Repr()
_shown.maxstring = _shown.maxother = 60
_VARIABLE_KEYS = {"name", "initializer", "snapshot", "read", "assigned", "trainable"}
"""The keys of ``Variable.ops_state()``: one entry of the meta line's ``variables``."""

_CHUNK = 16 << 20
write_progress_hook: Callable[[str, int, int], None] | None = None
"""Test hook: called as ``hook(temp_path, bytes_written, total)`` after each ``_CHUNK`` bytes of an
atomic write but the last, and with ``bytes_written == total`` once the temp file is complete and
synced, just before the rename (crash tests pause the writer there and kill it)."""


# ---- saving --------------------------------------------------------------------------------------
def save_graph(graph: Graph, path: str) -> str:
    """Writes ``graph`` to the graph file ``path`` (atomically); returns ``path``."""
    meta = {"variables": [v.ops_state() for v in _variables(graph)], "collections": _collections_meta(graph)}
    text = f"{HEADER}\n{META_PREFIX}{json.dumps(meta, sort_keys=True)}\n{graph}\n"
    atomic_write(os.fspath(path), text.encode("utf-8"))
    return os.fspath(path)


def _variables(graph: Graph) -> list[Any]:
    """The Variable objects of ``graph`` (found in its collections), in graph order."""
    found = {}
    for items in graph.collections.values():
        for item in items:
            if _is_variable(item) and item.graph is graph:
                found.setdefault(item.op.name, item)
    return sorted(found.values(), key=lambda v: v.op.index)


def _is_variable(item: Any) -> bool:
    return isinstance(item, Variable)


def _collections_meta(graph: Graph) -> dict[str, list[dict[str, Any]]]:
    """Every collection, its items by name; items of other kinds are left out with a warning."""
    meta = {}
    for key, items in graph.collections.items():
        encoded = []
        for item in items:
            if _is_variable(item):
                encoded.append({"variable": item.op.name})
            elif isinstance(item, Tensor):
                encoded.append({"tensor": item.name})
            elif isinstance(item, Operation):
                encoded.append({"operation": item.name})
            elif item is None or isinstance(item, (str, int, float, bool)):
                encoded.append({"value": item})
            else:
                warnings.warn(
                    f"graph file: collection '{key}' item {item!r} is not saved (only Variables, "
                    "Tensors, Operations and JSON scalars are)",
                    stacklevel=3,
                )
        meta[key] = encoded
    return meta


# ---- loading -------------------------------------------------------------------------------------
def load_graph(path: str) -> Graph:
    """Reads the graph file ``path`` into a new Graph, with its Variables and collections.

    jaxgraph's own file format; the closest TF1 API is ``tf.train.import_meta_graph``."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ParseError(f"graph file '{path}' not found") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"graph file '{path}' is not UTF-8 text: {e}") from None
    return parse_graph_file(text, path)


def parse_graph_file(text: str, path: str = "<graph file>") -> Graph:
    """The Graph of a graph file's text (``path`` names it in errors)."""
    lines = text.split("\n", 2)
    match = _VERSION_LINE.match(lines[0])
    if match is None:
        raise ParseError(f"{path}: line 1: not a jaxgraph graph file (the first line must be '{HEADER}')")
    if int(match.group(1)) != VERSION:
        raise ParseError(
            f"{path}: line 1: graph file format version {match.group(1)}; this jaxgraph reads version {VERSION}"
        )
    if len(lines) < 2 or not lines[1].startswith(META_PREFIX):
        raise ParseError(f"{path}: line 2: expected the '{META_PREFIX.strip()}' line")
    meta = _load_meta_json(lines[1], path)
    try:
        graph = parse(text, into=Graph())
    except ParseError as e:
        raise ParseError(f"{path}: {e.message}") from None
    try:
        _restore_meta(graph, meta)
    except (JaxGraphError, LookupError, TypeError, ValueError, AttributeError) as e:
        message = e.message if isinstance(e, JaxGraphError) else f"{type(e).__name__}: {e}"
        raise ParseError(f"{path}: line 2: bad metadata: {message}") from None
    return graph


def _load_meta_json(line: str, path: str) -> Any:
    """The metadata line's JSON. Its nesting is checked first (``json`` recurses once per level),
    and numbers too long for Python's int conversion are reported like malformed JSON."""
    depth = 0
    for match in _JSON_NESTING.finditer(line, len(META_PREFIX)):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(match.group(), 0)
        if depth > MAX_NESTING:
            raise ParseError(
                f"{path}: line 2, column {match.start() + 1}: metadata nested deeper than {MAX_NESTING} levels"
            )
    try:
        return json.loads(line[len(META_PREFIX) :])
    except json.JSONDecodeError as e:
        column = len(META_PREFIX) + e.colno
        raise ParseError(f"{path}: line 2, column {column}: malformed metadata JSON: {e.msg}") from None
    except ValueError:  # Python converts at most 4300 digits to an int
        raise ParseError(f"{path}: line 2: malformed metadata JSON: an integer of over 4300 digits") from None


def _restore_meta(graph: Graph, meta: Any) -> None:
    """Rebuilds the Variables and the collections the metadata describes."""
    if not isinstance(meta, dict) or set(meta) != {"variables", "collections"}:
        raise ValueError("expected an object with 'variables' and 'collections'")
    variables = {}
    if not isinstance(meta["variables"], list) or not isinstance(meta["collections"], dict):
        raise ValueError("'variables' must be a list and 'collections' an object")
    for entry in meta["variables"]:
        if not isinstance(entry, dict) or set(entry) != _VARIABLE_KEYS:
            raise ValueError(
                f"variable entry {_shown.repr(entry)} must have the keys {sorted(_VARIABLE_KEYS)}"
            )
        _check_variable_entry(entry)
        handle = _op(graph, entry["name"], "variable")
        initializer = _op(graph, entry["initializer"], "assign")
        if initializer.inputs[0] is not handle.outputs[0]:
            raise ValueError(f"'{initializer.name}' does not assign Variable '{handle.name}'")
        variables[handle.name] = Variable.from_ops(
            handle,
            initializer,
            trainable=entry["trainable"],
            snapshot=_read_of(graph, entry["snapshot"], handle),
            read=_read_of(graph, entry["read"], handle),
            assigned=entry["assigned"],
        )
    for key, items in meta["collections"].items():
        if not isinstance(items, list):
            raise ValueError(f"collection '{_shown.repr(key)[1:-1]}' must be a list")
        for item in items:
            graph.add_to_collection(key, _collection_item(graph, variables, item))


def _check_variable_entry(entry: dict[str, Any]) -> None:
    """The value types of a ``variables`` entry: op and tensor names, and two flags."""
    for key, kinds in (("name", str), ("initializer", str), ("snapshot", (str, type(None))),
                       ("read", (str, type(None))), ("trainable", bool), ("assigned", bool)):  # fmt: skip
        if not isinstance(entry[key], kinds):
            raise ValueError(f"variable entry {_shown.repr(entry)}: bad '{key}' {_shown.repr(entry[key])}")


def _op(graph: Graph, name: str, op_type: str) -> Operation:
    op = graph.get_operation_by_name(name)
    if op.type != op_type:
        raise ValueError(f"'{name}' is a {op.type} op, not a {op_type} op")
    return op


def _read_of(graph: Graph, name: str | None, handle: Operation) -> Tensor | None:
    if name is None:
        return None
    tensor = graph.get_tensor_by_name(name)
    if tensor.op.type != "read" or tensor.op.inputs[0] is not handle.outputs[0]:
        raise ValueError(f"'{name}' is not a read of Variable '{handle.name}'")
    return tensor


def _collection_item(graph: Graph, variables: dict[str, Any], item: Any) -> Any:
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError(f"collection item {_shown.repr(item)} must be a one-key object")
    ((kind, value),) = item.items()
    if kind in ("variable", "tensor", "operation") and not isinstance(value, str):
        raise ValueError(f"collection item {_shown.repr(item)} must give the {kind}'s name as a string")
    if kind == "variable":
        if value not in variables:
            raise ValueError(f"collection item names Variable '{value}', which the metadata does not list")
        return variables[value]
    if kind == "tensor":
        return graph.get_tensor_by_name(value)
    if kind == "operation":
        return graph.get_operation_by_name(value)
    if kind == "value" and (value is None or isinstance(value, (str, int, float, bool))):
        return value
    raise ValueError(f"bad collection item {_shown.repr(item)}")


# ---- atomic files --------------------------------------------------------------------------------
def atomic_write(path: str, data: bytes) -> None:
    """Replaces ``path`` by ``data`` all at once: readers, and a crash at any point, see the old
    file or the new one, never a part. The temp file is written next to ``path`` (one file
    system), flushed and fsync'ed, renamed over ``path``, and the directory fsync'ed. Shared with
    ``jg.train.Saver``."""
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        view = memoryview(data)
        with open(temp, "wb") as f:
            for start in range(0, len(view), _CHUNK):
                f.write(view[start : start + _CHUNK])
                if start + _CHUNK < len(view):
                    f.flush()
                    _progress(temp, start + _CHUNK, len(view))
            f.flush()
            os.fsync(f.fileno())
        _progress(temp, len(view), len(view))
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    _fsync_directory(directory)


def _progress(temp: str, written: int, total: int) -> None:
    if write_progress_hook is not None:
        write_progress_hook(temp, written, total)


def _fsync_directory(directory: str) -> None:
    """Makes a rename durable (POSIX); skipped where a directory cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


Graph.save = save_graph  # ``g.save(path)``: graph files carry the tracer's Variables
