"""Fuzzing ``Saver.restore``: damaged checkpoint files only ever raise DataLossError.

Metadata JSON with a field set to a random value of any type or to a hostile one (200,000-deep
nesting, 5000-digit numbers, shapes beyond int64, names with separators or control characters),
deleted or renamed; safetensors files with a mutated JSON header or length prefix; either file
truncated or with bytes flipped, inserted or deleted. Restore then loads exactly the saved values
or raises a jaxgraph error, never RecursionError, ValueError, KeyError, TypeError or MemoryError.

CI runs a bounded, derandomized number of examples. A longer, randomized run::

    JAXGRAPH_FUZZ_EXAMPLES=100000 python -m pytest tests/train/test_saver_fuzz.py -q
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import struct
import tempfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxgraph as jg
from jaxgraph import errors
from tests.train.test_saver_safety import FUZZ, counter_graph

FUZZ_DIR = tempfile.mkdtemp(prefix="jaxgraph-saver-fuzz-")
atexit.register(shutil.rmtree, FUZZ_DIR, ignore_errors=True)
FUZZ_GRAPH, FUZZ_W, _ = counter_graph(size=4)
with FUZZ_GRAPH.as_default():
    jg.set_random_seed(1)
    FUZZ_STEP = jg.train.get_or_create_global_step()
    FUZZ_DRAW = jg.random_uniform(())
    FUZZ_SAVER = jg.train.Saver()
    _FUZZ_INIT = jg.global_variables_initializer()
with jg.Session(graph=FUZZ_GRAPH) as _sess:
    _sess.run([_FUZZ_INIT, FUZZ_DRAW])
    FUZZ_W.load(np.arange(4, dtype=np.float32), _sess)
    FUZZ_STEP.load(5, _sess)
    FUZZ_PREFIX = FUZZ_SAVER.save(_sess, os.path.join(FUZZ_DIR, "ckpt"), global_step=FUZZ_STEP)
PRISTINE_METADATA = open(FUZZ_PREFIX + ".json", "rb").read()
PRISTINE_TENSORS = open(FUZZ_PREFIX + ".safetensors", "rb").read()
HOSTILE_JSON = [
    "[" * 200_000 + "]" * 200_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "9" * 5000, "-" + "7" * 5000,
    "1e99999", "-0.0", "NaN", "Infinity", "true", "null", '""', "[]", "{}", "[9223372036854775808]",
    "[4611686018427387904, 4611686018427387904]", "[18446744073709551616]", "[-1]", "[1.5]", "[true]",
    '"a/../b"', '"\\u0000\\n\\u001b"', '"F32"', '"uint32"', '{"dtype": "uint32", "data": [1]}',
    '"' + "0" * 64 + '"', '"' + "z" * 64 + '"',
]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
METADATA_FIELDS = [("format",), ("version",), ("global_step",), ("rng_key",), ("rng_key", "dtype"),
                   ("rng_key", "data"), ("variables",), ("variables", "w"), ("variables", "w", "dtype"),
                   ("variables", "w", "shape"), ("variables", "w", "sha256")]  # fmt: skip
HEADER_FIELDS = [("w",), ("w", "dtype"), ("w", "shape"), ("w", "data_offsets"), ("__metadata__",),
                 ("__metadata__", "format")]  # fmt: skip
PLACEHOLDER = "\ue000HOSTILE\ue000"


@st.composite
def mutated_json(draw: st.DrawFn, text: bytes, fields: list[tuple[str, ...]]) -> bytes:
    """``text`` (a JSON object) with one field set to a random or hostile value, deleted, or a key
    renamed to one with separators or control characters."""
    doc = json.loads(text)
    path = draw(st.sampled_from(fields))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    kind = draw(st.sampled_from(["value", "hostile", "delete", "rename"]))
    if kind == "delete":
        del parent[path[-1]]
    elif kind == "rename":
        parent[draw(st.sampled_from(["w/../x", "/w", "w\n", "w\x00", "\x1b[2J", "w\\w", ""]))] = parent.pop(
            path[-1]
        )
    else:
        parent[path[-1]] = draw(JSON_VALUES) if kind == "value" else PLACEHOLDER
    raw = json.dumps(doc)
    return raw.replace(json.dumps(PLACEHOLDER), draw(st.sampled_from(HOSTILE_JSON))).encode()


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, or with a few bytes flipped, inserted or deleted."""
    if draw(st.booleans()):
        return data[: draw(st.integers(0, len(data) - 1))]
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "delete"]))
        if kind == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[pos]
    return bytes(data)


@st.composite
def mutated_header(draw: st.DrawFn) -> bytes:
    """The safetensors file with its JSON header mutated (length prefix fixed) or its length
    prefix replaced."""
    length = int.from_bytes(PRISTINE_TENSORS[:8], "little")
    body = PRISTINE_TENSORS[8 + length :]
    if draw(st.booleans()):
        return struct.pack("<Q", draw(st.integers(0, 2**64 - 1))) + PRISTINE_TENSORS[8:]
    header = draw(mutated_json(PRISTINE_TENSORS[8 : 8 + length], HEADER_FIELDS))
    return struct.pack("<Q", len(header)) + header + body


CHECKPOINT_FILES = st.one_of(
    st.tuples(mutated_json(PRISTINE_METADATA, METADATA_FIELDS), st.just(PRISTINE_TENSORS)),
    st.tuples(mutated_bytes(PRISTINE_METADATA), st.just(PRISTINE_TENSORS)),
    st.tuples(st.just(PRISTINE_METADATA), mutated_header()),
    st.tuples(st.just(PRISTINE_METADATA), mutated_bytes(PRISTINE_TENSORS)),
)


