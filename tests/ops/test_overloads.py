"""Python operators on Tensors and Variables (jaxgraph/ops/overloads.py): each maps to the right
op type, with the operands in the right order, and computes NumPy's value; ``==`` stays identity.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import jaxgraph as jg
from tests.helpers import assert_close, run

X = np.array([[0.5, 1.5], [2.0, 1.25]], np.float32)
Y = np.array([[1.5, 0.75], [2.0, 0.5]], np.float32)
P = np.array([[True, True], [False, False]])
Q = np.array([[True, False], [True, False]])

ARITHMETIC = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
}
COMPARISONS = {
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
}
MIRRORED = {
    "less": "greater",
    "less_equal": "greater_equal",
    "greater": "less",
    "greater_equal": "less_equal",
}
LOGICAL = {"logical_and": operator.and_, "logical_or": operator.or_, "logical_xor": operator.xor}


def operand(kind: str, value: np.ndarray, name: str):
    """A Tensor (a constant) or a Variable holding ``value``."""
    if kind == "variable":
        return jg.Variable(value, name=name)
    return jg.constant(value, name=name)


def expect(out, op_type: str, first_input=None):
    """Checks ``out``'s op type (and, for reflected operators, that ``first_input`` comes first)."""
    assert isinstance(out, jg.Tensor), out
    assert out.op.type == op_type, (out.op.type, op_type)
    if first_input is not None:
        assert out.op.inputs[0].op.type == first_input, out.op.inputs[0].op
    return out


@pytest.mark.parametrize("kind", ["tensor", "variable"])
def test_arithmetic_operators(kind):
    x, y = operand(kind, X, "x"), operand(kind, Y, "y")
    outputs, references = {}, {}
    for op_type, fn in ARITHMETIC.items():
        outputs[f"{op_type} tensor"] = expect(fn(x, y), op_type)
        references[f"{op_type} tensor"] = fn(X, Y)
        outputs[f"{op_type} numpy left"] = expect(fn(Y, x), op_type, first_input="constant")
        references[f"{op_type} numpy left"] = fn(Y, X)
        if op_type != "matmul":
            outputs[f"{op_type} scalar right"] = expect(fn(x, 2), op_type)
            references[f"{op_type} scalar right"] = fn(X, np.float32(2))
            outputs[f"{op_type} scalar left"] = expect(fn(3.0, x), op_type, first_input="constant")
            references[f"{op_type} scalar left"] = fn(np.float32(3), X)
    outputs["neg"], references["neg"] = expect(-x, "neg"), -X
    outputs["abs"], references["abs"] = expect(abs(x - 1.0), "abs"), np.abs(X - 1)
    for key, value in run(outputs).items():
        assert_close(value, np.asarray(references[key], np.float32), rtol=1e-6)


def test_operators_keep_integer_and_weak_types():
    i = jg.constant(np.array([7, -7], np.int32))
    assert (i + 1).dtype is jg.int32 and (2 * i).dtype is jg.int32
    assert (i / 2).dtype is jg.float32 and (i + 0.5).dtype is jg.float32
    values = run([i // 2, i % 3, i**2, -i, abs(i), i / 2])
    for value, want in zip(values[:-1], [[3, -4], [1, 2], [49, 49], [-7, 7], [7, 7]], strict=True):
        assert_close(value, np.array(want, np.int32))
    assert_close(values[-1], np.array([3.5, -3.5], np.float32))


@pytest.mark.parametrize("kind", ["tensor", "variable"])
def test_comparison_operators(kind):
    x, y = operand(kind, X, "x"), operand(kind, Y, "y")
    outputs, references = {}, {}
    for op_type, fn in COMPARISONS.items():
        outputs[f"{op_type} tensor"] = expect(fn(x, y), op_type)
        references[f"{op_type} tensor"] = fn(X, Y)
        outputs[f"{op_type} scalar"] = expect(fn(x, 1.5), op_type)
        references[f"{op_type} scalar"] = fn(X, 1.5)
        # Python mirrors `1.5 < x` into `x > 1.5`
        outputs[f"{op_type} scalar left"] = expect(fn(1.5, x), MIRRORED[op_type])
        references[f"{op_type} scalar left"] = fn(1.5, X)
    for key, value in run(outputs).items():
        assert_close(value, references[key])


@pytest.mark.parametrize("kind", ["tensor", "variable"])
def test_logical_operators_on_bools(kind):
    p, q = operand(kind, P, "p"), operand(kind, Q, "q")
    outputs, references = {}, {}
    for op_type, fn in LOGICAL.items():
        outputs[f"{op_type} tensor"], references[f"{op_type} tensor"] = expect(fn(p, q), op_type), fn(P, Q)
        outputs[f"{op_type} left"] = expect(fn(True, q), op_type, first_input="constant")
        references[f"{op_type} left"] = fn(True, Q)
        outputs[f"{op_type} numpy"] = expect(fn(Q, p), op_type, first_input="constant")
        references[f"{op_type} numpy"] = fn(Q, P)
    outputs["invert"], references["invert"] = expect(~p, "logical_not"), ~P
    for key, value in run(outputs).items():
        assert_close(value, references[key])


def test_unary_plus_returns_the_tensor_itself():
    x = jg.constant(X)
    assert +x is x


@pytest.mark.parametrize("kind", ["tensor", "variable"])
def test_equality_is_identity_so_tensors_are_dict_keys(kind):
    a, b = operand(kind, X, "a"), operand(kind, X, "b")
    assert (a == a) is True and (a == b) is False
    assert (a != b) is True and (a != a) is False
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b" and len({a, b, a}) == 2
    assert hash(a) == hash(a)


def test_tensor_has_no_truth_value():
    x = jg.constant(1.0, name="flag")
    with pytest.raises(TypeError, match="using the jaxgraph Tensor 'flag:0' as a Python bool is not allowed"):
        bool(x)
