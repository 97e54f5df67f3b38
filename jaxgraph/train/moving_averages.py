"""TF1's ``tf.train.ExponentialMovingAverage``: shadow Variables that trail trained ones.

``apply(var_list)`` makes, for each Variable, a non-trainable shadow ``<var>/ExponentialMovingAverage``
starting at the Variable's initial value, files the Variable under
``GraphKeys.MOVING_AVERAGE_VARIABLES``, and returns one op that updates every shadow as TF1's
``assign_moving_average``: ``shadow -= (shadow - value) * (1 - decay)``. With ``num_updates``
the decay is ``min(decay, (1 + num_updates) / (10 + num_updates))``, as TF1's.
``variables_to_restore()`` maps checkpoint names to Variables so that a ``Saver`` built from it
loads the averages into the model's own Variables (TF1's evaluation idiom).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Operation
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.variables import Variable, global_variables, trainable_variables


class ExponentialMovingAverage:
    """Moving averages of Variables; TF1's ``tf.train.ExponentialMovingAverage(decay,
    num_updates=None, zero_debias=False, name="ExponentialMovingAverage")``."""

    def __init__(self, decay: Any, num_updates: Any = None, zero_debias: bool = False,
                 name: str = "ExponentialMovingAverage"):  # fmt: skip
        if zero_debias:
            raise InvalidArgumentError(
                "ExponentialMovingAverage: zero_debias=True is not supported by jaxgraph"
            )
        self._decay, self._num_updates, self._name = decay, num_updates, name
        self._averages: dict[tuple[Any, str], Variable] = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list: Sequence[Variable] | None = None) -> Operation:
        """Creates the shadows of ``var_list`` (default: the trainable Variables) once and returns
        the op that moves each one towards its Variable's current value."""
        var_list = list(var_list) if var_list is not None else trainable_variables()
        graph = get_default_graph()
        for var in var_list:
            if not var.dtype.is_floating:
                raise InvalidArgumentError(
                    f"The variables must be half, float, or double: {var.op.name} is {var.dtype.name}"
                )
            key = (graph, var.op.name)
            if key not in self._averages:
                with graph.name_scope(None), graph.control_dependencies(None):
                    self._averages[key] = Variable(
                        var.initial_value, trainable=False, name=self.average_name(var)
                    )
                graph.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
        with graph.name_scope(self._name):
            decay = convert_to_tensor(self._decay, name="decay")
            if self._num_updates is not None:
                updates = shape_ops.cast(convert_to_tensor(self._num_updates), decay.dtype)
                decay = math_ops.minimum(decay, (1.0 + updates) / (10.0 + updates))
            assigns = []
            for var in var_list:
                shadow = self._averages[(graph, var.op.name)]
                with graph.name_scope(f"AssignMovingAvg_{var.op.name.replace('/', '_')}"):
                    one_minus_decay = 1.0 - shape_ops.cast(decay, var.dtype)
                    assigns.append(shadow.assign_sub((shadow - var.value()) * one_minus_decay))
            return identity_ops.group(*assigns, name=self._name)

    def average(self, var: Variable) -> Variable | None:
        """The shadow Variable of ``var`` (None before ``apply``)."""
        return self._averages.get((var.graph, var.op.name))

    def average_name(self, var: Variable) -> str:
        """``<var>/<name>``: the shadow's name, in the graph and in checkpoints."""
        return f"{var.op.name}/{self._name}"

    def variables_to_restore(
        self, moving_avg_variables: Sequence[Variable] | None = None
    ) -> dict[str, Variable]:
        """``{checkpoint name: Variable}``: each averaged Variable reads its shadow's saved value,
        every other global Variable its own (TF1's evaluation-time ``Saver`` map)."""
        averaged = list(moving_avg_variables) if moving_avg_variables is not None else (
            get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES) or trainable_variables()
        )  # fmt: skip
        averaged_names = {v.op.name for v in averaged}
        shadows = {shadow.op.name for shadow in self._averages.values()}
        mapping: dict[str, Variable] = {}
        for var in global_variables():
            if var.op.name in shadows:
                continue
            name = self.average_name(var) if var.op.name in averaged_names else var.op.name
            mapping[name] = var
        return mapping


__all__ = ["ExponentialMovingAverage"]
