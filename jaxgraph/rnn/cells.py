"""TF1's RNN cells (``tf.nn.rnn_cell``): ``BasicRNNCell``, ``BasicLSTMCell``, ``LSTMCell``,
``GRUCell``, ``MultiRNNCell``, ``LSTMStateTuple``, ``DropoutWrapper``.

Variable names, shapes, initializers and gate order are TF1's, so a TF1 checkpoint's weights map
one to one: an LSTM called in ``variable_scope("rnn")`` owns ``rnn/basic_lstm_cell/kernel`` of
shape ``[input_depth + num_units, 4 * num_units]`` (gates i, j, f, o) and ``.../bias``.

As TF1's layer-based cells do, a cell creates its Variables once, on its first call (or an
explicit ``build``), under ``<current variable scope>/<cell name>``, and every later call reuses
them. ``dynamic_rnn`` builds the cell before it traces the loop body, so the Variables live in
the outer graph and the loop body only reads them.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import jax

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, float32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import construction, joining
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import nn as nn_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer.initializers import constant_initializer, zeros_initializer
from jaxgraph.tracer.variables import Variable, get_variable, variable_scope

__all__ = [
    "BasicLSTMCell", "BasicRNNCell", "DropoutWrapper", "GRUCell", "LSTMCell", "LSTMStateTuple", "MultiRNNCell",
    "RNNCell",
]  # fmt: skip


class LSTMStateTuple(namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell state ``c`` and the output ``h`` (TF1's ``LSTMStateTuple``)."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        if self.c.dtype is not self.h.dtype:
            raise TypeError(f"Inconsistent internal state: {self.c.dtype} vs {self.h.dtype}")
        return self.c.dtype


def _snake_case(name: str) -> str:
    """A class name as TF1 names its layers: ``BasicLSTMCell`` -> ``basic_lstm_cell``."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()


def _batch_reference(batch_size: Any) -> int | Tensor:
    """``batch_size`` as an int, or as a vector whose run-time length is the batch size.

    jaxgraph shapes are static, so a Tensor batch size must be ``jg.shape(x)[i]``: the zeros
    then take ``x``'s dimension ``i`` (known when the graph is compiled).
    """
    if not isinstance(batch_size, Tensor):
        return int(batch_size)
    op = batch_size.op
    index = op.attrs.get("index") if op.type == "strided_slice" else None
    if index is None or len(index) != 1 or not isinstance(index[0], int) or op.inputs[0].op.type != "shape":
        raise InvalidArgumentError(
            f"zero_state's batch_size must be an int or jg.shape(x)[i], got Tensor '{batch_size.name}'"
        )
    source = op.inputs[0].op.inputs[0]
    return batch_size_of(source, index[0] % source.ndim)


def batch_size_of(x: Tensor, axis: int = 0) -> int | Tensor:
    """``x``'s size along ``axis``: an int when known, else a vector of that run-time length.
    jaxgraph's own helper; TF1 has no counterpart."""
    if x.shape[axis] is not None:
        return x.shape[axis]
    return x[tuple(slice(None) if i == axis else 0 for i in range(x.ndim))]


def zeros_state(state_size: Any, batch: int | Tensor, dtype: Any) -> Any:
    """Zeros ``[batch, size]`` for each size in the structure ``state_size``; ``batch`` is an int
    or a vector whose run-time length is the batch size. jaxgraph's own helper; the closest TF1 API
    is ``tf.nn.rnn_cell.RNNCell.zero_state``."""
    if isinstance(batch, int):
        return map_structure(lambda size: construction.zeros((batch, size), dtype), state_size)
    column = shape_ops.expand_dims(construction.zeros_like(batch, dtype=dtype), 1)
    return map_structure(lambda size: joining.tile(column, (1, size)), state_size)


def map_structure(fn: Callable[..., Any], *structures: Any) -> Any:
    """``fn`` applied to the leaves (Tensors, ints) of same-shaped nested tuples/lists/dicts;
    jaxgraph's own helper, the closest TF1 API is ``tf.nest.map_structure``.

    Called here rather than through ``jax.tree_util.tree_map``, so the ops ``fn`` creates are
    stamped with the user's source line, not JAX's.
    """
    leaves = [jax.tree_util.tree_leaves(s) for s in structures]
    results = [fn(*items) for items in zip(*leaves)]
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(structures[0]), results)


