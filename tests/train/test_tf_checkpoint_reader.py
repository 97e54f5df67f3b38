"""Reading TensorFlow's V2 checkpoints without TensorFlow: ``jg.train.load_checkpoint`` and friends
against checkpoints real TensorFlow wrote (fixtures/tf_checkpoints/, recorded with what TF read
back by scripts/record_tf_checkpoints.py), damaged copies of them, and tables built here for the
cases TF does not write (other dtypes, byte orders, versions)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import types_pb2

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.train.tf_checkpoint.crc32c import crc32c, mask
from jaxgraph.train.tf_checkpoint.table import MAGIC, read_table
from jaxgraph.train.tf_checkpoint.tensor_bundle_pb2 import BundleEntryProto, BundleHeaderProto

FIXTURES = Path(__file__).parent / "fixtures" / "tf_checkpoints"
RECORDED = json.loads((FIXTURES / "recorded.json").read_text())
DATA = ".data-00000-of-00001"
FUZZ = settings(
    max_examples=int(os.environ.get("JAXGRAPH_FUZZ_EXAMPLES", 60)),
    derandomize="JAXGRAPH_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def copy_checkpoint(tmp_path: Path, name: str) -> str:
    """A copy of the fixture directory ``name`` in ``tmp_path``; returns its checkpoint prefix."""
    shutil.copytree(FIXTURES / name, tmp_path / name)
    return jg.train.latest_checkpoint(str(tmp_path / name))


def read_everything(prefix: str) -> dict:
    """Every tensor of the checkpoint, by name (``list_variables`` then ``get_tensor``)."""
    reader = jg.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name, _ in jg.train.list_variables(prefix)}


def flip(path: str, position: int) -> None:
    data = bytearray(Path(path).read_bytes())
    data[position] ^= 0xFF
    Path(path).write_bytes(bytes(data))


# ---- values TensorFlow wrote -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["mlp", "dtypes"])
def test_values_dtypes_and_shapes_match_what_tensorflow_reads(name):
    recorded = RECORDED[name]
    prefix = jg.train.latest_checkpoint(str(FIXTURES / name))
    reader = jg.train.NewCheckpointReader(prefix)
    assert [[n, s] for n, s in jg.train.list_variables(prefix)] == recorded["list_variables"]
    dtypes = reader.get_variable_to_dtype_map()
    assert {n: d.name for n, d in dtypes.items()} == {n: t["dtype"] for n, t in recorded["tensors"].items()}
    for tensor, want in recorded["tensors"].items():
        value = reader.get_tensor(tensor)
        assert value.dtype == np.dtype(want["dtype"]) and value.tolist() == want["value"], tensor
        assert list(value.shape) == reader.get_variable_to_shape_map()[tensor]


def test_an_int64_beyond_32_bits_and_an_empty_tensor_read_exactly():
    prefix = str(FIXTURES / "dtypes" / "model.ckpt")
    assert jg.train.load_variable(prefix, "int64_wide:0").tolist() == [1, -2, 3_000_000_000]
    empty = jg.train.load_variable(str(FIXTURES / "dtypes"), "empty")
    assert empty.shape == (0, 3) and empty.dtype == np.float32


def test_an_index_of_three_data_blocks_lists_every_tensor_as_tensorflow_does():
    """600 names of ~1000 characters: TF's 256 KiB index blocks hold them in three data blocks."""
    recorded = RECORDED["many"]
    prefix = str(FIXTURES / "many" / "model.ckpt")
    listed = [[n, s] for n, s in jg.train.list_variables(prefix)]
    dtypes = jg.train.load_checkpoint(prefix).get_variable_to_dtype_map()
    values = read_everything(prefix)
    tensors = {n: {"dtype": dtypes[n].name, "value": values[n].tolist()} for n in values}
    assert len(listed) == recorded["count"] == 600
    assert digest(listed) == recorded["list_variables"]
    assert digest(tensors) == recorded["tensors"]