@FUZZ
@given(CHECKPOINT_FILES)
def test_fuzz_corrupted_checkpoints_restore_exactly_or_raise_data_loss(files):
    """The property: restore loads exactly the saved values, or raises DataLossError; or, when the
    damage renamed, reshaped or retyped a Variable consistently, the mismatch error (NotFoundError,
    InvalidArgumentError) about the checkpoint, or the version error."""
    for suffix, data in zip((".json", ".safetensors"), files):
        with open(FUZZ_PREFIX + suffix, "wb") as f:
            f.write(data)
    with jg.Session(graph=FUZZ_GRAPH) as sess:
        try:
            FUZZ_SAVER.restore(sess, FUZZ_PREFIX)
        except errors.DataLossError:
            return
        except (errors.NotFoundError, errors.InvalidArgumentError) as e:
            assert e.message.startswith(f"checkpoint '{FUZZ_PREFIX}' "), e.message
            return
        w, step = sess.run([FUZZ_W, FUZZ_STEP])
    np.testing.assert_array_equal(w, np.arange(4, dtype=np.float32))
    assert step == 5


def with_field(text: bytes, path: tuple[str, ...], raw: str | None) -> bytes:
    """``text`` (a JSON object) with the field at ``path`` set to the JSON text ``raw`` (deleted
    when None)."""
    doc = json.loads(text)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if raw is None:
        del parent[path[-1]]
        return json.dumps(doc).encode()
    parent[path[-1]] = PLACEHOLDER
    return json.dumps(doc).replace(json.dumps(PLACEHOLDER), raw).encode()


def with_header(raw_header: bytes) -> bytes:
    length = int.from_bytes(PRISTINE_TENSORS[:8], "little")
    return struct.pack("<Q", len(raw_header)) + raw_header + PRISTINE_TENSORS[8 + length :]


DEEP = "[" * 200_000 + "]" * 200_000
METADATA_CASES = {
    "deep-nesting": (DEEP.encode(), "truncated or corrupted: maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
    "5000-digit-step": (with_field(PRISTINE_METADATA, ("global_step",), "9" * 5000), "truncated or corrupted: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit"),
    "no-rng-key": (with_field(PRISTINE_METADATA, ("rng_key",), None), "corrupted: no rng_key"),
    "no-global-step": (with_field(PRISTINE_METADATA, ("global_step",), None), "corrupted: no global_step"),
    "bool-version": (with_field(PRISTINE_METADATA, ("version",), "true"), "corrupted: no format version"),
    "float-step": (with_field(PRISTINE_METADATA, ("global_step",), "5.0"), "corrupted: bad global_step 5.0"),
    "shape-overflows-int64": (with_field(PRISTINE_METADATA, ("variables", "w", "shape"), "[4611686018427387904, 4]"), "corrupted: bad entry for variable 'w'"),
    "dim-beyond-int64": (with_field(PRISTINE_METADATA, ("variables", "w", "shape"), "[18446744073709551616]"), "corrupted: bad entry for variable 'w'"),
    "list-dtype": (with_field(PRISTINE_METADATA, ("variables", "w", "dtype"), '["float32"]'), "corrupted: bad entry for variable 'w'"),
    "short-sha": (with_field(PRISTINE_METADATA, ("variables", "w", "sha256"), '"abc"'), "corrupted: bad entry for variable 'w'"),
    "variables-list": (with_field(PRISTINE_METADATA, ("variables",), "[]"), "corrupted: no variables"),
    "control-char-name": (with_field(PRISTINE_METADATA, ("variables", "w\x1b\n"), '{"dtype": 1}'), "corrupted: bad entry for variable 'w\\x1b\\n'"),
}  # fmt: skip
TENSOR_CASES = {
    "empty": (b"", "truncated or corrupted: Error while deserializing: header too small"),
    "huge-length": (b"\xff" * 8 + PRISTINE_TENSORS[8:], "truncated or corrupted: Error while deserializing: header too large"),
    "deep-header": (with_header(DEEP.encode()), "truncated or corrupted: Error while deserializing: invalid JSON in header: invalid type: sequence, expected struct HashMetadata at line 1 column 0"),
    "bad-dtype": (with_header(with_field(PRISTINE_TENSORS[8:8 + int.from_bytes(PRISTINE_TENSORS[:8], "little")], ("w", "dtype"), '"F8_E5M2"')), "truncated or corrupted: Error while deserializing: invalid shape, data type, or offset for tensor"),
}  # fmt: skip


@pytest.mark.parametrize("suffix, data, message", [(".json", *c) for c in METADATA_CASES.values()]
                         + [(".safetensors", *c) for c in TENSOR_CASES.values()],
                         ids=list(METADATA_CASES) + list(TENSOR_CASES))  # fmt: skip
def test_hostile_checkpoint_files_raise_data_loss_naming_the_file(suffix, data, message):
    files = {".json": PRISTINE_METADATA, ".safetensors": PRISTINE_TENSORS, suffix: data}
    for name, content in files.items():
        with open(FUZZ_PREFIX + name, "wb") as f:
            f.write(content)
    with jg.Session(graph=FUZZ_GRAPH) as sess, pytest.raises(errors.DataLossError) as info:
        FUZZ_SAVER.restore(sess, FUZZ_PREFIX)
    what = "checkpoint metadata" if suffix == ".json" else "checkpoint file"
    assert info.value.message == f"{what} '{FUZZ_PREFIX}{suffix}' is {message}"
