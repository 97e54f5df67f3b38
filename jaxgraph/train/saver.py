"""``jg.train.Saver``: TF1's checkpoints, in safetensors and JSON, written so a crash never costs one.

A checkpoint with prefix ``dir/model.ckpt-100`` is two files:

* ``model.ckpt-100.safetensors``: one tensor per Variable, under its name (``dense/w``), in the
  safetensors format (any safetensors reader can open it; nothing in it is executable);
* ``model.ckpt-100.json``: the metadata: format and version, the global step, the Session's RNG
  key (so random ops resume their stream), and per Variable its dtype, shape and SHA-256.

``dir/checkpoint`` lists the kept checkpoints, newest last, in TF1's own format (protobuf text;
``jaxgraph.train.checkpoint_index``): the two libraries read each other's index. Entries that name
files outside the directory are ignored with a warning: no index makes a Saver delete elsewhere.

Every file is written atomically (``jaxgraph.tracer.graph_file.atomic_write``: a temp file in the same
directory, flushed, fsync'ed, renamed over the target, the directory fsync'ed), the tensors first,
the metadata second and the index last: a save killed at any point leaves ``latest_checkpoint``
naming the previous, complete checkpoint, and the next save deletes the killed one's temp files.
A save holds the directory's lock (``jaxgraph.train.checkpoint_lock``), so savers in several
processes never interleave their writes, rotations and index updates.

Variables are saved in their declared dtype (an int64 Variable is I64 in the file even while it
computes in int32 because JAX's x64 mode is off), so a checkpoint is the same whichever mode wrote
it and restores in either (a value beyond 32 bits restored without x64 mode is refused).

Restore checks names, shapes and dtypes against the Saver's Variables and reports every missing,
unexpected and reshaped Variable in one error, then verifies each tensor's checksum
(``DataLossError`` naming the file when it is truncated or corrupted: whatever its bytes, a
damaged checkpoint raises DataLossError, never a raw Python error). No pickle anywhere.

``restore`` also reads TensorFlow's own checkpoints (the V2 format: ``prefix.index`` and data
shards, read by ``jaxgraph.train.tf_checkpoint`` without TensorFlow), matching tensors to
Variables by name (a ported program has TF's names: ``dense/kernel``, ``dense/kernel/Adam``,
``beta1_power``, ``global_step``) with the same report of differences. Saving always writes
jaxgraph's format.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import numpy as np
import safetensors
import safetensors.numpy

from jaxgraph.errors import DataLossError, InvalidArgumentError, JaxGraphError, NotFoundError
from jaxgraph.ir.dtypes import ALL_DTYPES, as_dtype, computed_as, convert_keeping_values, narrowing_problem
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.tracer.graph_file import atomic_write
from jaxgraph.tracer.variables import Variable, global_variables
from jaxgraph.train.checkpoint_index import (
    check_index_filename,
    index_text,
    is_plain_name,
    read_index,
    read_regular_file,
    resolve_entry,
)
from jaxgraph.train.checkpoint_lock import directory_lock, remove_stale_temps
from jaxgraph.train.tf_checkpoint import is_tensor_bundle, open_tensor_bundle

FORMAT = "jaxgraph-checkpoint"
VERSION = 1
TENSORS_SUFFIX = ".safetensors"
METADATA_SUFFIX = ".json"

_BY_NAME = {d.name: d for d in ALL_DTYPES}
_SAFETENSORS_DTYPES = {
    "F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64",
    "I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64",
    "U8": "uint8", "U16": "uint16", "U32": "uint32", "U64": "uint64", "BOOL": "bool",
}  # fmt: skip
_SHA256 = re.compile(r"[0-9a-f]{64}")
_INT64_LIMIT = 2**63


class Saver:
    """TF1's ``tf.train.Saver(var_list=None, max_to_keep=5)``.

    ``var_list``: the Variables to save and restore: a list (saved under each Variable's name) or
    a dict ``{checkpoint name: Variable}``; by default every global Variable of the default graph
    when the Saver is created (optimizer slots and the global step included). With the default,
    restore also rejects a checkpoint holding Variables the graph lacks; an explicit ``var_list``
    restores that subset and ignores the rest. ``max_to_keep``: how many recent checkpoints to keep
    (older ones are deleted after the index stops naming them); ``None`` or 0 keeps all; anything
    but None or an int >= 0 (a bool included) is an InvalidArgumentError.
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
        self._max_to_keep = _check_max_to_keep(max_to_keep)
        self._last: list[str] = []
        self._index_path: str | None = None

    @property
    def last_checkpoints(self) -> list[str]:
        """Prefixes of the kept checkpoints, oldest first (TF1)."""
        return list(self._last)

    # ---- saving ----------------------------------------------------------------------------
    def save(self, sess: Any, save_path: str, global_step: Any = None, latest_filename: str | None = None,
             write_state: bool = True, **unused: Any) -> str:  # fmt: skip
        """Writes a checkpoint of the Variables (and the RNG key) in ``sess``; returns its prefix
        ``save_path`` or ``save_path-<global_step>``. ``global_step`` is an int, or an integer
        scalar Tensor or Variable (then its value in ``sess``). As in TF1, the directory of
        ``save_path`` must exist (NotFoundError otherwise)."""
        self._check_graph(sess)
        step = None if global_step is None else _as_step(sess, global_step)
        path = as_path(save_path, "save_path")
        prefix = path if step is None else f"{path}-{step}"
        directory = os.path.dirname(prefix) or "."
        index_name = check_index_filename(latest_filename)
        if not is_plain_name(os.path.basename(prefix)):
            raise InvalidArgumentError(f"save_path {path!r} names a directory, not a checkpoint prefix")
        if not os.path.isdir(directory):
            raise NotFoundError(f"Parent directory of {path} doesn't exist, can't save.")
        names = list(self._variables)
        values, key = sess.snapshot([self._variables[n].op.name for n in names])
        tensors = {n: _declared(self._variables[n], values[self._variables[n].op.name]) for n in names}
        data = safetensors.numpy.save(tensors, metadata={"format": FORMAT, "version": str(VERSION)})
        metadata = _json_text(_metadata(tensors, step, key)) + "\n"
        with directory_lock(directory):
            remove_stale_temps(directory, (index_name,), (METADATA_SUFFIX, TENSORS_SUFFIX))
            index_path = os.path.join(directory, index_name)
            if write_state and self._index_path != index_path:
                self._last = _adopt(index_path, directory)  # before writing: a bad index fails early
                self._index_path = index_path
            atomic_write(prefix + TENSORS_SUFFIX, data)
            atomic_write(prefix + METADATA_SUFFIX, metadata.encode())
            if write_state:
                self._update_index(prefix, index_path)
        return prefix

    def _update_index(self, prefix: str, index_path: str) -> None:
        """Records ``prefix`` as the latest checkpoint, then deletes those beyond ``max_to_keep``.

        Checkpoints another Saver deleted meanwhile drop out of the list, so the index names only
        checkpoints that exist (the directory lock is held)."""
        name = os.path.basename(prefix)  # all in one directory, however spelled: compare names
        kept = [p for p in self._last if os.path.basename(p) != name and _exists(p)] + [prefix]
        dropped = kept[: -self._max_to_keep] if self._max_to_keep else []
        self._last = kept[len(dropped) :]
        atomic_write(index_path, index_text([os.path.basename(p) for p in self._last]))
        for old in dropped:
            for suffix in (METADATA_SUFFIX, TENSORS_SUFFIX):
                try:
                    os.remove(old + suffix)
                except FileNotFoundError:
                    pass

    # ---- restoring -------------------------------------------------------------------------
    def restore(self, sess: Any, save_path: str) -> None:
        """Loads the checkpoint ``save_path`` (a prefix) into ``sess``: the Variables and the RNG key.

        ``save_path`` may also name a TensorFlow V2 checkpoint (``save_path.index`` exists and no
        jaxgraph metadata does): its tensors restore by name, an integer tensor into an integer
        Variable of another width when every value fits (TF1's int64 ``global_step`` into
        jaxgraph's int32 one), and the RNG key is derived again from the graph seed.

        Raises NotFoundError when the checkpoint or one of the Variables is missing,
        InvalidArgumentError for unexpected or reshaped Variables (every problem in one message),
        DataLossError when a file is truncated or corrupted. Nothing is loaded unless all is well.
        """
        if save_path is None:
            raise InvalidArgumentError("Can't load save_path when it is None.")
        self._check_graph(sess)
        prefix = as_path(save_path, "save_path")
        if checkpoint_format(prefix) == "tensorflow":
            sess.load_snapshot(self._tensorflow_values(prefix), None)
            return
        metadata = read_metadata(prefix)
        self._check_names(prefix, {n: _saved_type(e) for n, e in metadata["variables"].items()})
        tensors = read_tensors(prefix, metadata)
        values = {v.op.name: _computed(prefix, v, tensors[name]) for name, v in self._variables.items()}
        key, want = metadata["rng_key"], _rng_key_type()
        sess.load_snapshot(
            values, None if key is None else np.array(key["data"], want.dtype).reshape(want.shape)
        )

    def _tensorflow_values(self, prefix: str) -> dict[str, np.ndarray]:
        """The Variables' values from TensorFlow's checkpoint ``prefix``, matched by name and checked
        as jaxgraph's are. An integer tensor may restore into an integer Variable of another width
        (TF1's int64 ``global_step`` into jaxgraph's int32 one) when every value fits."""
        reader = open_tensor_bundle(prefix)
        saved = {
            n: TensorType(reader.dtype(n), TensorShape(reader.shape(n))) if n in self._variables else None
            for n in reader.names
        }
        self._check_names(prefix, saved, integers_convert=True)
        return {
            v.op.name: _computed(prefix, v, _retyped(prefix, name, v, reader.get_tensor(name)))
            for name, v in self._variables.items()
        }

    def _check_graph(self, sess: Any) -> None:
        for v in self._variables.values():
            if v.graph is not sess.graph:
                raise InvalidArgumentError(
                    f"Variable '{v.op.name}' belongs to another graph than the Session's", v.op
                )

    def _check_names(
        self, prefix: str, saved: Mapping[str, TensorType | None], integers_convert: bool = False
    ) -> None:
        """One error listing every missing, unexpected and reshaped (or retyped) Variable.

        ``saved`` maps the checkpoint's names to their types (needed only for the Saver's names);
        with ``integers_convert``, an integer tensor matches an integer Variable of its shape."""
        missing = [n for n in self._variables if n not in saved]
        unexpected = [n for n in saved if n not in self._variables] if self._strict else []
        changed = []
        for name, v in self._variables.items():
            have = saved.get(name)
            if have is None:
                continue
            want = TensorType(v.dtype, v.shape)
            if want != have and not (integers_convert and _integer_retype(have, want)):
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


def _declared(variable: Variable, value: np.ndarray) -> np.ndarray:
    """A Variable's value (a C-ordered host copy) in its declared dtype: an int64 Variable
    computing in int32 (JAX's x64 mode off) is saved as int64, so a checkpoint is the same
    whichever mode wrote it."""
    return value.astype(variable.dtype.np, copy=False)


def _saved_type(entry: dict[str, Any]) -> TensorType:
    """The type of a Variable as jaxgraph's checkpoint metadata records it."""
    return TensorType(_BY_NAME[entry["dtype"]], TensorShape(entry["shape"]))


def _integer_retype(have: TensorType, want: TensorType) -> bool:
    """Whether ``have`` and ``want`` are the same shape of integers of different widths."""
    return have.shape == want.shape and have.dtype.np.kind in "iu" and want.dtype.np.kind in "iu"


def _retyped(prefix: str, name: str, variable: Variable, value: np.ndarray) -> np.ndarray:
    """``value`` in ``variable``'s declared dtype; InvalidArgumentError when an element does not fit."""
    converted, where = convert_keeping_values(value, variable.dtype.np)
    if where is not None:
        at = f" at {list(where)}" if where else ""
        raise InvalidArgumentError(
            f"checkpoint '{prefix}' cannot be restored into Variable '{variable.op.name}': the value "
            f"{value[where].item()!r}{at} of '{name}' ({as_dtype(value.dtype).name}) does not fit in "
            f"{variable.dtype.name}",
            variable.op,
        )
    return converted


def _computed(prefix: str, variable: Variable, value: np.ndarray) -> np.ndarray:
    """A saved value in the dtype its Variable computes in; InvalidArgumentError when a 64-bit
    value saved with JAX's x64 mode on does not fit the 32 bits it computes in now."""
    problem = narrowing_problem(variable.dtype, value)
    if problem is not None:
        raise InvalidArgumentError(
            f"checkpoint '{prefix}' cannot be restored into Variable '{variable.op.name}' without JAX's "
            f"x64 mode: the {problem}",
            variable.op,
        )
    return value.astype(computed_as(variable.dtype).np, copy=False)


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The prefix of the newest checkpoint the index of ``checkpoint_dir`` names, or None (no
    index, the checkpoint it names is gone, or it names a file outside ``checkpoint_dir``).
    TF1's ``tf.train.latest_checkpoint``."""
    directory = as_path(checkpoint_dir, "checkpoint_dir")
    index_path = os.path.join(directory, check_index_filename(latest_filename))
    latest, _ = read_index(index_path)
    prefix = None if latest is None else resolve_entry(latest, directory, index_path)
    return prefix if prefix is not None and _exists(prefix) else None


@dataclasses.dataclass
class CheckpointState:
    """TF1's ``CheckpointState`` proto as ``get_checkpoint_state`` returns it: the newest
    checkpoint's prefix and all the kept ones' prefixes, oldest first, ending with the newest."""

    model_checkpoint_path: str
    all_model_checkpoint_paths: list[str]


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None) -> CheckpointState | None:
    """What the index of ``checkpoint_dir`` lists, its entries as prefixes in ``checkpoint_dir``
    (TF1 joins relative entries to the directory too); None when there is no index or its newest
    entry names a file elsewhere (entries outside the directory are dropped with a warning, as
    ``latest_checkpoint`` does). A corrupted index is a DataLossError. The prefixes are not checked
    to exist. TF1's ``tf.train.get_checkpoint_state``."""
    directory = as_path(checkpoint_dir, "checkpoint_dir")
    index_path = os.path.join(directory, check_index_filename(latest_filename))
    latest, entries = read_index(index_path)
    prefixes = [resolve_entry(entry, directory, index_path) for entry in entries]
    if latest is None or prefixes[-1] is None:
        return None
    return CheckpointState(prefixes[-1], [p for p in prefixes if p is not None])


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """Whether a checkpoint with prefix ``checkpoint_prefix`` was written (its metadata file is
    there, or TensorFlow's ``.index`` file). TF1's ``tf.train.checkpoint_exists``."""
    return _exists(as_path(checkpoint_prefix, "checkpoint_prefix"))


