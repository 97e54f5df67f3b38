"""Reading the ``.index`` file of a TensorFlow checkpoint: a LevelDB-style sorted string table.

TensorFlow writes its checkpoint index (``tensorflow/core/lib/io/table_builder.cc``) as LevelDB's
table format::

    data block 1 | trailer ... data block n | trailer | metaindex block | trailer | index block | trailer | footer

* a **block** holds key/value entries sorted by key, each key stored as the number of bytes it
  shares with the previous key plus the rest (``varint32 shared, varint32 non_shared, varint32
  value_length, key bytes, value bytes``); every few entries a *restart point* stores a key whole,
  and the block ends with the restart offsets (``uint32`` each) and their count (``uint32``);
* each block's 5-byte **trailer** is its compression type (0: none, 1: snappy) and the masked
  CRC-32C of the block and that type byte;
* the **index block** maps, for each data block, a key >= its last key to its *block handle*
  (``varint64 offset, varint64 size``); the **metaindex block** (empty in TF's files) names filter
  blocks, which a full scan does not need;
* the 48-byte **footer** holds the metaindex and index block handles, zero padding, and the magic
  number ``0xdb4775248b80fb57`` (little-endian ``uint64``).

``read_table`` reads every entry in key order, checking the footer, every block's checksum and
bounds, so any damage is a ``DataLossError`` naming the file. TF writes its blocks uncompressed;
a snappy-compressed block (another writer's choice) is reported, not decoded.
"""

from __future__ import annotations

import struct

from jaxgraph.errors import DataLossError
from jaxgraph.train.tf_checkpoint.crc32c import crc32c, mask

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
TRAILER_SIZE = 5
_COMPRESSION = {0: None, 1: "snappy"}


class _Corrupt(Exception):
    """A problem found while decoding; ``read_table`` turns it into a DataLossError naming the file."""


def read_table(path: str, data: bytes) -> list[tuple[bytes, bytes]]:
    """Every ``(key, value)`` of the table ``data`` (the bytes of the file ``path``), in file order.

    Raises DataLossError (naming ``path``) for a file too short for a footer, a wrong magic
    number, a block outside the file, a block checksum mismatch, a compressed block, or entries
    that run past their block."""
    try:
        if len(data) < FOOTER_SIZE:
            raise _Corrupt(f"it is {len(data)} bytes, shorter than the {FOOTER_SIZE}-byte table footer")
        footer = memoryview(data)[len(data) - FOOTER_SIZE :]
        (magic,) = struct.unpack_from("<Q", footer, FOOTER_SIZE - 8)
        if magic != MAGIC:
            raise _Corrupt(f"bad magic number {magic:#018x} (a table ends with {MAGIC:#018x})")
        metaindex, pos = _block_handle(footer, 0)
        index, _ = _block_handle(footer, pos)
        _read_block(data, metaindex, "metaindex block")
        entries = []
        for number, (_, handle) in enumerate(
            _entries(_read_block(data, index, "index block"), "index block")
        ):
            block, end = _block_handle(handle, 0)
            if end != len(handle):
                raise _Corrupt(f"index entry {number} is not a block handle")
            what = f"data block {number}"
            entries.extend(_entries(_read_block(data, block, what), what))
        return entries
    except _Corrupt as e:
        raise DataLossError(f"TensorFlow checkpoint index '{path}' is corrupted: {e}") from None


def _read_block(data: bytes, handle: tuple[int, int], what: str) -> memoryview:
    """The contents of the block at ``handle``, its trailer's checksum and compression checked."""
    offset, size = handle
    end = offset + size + TRAILER_SIZE
    if end > len(data) - FOOTER_SIZE:
        raise _Corrupt(f"its {what} (bytes {offset}..{end}) lies past the end of the tables")
    block = memoryview(data)[offset:end]
    kind, stored = struct.unpack_from("<BI", block, size)
    actual = mask(crc32c(block[: size + 1]))
    if actual != stored:
        raise _Corrupt(
            f"{what} (at byte {offset}) fails its checksum: stored {stored:#010x}, computed {actual:#010x}"
        )
    if kind not in _COMPRESSION:
        raise _Corrupt(f"{what} (at byte {offset}) has unknown compression type {kind}")
    if _COMPRESSION[kind] is not None:
        raise _Corrupt(
            f"{what} (at byte {offset}) is {_COMPRESSION[kind]}-compressed, which this reader does not "
            "support (TensorFlow writes checkpoint indexes uncompressed)"
        )
    return block[:size]


def _entries(block: memoryview, what: str) -> list[tuple[bytes, bytes]]:
    """The ``(key, value)`` entries of a block's contents, keys expanded from their shared prefixes."""
    if len(block) < 4:
        raise _Corrupt(f"{what} is {len(block)} bytes, too short for its restart count")
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * restarts
    if restarts == 0 or limit < 0:
        raise _Corrupt(f"{what} has a bad restart count {restarts}")
    entries, key, pos = [], b"", 0
    while pos < limit:
        shared, pos = _varint(block, pos, 32)
        unshared, pos = _varint(block, pos, 32)
        length, pos = _varint(block, pos, 32)
        if shared > len(key) or pos + unshared + length > limit:
            raise _Corrupt(f"{what} has an entry at byte {pos} that runs past the block")
        key = key[:shared] + bytes(block[pos : pos + unshared])
        pos += unshared
        entries.append((key, bytes(block[pos : pos + length])))
        pos += length
    return entries


def _block_handle(data: memoryview | bytes, pos: int) -> tuple[tuple[int, int], int]:
    """A block handle ``(offset, size)`` decoded at ``pos``, and the position after it."""
    offset, pos = _varint(data, pos, 64)
    size, pos = _varint(data, pos, 64)
    return (offset, size), pos


def _varint(data: memoryview | bytes, pos: int, bits: int) -> tuple[int, int]:
    """A little-endian base-128 integer of at most ``bits`` bits at ``pos``, and the position after it."""
    value, shift = 0, 0
    while pos < len(data) and shift < bits:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise _Corrupt(f"a varint{bits} at byte {pos} is truncated or too long")
