"""Shapes of unknown rank in the IR: ``TensorShape(None)`` behaves as TF1's, prints ``[*]`` and
parses back, and the op registry types ops whose rules know nothing of unknown rank."""

import copy
import pickle

import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir import parse
from jaxgraph.ir.opdef import declare, get_op_def, type_error
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType


def test_unknown_rank_shape_behaves_as_tf1():
    shape = TensorShape(None)
    assert shape is UNKNOWN_RANK and TensorShape(shape) is shape
    assert (shape.ndims, shape.rank, shape.dims) == (None, None, None)
    assert shape[0] is None and shape[1:] is shape
    assert not shape.is_fully_defined() and shape.num_elements() is None
    assert shape.is_compatible_with((2, 3)) and shape.is_compatible_with(())
    assert shape == TensorShape(None) and shape != TensorShape(()) and () != shape
    assert (str(shape), repr(shape), bool(shape)) == ("[*]", "TensorShape(None)", False)
    assert pickle.loads(pickle.dumps(shape)) is shape and copy.deepcopy(shape) is shape
    with pytest.raises(ValueError, match=r"^as_list\(\) is not defined on an unknown TensorShape\.$"):
        shape.as_list()
    with pytest.raises(ValueError, match=r"^Cannot take the length of shape with unknown rank\.$"):
        len(shape)
    with pytest.raises(ValueError, match=r"^Cannot iterate over a shape with unknown rank\.$"):
        tuple(shape)


def test_placeholder_without_shape_has_unknown_rank():
    with jg.Graph().as_default():
        for x in (jg.placeholder(jg.float32), jg.placeholder("float"), jg.placeholder(jg.int32, shape=None)):
            assert x.shape.ndims is None
        assert str(jg.placeholder(jg.float32, name="p").type) == "f32[*]"


def test_text_round_trip_with_unknown_rank():
    with jg.Graph().as_default() as g:
        x = jg.placeholder(jg.float32, name="x")
        y = jg.reduce_sum(x * 2.0 + jg.ones([3]))
        jg.shape(x)
        jg.rank(x)
    text = str(g)
    assert "%x = placeholder() {dtype=f32, shape=?} : f32[*]" in text
    assert "%Add = add(%Mul, %ones) : f32[*]" in text
    assert y.shape == ()
    parsed = parse(text)
    assert str(parsed) == text
    parsed.verify()


def test_parser_rejects_a_constant_of_unknown_rank():
    with pytest.raises(errors.ParseError, match=r"line 2, column 33: a constant's shape must be fully known"):
        parse("graph {\n  %c = constant() {value=tensor<f32[*]>[1.0], dtype=f32} : f32[]\n}")


def test_types_propagate_what_is_known():
    with jg.Graph().as_default():
        x = jg.placeholder(jg.float32)
        assert jg.shape(x).shape.as_list() == [None]
        assert jg.size(x).shape == () and jg.rank(x).shape == ()
        assert jg.reduce_mean(x).shape == () and jg.reduce_max(x, keepdims=True).shape.ndims is None
        assert jg.reduce_sum(x, axis=1).shape.ndims is None
        assert jg.matmul(x, jg.ones([3, 4])).shape.ndims is None
        assert jg.zeros_like(x).shape.ndims is None and jg.ones_like(x).dtype is jg.float32


def test_fallback_types_rules_unaware_of_unknown_rank():
    def infer(a, *, axis):
        if not 0 <= axis < len(a.shape):
            raise type_error(f"axis {axis} out of range for {a}")
        return TensorType(jg.int32, TensorShape(a.shape[:axis])), TensorType(a.dtype, a.shape)

    declare("test_unknown_rank_two_outputs", "TwoOutputs", infer, None, None, attrs={"axis": 0})
    rule = get_op_def("test_unknown_rank_two_outputs").infer
    unknown = TensorType(jg.float32, UNKNOWN_RANK)
    assert rule(unknown, axis=3) == (TensorType(jg.int32, UNKNOWN_RANK), unknown)
    known = TensorType(jg.float32, TensorShape([2, 5]))
    assert rule(known, axis=1) == (TensorType(jg.int32, TensorShape([2])), known)
    with pytest.raises(Exception, match=r"axis 9 out of range for f32\[\]"):
        rule(unknown, axis=9)


def test_fallback_reports_dtype_errors_with_the_users_line():
    with jg.Graph().as_default():
        x = jg.placeholder(jg.float32)
        with pytest.raises(errors.InvalidArgumentError, match="matmul operands differ in dtype: f32 vs i32"):
            jg.matmul(x, jg.ones([3, 4], jg.int32))
