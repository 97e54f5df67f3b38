"""Adagrad, Adadelta, Ftrl, ProximalGradientDescent, the learning-rate schedules and
ExponentialMovingAverage against real TensorFlow's results (tf1_training_cases.py run by
scripts/record_train_reference.py into fixtures/tf1_training.json)."""

import json
from pathlib import Path

import numpy as np
import pytest

import jaxgraph as tf
from jaxgraph.errors import InvalidArgumentError
from tests.train import tf1_training_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_training.json").read_text())


@pytest.mark.parametrize("case", sorted(cases.OPTIMIZERS))
def test_optimizer_steps_and_slot_names_match_tf1(case):
    got, want = cases.run_optimizer(tf, case), REFERENCE["optimizers"][case]
    assert got["variables"] == want["variables"]
    np.testing.assert_allclose(got["w"], want["w"], rtol=2e-6, atol=2e-7)
    np.testing.assert_allclose(got["b"], want["b"], rtol=2e-6, atol=2e-7)


def test_schedules_match_tf1():
    got, want = cases.run_schedules(tf), REFERENCE["schedules"]
    assert sorted(got) == sorted(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-6, err_msg=name)


def test_moving_average_matches_tf1():
    got, want = cases.run_moving_average(tf), REFERENCE["moving_average"]
    np.testing.assert_allclose(got.pop("history"), want.pop("history"), rtol=1e-6)
    assert got == want


def test_moving_averages_restore_into_the_model(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    ema = tf.train.ExponentialMovingAverage(0.5)
    with tf.control_dependencies([tf.assign(w, w * 3.0)]):
        update = ema.apply([w])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(update)  # w = [3, 6]; shadow = 0.5 * [1, 2] + 0.5 * [3, 6] = [2, 4]
        path = saver.save(sess, str(tmp_path / "model"))
    with tf.Session() as sess:
        tf.train.Saver(ema.variables_to_restore()).restore(sess, path)
        np.testing.assert_allclose(sess.run(w), [2.0, 4.0])


def test_bad_arguments_raise_tf1s_errors():
    with pytest.raises(InvalidArgumentError, match="^initial_accumulator_value must be positive: 0.0$"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(
        InvalidArgumentError, match="^learning_rate_power 0.5 needs to be less than or equal to 0.0$"
    ):
        tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)
    with pytest.raises(
        InvalidArgumentError, match="^The length of boundaries should be 1 less than the length of values$"
    ):
        tf.train.piecewise_constant(tf.constant(1), [1, 2], [0.1])
    with pytest.raises(InvalidArgumentError, match="^global_step is required for exponential_decay.$"):
        tf.train.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(
        InvalidArgumentError, match="^The variables must be half, float, or double: n is int32$"
    ):
        tf.train.ExponentialMovingAverage(0.9).apply([tf.Variable(1, name="n")])