def digest(value: object) -> str:
    """As scripts/record_tf_checkpoints.py digests TF's read-back."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_partitioned_and_string_tensors_are_listed_but_not_read():
    prefix = str(FIXTURES / "unsupported" / "model.ckpt")
    assert [[n, s] for n, s in jg.train.list_variables(prefix)] == RECORDED["unsupported"]["list_variables"]
    reader = jg.train.load_checkpoint(prefix)
    assert reader.get_tensor("plain") == np.float32(1.5)
    assert reader.get_variable_to_dtype_map()["words"] is jg.string
    with pytest.raises(errors.UnimplementedError) as e:
        reader.get_tensor("partitioned")
    assert e.value.message == (
        f"tensor 'partitioned' in TensorFlow checkpoint '{prefix}' is partitioned into 2 slices "
        "(a partitioned Variable); jaxgraph reads only whole tensors"
    )
    with pytest.raises(errors.UnimplementedError) as e:
        reader.get_tensor("words")
    assert e.value.message == (
        f"tensor 'words' in TensorFlow checkpoint '{prefix}' is a string tensor; jaxgraph reads only "
        "numeric and bool tensors"
    )


def test_the_reader_reads_jaxgraph_checkpoints_too(tmp_path):
    with jg.Graph().as_default() as g:
        jg.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="dense/w")
        step = jg.train.get_or_create_global_step()
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run(jg.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
    reader = jg.train.load_checkpoint(str(tmp_path))
    assert jg.train.list_variables(str(tmp_path)) == [("dense/w", [2, 3]), ("global_step", [])]
    assert reader.get_variable_to_dtype_map() == {"dense/w": jg.float32, "global_step": jg.int32}
    assert reader.has_tensor("dense/w") and not reader.has_tensor("dense/b")
    assert jg.train.load_variable(prefix, "dense/w").tolist() == [[0, 1, 2], [3, 4, 5]]
    assert reader.debug_string() == b"dense/w (float32) [2, 3]\nglobal_step (int32) []\n"


def test_missing_checkpoints_and_tensors_are_not_found(tmp_path):
    with pytest.raises(errors.NotFoundError) as e:
        jg.train.NewCheckpointReader(str(tmp_path / "model.ckpt"))
    prefix = tmp_path / "model.ckpt"
    assert e.value.message == (
        f"no checkpoint '{prefix}': neither '{prefix}.index' (TensorFlow) nor '{prefix}.json' (jaxgraph) exists"
    )
    with pytest.raises(errors.InvalidArgumentError) as e:
        jg.train.load_checkpoint(str(tmp_path))
    assert e.value.message == f"Couldn't find 'checkpoint' file or checkpoints in given directory {tmp_path}"
    with pytest.raises(errors.InvalidArgumentError) as e:
        jg.train.load_variable(str(FIXTURES / "mlp"), 3)
    assert e.value.message == "load_variable name must be a str, got 3"
    assert jg.train.checkpoint_exists(str(FIXTURES / "mlp" / "model.ckpt-3"))
    assert not jg.train.checkpoint_exists(str(FIXTURES / "mlp" / "model.ckpt-4"))
    reader = jg.train.load_checkpoint(str(FIXTURES / "mlp"))
    with pytest.raises(errors.NotFoundError) as e:
        reader.get_tensor("dense/w")
    assert (
        e.value.message == f"tensor 'dense/w' not found in checkpoint '{FIXTURES / 'mlp' / 'model.ckpt-3'}'"
    )


# ---- damaged files ---------------------------------------------------------------------------
def test_a_corrupted_tensor_fails_its_checksum(tmp_path):
    prefix = copy_checkpoint(tmp_path, "mlp")
    entry = entry_of(prefix, "dense/kernel")
    flip(prefix + DATA, entry.offset + 5)
    reader = jg.train.load_checkpoint(prefix)
    reader.get_tensor("dense/bias")  # the other tensors still read
    with pytest.raises(errors.DataLossError) as e:
        reader.get_tensor("dense/kernel")
    data = Path(prefix + DATA).read_bytes()[entry.offset : entry.offset + entry.size]
    assert e.value.message == (
        f"TensorFlow checkpoint data '{prefix}{DATA}' is corrupted: tensor 'dense/kernel' fails its "
        f"checksum (stored {entry.crc32c:#010x}, computed {mask(crc32c(data)):#010x})"
    )


def entry_of(prefix: str, name: str) -> BundleEntryProto:
    entries = dict(read_table(prefix + ".index", Path(prefix + ".index").read_bytes()))
    return BundleEntryProto.FromString(entries[name.encode()])


def test_a_corrupted_index_block_fails_its_checksum(tmp_path):
    prefix = copy_checkpoint(tmp_path, "many")
    index = prefix + ".index"
    third_block = 525735  # TF's index of 600 long names: data blocks at bytes 0, 262856 and 525735
    flip(index, third_block + 100)
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_checkpoint(prefix)
    data = Path(index).read_bytes()
    size = 62778
    stored = struct.unpack_from("<I", data, third_block + size + 1)[0]
    computed = mask(crc32c(data[third_block : third_block + size + 1]))
    assert e.value.message == (
        f"TensorFlow checkpoint index '{index}' is corrupted: data block 2 (at byte {third_block}) fails "
        f"its checksum: stored {stored:#010x}, computed {computed:#010x}"
    )


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda d: d[:30], "it is 30 bytes, shorter than the 48-byte table footer"),
        (lambda d: d[:-1], "bad magic number 0x4775248b80fb5700 (a table ends with 0xdb4775248b80fb57)"),
        (
            lambda d: d[:-8] + b"\0" * 8,
            "bad magic number 0x0000000000000000 (a table ends with 0xdb4775248b80fb57)",
        ),
        (lambda d: d[:200] + d[-48:], "its metaindex block (bytes 431..444) lies past the end of the tables"),
    ],
    ids=["shorter-than-footer", "truncated", "wrong-magic", "cut-in-the-middle"],
)
def test_a_damaged_index_is_data_loss(tmp_path, damage, problem):
    prefix = copy_checkpoint(tmp_path, "mlp")
    index = Path(prefix + ".index")
    index.write_bytes(damage(index.read_bytes()))
    with pytest.raises(errors.DataLossError) as e:
        jg.train.NewCheckpointReader(prefix)
    assert e.value.message == f"TensorFlow checkpoint index '{index}' is corrupted: {problem}"


def test_truncated_and_missing_data_files_are_data_loss(tmp_path):
    prefix = copy_checkpoint(tmp_path, "mlp")
    data = Path(prefix + DATA)
    data.write_bytes(data.read_bytes()[:100])
    reader = jg.train.load_checkpoint(prefix)
    assert reader.get_tensor("beta1_power") == RECORDED["mlp"]["tensors"]["beta1_power"]["value"]
    entry = entry_of(prefix, "dense/kernel")
    with pytest.raises(errors.DataLossError) as e:
        reader.get_tensor("dense/kernel")
    assert e.value.message == (
        f"TensorFlow checkpoint data '{data}' is truncated: tensor 'dense/kernel' needs bytes "
        f"{entry.offset}..{entry.offset + entry.size}, the file has 100"
    )
    data.unlink()
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_checkpoint(prefix).get_tensor("beta1_power")
    assert e.value.message == f"TensorFlow checkpoint data '{data}' is missing"


def test_a_compressed_block_is_reported_not_decoded(tmp_path):
    """TF writes indexes uncompressed; a snappy block (type 1) from another writer is refused."""
    prefix = copy_checkpoint(tmp_path, "mlp")
    index = Path(prefix + ".index")
    data = bytearray(index.read_bytes())
    first = next(iter(read_table(str(index), bytes(data))))  # the file is fine before
    assert first[0] == b""
    size = block_size(bytes(data))
    data[size] = 1
    data[size + 1 : size + 5] = struct.pack("<I", mask(crc32c(bytes(data[: size + 1]))))
    index.write_bytes(bytes(data))
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_checkpoint(prefix)
    assert e.value.message == (
        f"TensorFlow checkpoint index '{index}' is corrupted: data block 0 (at byte 0) is snappy-compressed, "
        "which this reader does not support (TensorFlow writes checkpoint indexes uncompressed)"
    )


def block_size(table: bytes) -> int:
    """The size of the first data block of a one-data-block table (from its index block)."""
    footer = table[-48:]
    index_offset, index_size = tuple(varints(footer, 4))[2:]
    index_block = table[index_offset : index_offset + index_size]
    return tuple(varints(index_block[4:], 2))[1]  # one entry: shared=0, unshared=1, length, key, handle


def varints(data: bytes, count: int):
    pos = 0
    for _ in range(count):
        value, shift = 0, 0
        while data[pos] & 0x80:
            value |= (data[pos] & 0x7F) << shift
            pos, shift = pos + 1, shift + 7
        yield value | (data[pos] << shift)
        pos += 1


@FUZZ
@given(st.data())
def test_any_damaged_byte_is_data_loss_or_harmless(tmp_path_factory, data):
    """Flipping bits anywhere in the index or the data raises DataLossError, or (footer padding,
    which no checksum covers and no reader looks at) changes nothing that is read."""
    directory = tmp_path_factory.mktemp("fuzz")
    prefix = copy_checkpoint(directory, "mlp")
    original = read_everything(prefix)
    path = data.draw(st.sampled_from([prefix + ".index", prefix + DATA]))
    size = os.path.getsize(path)
    position = data.draw(st.integers(0, size - 1))
    raw = bytearray(Path(path).read_bytes())
    raw[position] ^= data.draw(st.integers(1, 255))
    Path(path).write_bytes(bytes(raw))
    try:
        damaged = read_everything(prefix)
    except errors.DataLossError as e:
        assert e.message.startswith("TensorFlow checkpoint ") and "' is corrupted: " in e.message
        return
    assert path.endswith(".index") and size - 48 <= position < size - 8, position
    assert damaged.keys() == original.keys()
    assert all(np.array_equal(damaged[n], original[n]) for n in original)


# ---- tables built here: what TF's writer does not produce ------------------------------------
def write_table(path: Path, entries: list[tuple[bytes, bytes]]) -> None:
    """A table of one data block holding ``entries`` (keys sorted), every key a restart point."""
    blob, handles = bytearray(), []

    def add_block(entries: list[tuple[bytes, bytes]]) -> None:
        block = bytearray()
        for key, value in entries:
            block += encode_varints(0, len(key), len(value)) + key + value
        offsets = np.cumsum(
            [0] + [len(encode_varints(0, len(k), len(v))) + len(k) + len(v) for k, v in entries]
        )
        block += b"".join(struct.pack("<I", int(o)) for o in offsets[:-1]) + struct.pack("<I", len(entries))
        handles.append((len(blob), len(block)))
        blob.extend(block + trailer(bytes(block)))

    add_block(entries)
    add_block([])  # the metaindex
    add_block([(b"\xff", encode_varints(*handles[0]))])  # the index: a key >= every key -> data block
    footer = encode_varints(*handles[1], *handles[2])
    path.write_bytes(bytes(blob) + footer + b"\0" * (40 - len(footer)) + struct.pack("<Q", MAGIC))


def trailer(block: bytes) -> bytes:
    return b"\0" + struct.pack("<I", mask(crc32c(block + b"\0")))


def encode_varints(*values: int) -> bytes:
    out = bytearray()
    for value in values:
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def write_bundle(tmp_path: Path, tensors: dict[str, tuple[int, list[int], bytes]], **header) -> str:
    """A bundle of ``{name: (TF dtype, shape, bytes)}``; ``header`` sets BundleHeaderProto fields."""
    prefix = str(tmp_path / "built.ckpt")
    head = BundleHeaderProto(num_shards=1, **{k: v for k, v in header.items() if k != "min_consumer"})
    head.version.producer = 1
    head.version.min_consumer = header.get("min_consumer", 0)
    entries, data = [(b"", head.SerializeToString())], b""
    for name, (dtype, shape, raw) in sorted(tensors.items()):
        entry = BundleEntryProto(dtype=dtype, offset=len(data), size=len(raw), crc32c=mask(crc32c(raw)))
        for size in shape:
            entry.shape.dim.add(size=size)
        entries.append((name.encode(), entry.SerializeToString()))
        data += raw
    write_table(Path(prefix + ".index"), entries)
    Path(prefix + DATA).write_bytes(data)
    return prefix


def test_a_table_built_here_reads_back(tmp_path):
    raw = np.array([[1.5, -2.0]], np.float64).tobytes()
    prefix = write_bundle(tmp_path, {"a": (types_pb2.DT_DOUBLE, [1, 2], raw)})
    assert jg.train.load_variable(prefix, "a").tolist() == [[1.5, -2.0]]


def test_a_big_endian_bundle_reads_in_native_byte_order(tmp_path):
    raw = np.array([1, -2, 70000], ">i4").tobytes()
    prefix = write_bundle(
        tmp_path, {"ints": (types_pb2.DT_INT32, [3], raw)}, endianness=BundleHeaderProto.BIG
    )
    value = jg.train.load_variable(prefix, "ints")
    assert value.tolist() == [1, -2, 70000] and value.dtype == np.dtype("int32")


def test_a_dtype_jaxgraph_lacks_is_unimplemented(tmp_path):
    raw = np.array([1 + 2j], np.complex64).tobytes()
    prefix = write_bundle(tmp_path, {"z": (types_pb2.DT_COMPLEX64, [1], raw)})
    assert jg.train.list_variables(prefix) == [("z", [1])]
    with pytest.raises(errors.UnimplementedError) as e:
        jg.train.load_variable(prefix, "z")
    assert e.value.message == (
        f"tensor 'z' in TensorFlow checkpoint '{prefix}' has dtype DT_COMPLEX64, which jaxgraph has no counterpart for"
    )


def test_a_newer_bundle_version_and_bad_entries_are_refused(tmp_path):
    prefix = write_bundle(tmp_path, {}, min_consumer=2)
    with pytest.raises(errors.InvalidArgumentError) as e:
        jg.train.load_checkpoint(prefix)
    assert e.value.message == (
        f"TensorFlow checkpoint '{prefix}' needs a reader of format version >= 2 (bad: []); this one reads version 1"
    )
    prefix = write_bundle(tmp_path, {"w": (types_pb2.DT_FLOAT, [2], b"\0" * 4)})
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_variable(prefix, "w")
    assert e.value.message == (
        f"TensorFlow checkpoint data '{prefix}{DATA}' is corrupted: tensor 'w' of shape [2] and dtype "
        "float32 is recorded as 4 bytes"
    )
    prefix = write_bundle(tmp_path, {"w": (types_pb2.DT_FLOAT, [-1], b"")})
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_checkpoint(prefix)
    assert e.value.message == (
        f"TensorFlow checkpoint index '{prefix}.index' is corrupted: the entry of tensor 'w' has a shape that "
        "is not fully known: [-1]"
    )


def test_an_index_without_a_header_or_with_garbage_entries_is_data_loss(tmp_path):
    prefix = str(tmp_path / "x.ckpt")
    write_table(Path(prefix + ".index"), [(b"w", b"")])
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_checkpoint(prefix)
    assert e.value.message == (
        f"TensorFlow checkpoint index '{prefix}.index' is corrupted: it has no bundle header (the entry of the empty key)"
    )
    write_table(Path(prefix + ".index"), [(b"", b"\x08\x01"), (b"w", b"\xff\xff")])
    with pytest.raises(errors.DataLossError) as e:
        jg.train.load_checkpoint(prefix)
    assert e.value.message.startswith(
        f"TensorFlow checkpoint index '{prefix}.index' is corrupted: the entry of tensor 'w' is not a valid "
        "BundleEntryProto: "
    )


# ---- CRC-32C ---------------------------------------------------------------------------------
def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert crc32c(b"") == 0
    assert crc32c(b"\0" * 32) == 0x8A9136AA  # RFC 3720, B.4
    assert mask(0) == 0xA282EAD8


@settings(max_examples=15, derandomize=True, deadline=None)
@given(st.integers(0, 300_000), st.integers(0, 2**32 - 1))
@example(65536, 1)
@example(65536 + 255, 2)
def test_crc32c_of_long_inputs_equals_the_byte_at_a_time_crc(size, seed):
    """Inputs past 64 KiB are split into lanes and recombined; the result equals the plain loop."""
    from jaxgraph.train.tf_checkpoint import crc32c as module

    data = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    register = 0xFFFFFFFF
    for byte in data:
        register = module._TABLE_LIST[(register ^ byte) & 0xFF] ^ (register >> 8)
    assert crc32c(data) == register ^ 0xFFFFFFFF
