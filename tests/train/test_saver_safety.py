"""jg.train.Saver against hostile directories and files: indexes naming files elsewhere, bad
arguments, killed and concurrent saves, and fuzzed checkpoint files (only ever DataLossError).

The property tests run a bounded, derandomized number of examples (``JAXGRAPH_FUZZ_EXAMPLES``
raises it, as in ``tests/ir/test_parser_fuzz.py``); the checkpoint file fuzz is in
``test_saver_fuzz.py``.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.train import checkpoint_lock
from jaxgraph.train.checkpoint_index import index_text, read_index
from tests.train.test_saver import REPO

LONG_RUN = "JAXGRAPH_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(
    max_examples=int(os.environ.get("JAXGRAPH_FUZZ_EXAMPLES", 100)),
    derandomize=not LONG_RUN,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def counter_graph(size: int = 3):
    """(graph, w, Saver of w with ``max_to_keep=1``)."""
    g = jg.Graph()
    with g.as_default():
        w = jg.Variable(jg.zeros((size,)), name="w")
        saver = jg.train.Saver(max_to_keep=1)
    return g, w, saver


def save_checkpoint(directory, value: float, step: int, base: str = "model") -> str:
    g, w, saver = counter_graph()
    with jg.Session(graph=g) as sess:
        w.load(np.full(3, value, np.float32), sess)
        return saver.save(sess, os.path.join(directory, base), global_step=step)


def restored_w(prefix: str) -> np.ndarray:
    g, w, saver = counter_graph()
    with jg.Session(graph=g) as sess:
        saver.restore(sess, prefix)
        return np.asarray(sess.run(w))


# ---- 1. the index never makes a Saver delete, or read, outside its directory ----------------------
def test_index_entries_outside_the_directory_are_ignored_with_a_warning(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "other").mkdir()
    precious = save_checkpoint(tmp_path / "other", 7.0, 1, base="precious")  # a real checkpoint
    index = tmp_path / "run" / "checkpoint"
    entries = ["../other/precious-1", precious, "sub/x", "..", "a\0b"]
    index.write_bytes(index_text(entries))
    warned = [
        f"checkpoint index '{index}' names {e!r}, which is not in its directory; ignored" for e in entries
    ]

    with pytest.warns(UserWarning) as caught:
        assert jg.train.latest_checkpoint(str(tmp_path / "run")) is None
    assert [str(w.message) for w in caught] == warned[-1:]
    with pytest.warns(UserWarning) as caught:
        save_checkpoint(tmp_path / "run", 1.0, 1)  # max_to_keep=1 would rotate them away
    assert [str(w.message) for w in caught] == warned
    assert sorted(os.listdir(tmp_path / "other")) == [
        ".checkpoint.lock",
        "checkpoint",
        "precious-1.json",
        "precious-1.safetensors",
    ]
    assert index.read_text() == 'model_checkpoint_path: "model-1"\nall_model_checkpoint_paths: "model-1"\n'
    np.testing.assert_array_equal(restored_w(precious), [7.0] * 3)


def test_symlinks_in_the_directory_are_removed_or_replaced_never_followed(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "other").mkdir()
    precious = save_checkpoint(tmp_path / "other", 7.0, 1, base="precious")
    for suffix in (".json", ".safetensors"):
        os.symlink(precious + suffix, tmp_path / "run" / f"link{suffix}")
    outside_index = tmp_path / "other" / "index"
    outside_index.write_bytes(index_text(["link"]))
    os.symlink(outside_index, tmp_path / "run" / "checkpoint")

    save_checkpoint(tmp_path / "run", 1.0, 2)  # adopts 'link' (a checkpoint), rotates it away
    assert sorted(os.listdir(tmp_path / "run")) == [
        ".checkpoint.lock",
        "checkpoint",
        "model-2.json",
        "model-2.safetensors",
    ]
    assert not os.path.islink(tmp_path / "run" / "checkpoint")
    assert outside_index.read_bytes() == index_text(["link"])
    np.testing.assert_array_equal(restored_w(precious), [7.0] * 3)


def test_absolute_entries_for_the_directory_itself_count_as_tf1_writes_them(tmp_path):
    prefix = save_checkpoint(tmp_path, 3.0, 5)
    (tmp_path / "checkpoint").write_text(f'model_checkpoint_path: "{tmp_path}/sub/../model-5"\n')
    assert jg.train.latest_checkpoint(str(tmp_path)) == prefix


# ---- 2. max_to_keep ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [-1, 2.5, True, "3", np.int64(-2)], ids=repr)
def test_max_to_keep_must_be_none_or_a_non_negative_int(value):
    with jg.Graph().as_default():
        jg.Variable(jg.zeros(()), name="v")
        with pytest.raises(errors.InvalidArgumentError) as info:
            jg.train.Saver(max_to_keep=value)
    assert info.value.message == (
        f"Saver max_to_keep must be None or an int >= 0 (None or 0 keeps every checkpoint), got {value!r}"
    )


def test_max_to_keep_zero_keeps_every_checkpoint_and_numpy_ints_count(tmp_path):
    g, w, _ = counter_graph()
    with g.as_default():
        keep_all, keep_two = jg.train.Saver(max_to_keep=0), jg.train.Saver(max_to_keep=np.int32(2))
    with jg.Session(graph=g) as sess:
        sess.run(w.initializer)
        for step in range(4):
            keep_all.save(sess, str(tmp_path / "all"), global_step=step)
            keep_two.save(sess, str(tmp_path / "two"), global_step=step, latest_filename="two_index")
    assert keep_all.last_checkpoints == [str(tmp_path / f"all-{s}") for s in range(4)]
    assert keep_two.last_checkpoints == [str(tmp_path / f"two-{s}") for s in (2, 3)]
    assert not os.path.exists(tmp_path / "two-1.json") and os.path.exists(tmp_path / "all-0.json")


# ---- 3. the RNG key ------------------------------------------------------------------------------
def rng_checkpoint(tmp_path):
    """(graph, saver, prefix, random op, next draw): a checkpoint holding an RNG key."""
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(3)
        jg.Variable(jg.zeros(()), name="v")
        draw = jg.random_uniform((2,))
        init = jg.global_variables_initializer()
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run([init, draw])
        prefix = saver.save(sess, str(tmp_path / "ckpt"))
        expected = np.asarray(sess.run(draw))
    return g, saver, prefix, draw, expected


@pytest.mark.parametrize(
    "key", [{"dtype": "uint32", "data": [1, 2, 3]}, {"dtype": "int32", "data": [1, 2]},
            {"dtype": "uint32", "data": [2**32, 0]}, {"dtype": "uint32", "data": [True, 0]},
            {"dtype": "uint32", "data": [[1, 2]]}, [1, 2]],
    ids=["3-values", "int32", "too-big", "bool", "nested", "list"],
)  # fmt: skip
def test_a_bad_rng_key_is_data_loss_at_restore(tmp_path, key):
    g, saver, prefix, draw, expected = rng_checkpoint(tmp_path)
    metadata = json.loads(open(prefix + ".json").read())
    metadata["rng_key"] = key
    open(prefix + ".json", "w").write(json.dumps(metadata))
    with jg.Session(graph=g) as sess:
        first_draw = np.asarray(sess.run(draw))
    with jg.Session(graph=g) as sess:
        with pytest.raises(errors.DataLossError) as info:
            saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(draw), first_draw)  # the stream is untouched
    assert info.value.message == (
        f"checkpoint metadata '{prefix}.json' is corrupted: "
        "bad rng_key: want {'dtype': 'uint32', 'data': 2 integers}"
    )


def test_the_rng_key_round_trips(tmp_path):
    g, saver, prefix, draw, expected = rng_checkpoint(tmp_path)
    with jg.Session(graph=g) as sess:
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(draw), expected)


# ---- 4. temp files of a killed save --------------------------------------------------------------
def test_the_next_save_removes_a_killed_saves_temp_files_and_nothing_else(tmp_path):
    code = "import sys; from tests.train.test_saver import crash_child; crash_child(*sys.argv[1:])"
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path), "tensors", "middle"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = child.stdout.readline().split()
        assert line[:1] == ["PAUSED"], child.stderr.read()
        child.send_signal(signal.SIGKILL)  # holding the directory lock: the kernel releases it
    finally:
        child.kill()
        child.communicate(timeout=60)
    leftover = os.path.basename(line[1])
    assert re.fullmatch(rf"\.model-2\.safetensors\.tmp-{child.pid}-\d+", leftover)
    kept = [
        f".notes.txt.tmp-{child.pid}-1",  # not a checkpoint file
        f".model-9.json.tmp-{os.getpid()}-1",  # a live writer's
        ".model-9.json.tmp-0-1",  # no process id
        "model-9.json.tmp",
        "notes.json",
    ]
    for name in kept:
        (tmp_path / name).write_text("x")
    (tmp_path / f".dir.json.tmp-{child.pid}-1").mkdir()
    kept.append(f".dir.json.tmp-{child.pid}-1")

    g = jg.Graph()
    with g.as_default():
        w = jg.Variable(jg.zeros((1 << 20,)), name="w")
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run(w.initializer)
        saver.save(sess, str(tmp_path / "model"), global_step=3)
    assert sorted(os.listdir(tmp_path)) == sorted(
        kept
        + [".checkpoint.lock", "checkpoint"]
        + [f"model-{s}.{e}" for s in (1, 3) for e in ("json", "safetensors")]
    )


# ---- 5. one save at a time per directory ---------------------------------------------------------
def test_a_save_waits_for_the_directory_lock_then_raises(tmp_path, monkeypatch):
    g, w, saver = counter_graph()
    monkeypatch.setattr(checkpoint_lock, "LOCK_TIMEOUT_S", 0.2)
    lock = os.open(tmp_path / ".checkpoint.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with jg.Session(graph=g) as sess, pytest.raises(errors.DeadlineExceededError) as info:
            sess.run(w.initializer)
            saver.save(sess, str(tmp_path / "model"))
    finally:
        os.close(lock)
    assert info.value.message == (
        f"checkpoint directory '{tmp_path}' stayed locked by another save for 0.2 s "
        f"(lock file '{tmp_path}/.checkpoint.lock')"
    )
    assert os.listdir(tmp_path) == [".checkpoint.lock"]


def concurrent_child(directory: str, tag: str) -> None:
    """Run in a new process: 12 saves of ``w`` = tag + step into ``directory``, the same names as
    the other child's."""
    g, w, _ = counter_graph(size=50_000)
    with g.as_default():
        saver = jg.train.Saver(max_to_keep=3)
    with jg.Session(graph=g) as sess:
        for step in range(12):
            w.load(np.full(50_000, float(tag) + step, np.float32), sess)
            saver.save(sess, os.path.join(directory, "model"), global_step=step)


