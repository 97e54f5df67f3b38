"""``TensorBundleReader``: the tensors of a TensorFlow checkpoint in the V2 ("tensor bundle") format.

A checkpoint with prefix ``model.ckpt-1000`` is ``model.ckpt-1000.index`` and one or more data
shards ``model.ckpt-1000.data-00000-of-00001``. The index is a sorted table (``table``) mapping
the empty key to a ``BundleHeaderProto`` (shard count, endianness, format version) and each
tensor's name to a ``BundleEntryProto``: dtype, shape, shard, byte offset and size, and the masked
CRC-32C of the bytes. Tensor bytes are the raw array in C order and the writer's byte order.

What TF writes for a partitioned Variable (an entry with ``slices``, whose parts are stored under
binary keys starting with a NUL byte) and for string tensors (length-prefixed elements) is listed
but not read: ``get_tensor`` raises UnimplementedError naming the tensor. Every tensor's checksum
is verified when it is read; any damage is a DataLossError naming the file and the tensor.
The protobuf messages come from ``tensorboard``'s package, which this module needs (open a
reader with ``jaxgraph.train.tf_checkpoint.open_tensor_bundle`` to get a clear ImportError
without it).
"""

from __future__ import annotations

import os

import numpy as np
from google.protobuf.message import DecodeError
from tensorboard.compat.proto import types_pb2

from jaxgraph.errors import DataLossError, InvalidArgumentError, NotFoundError, UnimplementedError
from jaxgraph.ir import dtypes
from jaxgraph.ir.dtypes import DType
from jaxgraph.train.checkpoint_index import read_regular_file
from jaxgraph.train.tf_checkpoint import INDEX_SUFFIX
from jaxgraph.train.tf_checkpoint.crc32c import crc32c, mask
from jaxgraph.train.tf_checkpoint.table import read_table
from jaxgraph.train.tf_checkpoint.tensor_bundle_pb2 import BundleEntryProto, BundleHeaderProto

BUNDLE_VERSION = 1
"""The format version this reader implements (TF's ``kTensorBundleVersion``)."""

_DTYPES = {
    types_pb2.DT_HALF: dtypes.float16, types_pb2.DT_BFLOAT16: dtypes.bfloat16,
    types_pb2.DT_FLOAT: dtypes.float32, types_pb2.DT_DOUBLE: dtypes.float64,
    types_pb2.DT_INT8: dtypes.int8, types_pb2.DT_INT16: dtypes.int16,
    types_pb2.DT_INT32: dtypes.int32, types_pb2.DT_INT64: dtypes.int64,
    types_pb2.DT_UINT8: dtypes.uint8, types_pb2.DT_UINT16: dtypes.uint16,
    types_pb2.DT_UINT32: dtypes.uint32, types_pb2.DT_UINT64: dtypes.uint64,
    types_pb2.DT_BOOL: dtypes.bool_, types_pb2.DT_STRING: dtypes.string,
}  # fmt: skip


def data_path(prefix: str, shard: int, num_shards: int) -> str:
    """The file name of data shard ``shard`` (TF's ``DataFilename``)."""
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


