"""``jg.train.Saver``: TF1's checkpoints, in safetensors and JSON, written so a crash never costs one.

A checkpoint with prefix ``dir/model.ckpt-100`` is two files:

* ``model.ckpt-100.safetensors``: one tensor per Variable, under its name (``dense/w``), in the
  safetensors format (any safetensors reader can open it; nothing in it is executable);
* ``model.ckpt-100.json``: the metadata: format and version, the global step, the Session's RNG
  key (so random ops resume their stream), and per Variable its dtype, shape and SHA-256.

``dir/checkpoint`` (TF1's name; JSON here) lists the kept checkpoints, newest last.

Every file is written atomically (``jaxgraph.tracer.graph_file.atomic_write``: a temp file in the same
directory, flushed, fsync'ed, renamed over the target, the directory fsync'ed), the tensors first,
the metadata second and the index last: a save killed at any point leaves ``latest_checkpoint`` naming the previous, complete
checkpoint. Restore checks names, shapes and dtypes against the Saver's Variables and reports every
missing, unexpected and reshaped Variable in one error, then verifies each tensor's checksum
(``DataLossError`` naming the file when it is truncated or corrupted). No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from jaxgraph.errors import DataLossError, InvalidArgumentError, NotFoundError
from jaxgraph.ir.dtypes import ALL_DTYPES, as_dtype
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.tracer.graph_file import atomic_write
from jaxgraph.tracer.variables import Variable, global_variables

FORMAT = "jaxgraph-checkpoint"
VERSION = 1
INDEX_FORMAT = "jaxgraph-checkpoint-index"
INDEX_FILENAME = "checkpoint"
TENSORS_SUFFIX = ".safetensors"
METADATA_SUFFIX = ".json"

_BY_NAME = {d.name: d for d in ALL_DTYPES}
_SAFETENSORS_DTYPES = {
    "F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64",
    "I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64",
    "U8": "uint8", "U16": "uint16", "U32": "uint32", "U64": "uint64", "BOOL": "bool",
}  # fmt: skip


class Saver:
    """TF1's ``tf.train.Saver(var_list=None, max_to_keep=5)``.

    ``var_list``: the Variables to save and restore: a list (saved under each Variable's name) or
    a dict ``{checkpoint name: Variable}``; by default every global Variable of the default graph
    when the Saver is created (optimizer slots and the global step included). With the default,
    restore also rejects a checkpoint holding Variables the graph lacks; an explicit ``var_list``
    restores that subset and ignores the rest. ``max_to_keep``: how many recent checkpoints to keep
    (older ones are deleted after the index stops naming them); ``None`` or 0 keeps all.
    """

    def __init__(self, var_list: Sequence[Variable] | Mapping[str, Variable] | None = None,
                 max_to_keep: int | None = 5, **unused: Any) -> None:  # fmt: skip
        self._strict = var_list is None
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, Mapping):
            variables = dict(var_list)
        else:
            variables = {v.op.name: v for v in var_list}
        if not variables:
            raise InvalidArgumentError("No variables to save")
        for name, v in variables.items():
            if not isinstance(v, Variable):
                raise InvalidArgumentError(f"Saver var_list entry '{name}' is not a Variable: {v!r}")
        self._variables = variables
        self._max_to_keep = max_to_keep or None
        self._last: list[str] = []
        self._index_dir: str | None = None

    @property
    def last_checkpoints(self) -> list[str]:
        """Prefixes of the kept checkpoints, oldest first (TF1)."""
        return list(self._last)

    # ---- saving ----------------------------------------------------------------------------
    def save(self, sess: Any, save_path: str, global_step: Any = None, latest_filename: str | None = None,
             write_state: bool = True, **unused: Any) -> str:  # fmt: skip
        """Writes a checkpoint of the Variables (and the RNG key) in ``sess``; returns its prefix
        ``save_path`` or ``save_path-<global_step>``. ``global_step`` is an int, a Tensor or a
        Variable (then its value in ``sess``)."""
        self._check_graph(sess)
        step = None if global_step is None else _as_step(sess, global_step)
        prefix = os.fspath(save_path) if step is None else f"{os.fspath(save_path)}-{step}"
        directory = os.path.dirname(prefix) or "."
        os.makedirs(directory, exist_ok=True)
        names = list(self._variables)
        values, key = sess.snapshot([self._variables[n].op.name for n in names])
        tensors = {n: values[self._variables[n].op.name] for n in names}  # C-ordered host copies
        metadata = {
            "format": FORMAT,
            "version": VERSION,
            "global_step": step,
            "rng_key": None if key is None else {"dtype": key.dtype.name, "data": key.tolist()},
            "variables": {
                n: {
                    "dtype": as_dtype(a.dtype).name,
                    "shape": list(a.shape),
                    "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
                }
                for n, a in tensors.items()
            },
        }
        data = safetensors.numpy.save(tensors, metadata={"format": FORMAT, "version": str(VERSION)})
        atomic_write(prefix + TENSORS_SUFFIX, data)
        atomic_write(prefix + METADATA_SUFFIX, (_json_text(metadata) + "\n").encode())
        if write_state:
            self._update_index(prefix, directory, latest_filename or INDEX_FILENAME)
        return prefix

    def _update_index(self, prefix: str, directory: str, filename: str) -> None:
        """Records ``prefix`` as the latest checkpoint, then deletes those beyond ``max_to_keep``.

        The first save into a directory adopts the checkpoints its index already lists (a run
        resumed in a new process keeps rotating them)."""
        index_path = os.path.join(directory, filename)
        if self._index_dir != index_path:
            self._index_dir = index_path
            self._last = [p for p in _read_index(index_path, directory) if _exists(p)]
        kept = [p for p in self._last if p != prefix] + [prefix]
        dropped = kept[: -self._max_to_keep] if self._max_to_keep else []
        self._last = kept[len(dropped) :]
        index = {
            "format": INDEX_FORMAT,
            "version": VERSION,
            "model_checkpoint_path": _relative(prefix, directory),
            "all_model_checkpoint_paths": [_relative(p, directory) for p in self._last],
        }
        atomic_write(index_path, (_json_text(index) + "\n").encode())
        for old in dropped:
            for suffix in (METADATA_SUFFIX, TENSORS_SUFFIX):
                try:
                    os.remove(old + suffix)
                except FileNotFoundError:
                    pass

    # ---- restoring -------------------------------------------------------------------------
    def restore(self, sess: Any, save_path: str) -> None:
        """Loads the checkpoint ``save_path`` (a prefix) into ``sess``: the Variables and the RNG key.

        Raises NotFoundError when the checkpoint or one of the Variables is missing,
        InvalidArgumentError for unexpected or reshaped Variables (every problem in one message),
        DataLossError when a file is truncated or corrupted. Nothing is loaded unless all is well.
        """
        if save_path is None:
            raise InvalidArgumentError("Can't load save_path when it is None.")
        self._check_graph(sess)
        prefix = os.fspath(save_path)
        metadata = read_metadata(prefix)
        self._check_names(prefix, metadata["variables"])
        tensors = read_tensors(prefix, metadata)
        values = {v.op.name: tensors[name] for name, v in self._variables.items()}
        key = metadata["rng_key"]
        sess.load_snapshot(values, None if key is None else np.array(key["data"], dtype=key["dtype"]))

    def _check_graph(self, sess: Any) -> None:
        for v in self._variables.values():
            if v.graph is not sess.graph:
                raise InvalidArgumentError(
                    f"Variable '{v.op.name}' belongs to another graph than the Session's", v.op
                )

    def _check_names(self, prefix: str, saved: dict[str, Any]) -> None:
        """One error listing every missing, unexpected and reshaped (or retyped) Variable."""
        missing = [n for n in self._variables if n not in saved]
        unexpected = [n for n in saved if n not in self._variables] if self._strict else []
        changed = []
        for name, v in self._variables.items():
            entry = saved.get(name)
            if entry is None:
                continue
            want = TensorType(v.dtype, v.shape)
            have = TensorType(_BY_NAME[entry["dtype"]], TensorShape(entry["shape"]))
            if want != have:
                changed.append(f"'{name}' is {have} in the checkpoint but {want} in the graph")
        if not (missing or unexpected or changed):
            return
        lines = [f"checkpoint '{prefix}' does not match the Saver's Variables:"]
        if missing:
            lines.append("  missing from the checkpoint: " + ", ".join(f"'{n}'" for n in missing))
        if unexpected:
            lines.append("  not in the graph: " + ", ".join(f"'{n}'" for n in unexpected))
        lines.extend(f"  {c}" for c in changed)
        raise (NotFoundError if missing else InvalidArgumentError)("\n".join(lines))


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The prefix of the newest checkpoint the index of ``checkpoint_dir`` names, or None (no
    index, or the checkpoint it names is gone)."""
    directory = os.fspath(checkpoint_dir)
    paths = _read_index(os.path.join(directory, latest_filename or INDEX_FILENAME), directory)
    return paths[-1] if paths and _exists(paths[-1]) else None


# ---- files ---------------------------------------------------------------------------------------
def _json_text(value: Any, depth: int = 0) -> str:
    """JSON with one line per key of the top two levels (one line per Variable): readable, diffable."""
    if isinstance(value, dict) and value and depth < 2:
        pad = " " * (depth + 1)
        items = [f"{pad}{json.dumps(k)}: {_json_text(v, depth + 1)}" for k, v in value.items()]
        text = "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    else:
        text = json.dumps(value)
    return text


def _read_bytes(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise DataLossError(f"{what} '{path}' is missing") from None


def _load_json(path: str, what: str) -> Any:
    try:
        return json.loads(_read_bytes(path, what))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataLossError(f"{what} '{path}' is truncated or corrupted: {e}") from None


def _read_index(index_path: str, directory: str) -> list[str]:
    """The checkpoint prefixes an index file lists, oldest first ([] when there is no index)."""
    if not os.path.exists(index_path):
        return []
    index = _load_json(index_path, "checkpoint index")
    if not isinstance(index, dict):
        index = {}
    paths, latest = index.get("all_model_checkpoint_paths"), index.get("model_checkpoint_path")
    if (
        index.get("format") != INDEX_FORMAT
        or not isinstance(paths, list)
        or not all(isinstance(p, str) for p in [*paths, latest])
    ):
        raise DataLossError(f"checkpoint index '{index_path}' is corrupted: not a {INDEX_FORMAT} file")
    paths = [p for p in paths if p != latest] + [latest]
    return [os.path.join(directory, p) for p in paths]


def _relative(prefix: str, directory: str) -> str:
    """``prefix`` relative to the index's directory when it lies there (a movable directory)."""
    if os.path.dirname(os.path.abspath(prefix)) == os.path.abspath(directory):
        return os.path.basename(prefix)
    return os.path.abspath(prefix)


def _exists(prefix: str) -> bool:
    return os.path.exists(prefix + METADATA_SUFFIX)


def read_metadata(prefix: str) -> dict[str, Any]:
    """The checkpoint's metadata, checked for form (NotFoundError when there is no checkpoint)."""
    path = prefix + METADATA_SUFFIX
    if not os.path.exists(path):
        raise NotFoundError(f"checkpoint '{prefix}' not found: there is no file '{path}'")
    metadata = _load_json(path, "checkpoint metadata")
    problem = _metadata_problem(metadata)
    if problem is not None:
        raise DataLossError(f"checkpoint metadata '{path}' is corrupted: {problem}")
    if metadata["version"] != VERSION:
        raise InvalidArgumentError(
            f"checkpoint '{prefix}' has format version {metadata['version']}; "
            f"this jaxgraph reads version {VERSION}"
        )
    return metadata


def _metadata_problem(metadata: Any) -> str | None:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        return f"not a {FORMAT} metadata file"
    if not isinstance(metadata.get("version"), int):
        return "no format version"
    step, key, variables = metadata.get("global_step"), metadata.get("rng_key"), metadata.get("variables")
    if step is not None and not isinstance(step, int):
        return f"bad global_step {step!r}"
    if key is not None and not (
        isinstance(key, dict)
        and key.get("dtype") == "uint32"
        and isinstance(key.get("data"), list)
        and all(isinstance(x, int) and 0 <= x < 2**32 for x in key["data"])
    ):
        return "bad rng_key"
    if not isinstance(variables, dict):
        return "no variables"
    for name, entry in variables.items():
        if not (
            isinstance(entry, dict)
            and entry.get("dtype") in _BY_NAME
            and isinstance(entry.get("shape"), list)
            and all(isinstance(d, int) and d >= 0 for d in entry["shape"])
            and isinstance(entry.get("sha256"), str)
        ):
            return f"bad entry for variable '{name}'"
    return None


def read_tensors(prefix: str, metadata: dict[str, Any]) -> dict[str, np.ndarray]:
    """The checkpoint's tensors, each verified against the metadata (dtype, shape, SHA-256)."""
    path = prefix + TENSORS_SUFFIX
    data = _read_bytes(path, "checkpoint file")
    try:
        entries = safetensors.deserialize(data)
    except Exception as e:  # noqa: BLE001 - safetensors' parser errors have no common public class
        raise DataLossError(f"checkpoint file '{path}' is truncated or corrupted: {e}") from None
    tensors = {}
    for name, entry in entries:
        dtype = _SAFETENSORS_DTYPES.get(entry["dtype"])
        if dtype is None:
            raise DataLossError(
                f"checkpoint file '{path}' holds '{name}' of unsupported dtype {entry['dtype']}"
            )
        tensors[name] = np.frombuffer(entry["data"], dtype=_BY_NAME[dtype].np).reshape(entry["shape"])
    if set(tensors) != set(metadata["variables"]):
        raise DataLossError(
            f"checkpoint file '{path}' is corrupted: it holds {sorted(tensors)}, its metadata lists "
            f"{sorted(metadata['variables'])}"
        )
    for name, entry in metadata["variables"].items():
        array = tensors[name]
        if (
            _BY_NAME[entry["dtype"]] is not as_dtype(array.dtype)
            or list(array.shape) != entry["shape"]
            or hashlib.sha256(array.tobytes()).hexdigest() != entry["sha256"]
        ):
            raise DataLossError(
                f"checkpoint file '{path}' is corrupted: variable '{name}' fails its checksum"
            )
    return tensors


def _as_step(sess: Any, global_step: Any) -> int:
    if isinstance(global_step, (int, np.integer)):
        return int(global_step)
    return int(np.asarray(sess.run(global_step)))
