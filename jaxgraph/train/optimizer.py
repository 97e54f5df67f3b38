"""The ``Optimizer`` base class: TF1's ``compute_gradients`` / ``apply_gradients`` / ``minimize``.

Updates are graph ops (assigns to Variables), built from the graph's own gradients. Slot
Variables are named as TF1 names them: ``<var>/<OptimizerName>``, ``<var>/<OptimizerName>_1``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jaxgraph.autodiff import gradients
from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType
from jaxgraph.ir.graph import Operation, Tensor, paused_gc, user_location
from jaxgraph.ops import construction
from jaxgraph.ops import identity as identity_ops
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.variables import Variable, trainable_variables

GLOBAL_STEP = GraphKeys.GLOBAL_STEP


class Optimizer:
    """Base class; subclasses define ``_create_slots`` and ``_apply_dense``. TF1's ``tf.train.Optimizer``."""

    def __init__(self, use_locking: bool = False, name: str = "Optimizer"):
        self._name = name
        self._slots: dict[tuple[Any, str, str], Variable] = {}
        self._scope = ""
        self._hypers: dict[str, Tensor] = {}
        self._shared: dict[tuple[str, DType], Tensor] = {}

    def get_name(self) -> str:
        return self._name

    # ---- TF1 API ---------------------------------------------------------------------------
    def compute_gradients(self, loss: Any, var_list: Sequence[Variable] | None = None,
                          **unused: Any) -> list[tuple[Tensor | None, Variable]]:  # fmt: skip
        """``[(gradient, variable), ...]`` for ``var_list`` (default: trainable Variables)."""
        var_list = list(var_list) if var_list is not None else trainable_variables()
        if not var_list:
            raise InvalidArgumentError("No variables to optimize.")
        return list(zip(gradients(loss, var_list), var_list))

    def apply_gradients(self, grads_and_vars: Sequence[tuple[Any, Variable]], global_step: Variable | None = None,
                        name: str | None = None) -> Operation:  # fmt: skip
        """One op that applies every update (and then increments ``global_step``).

        The hyperparameters become tensors once (``_prepare``), shared by every Variable's update.
        Only the ``global_step`` increment has a control input (the group of updates), so that
        fetching it runs them; the rest is ordered by data and by jaxgraph's program order of
        Variable effects (a read sees only the assigns traced before it).
        """
        graph = get_default_graph()
        # jaxgraph's own optimizers run no user code here: their ops share the user's line, found
        # once (a user's subclass may build ops in its own code: each op finds its line)
        own = type(self).__module__.startswith("jaxgraph.")
        location = (graph._location_override or user_location()) if own else graph._location_override
        with paused_gc(), graph.stamp_location(location):  # GC: one update after another (paused_gc)
            return self._apply_gradients(grads_and_vars, global_step, name)

    def _apply_gradients(self, grads_and_vars: Sequence[tuple[Any, Variable]], global_step: Variable | None,
                         name: str | None) -> Operation:  # fmt: skip
        """``apply_gradients`` (with the garbage collector paused)."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            names = [v.op.name for _, v in grads_and_vars]
            raise InvalidArgumentError(f"No gradients provided for any variable: {names}")
        graph = get_default_graph()
        # TF1's init_scope: slots are created outside the caller's control dependencies, so
        # their initializers never wait for (or need the feeds of) ops such as batch norm's
        # moving-average updates in ``with control_dependencies(UPDATE_OPS): apply_gradients``.
        with graph.name_scope(None), graph.control_dependencies(None):
            for _, var in pairs:
                self._create_slots(var)
            self._create_non_slots(pairs[0][1])
        with graph.name_scope(name or self._name) as self._scope:
            self._prepare()
            updates = []
            for grad, var in pairs:
                with graph.name_scope(f"update_{var.op.name}"):
                    updates.append(self._apply_dense(convert_to_tensor(grad), var))
            apply = identity_ops.group(*updates, *self._finish(), name=name or self._name)
            if global_step is None:
                return apply
            one = convert_to_tensor(1, dtype=global_step.dtype)
            with graph.control_dependencies([apply]):
                return global_step.assign_add(one).op

    def minimize(self, loss: Any, global_step: Variable | None = None, var_list: Sequence[Variable] | None = None,
                 name: str | None = None, **unused: Any) -> Operation:  # fmt: skip
        return self.apply_gradients(self.compute_gradients(loss, var_list), global_step, name)

    def get_slot(self, var: Variable, name: str) -> Variable | None:
        return self._slots.get((var.graph, var.op.name, name))

    def get_slot_names(self) -> list[str]:
        return sorted({name for _, _, name in self._slots})

    def variables(self) -> list[Variable]:
        return list(self._slots.values()) + list(self._non_slots())

    # ---- for subclasses --------------------------------------------------------------------
    def _slot(self, var: Variable, slot_name: str, value: float = 0.0) -> Variable:
        """The slot ``slot_name`` of ``var`` (created as ``<var>/<Optimizer>[_k]``)."""
        key = (var.graph, var.op.name, slot_name)
        if key not in self._slots:
            initial = construction.fill(var.shape, value, var.dtype)
            self._slots[key] = Variable(initial, trainable=False, name=f"{var.op.name}/{self._name}")
        return self._slots[key]

    def _create_slots(self, var: Variable) -> None:
        pass

    def _create_non_slots(self, first_var: Variable) -> None:
        pass

    def _non_slots(self) -> list[Variable]:
        return []

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        raise NotImplementedError

    def _finish(self) -> list[Tensor]:
        return []

    def _hyper_values(self) -> dict[str, Any]:
        """The hyperparameters by name (Python numbers or Tensors), made tensors by ``_prepare``."""
        return {}

    def _prepare(self) -> None:
        """Makes the hyperparameter tensors once per ``apply_gradients`` (TF1's ``_prepare``):
        ``<Optimizer>/learning_rate`` ... shared by every Variable's update."""
        self._hypers = {
            key: shape_ops.as_scalar(convert_to_tensor(value, name=key), key)
            for key, value in self._hyper_values().items()
        }
        self._shared = {}

    def _get_hyper(self, key: str, dtype: DType) -> Tensor:
        """The prepared hyperparameter ``key`` as ``dtype`` (cast once per dtype, TF1's casts)."""
        return self._shared_tensor(key, dtype, lambda: shape_ops.cast(self._hypers[key], dtype))

    def _one_minus(self, key: str, dtype: DType) -> Tensor:
        """``1 - <hyperparameter key>`` as ``dtype``, shared (Adam's and RMSProp's decay factors)."""
        return self._shared_tensor(
            f"one_minus_{key}",
            dtype,
            lambda: math_ops.sub(self._one(dtype), self._get_hyper(key, dtype), name=f"one_minus_{key}"),
        )

    def _one(self, dtype: DType) -> Tensor:
        """The constant 1 as ``dtype``, one op for every ``1 - x`` of the update."""
        return self._shared_tensor("one", dtype, lambda: construction.constant(1, dtype=dtype, name="one"))

    def _shared_tensor(self, key: str, dtype: DType, make: Callable[[], Tensor]) -> Tensor:
        """The tensor ``make()`` builds, made once per ``apply_gradients`` and dtype in the
        optimizer's scope, shared by every Variable's update of that dtype."""
        if (key, dtype) not in self._shared:
            with get_default_graph().name_scope(self._scope):
                self._shared[(key, dtype)] = make()
        return self._shared[(key, dtype)]


def get_global_step() -> Variable | None:
    """The graph's ``global_step`` Variable, or None if there is none; TF1's ``tf.train.get_global_step``."""
    items = get_default_graph().get_collection(GLOBAL_STEP)
    return items[0] if items else None


def get_or_create_global_step() -> Variable:
    """The graph's ``global_step`` Variable (int32 scalar, not trainable), created if needed;
    TF1's ``tf.train.get_or_create_global_step``."""
    step = get_global_step()
    if step is None:
        with get_default_graph().name_scope(None):
            step = Variable(construction.zeros((), "int32"), trainable=False, name="global_step",
                            collections=[GraphKeys.GLOBAL_VARIABLES, GLOBAL_STEP])  # fmt: skip
    return step


def create_global_step() -> Variable:
    """The graph's ``global_step`` Variable, created if needed; TF1's ``tf.train.create_global_step``
    (which raises when one exists; jaxgraph returns the existing one).
    """
    return get_or_create_global_step()
