"""Small graphs that the IR tests print, compare with golden files, parse back and run.

They live in their own module because the printed text holds each op's source line
(``# graphs.py:LINE``): the goldens only change when a graph here changes. After editing this
file, regenerate them with ``JAXGRAPH_UPDATE_GOLDEN=1 pytest tests/ir`` and review the diff.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import ml_dtypes
import numpy as np

import jaxgraph as jg
from jaxgraph.ir import OpDef, TensorType


class Case(NamedTuple):
    """A graph plus how to run it: an init op (or None), fetches and feeds, all by name."""

    graph: jg.Graph
    fetches: list[str]
    feeds: dict[str, np.ndarray]
    init: str | None = None


def _probe_infer(x: TensorType, *, copies: int, **attrs: Any) -> TensorType | tuple:
    return x if copies == 1 else (x,) * copies


def _probe_lower(x: Any, *, copies: int, **attrs: Any) -> Any:
    return x if copies == 1 else (x,) * copies


PROBE = OpDef(
    type="ir_test_probe",
    default_name="Probe",
    attrs={"copies": 1, "i": 0, "f": 0.0, "b": False, "s": "", "t": (), "d": jg.float32, "g": None},
    infer=_probe_infer,
    lower=_probe_lower,
    grad=None,
)
"""A test-only op (registered by the tests that use it) with an attribute of every kind and
``copies`` identical outputs, so multi-output ops are covered whatever the op library has."""


def forward() -> Case:
    """DESIGN.md's forward example, small: placeholders, Variables in a scope, matmul + bias, reduce."""
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(7)
        x = jg.placeholder(jg.float32, shape=(None, 4), name="x")
        y = jg.placeholder(jg.int32, shape=(None,), name="y")
        with jg.name_scope("dense"):
            w = jg.Variable(jg.random_normal((4, 3), stddev=0.5), name="w")
            b = jg.Variable(jg.zeros((3,)), name="b")
        logits = jg.matmul(x, w) + b
        loss = jg.reduce_mean(jg.reduce_sum(logits, axis=1) * jg.cast(y, jg.float32))
        with jg.name_scope("dense"):
            h = jg.tanh(logits)
        jg.global_variables_initializer()
    feeds = {
        "x:0": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
        "y:0": np.array([0, 1, 2], np.int32),
    }
    return Case(g, [logits.name, loss.name, h.name], feeds, "init")


def attributes() -> Case:
    """Every attribute kind (of the probe op and real ops) and constants of every 32-bit-or-less dtype."""
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(5)
        x = jg.placeholder(jg.float32, shape=(2, 3), name="x")
        consts = [
            jg.constant([True, False], name="bools"),
            jg.constant(np.array([-128, 127], np.int8), name="i8"),
            jg.constant(np.array([[1, -2], [3, 2**31 - 1]], np.int32), name="i32"),
            jg.constant(np.array([0, 65535], np.uint16), name="u16"),
            jg.constant(np.array([0.1, 65504.0, 6e-8], np.float16), name="f16"),
            jg.constant(np.array([1.5, 0.1, -3e38], ml_dtypes.bfloat16), name="bf16"),
            jg.constant(np.array([np.nan, np.inf, -np.inf, 1e-30, -0.0, 0.1], np.float32), name="special"),
            jg.constant(np.float32(-np.float32(np.nan)), name="negative_nan"),
            jg.constant(np.arange(24, dtype=np.float32).reshape(4, 6) / 7, name="large"),
            jg.constant(np.arange(20, dtype=np.uint8) % 3 == 0, name="large_bools"),
        ]
        probe = g.create_op(
            "ir_test_probe",
            [x],
            {"i": -3, "f": 1e-30, "b": True, "s": 'say "hi"\n\tünïcödé ☃ \\', "d": None,
             "t": (1, (2.5, "a"), None, (), jg.bfloat16, False)},
        )  # fmt: skip
        pair = g.create_op("ir_test_probe", [x], {"copies": 2, "i": 2**40, "f": float("nan"), "d": jg.int8})
        infinities = g.create_op("ir_test_probe", [x], {"f": float("inf"), "t": (float("-inf"), -0.0)})
        both = pair.outputs[1] - pair.outputs[0] + probe.outputs[0] + infinities.outputs[0]
        draws = jg.random_uniform((2, 2), minval=-1.0, maxval=1e-30, seed=3)
        filled = jg.fill((2,), True, jg.bool)
        top = jg.argmax(x, axis=1)
        product = jg.matmul(x, x, transpose_b=True)
        kept = jg.reduce_max(x, axis=[0, 1], keepdims=True)
    fetches = [t.name for t in [*consts, both, draws, filled, top, product, kept]]
    return Case(g, fetches, {"x:0": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5})


def control() -> Case:
    """Control inputs, ``group``, ops without outputs, a device annotation and unknown dims."""
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, shape=(None, 2), name="x")
        e = jg.exp(x)
        with jg.control_dependencies([e]):
            after = jg.identity(x, name="after_exp")
        with jg.device("gpu:0"):
            jg.matmul(after, after, transpose_b=True, name="on_gpu")
        with jg.control_dependencies([after, e.op]):
            peak = jg.reduce_max(e, axis=[0], keepdims=True)
            positive = jg.where(jg.greater(x, 0.0), x, jg.zeros_like(x))
        jg.group(peak, positive, name="done")
        jg.no_op()
    return Case(g, [peak.name, positive.name, after.name], {"x:0": np.array([[1, -2], [0.5, 3]], np.float32)})


def nested() -> Case:
    """A sub-graph attribute (the form control-flow ops use), printed indented inside its op."""
    body = jg.Graph()
    with body.as_default():
        jg.set_random_seed(1)
        v = jg.placeholder(jg.float32, shape=(3,), name="v")
        jg.sigmoid(v, name="out")
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, shape=(3,), name="x")
        g.create_op("ir_test_probe", [x], {"g": body, "s": "body"}, name="loop")
    return Case(g, [], {})


CASES = {"forward": forward, "attributes": attributes, "control": control, "nested": nested}
RUNNABLE = ("forward", "attributes", "control")
