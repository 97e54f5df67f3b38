"""``Saver.restore`` with TensorFlow's checkpoints: the MLP of tf_checkpoint_cases.py, trained by
real TensorFlow for 3 Adam steps (fixtures/tf_checkpoints/mlp/), restores into the same program
written with jaxgraph and takes the step TensorFlow took after restoring; names, shapes and dtypes
are checked and reported as for jaxgraph's own checkpoints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.train.checkpoint_index import read_index
from tests.session.test_64bit import MODES, X64_NOTE
from tests.train import tf_checkpoint_cases as cases

FIXTURES = Path(__file__).parent / "fixtures" / "tf_checkpoints"
RECORDED = json.loads((FIXTURES / "recorded.json").read_text())


def build(extra=None):
    """The MLP program in a new graph; ``extra(tf)`` adds to it before the Saver is made."""
    g = jg.Graph()
    with g.as_default():
        tensors = cases.build_mlp(jg)
        if extra is not None:
            extra(jg)
        tensors["saver"] = jg.train.Saver()
    return g, tensors


def feed(tensors):
    return {tensors["x"]: cases.FEATURES, tensors["y"]: cases.LABELS}


def test_restored_from_tensorflow_the_next_step_equals_tensorflows():
    g, t = build()
    with jg.Session(graph=g) as sess:
        t["saver"].restore(sess, jg.train.latest_checkpoint(str(FIXTURES / "mlp")))
        assert sess.run(t["step"]) == cases.TRAINED_STEPS  # TF's int64 global_step into jaxgraph's int32 one
        loss, _ = sess.run([t["loss"], t["train"]], feed_dict=feed(t))
        after = {v.op.name: np.asarray(sess.run(v)) for v in jg.global_variables()}
    want = RECORDED["mlp"]["next_step"]
    np.testing.assert_allclose(loss, want["loss"], rtol=1e-6)
    assert after.keys() == want["variables"].keys()
    for name, value in after.items():
        np.testing.assert_allclose(
            value, np.array(want["variables"][name], value.dtype), rtol=1e-5, atol=1e-8
        )
    assert after["global_step"] == cases.TRAINED_STEPS + 1


def test_a_tensorflow_directory_resumes_and_its_index_is_taken_over(tmp_path):
    """latest_checkpoint reads TF's ``checkpoint`` index; a jaxgraph save then rewrites the index,
    and TF's files, which jaxgraph did not write, are left alone (never rotated away)."""
    directory = tmp_path / "run"
    shutil.copytree(FIXTURES / "mlp", directory)
    tf_files = sorted(p.name for p in directory.iterdir())
    g, t = build()
    with g.as_default():
        saver = jg.train.Saver(max_to_keep=1)
    with jg.Session(graph=g) as sess:
        saver.restore(sess, jg.train.latest_checkpoint(str(directory)))
        sess.run(t["train"], feed_dict=feed(t))
        first = saver.save(sess, str(directory / "model.ckpt"), global_step=t["step"])
        sess.run(t["train"], feed_dict=feed(t))
        second = saver.save(sess, str(directory / "model.ckpt"), global_step=t["step"])
    assert (first, second) == (str(directory / "model.ckpt-4"), str(directory / "model.ckpt-5"))
    assert read_index(str(directory / "checkpoint")) == ("model.ckpt-5", ["model.ckpt-5"])
    assert jg.train.latest_checkpoint(str(directory)) == second
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        {*tf_files, ".checkpoint.lock", "model.ckpt-5.json", "model.ckpt-5.safetensors"}
    )


def test_missing_and_unexpected_variables_are_reported_together():
    """A port that uses another optimizer and adds a layer: every difference in one error."""

    def extra(tf):
        with tf.variable_scope("head"):
            tf.get_variable("w", (3, 1))

    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 4), name="x")
        with jg.variable_scope("dense"):
            w = jg.get_variable("kernel", (4, 5))
            jg.get_variable("bias", (5,))
        extra(jg)
        jg.train.GradientDescentOptimizer(0.1).minimize(jg.reduce_sum(jg.matmul(x, w)))
        saver = jg.train.Saver()
    prefix = str(FIXTURES / "mlp" / "model.ckpt-3")
    with jg.Session(graph=g) as sess, pytest.raises(errors.NotFoundError) as e:
        saver.restore(sess, prefix)
    assert e.value.message == (
        f"checkpoint '{prefix}' does not match the Saver's Variables:\n"
        "  missing from the checkpoint: 'head/w'\n"
        "  not in the graph: 'beta1_power', 'beta2_power', 'dense/bias/Adam', 'dense/bias/Adam_1', "
        "'dense/kernel/Adam', 'dense/kernel/Adam_1', 'global_step', 'logits/bias', 'logits/bias/Adam', "
        "'logits/bias/Adam_1', 'logits/kernel', 'logits/kernel/Adam', 'logits/kernel/Adam_1'"
    )


