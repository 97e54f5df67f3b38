"""Shared test helpers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors


def run(fetches, feed_dict=None, graph=None):
    """Runs ``fetches`` in a new Session over ``graph`` (default graph), initializing Variables."""
    graph = graph or jg.get_default_graph()
    with graph.as_default():
        init = jg.global_variables_initializer()
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        return sess.run(fetches, feed_dict)


def assert_close(actual, expected, rtol=1e-5, atol=1e-6):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol)


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    """Imports ``examples/<name>.py`` (examples are scripts, not a package; while it runs,
    examples/ is on ``sys.path`` so it can import its siblings, as when run as a script)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


def check_build_error(build, message: str, op_name: str | None = None, op_type: str | None = None) -> None:
    """``build()`` (a one-line lambda) raises InvalidArgumentError ``message``; when it comes from
    an op's type rule, the error also names the op and the lambda's line."""
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    assert info.value.message == message
    if op_name is not None:
        code = build.__code__
        where = f"{code.co_filename}:{code.co_firstlineno}"
        assert str(info.value) == f"{message}\n  op '{op_name}' ({op_type}) defined at {where}"


def tanh_chain(layers: int, batch: int = 4, width: int = 16):
    """The placeholder ``x`` and the output of ``y = tanh(y @ W_i + b_i)`` for ``i < layers``
    (Variables ``W{i}``, ``b{i}``, seeded): the deep chain the rolling tests train."""
    x = jg.placeholder(jg.float32, (batch, width), name="x")
    y, rs = x, np.random.RandomState(0)
    for i in range(layers):
        w = jg.Variable(rs.randn(width, width).astype(np.float32) * 0.4, name=f"W{i}")
        b = jg.Variable(rs.randn(width).astype(np.float32) * 0.1, name=f"b{i}")
        y = jg.tanh(jg.matmul(y, w) + b)
    return x, y
