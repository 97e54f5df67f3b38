"""Replays the TF1 reference cases of ``scripts/record_conv_reference.py`` through jaxgraph, and
checks gradients of one op against ``jax.vjp`` of its own lowering."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close

FIXTURE = Path(__file__).parent / "fixtures" / "conv_reference.npz"


@cache
def _reference() -> dict[str, np.ndarray]:
    with np.load(FIXTURE) as data:
        return {k: data[k] for k in data.files}


def replay(name: str, build, rtol: float = 1e-5, atol: float = 1e-5) -> None:
    """``build(**placeholders)`` against TF1's recorded outputs and gradients of case ``name``."""
    ref = _reference()
    inputs = {k.split("/")[-1]: v for k, v in ref.items() if k.startswith(f"{name}/in/")}
    holders = {k: jg.placeholder(jg.as_dtype(v.dtype), v.shape, name=k) for k, v in inputs.items()}
    result = build(**holders)
    result = list(result) if isinstance(result, (list, tuple)) else [result]
    outputs = sorted(k for k in ref if k.startswith(f"{name}/out/"))
    grads = {k.split("/")[-1]: v for k, v in ref.items() if k.startswith(f"{name}/grad/")}
    fetches = {"out": result[: len(outputs)]}
    if grads:
        fetches["grad"] = jg.gradients(
            result[0], [holders[k] for k in grads], grad_ys=ref[f"{name}/cotangent"]
        )
    with jg.Session() as sess:
        got = sess.run(fetches, {holders[k]: v for k, v in inputs.items()})
    for key, value in zip(outputs, got["out"]):
        assert_close(value, ref[key], rtol, atol)
    for expected, value in zip(grads.values(), got.get("grad", [])):
        assert_close(value, expected, rtol, atol)


def check_vjp(builder, *values, order: int = 1, no_gradient: tuple[int, ...] = ()) -> None:
    """The gradient graph of ``builder``'s op (and, with ``order=2``, of that gradient's first op
    for its inputs) against ``jax.vjp`` of the op's lowering, with random cotangents; the op's
    inputs at positions ``no_gradient`` must get none (as TF1 gives none)."""
    rng = np.random.default_rng(1)
    inputs = [jg.placeholder(jg.float32, v.shape) for v in values]
    y = builder(*inputs)
    if order == 2:  # differentiate the op's gradient op: y becomes dL/dx[0]
        cot = jg.constant(rng.normal(size=y.shape).astype(np.float32))
        y = jg.gradients(y, inputs[0], grad_ys=cot)[0]
    op = y.op
    none = [op.inputs[i] for i in no_gradient] if order == 1 else []
    assert jg.gradients(y, none) == [None] * len(none)
    floats = [
        t for i, t in enumerate(op.inputs) if t.dtype.is_floating and (order == 2 or i not in no_gradient)
    ]
    outs = [i for i, t in enumerate(op.outputs) if t.dtype.is_floating]  # top_k's indices have none
    cotangents = [rng.normal(size=op.outputs[i].shape).astype(np.float32) for i in outs]
    grads = jg.gradients([op.outputs[i] for i in outs], floats, grad_ys=[jg.constant(c) for c in cotangents])
    with jg.Session() as sess:
        got, args = sess.run([grads, list(op.inputs)], dict(zip(inputs, values)))
    positions = [i for i, t in enumerate(op.inputs) if any(t is f for f in floats)]

    def lowered(*xs):
        full = list(args)
        for i, x in zip(positions, xs):
            full[i] = x
        out = op.op_def.lower(*full, **op.attrs)
        return tuple(out[i] for i in outs) if isinstance(out, tuple) else (out,)

    _, vjp = jax.vjp(lowered, *[args[i] for i in positions])
    for g, expected in zip(got, vjp(tuple(cotangents))):
        assert_close(g, np.asarray(expected), rtol=1e-4, atol=1e-4)


def check_error(build, message: str, op_name: str, op_type: str) -> None:
    """``build()`` (a one-line lambda) raises ``message`` naming the op and the lambda's line."""
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    line = build.__code__.co_firstlineno
    assert info.value.message == message
    assert (
        str(info.value)
        == f"{message}\n  op '{op_name}' ({op_type}) defined at {build.__code__.co_filename}:{line}"
    )