def test_two_processes_saving_into_one_directory_keep_every_listed_checkpoint_whole(tmp_path):
    code = "import sys; from tests.train.test_saver_safety import concurrent_child; concurrent_child(*sys.argv[1:])"
    children = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), tag], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for tag in ("100", "200")
    ]  # fmt: skip
    try:
        outputs = [child.communicate(timeout=240) for child in children]
    finally:
        for child in children:
            child.kill()
            child.communicate()
    assert [child.returncode for child in children] == [0, 0], [err for _, err in outputs]

    latest, listed = read_index(str(tmp_path / "checkpoint"))
    assert latest == "model-11" and 1 <= len(listed) <= 3
    g, w, _ = counter_graph(size=50_000)
    with g.as_default():
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        for name in listed:  # restore verifies every checksum
            saver.restore(sess, str(tmp_path / name))
            value = np.asarray(sess.run(w))
            step = int(name.split("-")[1])
            assert value[0] in (100.0 + step, 200.0 + step) and (value == value[0]).all(), name
    assert not [n for n in os.listdir(tmp_path) if ".tmp-" in n]


# ---- 7. siblings ---------------------------------------------------------------------------------
def test_save_into_a_missing_directory_raises_tf1s_error(tmp_path):
    g, w, saver = counter_graph()
    path = str(tmp_path / "missing" / "model")
    with jg.Session(graph=g) as sess, pytest.raises(errors.NotFoundError) as info:
        sess.run(w.initializer)
        saver.save(sess, path)
    assert info.value.message == f"Parent directory of {path} doesn't exist, can't save."
    assert not os.path.exists(tmp_path / "missing")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"save_path": "{tmp}/"}, "save_path '{tmp}/' names a directory, not a checkpoint prefix"),
        ({"save_path": "{tmp}/.."}, "save_path '{tmp}/..' names a directory, not a checkpoint prefix"),
        ({"save_path": "{tmp}/a\0b"}, "save_path must be a path (a str without NUL), got '{tmp}/a\\x00b'"),
        ({"save_path": 7}, "save_path must be a path (a str without NUL), got 7"),
        ({"latest_filename": "../index"}, "latest_filename must be a file name in the checkpoint directory, got '../index'"),
        ({"global_step": 2.5}, "global_step must be an int or an integer scalar Tensor or Variable, got 2.5"),
        ({"global_step": True}, "global_step must be an int or an integer scalar Tensor or Variable, got True"),
        ({"global_step": "../x"}, "global_step must be an int or an integer scalar Tensor or Variable, got '../x'"),
    ],
    ids=["trailing-slash", "dot-dot", "nul", "int-path", "latest-filename", "float-step", "bool-step", "str-step"],
)  # fmt: skip
def test_bad_save_arguments_raise_before_anything_is_written(tmp_path, kwargs, message):
    g, w, saver = counter_graph()
    args = {"save_path": "{tmp}/model", **kwargs}
    args = {k: v.format(tmp=tmp_path) if isinstance(v, str) else v for k, v in args.items()}
    with jg.Session(graph=g) as sess, pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(w.initializer)
        saver.save(sess, **args)
    assert info.value.message == message.format(tmp=tmp_path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("dtype, shape, described", [(jg.float32, (), "f32[]"), (jg.int32, (2,), "i32[2]")])
def test_a_global_step_tensor_must_be_an_integer_scalar(tmp_path, dtype, shape, described):
    g, w, saver = counter_graph()
    with g.as_default():
        line = inspect.currentframe().f_lineno + 1
        step = jg.zeros(shape, dtype, name="step")
    with jg.Session(graph=g) as sess, pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(w.initializer)
        saver.save(sess, str(tmp_path / "model"), global_step=step)
    assert info.value.message == f"global_step must be an integer scalar; 'step' is {described}"
    assert str(info.value).endswith(f"defined at {__file__}:{line}")


def test_restore_takes_the_callers_path_as_given_even_with_dot_dot(tmp_path):
    (tmp_path / "sub").mkdir()
    prefix = save_checkpoint(tmp_path, 4.0, 1)
    np.testing.assert_array_equal(restored_w(str(tmp_path / "sub" / ".." / "model-1")), [4.0] * 3)
    with pytest.raises(errors.InvalidArgumentError) as info:
        restored_w(prefix + "\0")
    assert info.value.message == f"save_path must be a path (a str without NUL), got {prefix + chr(0)!r}"


def test_latest_checkpoint_of_a_file_or_a_missing_directory_is_none(tmp_path):
    (tmp_path / "file").write_text("x")
    assert jg.train.latest_checkpoint(str(tmp_path / "file")) is None
    assert jg.train.latest_checkpoint(str(tmp_path / "missing")) is None


def test_an_index_that_is_a_directory_or_a_fifo_is_reported_not_waited_on(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "checkpoint").mkdir()
    (tmp_path / "f").mkdir()
    os.mkfifo(tmp_path / "f" / "checkpoint")
    for sub in ("d", "f"):
        path = tmp_path / sub / "checkpoint"
        with pytest.raises(errors.FailedPreconditionError) as info:
            jg.train.latest_checkpoint(str(tmp_path / sub))
        assert info.value.message == f"checkpoint index '{path}' is not a regular file"
        with pytest.raises(errors.FailedPreconditionError):
            save_checkpoint(tmp_path / sub, 1.0, 1)
        assert sorted(os.listdir(tmp_path / sub)) == [".checkpoint.lock", "checkpoint"]


def test_a_corrupted_index_is_replaced_by_the_next_save_with_a_warning(tmp_path):
    (tmp_path / "checkpoint").write_text('{"format": "jaxgraph-checkpoint-index"}')
    with pytest.warns(UserWarning) as caught:
        prefix = save_checkpoint(tmp_path, 1.0, 1)
    assert [str(w.message) for w in caught] == [
        f"checkpoint index '{tmp_path}/checkpoint' is corrupted: line 1 is not a 'field: value' line; "
        "it is replaced by a new index"
    ]
    assert jg.train.latest_checkpoint(str(tmp_path)) == prefix


def test_names_with_newlines_quotes_and_unicode_round_trip_through_the_index(tmp_path):
    name = 'mo"del\n\\ünï\tcode\x01'
    prefix = save_checkpoint(tmp_path, 2.0, 3, base=name)
    text = (tmp_path / "checkpoint").read_text()
    assert text.count("\n") == 2 and text.isascii()
    assert jg.train.latest_checkpoint(str(tmp_path)) == prefix == str(tmp_path / f"{name}-3")
    np.testing.assert_array_equal(restored_w(prefix), [2.0] * 3)


def test_a_directory_with_tf1s_checkpoint_index_and_files(tmp_path):
    tf_files = ["model.ckpt-1000.index", "model.ckpt-1000.data-00000-of-00001", "model.ckpt-1000.meta"]
    for name in tf_files:
        (tmp_path / name).write_bytes(b"tf")
    (tmp_path / "checkpoint").write_text(
        f'model_checkpoint_path: "{tmp_path}/model.ckpt-1000"\n'
        f'all_model_checkpoint_paths: "{tmp_path}/model.ckpt-900"\n'
        f'all_model_checkpoint_paths: "{tmp_path}/model.ckpt-1000"\n'
        "all_model_checkpoint_timestamps: 1571234567.25\n"
        "all_model_checkpoint_timestamps: 1.5712346e+09\n"
        "last_preserved_timestamp: 1571234000.5\n"
    )
    # TF's checkpoint (its .index exists) is the latest, and Saver.restore reads TF's format
    assert jg.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model.ckpt-1000")
    prefix = save_checkpoint(tmp_path, 1.0, 1)  # max_to_keep=1: TF's files stay, not being ours
    assert jg.train.latest_checkpoint(str(tmp_path)) == prefix
    assert all((tmp_path / name).read_bytes() == b"tf" for name in tf_files)
    assert read_index(str(tmp_path / "checkpoint")) == ("model-1", ["model-1"])


@pytest.mark.parametrize(
    "text, message",
    [
        ('all_model_checkpoint_paths: "a"\n', "it needs exactly one model_checkpoint_path"),
        ('model_checkpoint_path: "a"\nmodel_checkpoint_path: "b"\n', "it needs exactly one model_checkpoint_path"),
        ('model_checkpoint_path: "a\\q"\n', "line 1 has an unknown escape '\\\\q'"),
        ('model_checkpoint_path: "\\777"\n', "line 1 has an octal escape beyond a byte: \\777"),
        ('model_checkpoint_path: "a" "b"\n', "line 1 is not a 'field: value' line"),
        (b'model_checkpoint_path: "\xff"\n', "'utf-8' codec can't decode byte 0xff in position 24: invalid start byte"),
    ],
    ids=["no-latest", "two-latest", "bad-escape", "big-octal", "concatenated", "not-utf8"],
)  # fmt: skip
def test_malformed_indexes_are_data_loss(tmp_path, text, message):
    path = tmp_path / "checkpoint"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(errors.DataLossError) as info:
        jg.train.latest_checkpoint(str(tmp_path))
    assert info.value.message == f"checkpoint index '{path}' is corrupted: {message}"


@FUZZ
@given(
    st.lists(
        st.text(min_size=1).filter(lambda s: s not in (".", "..") and "/" not in s and "\0" not in s),
        min_size=1,
        max_size=4,
    )
)
def test_index_text_round_trips_any_names(names):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "checkpoint")
        with open(path, "wb") as f:
            f.write(index_text(names))
        latest, listed = read_index(path)
    assert latest == names[-1] and listed == [n for n in names[:-1] if n != names[-1]] + names[-1:]


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_fuzz_any_index_bytes_read_or_raise_data_loss(data):
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, "checkpoint"), "wb") as f:
            f.write(data)
        try:
            jg.train.latest_checkpoint(directory)
        except errors.DataLossError:
            pass


@pytest.mark.parametrize("spelling", ["model", "./model", "run//model"])
def test_resaving_the_newest_step_from_a_new_saver_never_rotates_it_away(tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    directory = tmp_path / ("run" if "run" in spelling else "")
    for value in (1.0, 2.0):  # each save_checkpoint is a new Saver(max_to_keep=1) adopting the index
        g, w, saver = counter_graph()
        with jg.Session(graph=g) as sess:
            w.load(np.full(3, value, np.float32), sess)
            prefix = saver.save(sess, spelling, global_step=1)
    assert prefix == f"{spelling}-1"
    np.testing.assert_array_equal(restored_w(prefix), [2.0] * 3)
    assert read_index(str(directory / "checkpoint")) == ("model-1", ["model-1"])
