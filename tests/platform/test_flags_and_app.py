"""tf.app.flags / tf.flags and tf.app.run, run in subprocesses (absl's FLAGS is process-global)."""

import subprocess
import sys
import textwrap


def run_script(source: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args], capture_output=True, text=True, timeout=120
    )


def test_flags_parse_on_first_read_and_tolerate_unknown_flags():
    result = run_script(
        """
        import jaxgraph as tf
        flags = tf.app.flags
        flags.DEFINE_integer("batch_size", 32, "examples per step")
        flags.DEFINE_string("log_dir", "/tmp/logs", "where to log")
        flags.DEFINE_boolean("fake_data", False, "use fake data")
        flags.DEFINE_float("learning_rate", 0.01, "step size")
        FLAGS = flags.FLAGS
        print(FLAGS.batch_size, FLAGS.log_dir, FLAGS.fake_data, FLAGS.learning_rate)
        """,
        "--batch_size=8",
        "--fake_data",
        "--unknown_flag=1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "8 /tmp/logs True 0.01\n"


def test_tf_flags_is_tf_app_flags_and_values_can_be_set():
    result = run_script(
        """
        import jaxgraph as tf
        assert tf.flags is tf.app.flags
        tf.flags.DEFINE_integer("steps", 5, "")
        tf.flags.FLAGS.steps = 7
        print(tf.flags.FLAGS.steps, "steps" in tf.flags.FLAGS)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "7 True\n"


def test_app_run_parses_flags_calls_main_with_the_rest_and_exits_with_its_result():
    result = run_script(
        """
        import jaxgraph as tf
        tf.app.flags.DEFINE_integer("epochs", 1, "")
        FLAGS = tf.app.flags.FLAGS

        def main(argv):
            print(FLAGS.epochs, argv[1:])
            return 3

        tf.app.run()
        """,
        "--epochs=4",
        "extra",
    )
    assert result.stdout == "4 ['extra']\n", result.stderr
    assert result.returncode == 3


def test_app_run_with_an_explicit_main_and_argv():
    result = run_script(
        """
        import jaxgraph as tf
        tf.app.flags.DEFINE_string("mode", "train", "")
        tf.app.run(main=lambda argv: print(tf.app.flags.FLAGS.mode, argv), argv=["prog", "--mode=eval"])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "eval ['prog']\n"
