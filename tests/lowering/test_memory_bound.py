"""When a compiled fetch set takes XLA's memory analysis: only where the bytes of its values
(``program_bytes``) cannot rule out a run that needs checking (``Executable.compile``)."""

from __future__ import annotations

import jax
import numpy as np

import jaxgraph as jg
from jaxgraph.lowering import executable as executable_module
from jaxgraph.lowering.executable import program_bytes


def _plan(sess):
    return list(sess._cache.values())[-1]


def test_program_bytes_counts_every_value_and_the_bodies_of_loops():
    with jg.Graph().as_default():
        x = jg.placeholder(jg.float32, (4, 8), name="x")
        y = jg.matmul(x, jg.ones((8, 2)))  # 4*8 + 8*2 + 4*2 floats
        assert program_bytes([x.op, y.op.inputs[1].op, y.op]) == 4 * (32 + 16 + 8)
        total = jg.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + jg.reduce_sum(x)), (0, 0.0))
        loop = total[1].op
        assert program_bytes([loop]) > sum(4 for _ in loop.outputs)  # its body's values count too


def test_program_bytes_is_unknown_for_a_value_of_unknown_shape():
    with jg.Graph().as_default():
        x = jg.placeholder(jg.float32, (None, 8), name="x")
        assert program_bytes([x.op]) is None


def test_a_small_program_runs_without_the_memory_analysis_but_reports_it_when_asked():
    with jg.Graph().as_default():
        v = jg.Variable(jg.zeros((3,)), name="v")
        step = v.assign_add(jg.constant([1.0, 2.0, 3.0]))
        with jg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(np.asarray(sess.run(step)), [1.0, 2.0, 3.0])
            executable = _plan(sess).executable
            assert executable._needed is executable_module._UNASKED and not executable._checked
            assert executable.needed_bytes == (
                executable._compiled.memory_analysis().output_size_in_bytes
                + executable._compiled.memory_analysis().temp_size_in_bytes
                - executable._compiled.memory_analysis().alias_size_in_bytes
            )


def test_a_program_whose_bound_reaches_the_checked_share_takes_the_analysis(monkeypatch):
    monkeypatch.setattr(executable_module, "device_memory", lambda device: (1 << 20, 1 << 20))
    monkeypatch.setattr(executable_module, "CHECKED_FRACTION", 1 << 20)  # every bound reaches it
    with jg.Graph().as_default():
        v = jg.Variable(jg.zeros((3,)), name="v")
        step = v.assign_add(jg.constant([1.0, 2.0, 3.0]))
        with jg.Session() as sess:
            sess.run(v.initializer)
            sess.run(step)
            executable = _plan(sess).executable
            assert executable._needed is not executable_module._UNASKED and executable._checked


def test_needed_bytes_is_unknown_where_xla_cannot_analyse_the_program():
    class Unanalysable:
        def memory_analysis(self):
            raise jax.errors.JaxRuntimeError("UNIMPLEMENTED: no memory analysis here")

    with jg.Graph().as_default():
        v = jg.Variable(jg.zeros((3,)), name="v")
        with jg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(np.asarray(sess.run(v)), [0.0, 0.0, 0.0])
            executable = _plan(sess).executable
            executable._compiled = Unanalysable()
            assert executable.needed_bytes is None
