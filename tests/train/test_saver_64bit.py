"""Checkpoints of 64-bit Variables: written in the declared dtype (I64/F64 in the safetensors
file) whichever JAX mode wrote them, byte for byte, and restored in both modes; a value beyond
32 bits restored without x64 mode is refused, naming the Variable."""

from __future__ import annotations

import jax
import numpy as np
import pytest
import safetensors.numpy

import jaxgraph as jg
from jaxgraph import errors
from tests.session.test_64bit import MODES, X64_NOTE

STEP = 2**31 - 5
DOUBLES = np.array([0.1, -2.5, 1e-3])


def _build(step: int, doubles_value: np.ndarray = DOUBLES):
    """A graph with an int64, a float64 and a float32 Variable, and an op setting the step."""
    graph = jg.Graph()
    with graph.as_default():
        steps = jg.Variable(jg.constant(0, jg.int64), name="step")
        doubles = jg.Variable(jg.zeros([3], jg.float64), name="doubles")
        weights = jg.Variable(jg.ones([2], jg.float32), name="weights")
        ops = {
            "set": jg.group(steps.assign(jg.constant(step, jg.int64)), doubles.assign(doubles_value)),
            "init": jg.global_variables_initializer(),
            "saver": jg.train.Saver(),
        }
    return graph, ops, (steps, doubles, weights)


def _save(mode: str, path: str, step: int = STEP, doubles: np.ndarray = DOUBLES) -> str:
    with jax.enable_x64(mode == "x64"):
        graph, ops, _ = _build(step, doubles)
        with jg.Session(graph=graph) as sess:
            sess.run(ops["init"])
            sess.run(ops["set"])
            return ops["saver"].save(sess, path)


@pytest.mark.parametrize("mode", MODES)
def test_64_bit_variables_are_saved_in_their_declared_dtype(tmp_path, mode):
    prefix = _save(mode, str(tmp_path / "model"))
    saved = safetensors.numpy.load_file(prefix + ".safetensors")
    assert {name: value.dtype for name, value in saved.items()} == {
        "step": np.int64,
        "doubles": np.float64,
        "weights": np.float32,
    }
    assert saved["step"] == STEP
    # float64 values computed in float32 without x64 mode: saved as their float32 values, widened
    want = DOUBLES if mode == "x64" else DOUBLES.astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(saved["doubles"], want)


def test_a_checkpoint_is_the_same_file_whichever_mode_wrote_it(tmp_path):
    exact = np.array([0.5, -2.5, 0.125])  # float64 values that float32 holds exactly
    prefixes = [_save(mode, str(tmp_path / mode), doubles=exact) for mode in MODES]
    x32, x64 = [open(p + ".json", "rb").read() for p in prefixes]  # dtypes, shapes, SHA-256s
    assert x32 == x64
    # the safetensors header's key order varies from save to save; the tensors do not
    x32, x64 = [safetensors.numpy.load_file(p + ".safetensors") for p in prefixes]
    assert {k: (v.dtype, v.tobytes()) for k, v in x32.items()} == {
        k: (v.dtype, v.tobytes()) for k, v in x64.items()
    }


@pytest.mark.parametrize("writer", MODES)
@pytest.mark.parametrize("reader", MODES)
def test_64_bit_checkpoints_restore_in_both_modes(tmp_path, writer, reader):
    prefix = _save(writer, str(tmp_path / "model"))
    with jax.enable_x64(reader == "x64"):
        graph, ops, (steps, doubles, weights) = _build(0)
        with jg.Session(graph=graph) as sess:
            ops["saver"].restore(sess, prefix)
            step, values, ones = [np.asarray(v) for v in sess.run([steps, doubles, weights])]
    assert step == STEP and step.dtype == (np.int64 if reader == "x64" else np.int32)
    exact = writer == reader == "x64"
    np.testing.assert_allclose(values, DOUBLES, rtol=0 if exact else 1e-7)
    assert values.dtype == (np.float64 if reader == "x64" else np.float32)
    np.testing.assert_array_equal(ones, [1.0, 1.0])


def test_an_int64_beyond_int32_restored_without_x64_mode_is_refused(tmp_path):
    prefix = _save("x64", str(tmp_path / "model"), step=2**40)
    graph, ops, (steps, *_) = _build(0)
    with jg.Session(graph=graph) as sess:
        sess.run(ops["init"])
        with pytest.raises(errors.InvalidArgumentError) as info:
            ops["saver"].restore(sess, prefix)
        assert sess.run(steps) == 0  # nothing loaded
    assert info.value.message == (
        f"checkpoint '{prefix}' cannot be restored into Variable 'step' without JAX's x64 mode: the "
        f"value 1099511627776 does not fit in int32 (int64 {X64_NOTE}"
    )
    assert info.value.op is steps.op