def test_reshaped_and_retyped_variables_are_reported():
    g = jg.Graph()
    with g.as_default():
        kernel = jg.Variable(np.zeros((4, 6), np.float32), name="dense/kernel")
        power = jg.Variable(np.float64(0), name="beta1_power")
        saver = jg.train.Saver([kernel, power])
    prefix = str(FIXTURES / "mlp" / "model.ckpt-3")
    with jg.Session(graph=g) as sess, pytest.raises(errors.InvalidArgumentError) as e:
        saver.restore(sess, prefix)
    assert e.value.message == (
        f"checkpoint '{prefix}' does not match the Saver's Variables:\n"
        "  'dense/kernel' is f32[4,5] in the checkpoint but f32[4,6] in the graph\n"
        "  'beta1_power' is f32[] in the checkpoint but f64[] in the graph"
    )


def dtypes_graph(**declared):
    """Variables named as in fixtures/tf_checkpoints/dtypes/, of the given NumPy dtypes and shapes."""
    g = jg.Graph()
    with g.as_default():
        variables = [
            jg.Variable(np.zeros(shape, dtype), name=name) for name, (dtype, shape) in declared.items()
        ]
        saver = jg.train.Saver(variables)
    return g, variables, saver


def test_every_dtype_restores_and_integers_of_other_widths_convert_when_they_fit():
    g, variables, saver = dtypes_graph(
        int64_small=(np.int32, (1, 2)),  # TF's int64 into an int32 Variable: the values fit
        bool=(np.bool_, (3,)),
        int32=(np.int32, (2, 2)),
        uint8=(np.uint8, (3,)),
        float16=(np.float16, (2,)),
        scalar=(np.float32, ()),
        empty=(np.float32, (0, 3)),
    )
    with jg.Session(graph=g) as sess:
        saver.restore(sess, str(FIXTURES / "dtypes" / "model.ckpt"))
        values = dict(zip([v.op.name for v in variables], sess.run(variables)))
    recorded, shapes = RECORDED["dtypes"]["tensors"], dict(RECORDED["dtypes"]["list_variables"])
    for name, value in values.items():
        want = np.array(recorded[name]["value"], recorded[name]["dtype"]).reshape(shapes[name])
        assert value.dtype == want.dtype or name == "int64_small", name
        np.testing.assert_array_equal(value, want, err_msg=name)
    assert values["int64_small"].dtype == np.int32 and values["empty"].shape == (0, 3)


@pytest.mark.parametrize("mode", MODES)
def test_float64_restores_exactly_with_x64_and_is_refused_where_float32_overflows(mode):
    """The float64 tensor holds -1e300: exact in x64 mode, and refused without it (it computes
    in float32, where -1e300 is -inf), as for jaxgraph's own checkpoints."""
    prefix = str(FIXTURES / "dtypes" / "model.ckpt")
    with jax.enable_x64(mode == "x64"):
        g, (doubles,), saver = dtypes_graph(float64=(np.float64, (3,)))
        with jg.Session(graph=g) as sess:
            if mode == "x64":
                saver.restore(sess, prefix)
                assert sess.run(doubles).tolist() == [0.1, -1e300, 2.5]
                return
            with pytest.raises(errors.InvalidArgumentError) as e:
                saver.restore(sess, prefix)
    assert e.value.message == (
        f"checkpoint '{prefix}' cannot be restored into Variable 'float64' without JAX's x64 mode: the value "
        f"-1e+300 at [1] does not fit in float32 (float64 {X64_NOTE}"
    )


def test_integers_that_do_not_fit_are_refused_and_nothing_is_loaded():
    g, variables, saver = dtypes_graph(int32=(np.int32, (2, 2)), int64_wide=(np.int32, (3,)))
    prefix = str(FIXTURES / "dtypes" / "model.ckpt")
    with jg.Session(graph=g) as sess:
        sess.run(jg.global_variables_initializer())
        with pytest.raises(errors.InvalidArgumentError) as e:
            saver.restore(sess, prefix)
        assert sess.run(variables[0]).tolist() == [[0, 0], [0, 0]]
    assert e.value.message == (
        f"checkpoint '{prefix}' cannot be restored into Variable 'int64_wide': the value 3000000000 at [2] "
        "of 'int64_wide' (int64) does not fit in int32"
    )


def test_a_partitioned_tensor_in_a_tensorflow_checkpoint_is_unimplemented():
    g = jg.Graph()
    with g.as_default():
        saver = jg.train.Saver({"partitioned": jg.Variable(np.zeros((4, 2), np.float32), name="p")})
    prefix = str(FIXTURES / "unsupported" / "model.ckpt")
    with jg.Session(graph=g) as sess, pytest.raises(errors.UnimplementedError) as e:
        saver.restore(sess, prefix)
    assert e.value.message == (
        f"tensor 'partitioned' in TensorFlow checkpoint '{prefix}' is partitioned into 2 slices "
        "(a partitioned Variable); jaxgraph reads only whole tensors"
    )
