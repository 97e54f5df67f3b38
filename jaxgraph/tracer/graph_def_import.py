"""TF1's ``tf.import_graph_def``: a TensorFlow ``GraphDef`` (a frozen ``.pb`` or a graph with
Variables) rebuilt as jaxgraph ops, without TensorFlow.

The GraphDef is read with the protobuf classes that the ``tensorboard`` package ships. Each
node becomes the jaxgraph op(s) of one entry of ``CONVERTERS`` (TF op type → builder), the one
table that says which TF op types jaxgraph reads; from then on it is an ordinary jaxgraph graph:
own gradients, passes, dumps, TensorBoard. Nodes are converted in dependency order (a GraphDef
need not be sorted), under the name scope ``name`` ("import" by default, as TF1), keeping each
node's name. Values TF1 passes as tensors but jaxgraph needs as attributes (an axis, a shape,
ksize) are read from the ``Const`` node that holds them.

Variables: ``VariableV2`` / ``VarHandleOp`` nodes become jaxgraph Variables whose initial value
is the value their ``Assign`` / ``AssignVariableOp`` node gives (so the imported ``init`` op
initializes them); reads (``Identity`` of a Variable, ``ReadVariableOp``) read them.

Op types with no entry are all reported at once, each with its node name, before anything is
added to the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError, UnimplementedError
from jaxgraph.ir.dtypes import DType, as_dtype
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ops import (
    arrays,
    construction,
    convolution,
    core,
    identity,
    indexing,
    joining,
    math,
    nn,
    normalization,
    pooling,
    random,
    reduction,
    selection,
    shape,
)
from jaxgraph.tracer.variables import Variable

_TF_DTYPES = {
    "DT_FLOAT": "float32", "DT_DOUBLE": "float64", "DT_HALF": "float16", "DT_BFLOAT16": "bfloat16",
    "DT_INT8": "int8", "DT_INT16": "int16", "DT_INT32": "int32", "DT_INT64": "int64", "DT_UINT8": "uint8",
    "DT_UINT16": "uint16", "DT_UINT32": "uint32", "DT_UINT64": "uint64", "DT_BOOL": "bool", "DT_STRING": "string",
}  # fmt: skip

_VARIABLES = ("VariableV2", "Variable", "VarHandleOp")
_ASSIGNS = ("Assign", "AssignVariableOp")


class _Node:
    """One NodeDef while it is converted: its inputs resolved, its attributes decoded."""

    def __init__(self, importer: _Importer, node: Any):
        self.importer, self.node = importer, node
        self.name = node.name

    def input(self, i: int) -> Tensor:
        return self.importer.tensor(self.node.input[i])

    def inputs(self) -> list[Tensor]:
        return [self.importer.tensor(name) for name in self.node.input if not name.startswith("^")]

    def const(self, i: int) -> np.ndarray:
        """The value of input ``i``, which must come from a ``Const`` node (TF1 takes a tensor
        where jaxgraph needs a static value: an axis, a shape, a window)."""
        return self.importer.constant_value(self.node.input[i], self)

    def attr(self, key: str, default: Any = None) -> Any:
        if key not in self.node.attr:
            return default
        value = self.node.attr[key]
        kind = value.WhichOneof("value")
        if kind == "list":
            items = value.list
            return list(items.i) or list(items.f) or [x.decode() for x in items.s] or list(items.b)
        if kind == "type":
            return _dtype(value.type)
        if kind == "s":
            return value.s.decode()
        if kind == "shape":
            return (
                None
                if value.shape.unknown_rank
                else [None if d.size < 0 else d.size for d in value.shape.dim]
            )
        if kind == "tensor":
            return _array(value.tensor)
        return getattr(value, kind) if kind is not None else default


def _dtype(enum: int) -> DType:
    from tensorboard.compat.proto import types_pb2

    name = types_pb2.DataType.Name(enum)
    if name not in _TF_DTYPES:
        raise UnimplementedError(f"import_graph_def: TensorFlow dtype {name} is not supported by jaxgraph")
    return as_dtype(_TF_DTYPES[name])


def _array(tensor_proto: Any) -> np.ndarray:
    from tensorboard.util import tensor_util

    return np.asarray(tensor_util.make_ndarray(tensor_proto))


def _padding(n: _Node) -> Any:
    padding = n.attr("padding")
    if padding == "EXPLICIT":
        pairs = n.attr("explicit_paddings")
        return [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    return padding


def _conv2d(n: _Node) -> Tensor:
    return convolution.conv2d(n.input(0), n.input(1), n.attr("strides"), _padding(n), data_format=n.attr(
        "data_format", "NHWC"), dilations=n.attr("dilations", [1, 1, 1, 1]), name=n.name)  # fmt: skip


def _depthwise(n: _Node) -> Tensor:
    return convolution.depthwise_conv2d(n.input(0), n.input(1), n.attr("strides"), _padding(n),
                                        data_format=n.attr("data_format", "NHWC"),
                                        dilations=n.attr("dilations"), name=n.name)  # fmt: skip


def _pool(fn: Callable[..., Tensor]) -> Callable[[_Node], Tensor]:
    return lambda n: fn(n.input(0), n.attr("ksize"), n.attr("strides"), n.attr("padding"),
                        data_format=n.attr("data_format", "NHWC"), name=n.name)  # fmt: skip


def _fused_batch_norm(n: _Node) -> list[Tensor]:
    x, scale, offset, mean, variance = n.inputs()[:5]
    training = n.attr("is_training", True)
    outputs = normalization.fused_batch_norm(
        x, scale, offset, None if training else mean, None if training else variance,
        epsilon=n.attr("epsilon", 1e-4), data_format=n.attr("data_format", "NHWC"), is_training=training,
        name=n.name,
    )  # fmt: skip
    # TF's extra outputs (reserve spaces) carry nothing a graph can use: give the batch stats again.
    return [*outputs, outputs[1], outputs[2], outputs[2]]


def _reduce(fn: Callable[..., Tensor]) -> Callable[[_Node], Tensor]:
    return lambda n: fn(
        n.input(0), axis=n.const(1).tolist(), keepdims=n.attr("keep_dims", False), name=n.name
    )


def _binary(fn: Callable[..., Tensor]) -> Callable[[_Node], Tensor]:
    return lambda n: fn(n.input(0), n.input(1), name=n.name)


def _unary(fn: Callable[..., Tensor]) -> Callable[[_Node], Tensor]:
    return lambda n: fn(n.input(0), name=n.name)


def _placeholder(n: _Node) -> Tensor:
    return construction.placeholder(n.attr("dtype"), n.attr("shape"), name=n.name)


def _const(n: _Node) -> Tensor:
    return core.constant(n.attr("value"), dtype=n.attr("dtype"), name=n.name)


def _identity(n: _Node) -> Tensor:
    source = n.node.input[0].split(":")[0]
    variable = n.importer.variables.get(source)
    if variable is not None:  # ``w/read``: the Variable's value
        return variable.value()
    return identity.identity(n.input(0), name=n.name)


def _variable(n: _Node) -> Tensor:
    return n.importer.variable(n).value()


def _assign(n: _Node) -> Operation:
    variable = n.importer.variables[n.node.input[0].split(":")[0]]
    if n.importer.initializers.get(variable.op.name) == n.name:
        return variable.initializer
    return variable.assign(n.input(1), name=n.name).op


def _no_op(n: _Node) -> Operation:
    controls = [n.importer.operation(name[1:]) for name in n.node.input if name.startswith("^")]
    return identity.group(*controls, name=n.name)


def _split(n: _Node) -> list[Tensor]:
    return joining.split(n.input(1), n.attr("num_split"), axis=int(n.const(0)), name=n.name)


def _split_v(n: _Node) -> list[Tensor]:
    return joining.split(n.input(0), n.const(1).tolist(), axis=int(n.const(2)), name=n.name)


def _concat(n: _Node) -> Tensor:
    values = n.inputs()[:-1]
    return joining.concat(values, axis=int(n.const(len(values))), name=n.name)


def _strided_slice(n: _Node) -> Tensor:
    masks = {k: n.attr(k, 0) for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                        "shrink_axis_mask")}  # fmt: skip
    return indexing.strided_slice(n.input(0), n.input(1), n.input(2), n.input(3), name=n.name, **masks)


def _softmax(fn: Callable[..., Tensor]) -> Callable[[_Node], Tensor]:
    return lambda n: fn(n.input(0), name=n.name)


def _random(fn: Callable[..., Tensor]) -> Callable[[_Node], Tensor]:
    """TF's random draws (Variable initializers): same distribution, jaxgraph's generator, seeded by
    the node's op seed when it has one (values differ from TensorFlow's)."""
    return lambda n: fn(n.const(0).tolist(), dtype=n.attr("dtype"), seed=n.attr("seed2") or None, name=n.name)


CONVERTERS: dict[str, Callable[[_Node], Any]] = {
    "Placeholder": _placeholder,
    "PlaceholderWithDefault": lambda n: arrays.placeholder_with_default(n.input(0), n.attr("shape"), name=n.name),
    "Const": _const,
    "Identity": _identity,
    "StopGradient": _unary(identity.stop_gradient),
    "NoOp": _no_op,
    "VariableV2": _variable,
    "Variable": _variable,
    "VarHandleOp": _variable,
    "ReadVariableOp": _identity,
    "Assign": _assign,
    "AssignVariableOp": _assign,
    "MatMul": lambda n: math.matmul(n.input(0), n.input(1), transpose_a=n.attr("transpose_a", False),
                                    transpose_b=n.attr("transpose_b", False), name=n.name),
    "BatchMatMulV2": lambda n: math.matmul(n.input(0), n.input(1), transpose_a=n.attr("adj_x", False),
                                           transpose_b=n.attr("adj_y", False), name=n.name),
    "BiasAdd": lambda n: nn.bias_add(n.input(0), n.input(1), data_format=n.attr("data_format"), name=n.name),
    "Add": _binary(math.add), "AddV2": _binary(math.add), "Sub": _binary(math.subtract),
    "Mul": _binary(math.multiply), "RealDiv": _binary(math.truediv), "Maximum": _binary(math.maximum),
    "Minimum": _binary(math.minimum), "Pow": _binary(math.pow), "SquaredDifference": _binary(math.squared_difference),
    "FloorDiv": _binary(math.floordiv), "FloorMod": _binary(math.floormod),
    "Equal": _binary(math.equal), "NotEqual": _binary(math.not_equal), "Less": _binary(math.less),
    "LessEqual": _binary(math.less_equal), "Greater": _binary(math.greater),
    "GreaterEqual": _binary(math.greater_equal), "LogicalAnd": _binary(math.logical_and),
    "LogicalOr": _binary(math.logical_or),
    "AddN": lambda n: math.add_n(n.inputs(), name=n.name),
    "Relu": _unary(math.relu), "Relu6": _unary(nn.relu6), "Elu": _unary(nn.elu), "Sigmoid": _unary(math.sigmoid),
    "Tanh": _unary(math.tanh), "Softplus": _unary(math.softplus), "Exp": _unary(math.exp), "Log": _unary(math.log),
    "Sqrt": _unary(math.sqrt), "Rsqrt": _unary(math.rsqrt), "Square": _unary(math.square), "Neg": _unary(math.negative),
    "Abs": _unary(math.abs), "Sign": _unary(math.sign), "Floor": _unary(math.floor), "Ceil": _unary(math.ceil),
    "LogicalNot": _unary(math.logical_not), "Reciprocal": _unary(math.reciprocal),
    "LeakyRelu": lambda n: nn.leaky_relu(n.input(0), alpha=n.attr("alpha", 0.2), name=n.name),
    "Softmax": _softmax(nn.softmax), "LogSoftmax": _softmax(nn.log_softmax),
    "Conv2D": _conv2d, "DepthwiseConv2dNative": _depthwise,
    "MaxPool": _pool(pooling.max_pool), "AvgPool": _pool(pooling.avg_pool),
    "FusedBatchNorm": _fused_batch_norm, "FusedBatchNormV2": _fused_batch_norm, "FusedBatchNormV3": _fused_batch_norm,
    "Mean": _reduce(reduction.reduce_mean), "Sum": _reduce(reduction.reduce_sum), "Max": _reduce(reduction.reduce_max),
    "Min": _reduce(reduction.reduce_min), "Prod": _reduce(reduction.reduce_prod),
    "ArgMax": lambda n: reduction.argmax(n.input(0), int(n.const(1)), output_type=n.attr("output_type"), name=n.name),
    "ArgMin": lambda n: reduction.argmin(n.input(0), int(n.const(1)), output_type=n.attr("output_type"), name=n.name),
    "Cast": lambda n: shape.cast(n.input(0), n.attr("DstT"), name=n.name),
    "Reshape": lambda n: shape.reshape(n.input(0), n.input(1), name=n.name),
    "Shape": lambda n: shape.shape(n.input(0), out_type=n.attr("out_type"), name=n.name),
    "Squeeze": lambda n: shape.squeeze(n.input(0), n.attr("squeeze_dims") or None, name=n.name),
    "ExpandDims": lambda n: shape.expand_dims(n.input(0), int(n.const(1)), name=n.name),
    "Transpose": lambda n: shape.transpose(n.input(0), n.const(1).tolist(), name=n.name),
    "ConcatV2": _concat,
    "Pack": lambda n: joining.stack(n.inputs(), axis=n.attr("axis", 0), name=n.name),
    "Unpack": lambda n: joining.unstack(n.input(0), num=n.attr("num"), axis=n.attr("axis", 0), name=n.name),
    "Split": _split, "SplitV": _split_v,
    "Fill": lambda n: construction.fill(n.input(0), n.input(1), name=n.name),
    "Tile": lambda n: joining.tile(n.input(0), n.input(1), name=n.name),
    "Pad": lambda n: joining.pad(n.input(0), n.const(1).tolist(), name=n.name),
    "StridedSlice": _strided_slice,
    "GatherV2": lambda n: selection.gather(n.input(0), n.input(1), axis=int(n.const(2)), name=n.name),
    "Select": lambda n: selection.where(n.input(0), n.input(1), n.input(2), name=n.name),
    "SelectV2": lambda n: selection.where(n.input(0), n.input(1), n.input(2), name=n.name),
    "RandomUniform": _random(random.random_uniform), "RandomStandardNormal": _random(random.random_normal),
    "TruncatedNormal": _random(random.truncated_normal),
    "ZerosLike": _unary(construction.zeros_like), "OnesLike": _unary(construction.ones_like),
}  # fmt: skip
"""TF op type → the builder of its jaxgraph op(s) from a converted node."""


class _Importer:
    """Converts the nodes of one GraphDef in dependency order."""

    def __init__(self, graph_def: Any, input_map: Mapping[str, Any], keep: Callable[[Any], bool]):
        self.nodes = {node.name: node for node in graph_def.node if keep(node)}
        self.input_map = {_tensor_name(k): core.convert_to_tensor(v) for k, v in input_map.items()}
        self.results: dict[str, Any] = {}
        self.variables: dict[str, Variable] = {}
        self.initializers: dict[str, str] = {}  # Variable op name -> name of its initializing Assign
        for node in graph_def.node:
            if node.op in _ASSIGNS and node.input and node.input[0].split(":")[0] not in self.initializers:
                target = self.nodes.get(node.input[0].split(":")[0])
                if target is not None and target.op in _VARIABLES:
                    self.initializers[target.name] = node.name

    def check_supported(self) -> None:
        missing = sorted((node.op, node.name) for node in self.nodes.values() if node.op not in CONVERTERS)
        if missing:
            listed = "\n".join(f"  {name} ({op_type})" for op_type, name in missing)
            raise UnimplementedError(
                f"import_graph_def: {len(missing)} node(s) of op types jaxgraph does not import:\n{listed}"
            )

    def convert(self, name: str) -> Any:
        """The jaxgraph result of node ``name`` (converting it, and its inputs first)."""
        if name in self.results:
            return self.results[name]
        stack = [(name, False)]
        while stack:
            current, ready = stack.pop()
            if current in self.results:
                continue
            node = self.nodes.get(current)
            if node is None:
                raise InvalidArgumentError(
                    f"import_graph_def: node '{current}' is used but not in the GraphDef"
                )
            if not ready:
                stack.append((current, True))
                stack.extend((dep, False) for dep in self._dependencies(node) if dep not in self.results)
                continue
            self.results[current] = CONVERTERS[node.op](_Node(self, node))
        return self.results[name]

    def _dependencies(self, node: Any) -> list[str]:
        deps = [name.lstrip("^").split(":")[0] for name in node.input]
        deps = [d for d in deps if f"{d}:0" not in self.input_map or node.op in _ASSIGNS]
        if node.op in _VARIABLES and node.name in self.initializers:  # the initial value first
            initializer = self.nodes[self.initializers[node.name]]
            deps.append(initializer.input[1].split(":")[0])
        if node.op in _ASSIGNS and node.input[0].split(":")[0] not in deps:
            deps.append(node.input[0].split(":")[0])
        return deps

    def variable(self, n: _Node) -> Variable:
        """The Variable of a ``VariableV2`` / ``VarHandleOp`` node, made once with its initial value."""
        if n.name not in self.variables:
            if n.name not in self.initializers:
                raise InvalidArgumentError(
                    f"import_graph_def: Variable '{n.name}' has no Assign giving its initial value"
                )
            initial = self.tensor(self.nodes[self.initializers[n.name]].input[1])
            self.variables[n.name] = Variable(initial, name=n.name, dtype=n.attr("dtype"))
        return self.variables[n.name]

    def tensor(self, name: str) -> Tensor:
        """The tensor ``node:k`` (``node`` alone is output 0)."""
        name = _tensor_name(name)
        if name in self.input_map:
            return self.input_map[name]
        node_name, index = name.rsplit(":", 1)
        result = self.convert(node_name)
        if isinstance(result, Operation):
            raise InvalidArgumentError(f"import_graph_def: '{name}' is an operation with no outputs")
        outputs = result if isinstance(result, (list, tuple)) else [result]
        return outputs[int(index)]

    def element(self, name: str) -> Tensor | Operation:
        """What the GraphDef's ``name`` became: a tensor (``"x:0"``) or an operation (``"init"``)."""
        return self.tensor(name) if ":" in name else self.operation(name)

    def operation(self, name: str) -> Operation:
        result = self.convert(name)
        if isinstance(result, Operation):
            return result
        first = result[0] if isinstance(result, (list, tuple)) else result
        return first.op

    def constant_value(self, name: str, user: _Node) -> np.ndarray:
        node = self.nodes.get(name.split(":")[0])
        if node is None or node.op != "Const":
            raise UnimplementedError(
                f"import_graph_def: node '{user.name}' ({user.node.op}) needs input '{name}' to be a Const"
            )
        return _array(node.attr["value"].tensor)


