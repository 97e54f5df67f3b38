"""jg.train.Saver: round trips, rotation, exact resume in a new process, crash safety, corruption."""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.tracer import graph_file

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- a small model trained by Adam with a global step and dropout (random state) -----------------
def build_model(seed: int = 0):
    """(graph, init op, train op): linear regression with dropout, Adam and a global step."""
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(seed)
        x = jg.placeholder(jg.float32, (None, 4), name="x")
        y = jg.placeholder(jg.float32, (None, 1), name="y")
        with jg.name_scope("dense"):
            w = jg.Variable(jg.random_normal((4, 1), stddev=0.5), name="w")
            b = jg.Variable(jg.zeros((1,)), name="b")
        hidden = jg.nn.dropout(jg.matmul(x, w), rate=0.25)
        loss = jg.reduce_mean(jg.square(hidden + b - y), name="loss")
        step = jg.train.get_or_create_global_step()
        train = jg.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
        g.add_to_collection("train_op", train)
        init = jg.global_variables_initializer()
    return g, init, train


def batch(i: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(i)
    x = rng.normal(size=(8, 4)).astype(np.float32)
    return {"x:0": x, "y:0": (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)) + 0.1}


def train(sess, train_op, steps: range) -> None:
    for i in steps:
        sess.run(train_op, batch(i))


def state_of(sess) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Every Variable's value and the RNG key of ``sess``."""
    with sess.graph.as_default():
        names = [v.op.name for v in jg.global_variables()]
    return sess.snapshot(names)


def assert_same_state(a, b) -> None:
    (values_a, key_a), (values_b, key_b) = a, b
    assert sorted(values_a) == sorted(values_b)
    for name in values_a:
        assert values_a[name].dtype == values_b[name].dtype, name
        assert values_a[name].tobytes() == values_b[name].tobytes(), name
    assert key_a is not None and key_a.tobytes() == key_b.tobytes()


def resume_child(checkpoint_dir: str) -> None:
    """Run in a new process: restore the latest checkpoint, train steps 10..19, save."""
    g, _, train_op = build_model()
    with g.as_default():
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        saver.restore(sess, jg.train.latest_checkpoint(checkpoint_dir))
        train(sess, train_op, range(10, 20))
        print(saver.save(sess, os.path.join(checkpoint_dir, "model.ckpt"), global_step=20))


