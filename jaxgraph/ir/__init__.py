"""The jaxgraph IR: dtypes, shapes, Graph / Operation / Tensor, the op registry, the text
format (printer and parser), the verifier and the IR→IR passes."""

from jaxgraph.ir.dtypes import DType, as_dtype, promote_types
from jaxgraph.ir.graph import Graph, Operation, SourceLocation, Tensor
from jaxgraph.ir.opdef import REGISTRY, OpDef, get_op_def, op, type_error
from jaxgraph.ir.parser import parse
from jaxgraph.ir.printer import print_graph
from jaxgraph.ir.shapes import TensorShape, TensorType, broadcast_shapes
from jaxgraph.ir.values import ArrayValue
from jaxgraph.ir.verifier import verify

__all__ = [
    "ArrayValue", "DType", "Graph", "OpDef", "Operation", "REGISTRY", "SourceLocation", "Tensor",
    "TensorShape", "TensorType", "as_dtype", "broadcast_shapes",
    "get_op_def", "op", "parse", "print_graph", "promote_types",
    "type_error", "verify",
]  # fmt: skip
