"""Variables (jaxgraph/tracer/variables.py, initializers.py): naming, properties, collections,
``get_variable`` / ``variable_scope`` reuse, initializers' values, and use through a Session."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from tests.helpers import assert_close


def test_names_follow_scopes_and_are_made_unique():
    a = jg.Variable(1.0, name="w")
    b = jg.Variable(2.0, name="w")
    c = jg.Variable(3.0)
    with jg.name_scope("layer"):
        d = jg.Variable(jg.zeros((2,)), name="w")
    with jg.name_scope("layer"):
        e = jg.Variable(jg.zeros((2,)), name="w")
    assert [v.name for v in (a, b, c, d, e)] == ["w:0", "w_1:0", "Variable:0", "layer/w:0", "layer_1/w:0"]
    assert [v.op.name for v in (a, b, c, d, e)] == ["w", "w_1", "Variable", "layer/w", "layer_1/w"]
    assert a.initializer.name == "w/Assign" and e.initializer.name == "layer_1/w/Assign"


def test_properties_and_the_ops_a_variable_creates():
    v = jg.Variable(np.zeros((2, 3), np.int32), name="counts", trainable=False)
    assert (v.shape.as_list(), v.dtype, v.get_shape().as_list()) == ([2, 3], jg.int32, [2, 3])
    assert (v.op.type, v.op.name, v.graph) == ("variable", "counts", jg.get_default_graph())
    assert v.initializer.type == "assign" and v.initializer.inputs == (v.handle, v.initial_value)
    assert v.initial_value.name == "counts/initial_value:0"
    assert repr(v) == "<jaxgraph.Variable 'counts:0' shape=[2, 3] dtype=int32>"
    lines = [line.split("  #")[0] for line in str(jg.get_default_graph()).splitlines()]
    assert "  %counts = variable() {dtype=i32, shape=[2,3]} : ref<i32[2,3]>" in lines
    assert "  %counts/Assign = assign(%counts, %counts/initial_value) : i32[2,3]" in lines
    assert "  %counts/read = read(%counts) : i32[2,3]" in lines


def test_dtype_argument_converts_the_initial_value_and_callables_are_called():
    v = jg.Variable([1, 2], dtype=jg.float32, name="v")
    w = jg.Variable(lambda: jg.ones((3,)), name="w")
    assert v.dtype is jg.float32 and w.shape.as_list() == [3]
    assert w.initial_value.op.name == "w/Initializer/ones"
    with pytest.raises(errors.InvalidArgumentError, match="^Variable needs an initial_value$"):
        jg.Variable(name="empty")


def test_collections_and_trainable_variables():
    a = jg.Variable(1.0, name="a")
    step = jg.Variable(0, trainable=False, name="step")
    with jg.variable_scope("dense"):
        k = jg.get_variable("kernel", shape=(2, 2))
        s = jg.get_variable("scale", shape=(), trainable=False)
    assert jg.global_variables() == [a, step, k, s]
    assert jg.trainable_variables() == [a, k]
    assert jg.global_variables("dense") == [k, s] and jg.trainable_variables("dense") == [k]
    extra = jg.Variable(2.0, name="extra", collections=["my_vars"])
    assert jg.get_default_graph().get_collection("my_vars") == [extra]


def test_variable_scope_reuse_semantics():
    with jg.variable_scope("dense"):
        kernel = jg.get_variable("kernel", shape=(3, 4))
        with pytest.raises(errors.InvalidArgumentError) as info:
            jg.get_variable("kernel", shape=(3, 4))
    assert info.value.message == (
        "Variable dense/kernel already exists, disallowed. Did you mean to set reuse=True or "
        "reuse=jg.AUTO_REUSE in variable_scope?"
    )
    with jg.variable_scope("dense", reuse=True):
        assert jg.get_variable("kernel", shape=(3, 4)) is kernel
        assert jg.get_variable("kernel") is kernel
        with pytest.raises(errors.InvalidArgumentError) as info:
            jg.get_variable("bias", shape=(4,))
        assert info.value.message == (
            "Variable dense/bias does not exist, or was not created with get_variable(). Did you "
            "mean to set reuse=jg.AUTO_REUSE in variable_scope?"
        )
        with pytest.raises(errors.InvalidArgumentError) as info:
            jg.get_variable("kernel", shape=(4, 4))
        assert info.value.message == (
            "Trying to share Variable dense/kernel, but specified shape [4, 4] and found shape [3, 4]."
        )
        with jg.variable_scope("inner", reuse=False):  # reuse=False cannot switch reuse off (TF1)
            assert jg.get_variable_scope().reuse is True
    with jg.variable_scope("dense", reuse=jg.AUTO_REUSE):
        assert jg.get_variable("kernel", shape=(3, 4)) is kernel
        bias = jg.get_variable("bias", shape=(4,))
    assert bias.name == "dense/bias:0"
    assert isinstance(info.value, ValueError)  # TF1 code catching ValueError still works


def test_nested_variable_scopes_and_scope_objects():
    with jg.variable_scope("outer") as outer:
        with jg.variable_scope("inner"):
            x = jg.get_variable("x", shape=(), dtype=jg.int32)
    assert x.name == "outer/inner/x:0" and x.dtype is jg.int32
    with jg.variable_scope(outer, reuse=True):
        with jg.variable_scope("inner"):
            assert jg.get_variable("x") is x
    assert jg.get_variable_scope().name == ""


def test_get_variable_needs_a_shape_for_an_initializer_function():
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.get_variable("w", initializer=jg.zeros_initializer())
    assert info.value.message == "get_variable('w') needs a shape for its initializer"


def glorot_limit(fan_in: int, fan_out: int) -> float:
    return math.sqrt(6.0 / (fan_in + fan_out))


def test_initializers_values():
    jg.set_random_seed(7)
    big = (200, 150)
    variables = {
        "zeros": jg.get_variable("zeros", shape=(2, 3), initializer=jg.zeros_initializer()),
        "ones": jg.get_variable("ones", shape=(2, 3), initializer=jg.ones_initializer()),
        "constant": jg.get_variable("constant", shape=(2, 3), initializer=jg.constant_initializer(7.5)),
        "constant_list": jg.get_variable(
            "constant_list", shape=(3,), initializer=jg.constant_initializer([1, 2, 3])
        ),
        "int_default": jg.get_variable("int_default", shape=(2,), dtype=jg.int32),
        "tensor": jg.get_variable("tensor", initializer=jg.constant([1.0, 2.0])),
        "normal": jg.get_variable("normal", shape=big, initializer=jg.random_normal_initializer(1.0, 2.0)),
        "truncated": jg.get_variable(
            "truncated", shape=big, initializer=jg.truncated_normal_initializer(-1.0, 0.5)
        ),
        "uniform": jg.get_variable(
            "uniform", shape=big, initializer=jg.random_uniform_initializer(-3.0, 5.0)
        ),
        "glorot_default": jg.get_variable("glorot_default", shape=(60, 40)),
        "glorot_conv": jg.get_variable(
            "glorot_conv", shape=(3, 3, 16, 32), initializer=jg.glorot_uniform_initializer()
        ),
    }
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        values = {k: np.asarray(v) for k, v in sess.run(variables).items()}
    assert_close(values["zeros"], np.zeros((2, 3), np.float32))
    assert_close(values["ones"], np.ones((2, 3), np.float32))
    assert_close(values["constant"], np.full((2, 3), 7.5, np.float32))
    assert_close(values["constant_list"], np.array([1.0, 2.0, 3.0], np.float32))
    assert_close(values["int_default"], np.zeros(2, np.int32))
    assert_close(values["tensor"], np.array([1.0, 2.0], np.float32))
    normal, truncated, uniform = values["normal"], values["truncated"], values["uniform"]
    assert normal.mean() == pytest.approx(1.0, abs=0.05) and normal.std() == pytest.approx(2.0, rel=0.03)
    assert truncated.min() >= -2.0 and truncated.max() <= 0.0  # within two stddevs of the mean
    assert truncated.mean() == pytest.approx(-1.0, abs=0.02)
    assert truncated.std() == pytest.approx(0.5 * 0.88, rel=0.05)  # a truncated normal is narrower
    assert uniform.min() >= -3.0 and uniform.max() < 5.0 and uniform.mean() == pytest.approx(1.0, abs=0.05)
    for key, limit in [
        ("glorot_default", glorot_limit(60, 40)),
        ("glorot_conv", glorot_limit(3 * 3 * 16, 3 * 3 * 32)),
    ]:
        value = values[key]
        assert np.abs(value).max() <= limit and np.abs(value).max() > 0.95 * limit, key
        assert value.std() == pytest.approx(limit / math.sqrt(3), rel=0.1), key


def test_variable_scope_initializer_is_the_default():
    with jg.variable_scope("scoped", initializer=jg.constant_initializer(2.0)):
        v = jg.get_variable("v", shape=(2,))
        w = jg.get_variable("w", shape=(2,), initializer=jg.ones_initializer())
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        assert_close(v.eval(), np.full(2, 2.0, np.float32))
        assert_close(w.eval(), np.ones(2, np.float32))


def test_eval_load_and_assign_with_the_default_session():
    v = jg.Variable(np.zeros((2, 2), np.float32), name="v")
    doubled = v.assign(v * 2.0 + 1.0)
    with jg.Session() as sess:
        sess.run(v.initializer)
        assert_close(v.eval(), np.zeros((2, 2), np.float32))
        assert_close(doubled.eval(), np.ones((2, 2), np.float32))  # assign returns the new value
        assert_close(sess.run(doubled), np.full((2, 2), 3.0, np.float32))
        v.load(np.arange(4).reshape(2, 2))
        assert_close(v.eval(), np.arange(4, dtype=np.float32).reshape(2, 2))
        assert_close(
            sess.run(v.assign_add(np.ones((2, 2), np.float32))),
            np.arange(1, 5, dtype=np.float32).reshape(2, 2),
        )
        with pytest.raises(errors.InvalidArgumentError) as info:
            v.load(np.ones(3))
        assert info.value.message == "cannot load a value of shape [3] into Variable 'v' of shape [2,2]"
    with pytest.raises(errors.FailedPreconditionError, match="^no default Session"):
        v.eval()


def test_variables_initializer_subset_and_uninitialized_read():
    a = jg.Variable(1.0, name="a")
    b = jg.Variable(2.0, name="b")
    init_a = jg.variables_initializer([a], name="init_a")
    assert init_a.name == "init_a" and init_a.control_inputs == (a.initializer,)
    with jg.Session() as sess:
        sess.run(init_a)
        assert float(sess.run(a)) == 1.0
        with pytest.raises(errors.FailedPreconditionError) as info:
            sess.run(a + b)
        assert info.value.message.startswith("Attempting to use uninitialized Variable 'b': run ")
        assert re.search(r"op 'b' \(variable\) defined at .*test_variables\.py:\d+$", str(info.value))
        sess.run(jg.variables_initializer([b]))
        assert float(sess.run(a + b)) == 3.0


def test_assign_rejects_wrong_dtype_and_shape():
    v = jg.Variable(np.zeros(3, np.float32), name="v")
    with pytest.raises(errors.InvalidArgumentError) as info:
        v.assign(np.zeros(4, np.float32))
    assert info.value.message == "assign of a value of shape [4] to a Variable of shape [3]"
    with pytest.raises(errors.InvalidArgumentError, match=re.escape("has dtype int32, expected float32")):
        v.assign_add(jg.constant([1, 2, 3]))


def test_fetching_a_variable_runs_nothing_else(tmp_path):
    """A read made under control_dependencies carries them; fetching the Variable (object, name,
    ``eval``, a later ``value()``) or saving it must not run them, as in TF1."""
    v = jg.Variable(jg.zeros((2,)), name="v")
    bump = v.assign_add(jg.ones((2,)))
    with jg.control_dependencies([bump]):
        after_bump = v + 0.0  # reads v under the dependency
    plain = v.value()
    assert plain.op.control_inputs == () and after_bump.op.inputs[0].op.control_inputs == (bump.op,)
    with jg.Session() as sess:
        sess.run(v.initializer)
        for fetch in (v, "v:0", plain, [v, plain]):
            sess.run(fetch)
        assert_close(v.eval(), np.zeros(2, np.float32))
        saver = jg.train.Saver()
        saved = saver.save(sess, str(tmp_path / "ckpt"))
        assert_close(sess.run(v), np.zeros(2, np.float32))
        assert_close(sess.run(after_bump), np.ones(2, np.float32))  # this one does run the assign
        assert_close(sess.run(v), np.ones(2, np.float32))
        # fetched with its assign, a Variable gives its value after the run
        out = sess.run([bump, v])
        assert_close(out[0], np.full(2, 2.0, np.float32))
        assert_close(out[1], np.full(2, 2.0, np.float32))
        saver.restore(sess, saved)
        assert_close(sess.run(v), np.zeros(2, np.float32))


def test_module_assign_functions_write_variables():
    v = jg.Variable(np.array([1.0, 2.0], np.float32), name="v")
    set_op = jg.assign(v, [5.0, 6.0], name="set")
    add_op = jg.assign_add(v, [1.0, 1.0])
    sub_op = jg.assign_sub(v, jg.constant([0.5, 0.5]))
    assert (set_op.op.type, add_op.op.type, sub_op.op.type) == ("assign", "assign_add", "assign_sub")
    assert set_op.op.name == "set"
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(set_op), [5.0, 6.0])
        np.testing.assert_array_equal(sess.run(add_op), [6.0, 7.0])
        np.testing.assert_array_equal(sess.run(sub_op), [5.5, 6.5])
        np.testing.assert_array_equal(sess.run(v), [5.5, 6.5])


def test_module_assign_functions_need_a_variable_and_a_fixed_shape():
    v = jg.Variable(1.0, name="v")
    for fn in (jg.assign, jg.assign_add, jg.assign_sub):
        with pytest.raises(
            errors.InvalidArgumentError, match=f"^{fn.__name__} needs a Variable as ref, got Tensor$"
        ):
            fn(jg.constant(1.0), 2.0)
    with pytest.raises(
        errors.InvalidArgumentError,
        match=re.escape("assign(validate_shape=False) is not supported: a Variable's shape is fixed"),
    ):
        jg.assign(v, 2.0, validate_shape=False)