def run_child(code: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_resume_in_new_process_is_bitwise_exact(tmp_path):
    g, init, train_op = build_model()
    with jg.Session(graph=g) as sess:
        sess.run(init)
        train(sess, train_op, range(20))
        straight = state_of(sess)

    g, init, train_op = build_model()
    with g.as_default():
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run(init)
        train(sess, train_op, range(10))
        assert saver.save(sess, str(tmp_path / "model.ckpt"), global_step=10) == str(
            tmp_path / "model.ckpt-10"
        )

    code = "import sys; from tests.train.test_saver import resume_child; resume_child(sys.argv[1])"
    prefix = run_child(code, str(tmp_path))
    assert prefix == str(tmp_path / "model.ckpt-20")
    assert jg.train.latest_checkpoint(str(tmp_path)) == prefix

    g, _, _ = build_model()
    with g.as_default():
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        saver.restore(sess, prefix)
        resumed = state_of(sess)
    assert int(resumed[0]["global_step"]) == 20
    assert {"dense/w/Adam", "dense/w/Adam_1", "beta1_power", "beta2_power"} <= set(resumed[0])
    assert_same_state(straight, resumed)


def test_round_trip_of_every_dtype_step_and_random_stream(tmp_path):
    g = jg.Graph()
    with g.as_default():
        values = {
            "f32": np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
            "scope/bf16": np.array([1.5, -2.25], ml_dtypes.bfloat16),
            "f16": np.array(0.1, np.float16),
            "i8": np.array([-128, 127], np.int8),
            "u16": np.array([[0, 65535]], np.uint16),
            "flags": np.array([True, False, True]),
            "empty": np.zeros((0, 3), np.float32),
        }
        variables = {
            n: jg.Variable(jg.zeros(a.shape, jg.as_dtype(a.dtype)), name=n) for n, a in values.items()
        }
        draw = jg.random_uniform((4,))
        step = jg.train.get_or_create_global_step()
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        for name, value in values.items():
            variables[name].load(value, sess)
        step.load(7, sess)
        sess.run(draw)
        prefix = saver.save(sess, str(tmp_path / "ckpt"), global_step=step)
        expected_draws = [np.asarray(sess.run(draw)) for _ in range(2)]
    assert prefix == str(tmp_path / "ckpt-7")
    metadata = json.loads((tmp_path / "ckpt-7.json").read_text())
    assert metadata["global_step"] == 7 and metadata["version"] == 1
    assert metadata["variables"]["scope/bf16"]["dtype"] == "bfloat16"
    assert metadata["variables"]["u16"]["shape"] == [1, 2]

    with jg.Session(graph=g) as sess:
        saver.restore(sess, prefix)
        restored, _ = sess.snapshot(list(values) + ["global_step"])
        assert [np.asarray(sess.run(draw)).tobytes() for _ in range(2)] == [
            d.tobytes() for d in expected_draws
        ]
    for name, value in values.items():
        assert restored[name].dtype == value.dtype and restored[name].tobytes() == value.tobytes(), name
    assert int(restored["global_step"]) == 7


def make_counter_graph(shape=(2,)):
    g = jg.Graph()
    with g.as_default():
        v = jg.Variable(jg.zeros(shape), name="v")
        bump = v.assign_add(jg.ones(shape))
    return g, v, bump


def test_max_to_keep_rotation_index_and_adoption_by_a_new_saver(tmp_path):
    g, v, bump = make_counter_graph()
    with g.as_default():
        saver = jg.train.Saver(max_to_keep=2)
    (tmp_path / "run").mkdir()
    base = str(tmp_path / "run" / "model")
    with jg.Session(graph=g) as sess:
        sess.run(v.initializer)
        for step in range(1, 4):
            sess.run(bump)
            saver.save(sess, base, global_step=step)
        assert saver.last_checkpoints == [f"{base}-2", f"{base}-3"]
        files = sorted(os.listdir(tmp_path / "run"))
        assert files == [
            ".checkpoint.lock",
            "checkpoint",
            "model-2.json",
            "model-2.safetensors",
            "model-3.json",
            "model-3.safetensors",
        ]
        assert (tmp_path / "run" / "checkpoint").read_text() == (  # TF1's CheckpointState text
            'model_checkpoint_path: "model-3"\n'
            'all_model_checkpoint_paths: "model-2"\n'
            'all_model_checkpoint_paths: "model-3"\n'
        )
        assert jg.train.latest_checkpoint(str(tmp_path / "run")) == f"{base}-3"

        with g.as_default():
            resumed = jg.train.Saver(max_to_keep=2)  # e.g. in a new process: adopts the index
        sess.run(bump)
        resumed.save(sess, base, global_step=4)
        assert resumed.last_checkpoints == [f"{base}-3", f"{base}-4"]
        assert not os.path.exists(f"{base}-2.json")

        with g.as_default():
            keep_all = jg.train.Saver(max_to_keep=None)
        for step in (5, 6, 7):
            keep_all.save(sess, base, global_step=step)
        assert keep_all.last_checkpoints == [f"{base}-{s}" for s in (3, 4, 5, 6, 7)]
        saver.restore(sess, f"{base}-3")
        np.testing.assert_array_equal(sess.run(v), [3.0, 3.0])
    assert jg.train.latest_checkpoint(str(tmp_path / "missing")) is None
    os.remove(f"{base}-7.json")
    assert jg.train.latest_checkpoint(str(tmp_path / "run")) is None


def test_var_list_dict_names_and_subset_restore(tmp_path):
    g = jg.Graph()
    with g.as_default():
        a = jg.Variable(jg.fill((2,), 1.0), name="a")
        jg.Variable(jg.fill((3,), 2.0), name="b")
        init = jg.global_variables_initializer()
        everything = jg.train.Saver()
        renamed = jg.train.Saver({"model/alpha": a})
        only_a = jg.train.Saver([a])
    with jg.Session(graph=g) as sess:
        sess.run(init)
        full = everything.save(sess, str(tmp_path / "full"))
        alias = renamed.save(sess, str(tmp_path / "alias"))
        a.load([5.0, 6.0], sess)
        only_a.restore(sess, full)  # the checkpoint's 'b' is not asked for: fine
        np.testing.assert_array_equal(sess.run(a), [1.0, 1.0])
        a.load([5.0, 6.0], sess)
        renamed.restore(sess, alias)
        np.testing.assert_array_equal(sess.run(a), [1.0, 1.0])
    assert list(json.loads((tmp_path / "alias.json").read_text())["variables"]) == ["model/alpha"]


def test_restore_reports_every_mismatch_together_and_loads_nothing(tmp_path):
    g = jg.Graph()
    with g.as_default():
        jg.Variable(jg.zeros((2, 3)), name="w")
        jg.Variable(jg.zeros((3,)), name="b")
        jg.Variable(jg.zeros((), jg.int32), name="count")
        jg.Variable(jg.zeros((4,)), name="old")
        init = jg.global_variables_initializer()
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run(init)
        prefix = saver.save(sess, str(tmp_path / "ckpt"))

    g2 = jg.Graph()
    with g2.as_default():
        w = jg.Variable(jg.ones((3, 2)), name="w")
        jg.Variable(jg.ones((3,)), name="b")
        jg.Variable(jg.ones((), jg.float32), name="count")
        jg.Variable(jg.ones(()), name="new")
        jg.Variable(jg.ones(()), name="extra")
        init = jg.global_variables_initializer()
        saver = jg.train.Saver()
    with jg.Session(graph=g2) as sess:
        sess.run(init)
        with pytest.raises(errors.NotFoundError) as info:
            saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(w), np.ones((3, 2)))
    assert info.value.message == (
        f"checkpoint '{prefix}' does not match the Saver's Variables:\n"
        "  missing from the checkpoint: 'new', 'extra'\n"
        "  not in the graph: 'old'\n"
        "  'w' is f32[2,3] in the checkpoint but f32[3,2] in the graph\n"
        "  'count' is i32[] in the checkpoint but f32[] in the graph"
    )