class RNNCell:
    """Base class: a cell maps ``(inputs, state)`` to ``(output, new_state)``; TF1's
    ``tf.nn.rnn_cell.RNNCell``.

    Subclasses define ``state_size``, ``output_size``, ``_create_variables(input_depth, dtype)``
    (with ``add_variable``, in the cell's variable scope) and ``call(inputs, state)``.
    """

    def __init__(self, reuse: Any = None, name: str | None = None, dtype: Any = None) -> None:
        self._reuse = reuse
        self._name = name or _snake_case(type(self).__name__)
        self._dtype = as_dtype(dtype) if dtype is not None else None
        self._variables: list[Variable] = []
        self.built = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def state_size(self) -> Any:
        raise NotImplementedError

    @property
    def output_size(self) -> Any:
        raise NotImplementedError

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    @property
    def trainable_variables(self) -> list[Variable]:
        return [v for v in self._variables if v.trainable]

    weights = variables
    trainable_weights = trainable_variables

    def build(self, inputs_shape: Any, scope: str | None = None) -> None:
        """Creates the Variables for inputs of shape ``[batch, depth]`` under
        ``<current variable scope>/<scope or cell name>``; later calls are no-ops."""
        if self.built:
            return
        depth = tuple(inputs_shape)[-1]
        if depth is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} needs the inputs' last dimension to be known, got shape "
                f"{list(inputs_shape)}"
            )
        with variable_scope(scope or self._name, reuse=self._reuse):
            self._create_variables(int(depth), self._dtype or float32)
        self.built = True

    def build_for(self, inputs: Tensor, scope: str | None = None) -> None:
        """``build`` for ``inputs`` (one step's ``[batch, depth]``), in their dtype by default."""
        if self._dtype is None:
            self._dtype = inputs.dtype
        self.build(inputs.shape, scope)

    def add_variable(
        self, name: str, shape: tuple[int, ...], dtype: Any, initializer: Any = None
    ) -> Variable:
        """``get_variable(name, ...)`` in the cell's scope, recorded in ``cell.variables``."""
        variable = get_variable(name, shape, dtype, initializer=initializer)
        self._variables.append(variable)
        return variable

    def __call__(self, inputs: Any, state: Any, scope: str | None = None) -> tuple[Any, Any]:
        """Runs one step: builds the Variables on the first call, then ``call``."""
        inputs = convert_to_tensor(inputs)
        self.build_for(inputs, scope)
        with get_default_graph().name_scope(scope or self._name):
            return self.call(inputs, state)

    def _create_variables(self, input_depth: int, dtype: Any) -> None:
        raise NotImplementedError

    def call(self, inputs: Tensor, state: Any) -> tuple[Any, Any]:
        raise NotImplementedError

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """The all-zeros state for ``batch_size`` (an int or ``jg.shape(x)[0]``), structured like
        ``state_size``."""
        batch = _batch_reference(batch_size)
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return zeros_state(self.state_size, batch, dtype)


def _linear(args: Sequence[Tensor], kernel: Variable, bias: Variable) -> Tensor:
    """``concat(args, 1) @ kernel + bias``: the cells' gate projection (TF1's order of ops)."""
    return nn_ops.bias_add(math_ops.matmul(joining.concat(list(args), 1), kernel), bias)


class _VectorStateCell(RNNCell):
    """A cell whose state and output are both one vector of ``num_units`` (basic RNN, GRU)."""

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units