class TensorBundleReader:
    """The tensors of the TensorFlow V2 checkpoint ``prefix`` (TF's ``BundleReader``).

    The index is read and checked when the reader is made (NotFoundError when there is no
    ``prefix.index``, DataLossError when it is damaged); data shards are read when a tensor of
    theirs is first asked for."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.index_path = prefix + INDEX_SUFFIX
        if not os.path.exists(self.index_path):
            raise NotFoundError(
                f"TensorFlow checkpoint '{prefix}' not found: there is no file '{self.index_path}'"
            )
        entries = read_table(
            self.index_path, read_regular_file(self.index_path, "TensorFlow checkpoint index")
        )
        if not entries or entries[0][0] != b"":
            raise self._corrupt("it has no bundle header (the entry of the empty key)")
        self._header = self._parse(BundleHeaderProto, entries[0][1], "the bundle header")
        self._check_header()
        self._entries = {}
        for key, value in entries[1:]:
            if key.startswith(b"\0"):  # a slice of a partitioned tensor, read through its entry
                continue
            name = self._name(key)
            self._entries[name] = self._parse(BundleEntryProto, value, f"the entry of tensor '{name}'")
        self._shards: dict[int, bytes] = {}

    # ---- what the index says ----------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """The tensors' names, sorted (as the index stores them)."""
        return list(self._entries)

    def has_tensor(self, name: str) -> bool:
        """Whether the checkpoint holds a tensor ``name``."""
        return name in self._entries

    def shape(self, name: str) -> list[int]:
        """The shape of tensor ``name``, as a list of dimension sizes."""
        return [d.size for d in self._entry(name).shape.dim]

    def dtype(self, name: str) -> DType:
        """The jaxgraph dtype of tensor ``name``; UnimplementedError for a TF dtype jaxgraph lacks."""
        entry = self._entry(name)
        dtype = _DTYPES.get(entry.dtype)
        if dtype is None:
            raise UnimplementedError(
                f"tensor '{name}' in TensorFlow checkpoint '{self.prefix}' has dtype "
                f"{_dtype_name(entry.dtype)}, which jaxgraph has no counterpart for"
            )
        return dtype

    # ---- reading tensors --------------------------------------------------------------------
    def get_tensor(self, name: str) -> np.ndarray:
        """The value of tensor ``name`` as a NumPy array, its checksum verified."""
        entry = self._entry(name)
        dtype = self.dtype(name)
        what = f"tensor '{name}' in TensorFlow checkpoint '{self.prefix}'"
        if entry.slices:
            raise UnimplementedError(
                f"{what} is partitioned into {len(entry.slices)} slices (a partitioned Variable); "
                "jaxgraph reads only whole tensors"
            )
        if dtype is dtypes.string:
            raise UnimplementedError(
                f"{what} is a string tensor; jaxgraph reads only numeric and bool tensors"
            )
        shape = self.shape(name)
        np_dtype = dtype.np.newbyteorder(">" if self._header.endianness == BundleHeaderProto.BIG else "<")
        path = data_path(self.prefix, entry.shard_id, self._header.num_shards)
        if entry.size != int(np.prod(shape, dtype=object)) * np_dtype.itemsize:
            raise DataLossError(
                f"TensorFlow checkpoint data '{path}' is corrupted: tensor '{name}' of shape {shape} "
                f"and dtype {dtype.name} is recorded as {entry.size} bytes"
            )
        data = self._shard(entry.shard_id, path)
        end = entry.offset + entry.size
        if end > len(data):
            raise DataLossError(
                f"TensorFlow checkpoint data '{path}' is truncated: tensor '{name}' needs bytes "
                f"{entry.offset}..{end}, the file has {len(data)}"
            )
        raw = memoryview(data)[entry.offset : end]
        actual = mask(crc32c(raw))
        if actual != entry.crc32c:
            raise DataLossError(
                f"TensorFlow checkpoint data '{path}' is corrupted: tensor '{name}' fails its checksum "
                f"(stored {entry.crc32c:#010x}, computed {actual:#010x})"
            )
        return np.frombuffer(raw, dtype=np_dtype).astype(dtype.np).reshape(shape)

    # ---- helpers ----------------------------------------------------------------------------
    def _entry(self, name: str) -> BundleEntryProto:
        entry = self._entries.get(name)
        if entry is None:
            raise NotFoundError(f"tensor '{name}' not found in TensorFlow checkpoint '{self.prefix}'")
        return entry

    def _shard(self, shard: int, path: str) -> bytes:
        """The bytes of data shard ``shard`` (read once)."""
        if shard not in self._shards:
            self._shards[shard] = read_regular_file(path, "TensorFlow checkpoint data")
        return self._shards[shard]

    def _check_header(self) -> None:
        """Refuses a bundle from a newer format version or one with an impossible shard count."""
        version = self._header.version
        if version.min_consumer > BUNDLE_VERSION or BUNDLE_VERSION in version.bad_consumers:
            raise InvalidArgumentError(
                f"TensorFlow checkpoint '{self.prefix}' needs a reader of format version "
                f">= {version.min_consumer} (bad: {list(version.bad_consumers)}); this one reads version {BUNDLE_VERSION}"
            )
        if self._header.num_shards < 1:
            raise self._corrupt(f"its header has {self._header.num_shards} data shards")

    def _parse(self, message: type, value: bytes, what: str) -> object:
        """``value`` parsed as ``message``, checked for what the reader relies on."""
        try:
            parsed = message.FromString(value)
        except DecodeError as e:
            raise self._corrupt(f"{what} is not a valid {message.__name__}: {e}") from None
        if isinstance(parsed, BundleEntryProto):
            problem = _entry_problem(parsed, self._header.num_shards)
            if problem:
                raise self._corrupt(f"{what} has {problem}")
        return parsed

    def _name(self, key: bytes) -> str:
        try:
            return key.decode()
        except UnicodeDecodeError:
            raise self._corrupt(f"the tensor name {key[:80]!r} is not UTF-8") from None

    def _corrupt(self, problem: str) -> DataLossError:
        return DataLossError(f"TensorFlow checkpoint index '{self.index_path}' is corrupted: {problem}")


def _entry_problem(entry: BundleEntryProto, num_shards: int) -> str | None:
    """What is impossible in an entry (a negative dimension, offset or size, a shard out of range)."""
    if entry.shape.unknown_rank or any(d.size < 0 for d in entry.shape.dim):
        return f"a shape that is not fully known: {[d.size for d in entry.shape.dim]}"
    if entry.offset < 0 or entry.size < 0:
        return f"a negative offset or size ({entry.offset}, {entry.size})"
    if not entry.slices and not 0 <= entry.shard_id < num_shards:
        return f"shard {entry.shard_id}, but the bundle has {num_shards}"
    return None


def _dtype_name(value: int) -> str:
    """TF's name of a DataType enum value (``DT_COMPLEX64``), or the number when unknown."""
    try:
        return types_pb2.DataType.Name(value)
    except ValueError:
        return f"#{value}"
