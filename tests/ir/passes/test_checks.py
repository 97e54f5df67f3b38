"""strip_cpu_only_checks: TF1's CPU-only checks (index ranges, integer division) leave programs
placed on an accelerator, at the top level and inside control-flow bodies; check_numerics stays."""

from __future__ import annotations

import numpy as np

import jaxgraph as jg
from jaxgraph.ir.passes import optimize, strip_cpu_only_checks


def _types(graph) -> list[str]:
    found = []
    for op in graph.operations:
        found.append(op.type)
        for value in op.attrs.values():
            if isinstance(value, jg.ir.Graph):
                found += _types(value)
    return found


def test_cpu_only_checks_are_dropped_everywhere_and_check_numerics_stays():
    g = jg.Graph()
    with g.as_default():
        table = jg.placeholder(jg.float32, (5, 2), name="table")
        ids = jg.placeholder(jg.int32, (3,), name="ids")
        n = jg.placeholder(jg.int32, (), name="n")
        rows = jg.gather(table, ids)
        total = jg.scan(lambda acc, i: acc + jg.gather(table, i), ids, initializer=jg.zeros((2,)))
        quotient = jg.floordiv(jg.constant(7), n)
        checked = jg.debugging.check_numerics(rows, "rows")
    program = optimize([checked, total, quotient], [table, ids, n])
    assert _types(program.graph).count("check_indices") == 2
    assert _types(program.graph).count("check_values") == 1
    stripped = strip_cpu_only_checks(program)
    kinds = _types(stripped.graph.verify())
    assert "check_indices" not in kinds and "check_values" not in kinds
    assert kinds.count("check_numerics") == 1
    assert strip_cpu_only_checks(stripped) is stripped  # nothing left to drop
    table_feed, ids_feed, n_feed = stripped.feeds
    table_value = np.arange(10, dtype=np.float32).reshape(5, 2)
    with jg.Session(graph=stripped.graph) as sess:
        got_rows, got_total, got_quotient = sess.run(
            stripped.fetches, {table_feed: table_value, ids_feed: [0, 4, 1], n_feed: 2}
        )
        np.testing.assert_array_equal(got_rows, table_value[[0, 4, 1]])
        np.testing.assert_array_equal(got_total, table_value[[0, 4, 1]].cumsum(0))  # TF1 scan: every step
        assert got_quotient == 3
        rows_only = stripped.fetches[0].op.inputs[0]  # the gather, unchecked: index 7 is not an error
        bad = sess.run(rows_only, {table_feed: table_value, ids_feed: [0, 4, 7], n_feed: 0})
    assert np.isnan(np.asarray(bad)[2]).all()  # as TF1's unchecked GPU kernels, jnp.take's fill
