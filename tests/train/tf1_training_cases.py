"""Training-helper programs run twice: by the tests with jaxgraph, and by
scripts/record_train_reference.py with real TensorFlow, which records their results into
fixtures/tf1_training.json. Each case takes the ``tf`` module to use and returns plain values."""

from __future__ import annotations

import numpy as np

OPTIMIZERS = {
    "adagrad": ("AdagradOptimizer", {"learning_rate": 0.1}),
    "adagrad_initial_accumulator": (
        "AdagradOptimizer",
        {"learning_rate": 0.1, "initial_accumulator_value": 0.5},
    ),
    "adadelta": ("AdadeltaOptimizer", {"learning_rate": 1.0}),
    "adadelta_rho_epsilon": ("AdadeltaOptimizer", {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-6}),
    "ftrl": ("FtrlOptimizer", {"learning_rate": 0.1}),
    "ftrl_l1_l2": (
        "FtrlOptimizer",
        {"learning_rate": 0.1, "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02},
    ),
    "ftrl_power_shrinkage": (
        "FtrlOptimizer",
        {
            "learning_rate": 0.1,
            "learning_rate_power": -0.7,
            "l1_regularization_strength": 0.001,
            "l2_shrinkage_regularization_strength": 0.05,
        },
    ),
    "proximal_gd": ("ProximalGradientDescentOptimizer", {"learning_rate": 0.1}),
    "proximal_gd_l1_l2": (
        "ProximalGradientDescentOptimizer",
        {"learning_rate": 0.1, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1},
    ),
}

X = np.array([[1.0, 2.0], [-0.5, 0.3], [0.7, -1.2]], np.float32)
Y = np.array([[0.3, -0.1], [1.0, 0.4], [-0.6, 0.2]], np.float32)


def run_optimizer(tf, case: str, steps: int = 4) -> dict:
    """A linear least-squares model trained ``steps`` times: final weights and all Variable names."""
    class_name, kwargs = OPTIMIZERS[case]
    with tf.Graph().as_default():
        w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.3]], np.float32), name="w")
        b = tf.Variable(np.array([0.1, -0.2], np.float32), name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(tf.constant(X), w) + b - tf.constant(Y)))
        train = getattr(tf.train, class_name)(**kwargs).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train)
            return {
                "w": sess.run(w).tolist(),
                "b": sess.run(b).tolist(),
                "variables": sorted(v.op.name for v in tf.global_variables()),
            }


STEPS = [0, 1, 5, 9, 10, 11, 15, 25, 100]


def run_schedules(tf) -> dict:
    """Every schedule at ``STEPS`` of an int32 global step."""
    with tf.Graph().as_default():
        step = tf.placeholder(tf.int32, [])
        t = tf.train
        schedules = {
            "exponential": t.exponential_decay(0.1, step, 10, 0.5),
            "exponential_staircase": t.exponential_decay(0.1, step, 10, 0.5, staircase=True),
            "natural_exp": t.natural_exp_decay(0.1, step, 10, 0.5),
            "inverse_time_staircase": t.inverse_time_decay(0.1, step, 10, 0.5, staircase=True),
            "piecewise": t.piecewise_constant(step, [5, 10], [1.0, 0.5, 0.1]),
            "polynomial": t.polynomial_decay(0.1, step, 10, 0.01, power=2.0),
            "polynomial_cycle": t.polynomial_decay(0.1, step, 10, 0.01, power=1.0, cycle=True),
            "cosine": t.cosine_decay(0.1, step, 10, alpha=0.1),
        }
        with tf.Session() as sess:
            return {
                name: [float(sess.run(value, {step: s})) for s in STEPS] for name, value in schedules.items()
            }


def run_moving_average(tf) -> dict:
    """Shadows of two Variables moved after each of three changes, with ``num_updates``."""
    with tf.Graph().as_default():
        v = tf.Variable(1.0, name="v")
        w = tf.Variable([2.0, 3.0], name="layer/w")
        count = tf.Variable(0, trainable=False, name="count")
        ema = tf.train.ExponentialMovingAverage(0.9, num_updates=count)
        changes = [tf.assign_add(v, 1.0), tf.assign(w, w * 2.0), tf.assign_add(count, 5)]
        with tf.control_dependencies(changes):
            update = ema.apply([v, w])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            history = []
            for _ in range(3):
                sess.run(update)
                history.append([float(sess.run(ema.average(v))), *map(float, sess.run(ema.average(w)))])
            return {
                "history": history,
                "average_name": ema.average_name(w),
                "restore_map": sorted([k, val.op.name] for k, val in ema.variables_to_restore().items()),
                "moving_average_variables": [
                    x.op.name for x in tf.get_collection("moving_average_variables")
                ],
            }
