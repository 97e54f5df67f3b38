"""Building graphs from Python: the user's scopes (name, device, control dependencies),
placeholders and constants, Variables and ``get_variable``, Tensor operators, ``@jg.function``.

The default-graph stack and the scope stacks themselves live one layer below the op library
(``jaxgraph.builder``), since every op builder creates its op in the current scopes.
"""

from jaxgraph.ir.devices import DeviceSpec
from jaxgraph.tracer import graph_file  # noqa: F401  (installs Graph.save)
from jaxgraph.tracer.context import control_dependencies, device, name_scope, set_random_seed
from jaxgraph.tracer.function import Function, TensorSpec, function, grad, value_and_grad
from jaxgraph.tracer.graph_collections import (
    GraphKeys,
    add_to_collection,
    add_to_collections,
    get_collection,
    get_collection_ref,
)
from jaxgraph.tracer.initializers import (
    constant_initializer,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    zeros_initializer,
)
from jaxgraph.tracer.variables import (
    AUTO_REUSE,
    Variable,
    assign,
    assign_add,
    assign_sub,
    get_variable,
    get_variable_scope,
    global_variables,
    global_variables_initializer,
    initialize_all_variables,
    local_variables,
    local_variables_initializer,
    tables_initializer,
    trainable_variables,
    variable_scope,
    variables_initializer,
)

__all__ = [
    "AUTO_REUSE", "DeviceSpec", "Function", "GraphKeys", "TensorSpec", "Variable", "add_to_collection", "add_to_collections",
    "assign", "assign_add", "assign_sub", "get_collection", "get_collection_ref", "grad", "value_and_grad",
    "constant_initializer",
    "control_dependencies", "device", "function", "get_variable", "get_variable_scope",
    "global_variables", "global_variables_initializer", "glorot_uniform_initializer",
    "initialize_all_variables", "name_scope", "ones_initializer", "random_normal_initializer",
    "local_variables", "local_variables_initializer", "random_uniform_initializer", "set_random_seed",
    "tables_initializer", "trainable_variables",
    "truncated_normal_initializer", "variable_scope", "variables_initializer",
    "zeros_initializer",
]  # fmt: skip
