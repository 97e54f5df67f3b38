"""A jaxgraph Graph as a TensorBoard ``GraphDef`` (tensorboard's own protos; no TensorFlow).

Every op becomes a ``NodeDef``: its scoped name (name scopes become TensorBoard's collapsible
boxes), its op type, its inputs (``name``, ``name:1``, ``^control``), its device (a ``jg.device``
pin in TF1's full form, ``/job:localhost/replica:0/task:0/device:CPU:0``, when this process has
that device; as given otherwise; empty for an op without one, as TF1 leaves it), and attrs:
each op attribute, ``dtype`` (of output 0), ``_output_shapes`` (unknown dims as -1; TensorBoard
labels edges with them) and ``_source`` (the user's ``file:line``). Variables are ``variable``
nodes with their ``read`` / ``assign`` ops. The ops of a sub-graph attribute (a control-flow
body) become nodes in the nested scope ``<op>/<attr>/``, and the attribute names that scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tensorboard.compat.proto import (
    attr_value_pb2,
    graph_pb2,
    node_def_pb2,
    tensor_pb2,
    tensor_shape_pb2,
    types_pb2,
    versions_pb2,
)

from jaxgraph.ir.dot import input_name, nested_ops, subgraph_attrs
from jaxgraph.ir.dtypes import DType
from jaxgraph.ir.graph import Graph, Operation
from jaxgraph.ir.printer import format_value
from jaxgraph.ir.shapes import TensorShape
from jaxgraph.ir.subgraphs import params
from jaxgraph.ir.values import ArrayValue
from jaxgraph.lowering.executable import placed_name

_DATA_TYPES = {
    "float16": types_pb2.DT_HALF,
    "bfloat16": types_pb2.DT_BFLOAT16,
    "float32": types_pb2.DT_FLOAT,
    "float64": types_pb2.DT_DOUBLE,
    "int8": types_pb2.DT_INT8,
    "int16": types_pb2.DT_INT16,
    "int32": types_pb2.DT_INT32,
    "int64": types_pb2.DT_INT64,
    "uint8": types_pb2.DT_UINT8,
    "uint16": types_pb2.DT_UINT16,
    "uint32": types_pb2.DT_UINT32,
    "uint64": types_pb2.DT_UINT64,
    "bool": types_pb2.DT_BOOL,
    "string": types_pb2.DT_STRING,
}


def data_type(dtype: DType) -> int:
    """TensorFlow's ``DataType`` enum value of a jaxgraph dtype."""
    return _DATA_TYPES[dtype.name]


def shape_proto(shape: TensorShape | tuple) -> tensor_shape_pb2.TensorShapeProto:
    """A ``TensorShapeProto``; unknown (None) dims have size -1."""
    dims = [tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else d) for d in shape]
    return tensor_shape_pb2.TensorShapeProto(dim=dims)


def to_graph_def(graph: Graph) -> graph_pb2.GraphDef:
    """The GraphDef of ``graph`` and of its sub-graph attributes (see the module docstring).

    A sub-graph's parameters get an edge from the outer op's input they stand for, so values
    flowing into a control-flow body (loop variables, captured tensors) are drawn connected.
    TF1's ``tf.Graph.as_graph_def``, for TensorBoard's graph view.
    """
    sources = dict(_param_sources(graph))
    nodes = []
    for prefix, op in nested_ops(graph):
        node = _node(prefix, op)
        source = sources.get(prefix + op.name)
        if source is not None:
            node.input.append(source)
        nodes.append(node)
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=1))


def _param_sources(graph: Graph, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(sub-graph parameter node, outer input it stands for)`` for every nested sub-graph."""
    for op in graph.operations:
        for attr, sub in subgraph_attrs(op):
            inner = f"{prefix}{op.name}/{attr}/"
            outer = op.inputs[1:] if op.type == "cond" else op.inputs  # cond's first input: pred
            for param, tensor in zip(params(sub), outer):
                yield inner + param.op.name, input_name(prefix, tensor)
            yield from _param_sources(sub, inner)


def _node(prefix: str, op: Operation) -> node_def_pb2.NodeDef:
    node = node_def_pb2.NodeDef(name=prefix + op.name, op=op.type, device=placed_name(op.device))
    node.input.extend(input_name(prefix, t) for t in op.inputs)
    node.input.extend(f"^{prefix}{c.name}" for c in op.control_inputs)
    for key, value in op.attrs.items():
        if value is not None:
            node.attr[key].CopyFrom(_attr(value, key, f"{prefix}{op.name}/{key}"))
    if op.outputs and "dtype" not in op.attrs:
        node.attr["dtype"].type = data_type(op.outputs[0].dtype)
    shapes = node.attr["_output_shapes"].list.shape
    shapes.extend(shape_proto(t.shape) for t in op.outputs)
    if op.location is not None:
        node.attr["_source"].s = f"{op.location.file}:{op.location.line}".encode()
    return node


def _attr(value: Any, key: str, scope: str) -> attr_value_pb2.AttrValue:
    """One op attribute as an AttrValue; values with no natural proto form as their IR text."""
    attr = attr_value_pb2.AttrValue()
    if isinstance(value, bool):
        attr.b = value
    elif isinstance(value, int):
        attr.i = value
    elif isinstance(value, float):
        attr.f = value
    elif isinstance(value, str):
        attr.s = value.encode()
    elif isinstance(value, DType):
        attr.type = data_type(value)
    elif isinstance(value, ArrayValue):
        attr.tensor.CopyFrom(_tensor(value))
    elif isinstance(value, Graph):
        attr.func.name = scope
    elif isinstance(value, tuple) and all(v is None or type(v) is int for v in value):
        if "shape" in key or None in value:
            attr.shape.CopyFrom(shape_proto(value))
        else:
            attr.list.SetInParent()
            attr.list.i.extend(value)
    elif isinstance(value, tuple) and all(isinstance(v, DType) for v in value):
        attr.list.type.extend(data_type(v) for v in value)
    else:
        attr.s = format_value(value).encode()
    return attr


def _tensor(value: ArrayValue) -> tensor_pb2.TensorProto:
    array = value.array
    if array.dtype == object:  # strings: TF's string_val, one bytes entry per element
        proto = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=shape_proto(array.shape))
        proto.string_val.extend(array.reshape(-1))
        return proto
    return tensor_pb2.TensorProto(
        dtype=data_type(value.dtype),
        tensor_shape=shape_proto(array.shape),
        tensor_content=array.astype(array.dtype.newbyteorder("<")).tobytes(),
    )
