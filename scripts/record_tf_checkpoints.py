"""Record TensorFlow checkpoints (the V2 "tensor bundle" format) into
``tests/train/fixtures/tf_checkpoints/``, with what TensorFlow reads back from them.

Run it with a Python that has TensorFlow, in a scratch virtual environment outside the
repository (TensorFlow is never a jaxgraph dependency)::

    /tmp/tfvenv/bin/python scripts/record_tf_checkpoints.py

Each checkpoint is written by ``tf.compat.v1.train.Saver`` (``save_relative_paths=True``, no
``.meta`` file) into its own directory:

* ``mlp/``: the MLP of ``tests/train/tf_checkpoint_cases.py`` after 3 Adam steps
  (``model.ckpt-3``; int64 ``global_step``), and TF's own ``checkpoint`` index;
* ``dtypes/``: Variables of int64 (one beyond 32 bits), float64, bool, int32, uint8, float16,
  a scalar and a Variable of 0 elements;
* ``many/``: 600 scalar Variables with long names, so the ``.index`` table spans several data
  blocks;
* ``unsupported/``: a string Variable and a Variable partitioned in two slices.

``recorded.json`` holds, per checkpoint, TF's ``tf.train.list_variables`` and every tensor's dtype
and values as ``tf.train.load_checkpoint`` reads them (none for ``unsupported/``; SHA-256 digests
of both for ``many/``), and for the MLP
the loss and every Variable after restoring into a new graph and taking one more training step.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import tensorflow.compat.v1 as tf

sys.path.insert(0, str(Path(__file__).parent))
from tf1_cases import load_cases  # noqa: E402

OUT = Path(__file__).parent.parent / "tests" / "train" / "fixtures" / "tf_checkpoints"
CASES = load_cases("train/tf_checkpoint_cases.py")
MANY = 600
LONG_NAME = "very_long_variable_name_" * 40


def save(directory: str, global_step: int | None = None) -> str:
    """Saves every global Variable of the default graph (initialized) into ``OUT/directory``."""
    path = OUT / directory
    path.mkdir(parents=True)
    saver = tf.train.Saver(save_relative_paths=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return saver.save(sess, str(path / "model.ckpt"), global_step=global_step, write_meta_graph=False)


def read_back(prefix: str, readable: bool = True) -> dict:
    """What TF's reader sees: the variable list and, when ``readable``, dtypes and values."""
    recorded = {"list_variables": [[n, list(s)] for n, s in tf.train.list_variables(prefix)]}
    if readable:
        reader = tf.train.load_checkpoint(prefix)
        dtypes = reader.get_variable_to_dtype_map()
        recorded["tensors"] = {
            name: {"dtype": dtypes[name].name, "value": reader.get_tensor(name).tolist()}
            for name in reader.get_variable_to_shape_map()
        }
    return recorded


def record_mlp() -> dict:
    """Trains the MLP, saves it, restores it into a new graph and takes one more step."""
    feed_of = lambda t: {t["x"]: CASES.FEATURES, t["y"]: CASES.LABELS}  # noqa: E731
    path = OUT / "mlp"
    path.mkdir(parents=True)
    with tf.Graph().as_default():
        t = CASES.build_mlp(tf)
        saver = tf.train.Saver(save_relative_paths=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(CASES.TRAINED_STEPS):
                sess.run(t["train"], feed_dict=feed_of(t))
            prefix = saver.save(sess, str(path / "model.ckpt"), global_step=t["step"], write_meta_graph=False)
    with tf.Graph().as_default():
        t = CASES.build_mlp(tf)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            saver.restore(sess, tf.train.latest_checkpoint(str(path)))
            loss, _ = sess.run([t["loss"], t["train"]], feed_dict=feed_of(t))
            after = {v.op.name: sess.run(v).tolist() for v in tf.global_variables()}
    return {**read_back(prefix), "next_step": {"loss": float(loss), "variables": after}}


def record_dtypes() -> dict:
    with tf.Graph().as_default():
        tf.Variable(np.array([1, -2, 3_000_000_000], np.int64), name="int64_wide")
        tf.Variable(np.array([[7, -8]], np.int64), name="int64_small")
        tf.Variable(np.array([0.1, -1e300, 2.5], np.float64), name="float64")
        tf.Variable(np.array([True, False, True]), name="bool")
        tf.Variable(np.array([[1, 2], [3, -4]], np.int32), name="int32")
        tf.Variable(np.array([0, 255, 7], np.uint8), name="uint8")
        tf.Variable(np.array([0.5, -65504.0], np.float16), name="float16")
        tf.Variable(np.float32(3.25), name="scalar")
        tf.Variable(np.zeros((0, 3), np.float32), name="empty")
        return read_back(save("dtypes"))


def record_many() -> dict:
    """600 Variables with ~1000-character names: TF's index blocks are 256 KiB, and names that
    differ early share little prefix, so the index spans three data blocks. TF's read-back is
    recorded as digests (``digest``), not 600 KB of names."""
    with tf.Graph().as_default():
        for i in range(MANY):
            tf.Variable(np.float32(i) / 4, name=f"layer_{i:03d}/" + LONG_NAME)
        recorded = read_back(save("many"))
    return {"count": len(recorded["list_variables"]), **{k: digest(v) for k, v in recorded.items()}}


def digest(value: object) -> str:
    """The SHA-256 of ``value`` as compact JSON with sorted keys (what the test recomputes)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def record_unsupported() -> dict:
    with tf.Graph().as_default():
        tf.Variable([b"hello", b"world"], name="words")
        tf.get_variable(
            "partitioned", (4, 2), initializer=tf.ones_initializer(), partitioner=tf.fixed_size_partitioner(2)
        )
        tf.Variable(np.float32(1.5), name="plain")
        return read_back(save("unsupported"), readable=False)


def main() -> None:
    tf.disable_v2_behavior()
    if OUT.exists():
        shutil.rmtree(OUT)
    recorded = {
        "_recorded_with": f"tensorflow {tf.__version__} (compat.v1)",
        "mlp": record_mlp(),
        "dtypes": record_dtypes(),
        "many": record_many(),
        "unsupported": record_unsupported(),
    }
    (OUT / "recorded.json").write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    for root, _, files in sorted(os.walk(OUT)):
        for name in sorted(files):
            print(os.path.join(root, name), os.path.getsize(os.path.join(root, name)))


if __name__ == "__main__":
    main()