def _adopt(index_path: str, directory: str) -> list[str]:
    """The jaxgraph checkpoints an existing index lists, oldest first: a run resumed in a new
    process keeps rotating them. Entries naming anything else (TF's own checkpoints, files that
    are not checkpoints) are left alone; an unreadable index is replaced, with a warning."""
    try:
        _, entries = read_index(index_path)
    except DataLossError as e:
        warnings.warn(f"{e.message}; it is replaced by a new index", stacklevel=3)
        return []
    prefixes = [resolve_entry(entry, directory, index_path) for entry in entries]
    return [p for p in prefixes if p is not None and _is_checkpoint(p)]


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


def _metadata(tensors: dict[str, np.ndarray], step: int | None, key: np.ndarray | None) -> dict[str, Any]:
    """The metadata file's content: format, step, RNG key and each Variable's dtype, shape, SHA-256."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "global_step": step,
        "rng_key": None if key is None else {"dtype": key.dtype.name, "data": key.ravel().tolist()},
        "variables": {
            n: {"dtype": as_dtype(a.dtype).name, "shape": list(a.shape), "sha256": _sha256(a)}
            for n, a in tensors.items()
        },
    }


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(array.tobytes()).hexdigest()


def _load_json(path: str, what: str) -> Any:
    """The JSON value of ``path``; DataLossError for bytes that are not JSON, JSON nested too deep
    for the parser, or integers too long for Python to convert."""
    data = read_regular_file(path, what)
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:  # ValueError: JSON and UTF-8 errors, int digit limit
        raise DataLossError(f"{what} '{path}' is truncated or corrupted: {_first_line(e)}") from None


def _first_line(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0] if text.strip() else type(error).__name__


def checkpoint_format(prefix: str) -> str | None:
    """Which checkpoint ``prefix`` names: ``"jaxgraph"`` (its metadata file exists, whatever else
    does), ``"tensorflow"`` (TensorFlow's V2 format: ``prefix.index``), or None."""
    if os.path.exists(prefix + METADATA_SUFFIX):
        return "jaxgraph"
    return "tensorflow" if is_tensor_bundle(prefix) else None


def _exists(prefix: str) -> bool:
    return checkpoint_format(prefix) is not None


def _is_checkpoint(prefix: str) -> bool:
    """Whether ``prefix`` names a readable jaxgraph checkpoint (not, say, a TF one)."""
    try:
        read_metadata(prefix)
    except JaxGraphError:
        return False
    return True


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
    """What is wrong with the form of a metadata value (None when nothing is)."""
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        return f"not a {FORMAT} metadata file"
    if not _is_int(metadata.get("version")):
        return "no format version"
    missing = [f for f in ("global_step", "rng_key", "variables") if f not in metadata]
    if missing:
        return f"no {missing[0]}"
    step, key, variables = metadata.get("global_step"), metadata.get("rng_key"), metadata.get("variables")
    if step is not None and not _is_int(step):
        return f"bad global_step {step!r:.80}"
    if key is not None and not _is_rng_key(key):
        want = _rng_key_type()
        return f"bad rng_key: want {{'dtype': '{want.dtype.name}', 'data': {math.prod(want.shape)} integers}}"
    if not isinstance(variables, dict):
        return "no variables"
    for name, entry in variables.items():
        if not _is_variable_entry(entry):
            return f"bad entry for variable {name!r}"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rng_key_type() -> Any:
    """Shape and dtype of the Session's RNG key (JAX's default PRNG implementation decides)."""
    return jax.eval_shape(lambda: jax.random.PRNGKey(0))


def _is_rng_key(key: Any) -> bool:
    want = _rng_key_type()
    info = np.iinfo(want.dtype)
    return (
        isinstance(key, dict)
        and key.get("dtype") == want.dtype.name
        and isinstance(key.get("data"), list)
        and len(key["data"]) == math.prod(want.shape)
        and all(_is_int(x) and info.min <= x <= info.max for x in key["data"])
    )


def _is_variable_entry(entry: Any) -> bool:
    """A dict with a known dtype, a shape of at most 2**63 - 1 elements and a SHA-256."""
    if not isinstance(entry, dict):
        return False
    dtype, shape, digest = entry.get("dtype"), entry.get("shape"), entry.get("sha256")
    return (
        isinstance(dtype, str)
        and dtype in _BY_NAME
        and isinstance(shape, list)
        and all(_is_int(d) and 0 <= d < _INT64_LIMIT for d in shape)
        and math.prod(shape) < _INT64_LIMIT
        and isinstance(digest, str)
        and _SHA256.fullmatch(digest) is not None
    )


def read_tensors(prefix: str, metadata: dict[str, Any]) -> dict[str, np.ndarray]:
    """The checkpoint's tensors, each verified against the metadata (dtype, shape, SHA-256)."""
    path = prefix + TENSORS_SUFFIX
    data = read_regular_file(path, "checkpoint file")
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
            or _sha256(array) != entry["sha256"]
        ):
            raise DataLossError(
                f"checkpoint file '{path}' is corrupted: variable '{name}' fails its checksum"
            )
    return tensors