def saved_checkpoint(tmp_path, size: int = 1000) -> tuple[jg.Graph, jg.train.Saver, str]:
    g = jg.Graph()
    with g.as_default():
        w = jg.Variable(jg.zeros((size,)), name="w")
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        w.load(np.arange(size, dtype=np.float32), sess)
        prefix = saver.save(sess, str(tmp_path / "ckpt"), global_step=1)
    return g, saver, prefix


def corrupt_truncate(path):
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])


def corrupt_flip_data_byte(path):
    data = bytearray(open(path, "rb").read())
    data[-5] ^= 0x40
    open(path, "wb").write(bytes(data))


def corrupt_header(path):
    data = bytearray(open(path, "rb").read())
    data[8:12] = b"@@@@"
    open(path, "wb").write(bytes(data))


@pytest.mark.parametrize(
    "suffix, corrupt, message",
    [
        (".safetensors", corrupt_truncate, "checkpoint file '{path}' is truncated or corrupted: "),
        (".safetensors", corrupt_header, "checkpoint file '{path}' is truncated or corrupted: "),
        (
            ".safetensors",
            corrupt_flip_data_byte,
            "checkpoint file '{path}' is corrupted: variable 'w' fails its checksum",
        ),
        (".safetensors", os.remove, "checkpoint file '{path}' is missing"),
        (".json", corrupt_truncate, "checkpoint metadata '{path}' is truncated or corrupted: "),
    ],
    ids=["truncated", "bad-header", "flipped-byte", "missing-tensors", "truncated-metadata"],
)
def test_corrupted_checkpoint_raises_data_loss_naming_the_file(tmp_path, suffix, corrupt, message):
    g, saver, prefix = saved_checkpoint(tmp_path)
    path = prefix + suffix
    corrupt(path)
    with jg.Session(graph=g) as sess, pytest.raises(errors.DataLossError) as info:
        saver.restore(sess, prefix)
    assert info.value.message.startswith(message.format(path=path))


def test_missing_checkpoint_corrupted_index_and_uninitialized_save(tmp_path):
    g, saver, prefix = saved_checkpoint(tmp_path)
    with jg.Session(graph=g) as sess:
        with pytest.raises(errors.NotFoundError, match=re.escape(f"there is no file '{tmp_path}/nope.json'")):
            saver.restore(sess, str(tmp_path / "nope"))
        with pytest.raises(
            errors.FailedPreconditionError, match=r"^Attempting to use uninitialized Variable\(s\) 'w'$"
        ):
            saver.save(sess, str(tmp_path / "again"))
    assert not os.path.exists(tmp_path / "again.json")
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ck')
    with pytest.raises(errors.DataLossError) as info:
        jg.train.latest_checkpoint(str(tmp_path))
    assert info.value.message == (
        f"checkpoint index '{tmp_path}/checkpoint' is corrupted: line 2 is not a 'field: value' line"
    )


def test_no_pickle_anywhere(tmp_path, monkeypatch):
    g, saver, prefix = saved_checkpoint(tmp_path)
    for name in ("dumps", "loads", "dump", "load", "Pickler", "Unpickler"):
        monkeypatch.setattr(pickle, name, None)
    with jg.Session(graph=g) as sess:
        saver.restore(sess, prefix)
        saver.save(sess, str(tmp_path / "again"))
    g.save(str(tmp_path / "graph.jgir"))
    jg.load_graph(str(tmp_path / "graph.jgir"))
    data = open(prefix + ".safetensors", "rb").read()  # plain safetensors: u64 length, JSON header, bytes
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    assert header["w"]["dtype"] == "F32" and header["__metadata__"]["format"] == "jaxgraph-checkpoint"


