"""TF1's checkpoint inspection: ``tf.train.load_checkpoint`` / ``NewCheckpointReader`` /
``list_variables`` / ``load_variable``, for TensorFlow's own checkpoints and jaxgraph's.

A checkpoint prefix names either format: TensorFlow's V2 "tensor bundle" (``prefix.index`` plus
data shards, read without TensorFlow by ``jaxgraph.train.tf_checkpoint``) or jaxgraph's
(``prefix.safetensors`` plus ``prefix.json``, ``jaxgraph.train.saver``); where both exist,
jaxgraph's wins. So a TF1 user can inspect the checkpoints of their TensorFlow runs and of the
ported program with the same calls.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from jaxgraph.errors import InvalidArgumentError, NotFoundError
from jaxgraph.ir.dtypes import DType, as_dtype
from jaxgraph.train import saver as saver_module
from jaxgraph.train.tf_checkpoint import open_tensor_bundle


class CheckpointReader:
    """TF1's ``CheckpointReader`` (what ``tf.train.NewCheckpointReader`` returns): the names,
    shapes, dtypes and values of the tensors in one checkpoint.

    Values are NumPy arrays in the dtype the checkpoint stores (an int64 ``global_step`` stays
    int64 here, whatever JAX's x64 mode). Each value's checksum is verified when it is read; a
    damaged file raises DataLossError naming it."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        if saver_module.checkpoint_format(prefix) == "tensorflow":
            self._bundle: Any = open_tensor_bundle(prefix)
            self._shapes = {n: self._bundle.shape(n) for n in self._bundle.names}
        else:
            self._bundle = None
            self._metadata = saver_module.read_metadata(prefix)
            self._tensors: dict[str, np.ndarray] | None = None
            self._shapes = {n: list(e["shape"]) for n, e in sorted(self._metadata["variables"].items())}

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        """``{tensor name: shape as a list of ints}`` for every tensor in the checkpoint."""
        return {n: list(s) for n, s in self._shapes.items()}

    def get_variable_to_dtype_map(self) -> dict[str, DType]:
        """``{tensor name: jaxgraph DType}`` for every tensor in the checkpoint (UnimplementedError
        for a TensorFlow dtype jaxgraph has no counterpart for, such as complex64)."""
        if self._bundle is not None:
            return {n: self._bundle.dtype(n) for n in self._shapes}
        return {n: as_dtype(e["dtype"]) for n, e in sorted(self._metadata["variables"].items())}

    def has_tensor(self, name: str) -> bool:
        """Whether the checkpoint holds a tensor ``name``."""
        return name in self._shapes

    def get_tensor(self, name: str) -> np.ndarray:
        """The value of tensor ``name`` (NotFoundError when the checkpoint lacks it)."""
        if name not in self._shapes:
            raise NotFoundError(f"tensor '{name}' not found in checkpoint '{self._prefix}'")
        if self._bundle is not None:
            return self._bundle.get_tensor(name)
        if self._tensors is None:
            self._tensors = saver_module.read_tensors(self._prefix, self._metadata)
        return self._tensors[name].copy()

    def debug_string(self) -> bytes:
        """One line per tensor, ``name (dtype) [shape]``, as TF's reader prints them."""
        dtypes = self.get_variable_to_dtype_map()
        return "".join(f"{n} ({dtypes[n].name}) {s}\n" for n, s in self._shapes.items()).encode()


def NewCheckpointReader(filepattern: str) -> CheckpointReader:  # noqa: N802 - TF1's name
    """TF1's ``tf.train.NewCheckpointReader``: a reader of the checkpoint with prefix ``filepattern``
    (TensorFlow's V2 format or jaxgraph's); NotFoundError when there is none."""
    prefix = saver_module.as_path(filepattern, "filepattern")
    if saver_module.checkpoint_format(prefix) is None:
        raise NotFoundError(
            f"no checkpoint '{prefix}': neither '{prefix}.index' (TensorFlow) nor "
            f"'{prefix}{saver_module.METADATA_SUFFIX}' (jaxgraph) exists"
        )
    return CheckpointReader(prefix)


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """TF1's ``tf.train.load_checkpoint``: a reader of a checkpoint prefix, or of the latest
    checkpoint of a directory (InvalidArgumentError, TF's ValueError, when it has none)."""
    path = saver_module.as_path(ckpt_dir_or_file, "ckpt_dir_or_file")
    if os.path.isdir(path):
        latest = saver_module.latest_checkpoint(path)
        if latest is None:
            raise InvalidArgumentError(
                f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}"
            )
        path = latest
    return NewCheckpointReader(path)


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """TF1's ``tf.train.list_variables``: ``(name, shape)`` of every tensor, sorted by name."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]


def load_variable(ckpt_dir_or_file: str, name: str) -> Any:
    """TF1's ``tf.train.load_variable``: the value of tensor ``name`` (a trailing ``:0`` is
    dropped, as TF1 does) as a NumPy array."""
    if not isinstance(name, str):
        raise InvalidArgumentError(f"load_variable name must be a str, got {name!r:.80}")
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name.removesuffix(":0"))
