"""Construction ops (``jaxgraph.ops.construction``: fills) against NumPy, and their static shapes."""

from __future__ import annotations

import numpy as np

import jaxgraph as jg
from tests.ops.structural import EACH_DTYPE, KNOWN, array_of, check_against_numpy, check_static_shapes


@KNOWN
@EACH_DTYPE
def test_ops_match_numpy(dtype, known):
    a = lambda *shape: array_of(shape, dtype)
    fill = {jg.float32: 2.5, jg.int32: 7, jg.bool: True, jg.bfloat16: -1.5}[dtype]
    np_fill = np.asarray(fill, dtype.np)
    cases = [
        ("zeros_shape_of", lambda x: jg.zeros(jg.shape(x), dtype), lambda x: np.zeros_like(x), [a(2, 3)]),
        ("fill_shape_of", lambda x: jg.fill(jg.shape(x), fill, dtype), lambda x: np.full(x.shape, np_fill),
         [a(3, 1)]),
        ("fill", lambda: jg.fill([2, 1], fill, dtype), lambda: np.full((2, 1), np_fill), []),
        ("ones", lambda: jg.ones([3], dtype), lambda: np.ones(3, dtype.np), []),
        ("zeros_like", jg.zeros_like, np.zeros_like, [a(2, 3)]),
        ("ones_like", jg.ones_like, np.ones_like, [a(4)]),
        ("ones_like_f32", lambda x: jg.ones_like(x, jg.float32), lambda x: np.ones(x.shape, np.float32),
         [a(2)]),
    ]  # fmt: skip
    check_against_numpy(cases, known)


def test_static_shapes_with_unknown_dims():
    a = jg.placeholder(jg.float32, (None, 3))
    check_static_shapes([(jg.zeros(jg.shape(a)), [None, 3])])
