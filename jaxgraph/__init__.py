"""jaxgraph: TensorFlow 1's graph model — operations, tensors, Variables, Sessions — on JAX/XLA.

``import jaxgraph as jg`` gives TF1's names: ``jg.placeholder``, ``jg.Variable``,
``jg.Session``, ``jg.matmul`` ... Python functions are traced into jaxgraph's IR
(``jaxgraph.ir``), differentiated as graphs (``jaxgraph.autodiff``), lowered to JAX
(``jaxgraph.lowering``) and run by a Session. Importing jaxgraph never changes JAX's global
configuration.
"""

from jaxgraph import (
    contrib,
    data,
    debugging,
    distribute,
    errors,
    image,
    io,
    ir,
    layers,
    losses,
    math,
    metrics,
    nn,
    ops,
    random,
    strings,
    summary,
    train,
)
from jaxgraph.autodiff import gradients, hessians
from jaxgraph.builder import Graph, get_default_graph, reset_default_graph
from jaxgraph.ir.dtypes import (
    DType,
    as_dtype,
    bfloat16,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from jaxgraph.ir.dtypes import bool_ as bool  # noqa: A001  (TF1's tf.bool)
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.shapes import TensorShape
from jaxgraph.ops.arrays import *
from jaxgraph.ops.clip import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from jaxgraph.ops.construction import *
from jaxgraph.ops.control_flow import cond, scan, while_loop
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.ops.cumulative import *
from jaxgraph.ops.functional import case, foldl, foldr, map_fn
from jaxgraph.ops.identity import *
from jaxgraph.ops.indexing import *
from jaxgraph.ops.joining import *
from jaxgraph.ops.linalg import *
from jaxgraph.ops.math import *
from jaxgraph.ops.printing import *
from jaxgraph.ops.random import random_normal, random_uniform, truncated_normal
from jaxgraph.ops.reduction import *
from jaxgraph.ops.selection import *
from jaxgraph.ops.shape import *
from jaxgraph.ops.special import *
from jaxgraph.ops.strings import as_string, string_join
from jaxgraph.platform import app, flags, gfile
from jaxgraph.platform import tf_logging as logging
from jaxgraph.session import InteractiveSession, Session, get_default_session
from jaxgraph.session.config import ConfigProto, GPUOptions, RunMetadata, RunOptions
from jaxgraph.tracer import *
from jaxgraph.tracer.graph_def_import import import_graph_def
from jaxgraph.tracer.graph_file import load_graph

__version__ = "0.1.0"


def __getattr__(name: str):
    """``jg.GraphDef``: TensorFlow's ``GraphDef`` message class (tensorboard's copy), loaded on
    first use so that ``import jaxgraph`` works without tensorboard. TF1's ``tf.GraphDef``."""
    if name == "GraphDef":
        from tensorboard.compat.proto.graph_pb2 import GraphDef

        return GraphDef
    raise AttributeError(f"module 'jaxgraph' has no attribute '{name}'")


# jaxgraph.compat.v1 is this module itself: imported last.
from jaxgraph import compat  # noqa: E402
from jaxgraph.compat import (  # noqa: E402
    disable_eager_execution,
    disable_v2_behavior,
    enable_eager_execution,
    executing_eagerly,
)

errors.guard_public_functions(globals())  # op builders' errors end their traceback at the user's line
