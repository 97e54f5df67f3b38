"""tf.Print writes what TensorFlow writes (tf1_print_cases.py, recorded by
scripts/record_print_reference.py), passes its input through and its gradient."""

import json
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxgraph as jg
from tests.ops import tf1_print_cases as cases

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "tf1_print.json").read_text())


def test_stderr_matches_tensorflows(capsys):
    fetches = cases.build_cases(jg)
    with jg.Session() as sess:
        for fetch in fetches:
            jax.block_until_ready(sess.run(fetch))
    assert capsys.readouterr().err.splitlines() == REFERENCE["stderr"]


def test_value_passes_through_and_gradient_is_the_identitys(capsys):
    x = jg.constant([1.0, -2.0, 3.0])
    y = jg.Print(x, [x], "x: ")
    (grad,) = jg.gradients(jg.reduce_sum(y * y), [x])
    with jg.Session() as sess:
        value, g = sess.run([y, grad])
    np.testing.assert_array_equal(value, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(g, [2.0, -4.0, 6.0])
    assert capsys.readouterr().err == "x: [1 -2 3]\n"


def test_print_of_constants_is_not_folded_away(capsys):
    y = jg.Print(jg.constant(2.0) * 3.0, [jg.constant(7)], "seven: ")
    with jg.Session() as sess:
        assert sess.run(y) == 6.0
        assert sess.run(y) == 6.0
    assert capsys.readouterr().err == "seven: [7]\nseven: [7]\n"


def test_assert_and_case_match_tensorflow():
    with jg.Graph().as_default():
        assert cases.run_asserts(jg) == REFERENCE["asserts"]


def test_a_failed_assert_names_its_op_and_line_and_changes_nothing():
    v = jg.Variable(1.0)
    check = jg.Assert(v < 0.0, ["v must be negative:", v])
    with jg.control_dependencies([check]):
        update = v.assign_add(1.0)
    with jg.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(jg.errors.InvalidArgumentError) as info:
            sess.run(update)
        assert sess.run(v) == 1.0
    line = test_a_failed_assert_names_its_op_and_line_and_changes_nothing.__code__.co_firstlineno + 2
    assert str(info.value) == (
        f"assertion failed: [v must be negative:] [1]\n  op 'Assert' (assertion) defined at {__file__}:{line}"
    )


def test_case_runs_only_the_taken_branch_and_checks_its_arguments(capsys):
    n = jg.placeholder(jg.int32, [])
    result = jg.case(
        {
            n < 0: lambda: jg.Print(jg.constant(-1), [], "negative"),
            n >= 0: lambda: jg.Print(jg.constant(1), [], "other"),
        }
    )
    with jg.Session() as sess:
        assert sess.run(result, {n: 4}) == 1
    assert capsys.readouterr().err == "other\n"
    with pytest.raises(jg.errors.InvalidArgumentError, match="^fn for pred True must be callable.$"):
        jg.case([(True, 1)])


def test_check_ops_give_tensorflows_messages():
    with jg.Graph().as_default():
        assert cases.run_check_ops(jg) == REFERENCE["check_ops"]
