"""Checks shared by the structural op families' tests (shape, construction, identity, joining,
indexing, selection): values, dtypes and static shapes against NumPy, gradients against
``jax.vjp``, and build errors.

Cases are built into one graph per check and run in one ``Session.run`` (one compile), both over
placeholders of the arrays' shapes and over placeholders whose dimensions are all unknown.
"""

from __future__ import annotations

import re

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close, run

RNG = np.random.default_rng(0)
DTYPES = [jg.float32, jg.int32, jg.bool, jg.bfloat16]
KNOWN = pytest.mark.parametrize("known", [True, False], ids=["known_dims", "unknown_dims"])
"""Parametrizes a test over placeholders of known shapes and of unknown dimensions."""
EACH_DTYPE = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)


def array_of(shape, dtype=jg.float32):
    """Distinct, deterministic values of ``dtype`` (alternating for bool)."""
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) - 3
    if dtype is jg.bool:
        return (values % 3 == 0).astype(np.bool_)
    return values.astype(dtype.np)


def placeholders_for(arrays, known):
    """Placeholders for ``arrays``: of their shapes, or with every dimension unknown."""
    return [
        jg.placeholder(jg.as_dtype(a.dtype), a.shape if known else [None] * a.ndim, name=f"in{i}")
        for i, a in enumerate(arrays)
    ]


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_against_numpy(cases, known):
    """Builds every ``(label, builder, numpy reference, input arrays)`` case in one graph, runs it
    once, and compares values, dtypes and static shapes (exact when ``known``, else compatible)."""
    graph, fetches, feeds, expected = jg.Graph(), {}, {}, {}
    with graph.as_default():
        for label, build, reference, arrays in cases:
            inputs = placeholders_for(arrays, known)
            feeds.update(zip(inputs, arrays))
            outs, wants = as_list(build(*inputs)), [np.asarray(w) for w in as_list(reference(*arrays))]
            assert len(outs) == len(wants), label
            for out, want in zip(outs, wants):
                static = out.shape.as_list()
                if known:
                    assert static == list(want.shape), (label, static, want.shape)
                else:
                    assert out.shape.is_compatible_with(want.shape), (label, static, want.shape)
            fetches[label], expected[label] = outs, wants
    results = run(fetches, feeds, graph)
    for label, wants in expected.items():
        for got, want in zip(results[label], wants):
            got = np.asarray(got)
            assert got.dtype == want.dtype and got.shape == want.shape, (label, got.dtype, got.shape)
            np.testing.assert_array_equal(got, want, err_msg=label)


def check_gradients(cases, known):
    """``jg.gradients`` of each ``(label, builder, jax reference, input shapes)`` case against
    ``jax.vjp``; then, as the ops are linear, the gradient of the gradient with respect to the
    cotangent must give the op applied to a new input."""
    graph, fetches, feeds, expected = jg.Graph(), {}, {}, {}
    with graph.as_default():
        for label, build, reference, shapes in cases:
            values = [RNG.normal(size=s).astype(np.float32) for s in shapes]
            xs = placeholders_for(values, known)
            ys = as_list(build(*xs))
            outs, vjp = jax.vjp(lambda *args, f=reference: as_list(f(*args)), *values)
            cotangents = [RNG.normal(size=o.shape).astype(np.float32) for o in outs]
            cs = placeholders_for(cotangents, known)
            grads = jg.gradients(ys, xs, grad_ys=cs)
            directions = [RNG.normal(size=s).astype(np.float32) for s in shapes]
            vs = placeholders_for(directions, known)
            again = jg.gradients(grads, cs, grad_ys=vs)
            feeds.update({**dict(zip(xs, values)), **dict(zip(cs, cotangents)), **dict(zip(vs, directions))})
            fetches[label] = [grads, again]
            expected[label] = [vjp(cotangents), as_list(reference(*directions))]
    results = run(fetches, feeds, graph)
    for label, (want_grads, want_again) in expected.items():
        got_grads, got_again = results[label]
        for got, want in zip(got_grads + got_again, list(want_grads) + want_again):
            assert_close(got, np.asarray(want), rtol=1e-5, atol=1e-5)


def check_static_shapes(cases):
    """Each ``(tensor, dims)``: the tensor's static shape is exactly ``dims``."""
    for k, (tensor, dims) in enumerate(cases):
        assert tensor.shape.as_list() == dims, (k, tensor)


def check_type_error(build, message):
    """``build()`` fails its type rule with ``message``, naming the op and the line of ``build``."""
    with pytest.raises(errors.InvalidArgumentError) as info:
        build()
    error = info.value
    assert error.message == message
    assert error.op is not None
    where = f"{build.__code__.co_filename}:{build.__code__.co_firstlineno}"
    assert str(error).endswith(f"({error.op.type}) defined at {where}")


def check_builder_error(build, message):
    """``build(x)`` for a 2x3 placeholder ``x`` fails in the builder with ``message``, having
    added no op but constants."""
    x = jg.placeholder(jg.float32, (2, 3), name="x")
    before = len(jg.get_default_graph().operations)
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(message)):
        build(x)
    assert all(op.type == "constant" for op in jg.get_default_graph().operations[before:])


def check_fails_when_run(bad, feeds):
    """Each ``(tensor, message)`` in ``bad`` fails when the graph runs with ``message``."""
    with jg.Session() as sess:
        for tensor, message in bad:
            with pytest.raises(
                errors.InvalidArgumentError, match=re.escape(message + " (when the graph ran)")
            ):
                sess.run(tensor, feeds)


def a23():
    """A 2x3 float placeholder named ``a``: the input of the type-error cases."""
    return jg.placeholder(jg.float32, (2, 3), name="a")