class BasicRNNCell(_VectorStateCell):
    """``output = new_state = activation(W [inputs, state] + b)``; Variables ``kernel``
    ``[input_depth + num_units, num_units]`` and ``bias`` (zeros). TF1's ``tf.nn.rnn_cell.BasicRNNCell``."""

    def __init__(self, num_units: int, activation: Callable[[Tensor], Tensor] | None = None,
                 reuse: Any = None, name: str | None = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(reuse, name, dtype)
        self._num_units = num_units
        self._activation = activation or math_ops.tanh

    def _create_variables(self, input_depth: int, dtype: Any) -> None:
        n = self._num_units
        self._kernel = self.add_variable("kernel", (input_depth + n, n), dtype)
        self._bias = self.add_variable("bias", (n,), dtype, initializer=zeros_initializer())

    def call(self, inputs: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        output = self._activation(_linear([inputs, state], self._kernel, self._bias))
        return output, output


class _LSTMBase(RNNCell):
    """What both LSTM cells share: the state as an ``LSTMStateTuple`` (or, with
    ``state_is_tuple=False``, ``c`` and ``h`` concatenated along axis 1)."""

    def __init__(self, num_units: int, forget_bias: float, state_is_tuple: bool,
                 activation: Callable[[Tensor], Tensor] | None, reuse: Any, name: str | None,
                 dtype: Any) -> None:  # fmt: skip
        super().__init__(reuse, name, dtype)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or math_ops.tanh

    def _h_size(self) -> int:
        return self._num_units

    @property
    def state_size(self) -> Any:
        c, h = self._num_units, self._h_size()
        return LSTMStateTuple(c, h) if self._state_is_tuple else c + h

    @property
    def output_size(self) -> int:
        return self._h_size()

    def _unpack(self, state: Any) -> tuple[Tensor, Tensor]:
        if self._state_is_tuple:
            c, h = state
            return convert_to_tensor(c), convert_to_tensor(h)
        c, h = joining.split(state, [self._num_units, self._h_size()], axis=1)
        return c, h

    def _pack(self, c: Tensor, h: Tensor) -> Any:
        return LSTMStateTuple(c, h) if self._state_is_tuple else joining.concat([c, h], 1)

    def _gates(self, inputs: Tensor, h: Tensor) -> list[Tensor]:
        """The pre-activations ``i, j, f, o``, in TF1's order."""
        return joining.split(_linear([inputs, h], self._kernel, self._bias), 4, axis=1)


class BasicLSTMCell(_LSTMBase):
    """TF1's ``BasicLSTMCell``: Variables ``kernel`` ``[input_depth + num_units, 4 * num_units]``
    and ``bias`` (zeros); gates ``i, j, f, o = split(W [x, h] + b, 4)``;
    ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)``, ``h' = tanh(c') * sigmoid(o)``."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation: Callable[[Tensor], Tensor] | None = None, reuse: Any = None,
                 name: str | None = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)

    def _create_variables(self, input_depth: int, dtype: Any) -> None:
        n = self._num_units
        self._kernel = self.add_variable("kernel", (input_depth + n, 4 * n), dtype)
        self._bias = self.add_variable("bias", (4 * n,), dtype, initializer=zeros_initializer())

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        c, h = self._unpack(state)
        i, j, f, o = self._gates(inputs, h)
        sigmoid = math_ops.sigmoid
        new_c = c * sigmoid(f + self._forget_bias) + sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * sigmoid(o)
        return new_h, self._pack(new_c, new_h)


class LSTMCell(_LSTMBase):
    """TF1's ``LSTMCell``: ``BasicLSTMCell``'s equations plus optional peepholes
    (``w_f_diag``, ``w_i_diag``, ``w_o_diag``), cell clipping, and a projection of the output to
    ``num_proj`` units (``projection/kernel``, optionally clipped to ``proj_clip``)."""

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip: float | None = None,
                 initializer: Any = None, num_proj: int | None = None, proj_clip: float | None = None,
                 num_unit_shards: Any = None, num_proj_shards: Any = None, forget_bias: float = 1.0,
                 state_is_tuple: bool = True, activation: Callable[[Tensor], Tensor] | None = None,
                 reuse: Any = None, name: str | None = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip

    def _h_size(self) -> int:
        return self._num_proj if self._num_proj is not None else self._num_units

    def _create_variables(self, input_depth: int, dtype: Any) -> None:
        n, init = self._num_units, self._initializer
        self._kernel = self.add_variable(
            "kernel", (input_depth + self._h_size(), 4 * n), dtype, initializer=init
        )
        self._bias = self.add_variable("bias", (4 * n,), dtype, initializer=zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag, self._w_i_diag, self._w_o_diag = (
                self.add_variable(name, (n,), dtype, initializer=init)
                for name in ("w_f_diag", "w_i_diag", "w_o_diag")
            )
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable(
                "projection/kernel", (n, self._num_proj), dtype, initializer=init
            )

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        c_prev, m_prev = self._unpack(state)
        i, j, f, o = self._gates(inputs, m_prev)
        sigmoid = math_ops.sigmoid
        if self._use_peepholes:
            f = f + self._w_f_diag * c_prev
            i = i + self._w_i_diag * c_prev
        c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = _clip(c, self._cell_clip)
        if self._use_peepholes:
            o = o + self._w_o_diag * c
        m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = _clip(m, self._proj_clip)
        return m, self._pack(c, m)


def _clip(x: Tensor, bound: float) -> Tensor:
    return math_ops.minimum(math_ops.maximum(x, -bound), bound)


class GRUCell(_VectorStateCell):
    """TF1's ``GRUCell``: ``r, u = sigmoid(split(W_g [x, h] + b_g, 2))``,
    ``c = tanh(W_c [x, r * h] + b_c)``, ``h' = u * h + (1 - u) * c``. Variables ``gates/kernel``
    ``[input_depth + num_units, 2 * num_units]``, ``gates/bias`` (ones, so the gates start open),
    ``candidate/kernel`` ``[input_depth + num_units, num_units]``, ``candidate/bias`` (zeros)."""

    def __init__(self, num_units: int, activation: Callable[[Tensor], Tensor] | None = None,
                 reuse: Any = None, kernel_initializer: Any = None, bias_initializer: Any = None,
                 name: str | None = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(reuse, name, dtype)
        self._num_units = num_units
        self._activation = activation or math_ops.tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    def _create_variables(self, input_depth: int, dtype: Any) -> None:
        n, kernel_init, bias_init = self._num_units, self._kernel_initializer, self._bias_initializer
        shape = (input_depth + n,)
        self._gate_kernel = self.add_variable(
            "gates/kernel", shape + (2 * n,), dtype, initializer=kernel_init
        )
        self._gate_bias = self.add_variable(
            "gates/bias", (2 * n,), dtype, initializer=bias_init or constant_initializer(1.0)
        )
        self._candidate_kernel = self.add_variable(
            "candidate/kernel", shape + (n,), dtype, initializer=kernel_init
        )
        self._candidate_bias = self.add_variable(
            "candidate/bias", (n,), dtype, initializer=bias_init or zeros_initializer()
        )

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, Tensor]:
        state = convert_to_tensor(state)
        gates = math_ops.sigmoid(_linear([inputs, state], self._gate_kernel, self._gate_bias))
        r, u = joining.split(gates, 2, axis=1)
        candidate = self._activation(
            _linear([inputs, r * state], self._candidate_kernel, self._candidate_bias)
        )
        new_h = u * state + (1 - u) * candidate
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked in layers: layer ``k`` runs in scope ``cell_k`` on layer ``k-1``'s output;
    the state is the tuple of the layers' states (TF1's ``MultiRNNCell``)."""

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True) -> None:
        if not cells:
            raise InvalidArgumentError("Must specify at least one cell for MultiRNNCell.")
        if not state_is_tuple:
            raise InvalidArgumentError("MultiRNNCell supports only state_is_tuple=True")
        super().__init__(name="multi_rnn_cell")
        self._cells = list(cells)

    @property
    def state_size(self) -> tuple:
        return tuple(cell.state_size for cell in self._cells)

    @property
    def output_size(self) -> Any:
        return self._cells[-1].output_size

    def _create_variables(self, input_depth: int, dtype: Any) -> None:
        depth = input_depth
        for k, cell in enumerate(self._cells):
            if cell._dtype is None:
                cell._dtype = as_dtype(dtype)
            with variable_scope(f"cell_{k}"):
                cell.build((None, depth))
            self._variables += cell.variables
            depth = cell.output_size

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, tuple]:
        if len(state) != len(self._cells):
            raise InvalidArgumentError(
                f"Expected state to be a tuple of length {len(self._cells)}, but received: {state}"
            )
        new_states = []
        for k, (cell, cell_state) in enumerate(zip(self._cells, state)):
            with get_default_graph().name_scope(f"cell_{k}"):
                inputs, new_state = cell(inputs, cell_state)
            new_states.append(new_state)
        return inputs, tuple(new_states)


