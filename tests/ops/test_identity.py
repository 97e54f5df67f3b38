"""Identity ops (``jaxgraph.ops.identity``) against NumPy."""

from __future__ import annotations

import jaxgraph as jg
from tests.ops.structural import EACH_DTYPE, KNOWN, array_of, check_against_numpy


@KNOWN
@EACH_DTYPE
def test_ops_match_numpy(dtype, known):
    a = lambda *shape: array_of(shape, dtype)
    cases = [
        ("identity", jg.identity, lambda x: x, [a(2, 3)]),
        ("stop_gradient", jg.stop_gradient, lambda x: x, [a(3)]),
    ]
    check_against_numpy(cases, known)