def _tensor_name(name: str) -> str:
    return name if ":" in name else f"{name}:0"


def import_graph_def(graph_def: Any, input_map: Mapping[str, Any] | None = None,
                     return_elements: Sequence[str] | None = None, name: str | None = None,
                     op_dict: Any = None, producer_op_list: Any = None) -> list[Any] | None:  # fmt: skip
    """Adds the nodes of a TensorFlow ``GraphDef`` (a ``GraphDef`` message, or its serialized
    bytes) to the default graph under the name scope ``name`` (default ``"import"``; ``""`` for
    none). ``input_map`` replaces tensors of the GraphDef (``"images:0"``) by tensors of this
    graph; ``return_elements`` names tensors (``"logits:0"``) or operations (``"init"``) to return.
    TF1's ``tf.import_graph_def``; see ``CONVERTERS`` for the op types it reads."""
    from tensorboard.compat.proto import graph_pb2

    if isinstance(graph_def, (bytes, bytearray)):
        graph_def = graph_pb2.GraphDef.FromString(bytes(graph_def))
    importer = import_nodes(graph_def, input_map or {}, "import" if name is None else name)
    if return_elements is None:
        return None
    with get_default_graph().name_scope(("import" if name is None else name) or None):
        return [importer.element(e) for e in return_elements]


def import_nodes(graph_def: Any, input_map: Mapping[str, Any], scope: str,
                 keep: Callable[[Any], bool] = lambda node: True) -> _Importer:  # fmt: skip
    """Converts every node of ``graph_def`` that ``keep`` accepts, under the name scope ``scope``
    (checking first that jaxgraph has all their op types); returns the importer, which resolves
    names of the GraphDef to what they became (``import_meta_graph`` uses it too)."""
    importer = _Importer(graph_def, input_map, keep)
    importer.check_supported()
    with get_default_graph().name_scope(scope or None):
        for node in importer.nodes.values():
            if f"{node.name}:0" not in importer.input_map:
                importer.convert(node.name)
    return importer


__all__ = ["CONVERTERS", "import_graph_def", "import_nodes"]
