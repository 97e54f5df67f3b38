"""``rolling.periodic_runs``: the repeating stretches of a signature sequence, checked against a
direct (slow) restatement of its contract on random sequences made of repeated motifs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxgraph.ir.passes.rolling import MAX_PERIOD, MIN_BLOCKS, MIN_OPS, periodic_runs


def _reference(ids: np.ndarray) -> list[tuple[int, int, int]]:
    """The contract, element by element: every maximal stretch where ``ids[i] == ids[i + p]``,
    longest first (ties: shortest period), each keeping the whole blocks of its free part."""
    n = len(ids)
    found = []
    for p in range(1, min(MAX_PERIOD, n // MIN_BLOCKS) + 1):
        i = 0
        while i < n - p:
            if ids[i] != ids[i + p]:
                i += 1
                continue
            j = i
            while j < n - p and ids[j] == ids[j + p]:
                j += 1
            blocks = (j - i + p) // p
            if blocks >= MIN_BLOCKS and blocks * p >= MIN_OPS:
                found.append((blocks * p, p, i, blocks))
            i = j
    found.sort(key=lambda f: (-f[0], f[1]))
    used = [False] * n
    runs = []
    for _, p, a, blocks in found:
        b = 0
        while b < blocks:
            free = 0
            while b + free < blocks and not any(used[a + (b + free) * p : a + (b + free + 1) * p]):
                free += 1
            if free >= MIN_BLOCKS and free * p >= MIN_OPS:
                runs.append((a + b * p, p, free))
                for k in range(a + b * p, a + (b + free) * p):
                    used[k] = True
            b += free + 1
    return runs


motifs = st.lists(st.integers(0, 3), min_size=1, max_size=9)
pieces = st.tuples(motifs, st.integers(1, 12))  # a motif and how many times it repeats


@settings(max_examples=60, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=6))
def test_periodic_runs_follow_the_contract(parts):
    ids = np.array([x for motif, times in parts for _ in range(times) for x in motif], dtype=np.int64)
    assert periodic_runs(ids) == _reference(ids)


def test_a_chain_of_three_layer_kinds():
    ids = np.concatenate([np.tile([0, 1, 2], 1000), np.tile([3, 4, 5, 6, 7], 1000), np.tile([8, 9], 1000)])
    assert periodic_runs(ids) == [(3000, 5, 1000), (0, 3, 1000), (8000, 2, 1000)]
