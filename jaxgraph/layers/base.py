"""What TF1's layer libraries share: the scope a layer opens, TF1's ``Layer`` base class, and
the two reshapes every dense network needs (``dense_over_last_axis``, ``flatten_batch``).

A layer's Variables live in a variable scope named after it: ``dense``, ``dense_1``, ... (the
first name not yet opened in the current variable scope, as TF1 uniquifies default scope names),
so its Variables are ``dense/kernel`` and ``dense/bias`` as in TF1, and ``reuse=True`` under an
explicit ``name`` shares them. ``tf.contrib.layers`` uses the same scoping.
"""

from __future__ import annotations

import math
import re
import weakref
from typing import Any

from jaxgraph.builder import Graph, get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.variables import Variable, get_variable, get_variable_scope, variable_scope

# The variable scopes the layers opened, per graph: TF1 uniquifies a default scope name against
# the scopes opened so far.
_opened_scopes: weakref.WeakKeyDictionary[Graph, set[str]] = weakref.WeakKeyDictionary()


def layer_scope(scope: str | None, default_name: str) -> str:
    """The name of the variable scope a layer opens: ``scope``, else the first of
    ``default_name``, ``default_name_1``, ... not yet opened in the current variable scope (by a
    layer, or by holding Variables); TF1's ``variable_scope(scope, default_name)``."""
    graph = get_default_graph()
    opened = _opened_scopes.setdefault(graph, set())
    outer = get_variable_scope().name
    full = lambda name: f"{outer}/{name}" if outer else name
    variables = [v.op.name for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)]
    taken = lambda name: full(name) in opened or any(v.startswith(full(name) + "/") for v in variables)
    name, k = scope, 0
    if name is None:
        name = default_name
        while taken(name):
            k += 1
            name = f"{default_name}_{k}"
    opened.add(full(name))
    return name


def dense_over_last_axis(x: Tensor, kernel: Tensor, what: str) -> Tensor:
    """``x @ kernel`` over ``x``'s last axis (TF1's ``Dense`` on inputs of any rank >= 2)."""
    if x.ndim == 2:
        return math_ops.matmul(x, kernel)
    lead = x.shape.as_list()[:-1]
    if None in lead[1:]:
        raise InvalidArgumentError(
            f"{what} needs every dimension but the first to be known, got shape {x.shape.as_list()}"
        )
    flat = math_ops.matmul(shape_ops.reshape(x, (-1, x.shape[-1])), kernel)
    batch = -1 if lead[0] is None else lead[0]
    return shape_ops.reshape(flat, (batch, *lead[1:], kernel.shape[-1]))


def flatten_batch(x: Tensor, what: str) -> Tensor:
    """``x`` reshaped to ``[batch, k]``: the first dimension kept, the others flattened."""
    if x.ndim < 2:
        raise InvalidArgumentError(f"Inputs must have a least 2 dimensions, got shape {x.shape.as_list()}")
    rest = x.shape.as_list()[1:]
    if None in rest:
        raise InvalidArgumentError(
            f"{what} needs every dimension but the first to be known, got shape {x.shape.as_list()}"
        )
    return shape_ops.reshape(x, (-1 if x.shape[0] is None else x.shape[0], math.prod(rest)))


def _snake_case(name: str) -> str:
    """A class name as TF1 names its layers: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` ->
    ``max_pooling2d``, ``BatchNormalization`` -> ``batch_normalization`` (Keras' ``to_snake_case``)."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()


def normalize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``value`` (an int, or ``n`` ints) as a tuple of ``n`` positive ints (``>= 0`` with
    ``allow_zero``), with TF1's message otherwise."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise InvalidArgumentError(message) from None
        if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise InvalidArgumentError(message)
    bad = sorted(v for v in values if v < 0 or (v == 0 and not allow_zero))
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise InvalidArgumentError(
            f"{message} including {set(bad)} that does not satisfy the requirement `{requirement}`."
        )
    return values


def normalize_padding(value: Any) -> str:
    """``"valid"`` or ``"same"`` (any case), lower-cased; TF1's layers take no other padding."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        raise InvalidArgumentError(
            f'The `padding` argument must be one of "valid", "same". Received: {value}'
        )
    return padding


def normalize_data_format(value: Any) -> str:
    """``"channels_last"`` or ``"channels_first"`` (any case), lower-cased."""
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_first", "channels_last"):
        raise InvalidArgumentError(
            f'The `data_format` argument must be one of "channels_first", "channels_last". Received: {value}'
        )
    return data_format


def nn_data_format(data_format: str, rank: int) -> str:
    """A layer's ``data_format`` as ``tf.nn``'s for ``rank`` spatial dimensions: ``NWC``,
    ``NHWC``, ``NDHWC`` for channels last, ``NCW``, ``NCHW``, ``NCDHW`` for channels first."""
    spatial = "DHW"[3 - rank :]
    return f"N{spatial}C" if data_format == "channels_last" else f"NC{spatial}"


def apply_layer(layer_class: type, inputs: Any, reuse: Any = None, **arguments: Any) -> Tensor:
    """TF1's functional form of a layer: a new ``layer_class(**arguments)`` (``reuse`` sharing the
    Variables of an earlier layer of the same ``name``) applied to ``inputs``."""
    return layer_class(_reuse=reuse, **arguments)(inputs)


class Layer:
    """TF1's ``tf.layers.Layer``: a callable that creates its Variables on its first call (in the
    variable scope named after it) and reuses them on later calls.

    Subclasses define ``build(input_shape)`` (creating Variables with ``add_weight``) and
    ``call(inputs)``.
    """

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None, **kwargs: Any):
        self.trainable = trainable
        self._given_name = name
        self._reuse = kwargs.pop("_reuse", None)
        self.dtype = as_dtype(dtype) if dtype is not None else None
        self._scope: str | None = None
        self._variables: list[Variable] = []
        self._trainable_variables: list[Variable] = []
        self.built = False
        self.updates: list[Any] = []
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {sorted(kwargs)[0]}")

    @property
    def name(self) -> str:
        return self._scope or self._given_name or _snake_case(type(self).__name__)

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self) -> list[Variable]:
        return list(self._trainable_variables)

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return [v for v in self._variables if v not in self._trainable_variables]

    non_trainable_weights = non_trainable_variables

    def add_weight(self, name: str, shape: Any, dtype: Any = None, initializer: Any = None,
                   regularizer: Any = None, trainable: bool = True) -> Variable:  # fmt: skip
        """A Variable ``<layer scope>/name`` (shared on reuse) owned by this layer."""
        trainable = trainable and self.trainable
        variable = get_variable(
            name,
            shape,
            dtype or self.dtype,
            initializer=initializer,
            regularizer=regularizer,
            trainable=trainable,
        )
        if variable not in self._variables:
            self._variables.append(variable)
            if trainable:
                self._trainable_variables.append(variable)
        return variable

    def build(self, input_shape: Any) -> None:
        """Creates the layer's Variables for inputs of ``input_shape``."""

    def call(self, inputs: Tensor, **kwargs: Any) -> Any:
        raise NotImplementedError

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Builds the layer on the first call (in its variable scope), then applies it."""
        x = convert_to_tensor(inputs)
        if self.dtype is None:
            self.dtype = x.dtype
        if self._scope is None:
            self._scope = layer_scope(self._given_name, _snake_case(type(self).__name__))
        reuse = True if self.built else self._reuse
        with variable_scope(self._scope, reuse=reuse):
            if not self.built:
                self.build(x.shape)
                self.built = True
            return self.call(x, *args, **kwargs)

    apply = __call__