# ---- crash safety: a save killed with SIGKILL at any point keeps the previous checkpoint ---------
def crash_child(checkpoint_dir: str, target: str, when: str) -> None:
    """Saves ckpt-1 (all ones), then pauses saving ckpt-2 (all twos) when writing ``target``
    (``tensors`` / ``index``) reaches ``when`` (``middle`` / ``before-rename``), for the parent
    to kill it."""
    import time

    g = jg.Graph()
    with g.as_default():
        w = jg.Variable(jg.zeros((1 << 20,)), name="w")  # 4 MiB
        saver = jg.train.Saver()
    base = os.path.join(checkpoint_dir, "model")
    with jg.Session(graph=g) as sess:
        w.load(np.ones(1 << 20, np.float32), sess)
        saver.save(sess, base, global_step=1)
        w.load(np.full(1 << 20, 2.0, np.float32), sess)

        def pause(temp, written, total):
            is_target = ".safetensors" in temp if target == "tensors" else "checkpoint.tmp" in temp
            if is_target and (written < total) == (when == "middle"):
                print("PAUSED", temp, written, total, flush=True)
                time.sleep(600)

        graph_file._CHUNK = 1 << 20
        graph_file.write_progress_hook = pause
        saver.save(sess, base, global_step=2)


@pytest.mark.parametrize(
    "target, when", [("tensors", "middle"), ("tensors", "before-rename"), ("index", "before-rename")]
)
def test_save_killed_mid_write_keeps_previous_checkpoint(tmp_path, target, when):
    code = "import sys; from tests.train.test_saver import crash_child; crash_child(*sys.argv[1:])"
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path), target, when],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline().split()
        assert line[:1] == ["PAUSED"], child.stderr.read()
        temp, written, total = line[1], int(line[2]), int(line[3])
        assert os.path.getsize(temp) == written and (written < total) == (when == "middle")
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL

    base = str(tmp_path / "model")
    assert jg.train.latest_checkpoint(str(tmp_path)) == f"{base}-1"
    g = jg.Graph()
    with g.as_default():
        w = jg.Variable(jg.zeros((1 << 20,)), name="w")
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        saver.restore(sess, f"{base}-1")
        np.testing.assert_array_equal(np.asarray(sess.run(w))[[0, -1]], [1.0, 1.0])
        if target == "index":  # ckpt-2 itself was complete: loadable, just not yet listed
            saver.restore(sess, f"{base}-2")
            np.testing.assert_array_equal(np.asarray(sess.run(w))[[0, -1]], [2.0, 2.0])
        else:
            assert not os.path.exists(f"{base}-2.json")


def test_get_checkpoint_state_and_checkpoint_exists(tmp_path):
    g = jg.Graph()
    with g.as_default():
        jg.Variable(jg.fill((2,), 1.0), name="v")
        init = jg.global_variables_initializer()
        saver = jg.train.Saver(max_to_keep=2)
    base = str(tmp_path / "model.ckpt")
    assert jg.train.get_checkpoint_state(str(tmp_path)) is None  # no index yet
    with jg.Session(graph=g) as sess:
        sess.run(init)
        for step in (1, 2, 3):
            saver.save(sess, base, global_step=step)
    state = jg.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == f"{base}-3"
    assert state.all_model_checkpoint_paths == [f"{base}-2", f"{base}-3"]
    assert jg.train.checkpoint_exists(f"{base}-3") and not jg.train.checkpoint_exists(f"{base}-1")

    (tmp_path / "checkpoint").write_text(  # TF1 writes absolute paths: they resolve in the directory
        f'model_checkpoint_path: "{tmp_path}/a"\nall_model_checkpoint_paths: "../elsewhere/b"\n'
    )
    with pytest.warns(UserWarning, match="names '../elsewhere/b', which is not in its directory; ignored"):
        state = jg.train.get_checkpoint_state(str(tmp_path))
    assert (state.model_checkpoint_path, state.all_model_checkpoint_paths) == (
        str(tmp_path / "a"), [str(tmp_path / "a")]
    )  # fmt: skip
    (tmp_path / "checkpoint").write_text('all_model_checkpoint_paths: "a"\n')
    index = tmp_path / "checkpoint"
    with pytest.raises(
        errors.DataLossError,
        match=f"^{re.escape(f'checkpoint index {str(index)!r} is corrupted: it needs exactly one')}",
    ):
        jg.train.get_checkpoint_state(str(tmp_path))