def _keep_probability(value: Any, what: str) -> Any:
    """A keep probability: a scalar Tensor (checked by ``dropout``) or a float in ``(0, 1]``."""
    if isinstance(value, Tensor):
        return value
    value = float(value)
    if not 0 < value <= 1:
        raise InvalidArgumentError(f"Parameter {what} must be between 0 and 1: {value:g}")
    return value


class DropoutWrapper(RNNCell):
    """Dropout on a cell's inputs, outputs and new state, with keep probabilities that are floats
    or scalar Tensors (a placeholder turns dropout off for evaluation); TF1's
    ``tf.nn.rnn_cell.DropoutWrapper`` (and ``tf.contrib.rnn.DropoutWrapper``).

    The wrapper owns no Variables: it runs the wrapped cell in the cell's own scope, so
    ``rnn/basic_lstm_cell/kernel`` keeps its name. A float keep probability of 1 adds no op. As
    in TF1, an LSTM state's ``c`` is never dropped, only its ``h``; with ``seed``, each dropped
    Tensor gets TF1's derived seed (md5 of the seed, ``"input"``/``"state"``/``"output"`` and the
    Tensor's index in its structure), so one seed gives the same masks as in TF1's graphs.
    """

    def __init__(self, cell: RNNCell, input_keep_prob: Any = 1.0, output_keep_prob: Any = 1.0,
                 state_keep_prob: Any = 1.0, seed: int | None = None) -> None:  # fmt: skip
        if not isinstance(cell, RNNCell):
            raise InvalidArgumentError(f"The parameter cell is not a RNNCell: {cell!r}")
        self._cell = cell
        self._input_keep_prob = _keep_probability(input_keep_prob, "input_keep_prob")
        self._output_keep_prob = _keep_probability(output_keep_prob, "output_keep_prob")
        self._state_keep_prob = _keep_probability(state_keep_prob, "state_keep_prob")
        self._seed = seed

    # The wrapped cell's identity and Variables, seen through the wrapper.
    @property
    def wrapped_cell(self) -> RNNCell:
        return self._cell

    @property
    def name(self) -> str:
        return self._cell.name

    @property
    def _dtype(self) -> Any:
        return self._cell._dtype

    @_dtype.setter
    def _dtype(self, value: Any) -> None:
        self._cell._dtype = value

    @property
    def _variables(self) -> list[Variable]:
        return self._cell._variables

    @property
    def built(self) -> bool:
        return self._cell.built

    @property
    def state_size(self) -> Any:
        return self._cell.state_size

    @property
    def output_size(self) -> Any:
        return self._cell.output_size

    def build(self, inputs_shape: Any, scope: str | None = None) -> None:
        self._cell.build(inputs_shape, scope)

    def build_for(self, inputs: Tensor, scope: str | None = None) -> None:
        self._cell.build_for(inputs, scope)

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs: Any, state: Any, scope: str | None = None) -> tuple[Any, Any]:
        """One step of the wrapped cell between dropouts of its inputs, new state and output."""
        inputs = convert_to_tensor(inputs)
        if _drops(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self._cell(inputs, state, scope)
        if _drops(self._state_keep_prob):
            new_state = self._dropout(new_state, "state", self._state_keep_prob)
        if _drops(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_state

    def _dropout(self, values: Any, salt: str, keep_prob: Any) -> Any:
        """``dropout`` on each Tensor of the structure ``values`` except LSTM ``c`` states (TF1's
        default state filter); the ``i``-th Tensor (counting the skipped ones) gets seed
        ``_seed_for(salt, i)``."""
        index = itertools.count()

        def visit(value: Any, droppable: bool = True) -> Any:
            if isinstance(value, LSTMStateTuple):
                return LSTMStateTuple(visit(value.c, droppable=False), visit(value.h))
            if isinstance(value, (tuple, list)):
                return type(value)(visit(v) for v in value)
            i = next(index)
            if not droppable:
                return value
            return nn_ops.dropout(value, keep_prob=keep_prob, seed=self._seed_for(salt, i))

        return visit(values)

    def _seed_for(self, salt: str, index: int) -> int | None:
        """TF1's ``DropoutWrapper._gen_seed``: a 31-bit seed from md5(seed, salt, index)."""
        if self._seed is None:
            return None
        text = f"{self._seed}{salt}_{index}".encode()
        return int(hashlib.md5(text).hexdigest()[:8], 16) & 0x7FFFFFFF


def _drops(keep_prob: Any) -> bool:
    """Whether a keep probability can drop anything (a Tensor always may)."""
    return isinstance(keep_prob, Tensor) or keep_prob < 1
