"""Slot Variables are created outside the caller's control dependencies (TF1's ``init_scope``),
so ``with control_dependencies(UPDATE_OPS): apply_gradients(...)`` — TF-slim's batch-norm
pattern — leaves ``global_variables_initializer()`` runnable without feeds."""

from __future__ import annotations

import numpy as np
import pytest

import jaxgraph as jg


@pytest.mark.parametrize("optimizer", [jg.train.RMSPropOptimizer(0.1, momentum=0.9), jg.train.AdamOptimizer(0.1),
                                       jg.train.MomentumOptimizer(0.1, 0.9)])  # fmt: skip
def test_slots_initialize_without_the_feeds_of_the_control_dependencies(optimizer):
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, (2,), name="x")
        moving = jg.get_variable("moving", [2], initializer=jg.zeros_initializer(), trainable=False)
        w = jg.get_variable("w", [2], initializer=jg.ones_initializer())
        update = jg.assign_sub(moving, (moving - x) * 0.5)
        loss = jg.reduce_sum(w * x)
        with jg.control_dependencies([update]):
            train_op = optimizer.minimize(loss)
        init = jg.global_variables_initializer()
    slots = [optimizer.get_slot(w, name) for name in optimizer.get_slot_names()]
    assert slots and all(not slot.initializer.control_inputs for slot in slots)
    with jg.Session(graph=graph) as sess:
        sess.run(init)  # no feed for x needed
        sess.run(train_op, {x: np.array([2.0, 4.0], np.float32)})
        np.testing.assert_allclose(sess.run(moving), [1.0, 2.0])  # the update ran with the step
