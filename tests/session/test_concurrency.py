"""Session under load: concurrent runs are atomic, each executable compiles exactly once, and
compiling one fetch set does not hold up runs of others."""

from __future__ import annotations

import threading

import numpy as np
from jax import monitoring

import jaxgraph as jg
from jaxgraph.session import session as session_module

THREADS = 8

_backend_compiles = [0]
monitoring.register_event_duration_secs_listener(
    lambda event, duration, **kw: (
        _backend_compiles.__setitem__(0, _backend_compiles[0] + 1)
        if event == "/jax/core/compile/backend_compile_duration"
        else None
    )
)
"""XLA compilations in this process (the listener cannot be removed; it only counts)."""


def run_threads(work, n: int = THREADS) -> None:
    """Runs ``work(i)`` on ``n`` threads started together; re-raises the first failure."""
    barrier, errors = threading.Barrier(n), []

    def target(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_8_threads_x_1000_assign_adds_give_the_exact_count_and_every_value_once():
    g = jg.Graph()
    with g.as_default():
        counter = jg.Variable(0, name="counter")
        increment = counter.assign_add(1)
    seen = [[] for _ in range(THREADS)]
    with jg.Session(graph=g) as sess:
        sess.run(counter.initializer)

        def work(i):
            for _ in range(1000):
                seen[i].append(int(sess.run(increment)))

        run_threads(work)
        assert int(sess.run(counter)) == THREADS * 1000
        assert sess.compile_count == 3
    values = sorted(v for per_thread in seen for v in per_thread)
    assert values == list(range(1, THREADS * 1000 + 1))  # each run saw and made one whole update
    assert all(per_thread == sorted(per_thread) for per_thread in seen)


def test_concurrent_different_fetch_sets_compile_each_once():
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 3), name="x")
        v = jg.Variable(jg.ones((3,)), name="v")
        fetch_sets = [
            jg.reduce_sum(x * v),
            [jg.reduce_max(x), jg.tanh(x)],
            {"mean": jg.reduce_mean(x + v), "v": v},
            jg.matmul(x, jg.reshape(v, (3, 1))),
        ]
        bump = v.assign_add(jg.ones((3,)))
    feeds = [{x: np.ones((2, 3), np.float32)}, {x: np.ones((5, 3), np.float32)}]  # two signatures each
    with jg.Session(graph=g) as sess:
        sess.run(v.initializer)
        compiles_before, backend_before = sess.compile_count, _backend_compiles[0]

        def work(i):
            for k in range(24):  # every thread runs every (fetch set, signature), in its own order
                j = (i + k) % (len(fetch_sets) * len(feeds))
                sess.run(fetch_sets[j % len(fetch_sets)], feeds[j // len(fetch_sets)])
                if k % 8 == i % 8:
                    sess.run(bump)

        run_threads(work)
        expected = len(fetch_sets) * len(feeds) + 1
        assert sess.compile_count - compiles_before == expected
        assert _backend_compiles[0] - backend_before <= expected  # no executable compiled twice by XLA
        np.testing.assert_array_equal(sess.run(v), np.full(3, 1.0 + THREADS * 3, np.float32))


def test_compiling_one_fetch_set_does_not_block_runs_of_others(monkeypatch):
    g = jg.Graph()
    with g.as_default():
        counter = jg.Variable(0, name="counter")
        increment = counter.assign_add(1)
        new_fetch = counter.value() * 2
    with jg.Session(graph=g) as sess:
        sess.run(counter.initializer)
        sess.run(increment)
        entered, release = threading.Event(), threading.Event()
        compile_fetches = session_module.compile_fetches

        def slow_compile(*args, **kwargs):
            entered.set()
            assert release.wait(30)
            return compile_fetches(*args, **kwargs)

        monkeypatch.setattr(session_module, "compile_fetches", slow_compile)
        results: list = []
        threads = [
            threading.Thread(target=lambda: results.append(int(sess.run(new_fetch)))) for _ in range(2)
        ]
        threads[0].start()
        assert entered.wait(30)
        threads[1].start()  # wants the same executable: waits for it rather than compiling again
        for _ in range(5):  # the run lock is free while the first thread compiles
            sess.run(increment)
        release.set()
        for t in threads:
            t.join()
        assert results == [12, 12] and sess.compile_count == 3
