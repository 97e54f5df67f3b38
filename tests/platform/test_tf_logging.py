"""tf.logging: TF1's levels and functions on the ``jaxgraph`` logger."""

import logging
import subprocess
import sys
import textwrap

import pytest

import jaxgraph as tf


@pytest.fixture
def records(caplog):
    logger = logging.getLogger("jaxgraph")
    level = logger.level
    caplog.set_level(logging.DEBUG, logger="jaxgraph")
    yield caplog
    logger.setLevel(level)


def test_levels_are_pythons():
    assert (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.ERROR, tf.logging.FATAL) == (
        10,
        20,
        30,
        40,
        50,
    )


def test_messages_reach_the_jaxgraph_logger_with_their_level(records):
    tf.logging.set_verbosity(tf.logging.INFO)
    tf.logging.debug("hidden")
    tf.logging.info("step %d", 3)
    tf.logging.warn("careful")
    tf.logging.error("bad")
    assert tf.logging.get_verbosity() == logging.INFO
    got = [(r.levelname, r.getMessage()) for r in records.records if r.name == "jaxgraph"]
    assert got == [("INFO", "step 3"), ("WARNING", "careful"), ("ERROR", "bad")]


def test_log_every_n_and_log_first_n_count_per_call_site(records):
    tf.logging.set_verbosity(tf.logging.INFO)
    for i in range(7):
        tf.logging.log_every_n(tf.logging.INFO, "every %d", 3, i)
        tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
    got = [r.getMessage() for r in records.records if r.name == "jaxgraph"]
    assert got == ["every 0", "first 0", "first 1", "every 3", "every 6"]


def test_a_program_that_logs_prints_tf1s_format_on_stderr_at_warn_by_default():
    source = """
        import jaxgraph as tf
        tf.logging.info("not shown")
        tf.logging.warning("shown")
        tf.logging.set_verbosity(tf.logging.INFO)
        tf.logging.info("now shown")
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert result.stderr == "WARNING:jaxgraph:shown\nINFO:jaxgraph:now shown\n"