def _check_max_to_keep(max_to_keep: Any) -> int | None:
    """``max_to_keep`` as stored: None to keep all (TF1's None or 0), else the count."""
    if max_to_keep is None:
        return None
    if isinstance(max_to_keep, (int, np.integer)) and not isinstance(max_to_keep, bool) and max_to_keep >= 0:
        return int(max_to_keep) or None
    raise InvalidArgumentError(
        f"Saver max_to_keep must be None or an int >= 0 (None or 0 keeps every checkpoint), got {max_to_keep!r}"
    )


def _as_step(sess: Any, global_step: Any) -> int:
    """The step number of ``global_step``: an int, or the value in ``sess`` of an integer scalar
    Tensor or Variable (a float, a bool or a string would name files no one expects)."""
    if isinstance(global_step, (int, np.integer)) and not isinstance(global_step, bool):
        return int(global_step)
    if not isinstance(global_step, (Tensor, Variable)):
        raise InvalidArgumentError(
            f"global_step must be an int or an integer scalar Tensor or Variable, got {global_step!r:.80}"
        )
    value = np.asarray(sess.run(global_step))
    if value.shape != () or not np.issubdtype(value.dtype, np.integer):
        raise InvalidArgumentError(
            f"global_step must be an integer scalar; '{global_step.op.name}' is "
            f"{TensorType(as_dtype(value.dtype), TensorShape(value.shape))}",
            global_step.op,
        )
    return int(value)


def as_path(path: Any, what: str) -> str:
    """``path`` (a str or os.PathLike) as a str; InvalidArgumentError for anything else or a NUL."""
    try:
        text = os.fspath(path)
    except TypeError:
        text = None
    if not isinstance(text, str) or "\0" in text:
        raise InvalidArgumentError(f"{what} must be a path (a str without NUL), got {path!r:.80}")
    return text
