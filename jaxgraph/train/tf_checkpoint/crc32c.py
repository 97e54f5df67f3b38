"""CRC-32C (Castagnoli), the checksum of TensorFlow's checkpoints, in NumPy.

TensorFlow checksums each tensor's bytes (``BundleEntryProto.crc32c``) and each block of the
``.index`` table with CRC-32C, and stores *masked* values (``crc32c::Mask``: rotated right by 15
bits plus a constant, so a CRC of data holding CRCs is not trivially related to them).

Why not a package: the ``crc32c`` and ``google-crc32c`` wheels are fast, but one more binary
dependency for a reader that only verifies files is not worth it when NumPy is fast enough.
A byte-at-a-time CRC is a chain of table look-ups that Python runs at ~10 MB/s, so long inputs are
cut into 2**k equal lanes that one vectorized table step advances together (one NumPy pass per
byte column), and the lanes' CRCs are then combined pairwise, as zlib's ``crc32_combine`` does:
the CRC register is linear over GF(2), so the register of ``a + b`` is the register of ``a``
advanced over ``len(b)`` zero bytes (a 32x32 bit matrix, applied by four 256-entry tables) XOR the
register of ``b`` started from 0. Measured on the shared 2-core development machine: 70-150 MB/s
(a 100 MiB TensorFlow checkpoint of 25 tensors reads and verifies in 0.6-1.1 s; TensorFlow's own
C++ reader takes 0.09 s), against ~10 MB/s for the plain loop.
"""

from __future__ import annotations

import functools

import numpy as np

_POLYNOMIAL = 0x82F63B78  # CRC-32C, bit-reflected
_MASK_DELTA = 0xA282EAD8
_SMALL = 1 << 16  # below this many bytes the plain Python loop is faster than setting up lanes
_MIN_LANE = 64  # bytes per lane at least, so the vectorized steps have work to amortize
_MAX_LANES = 1 << 16
_COLUMNS = 64


def _byte_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(_POLYNOMIAL), table >> 1).astype(np.uint32)
    return table


_TABLE = _byte_table()
_TABLE_LIST = [int(t) for t in _TABLE]


def crc32c(data: bytes | bytearray | memoryview | np.ndarray) -> int:
    """The CRC-32C of ``data`` (its bytes; an array's buffer in memory order)."""
    view = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
    return _update(0xFFFFFFFF, view) ^ 0xFFFFFFFF


def mask(crc: int) -> int:
    """TensorFlow's ``crc32c::Mask``: the form in which its files store a CRC."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def _update(register: int, data: np.ndarray) -> int:
    """The CRC register after feeding the bytes ``data`` into ``register`` (no final XOR)."""
    if data.size < _SMALL:
        table = _TABLE_LIST
        for byte in data.tobytes():
            register = table[(register ^ byte) & 0xFF] ^ (register >> 8)
        return register
    lanes = min(_MAX_LANES, 1 << ((data.size // _MIN_LANE).bit_length() - 1))
    length = data.size // lanes
    rows = data[: lanes * length].reshape(lanes, length)
    state = np.zeros(lanes, dtype=np.uint32)
    state[0] = register
    low_bytes = state.view(np.uint8)[0::4]  # little-endian: byte 0 of each register, updated in place
    index, looked_up = np.empty(lanes, np.uint8), np.empty(lanes, np.uint32)
    for start in range(0, length, _COLUMNS):  # a few columns at a time: a transposed copy stays in cache
        for column in np.ascontiguousarray(rows[:, start : start + _COLUMNS].T):
            np.bitwise_xor(low_bytes, column, out=index)
            np.take(_TABLE, index, out=looked_up)
            np.right_shift(state, np.uint32(8), out=state)
            np.bitwise_xor(state, looked_up, out=state)
    while state.size > 1:  # combine neighbours: (a, b) -> a advanced over b's bytes, XOR b
        state = _advance(state[0::2], length) ^ state[1::2]
        length *= 2
    return _update(int(state[0]), data[lanes * (data.size // lanes) :])


def _advance(registers: np.ndarray, zeros: int) -> np.ndarray:
    """Each register advanced over ``zeros`` zero bytes."""
    tables = _zeros_operator(zeros)
    out = tables[0][registers & 0xFF]
    for k in range(1, 4):
        out ^= tables[k][(registers >> np.uint32(8 * k)) & 0xFF]
    return out


@functools.lru_cache(maxsize=64)
def _zeros_operator(zeros: int) -> tuple[np.ndarray, ...]:
    """The linear map "advance over ``zeros`` zero bytes" as four 256-entry tables, one per byte
    of the register (the map of a register is the XOR of its bytes' images)."""
    columns = _power(_one_zero_byte(), zeros)
    bits = (np.arange(256, dtype=np.uint32)[:, None] >> np.arange(8, dtype=np.uint32)) & 1
    return tuple(
        np.bitwise_xor.reduce(
            np.where(bits == 1, np.array(columns[8 * k : 8 * k + 8], np.uint32), 0), axis=1
        ).astype(np.uint32)
        for k in range(4)
    )


def _one_zero_byte() -> list[int]:
    """Columns of the map "advance over one zero byte": the image of each register bit."""
    return [_TABLE_LIST[(1 << j) & 0xFF] ^ ((1 << j) >> 8) for j in range(32)]


def _power(columns: list[int], n: int) -> list[int]:
    """The columns of the matrix ``columns`` raised to the ``n``-th power (square and multiply)."""
    result = [1 << j for j in range(32)]
    while n:
        if n & 1:
            result = [_apply(columns, c) for c in result]
        columns = [_apply(columns, c) for c in columns]
        n >>= 1
    return result


def _apply(columns: list[int], vector: int) -> int:
    """The matrix with these columns times ``vector`` over GF(2)."""
    out, j = 0, 0
    while vector:
        if vector & 1:
            out ^= columns[j]
        vector >>= 1
        j += 1
    return out
