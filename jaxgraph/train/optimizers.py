"""TF1's optimizers as graph ops, with TF1's documented update formulas and slot names.

* ``GradientDescentOptimizer``: ``var -= lr * g``.
* ``MomentumOptimizer``: ``accum = momentum * accum + g``; ``var -= lr * accum``
  (Nesterov: ``var -= lr * (g + momentum * accum)``). Slot ``<var>/Momentum``.
* ``AdamOptimizer``: ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``;
  ``m = beta1 m + (1 - beta1) g``; ``v = beta2 v + (1 - beta2) g²``;
  ``var -= lr_t * m / (sqrt(v) + epsilon)``. Slots ``<var>/Adam`` (m), ``<var>/Adam_1`` (v);
  ``beta1_power`` / ``beta2_power`` Variables advanced after every step.
* ``RMSPropOptimizer``: ``ms = decay ms + (1 - decay) g²`` (centered: also
  ``mg = decay mg + (1 - decay) g`` and ``ms - mg²`` below); ``mom = momentum mom + lr g / sqrt(ms + epsilon)``;
  ``var -= mom``. Slots ``<var>/RMSProp`` (ms, starts at ones), then ``_1`` (mg if centered), then momentum.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import math as math_ops
from jaxgraph.tracer.variables import Variable
from jaxgraph.train.optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        return var.assign_sub(self._hyper(self._lr, var) * grad)


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "momentum")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, momentum = self._hyper(self._lr, var), self._hyper(self._momentum, var)
        accum = self._slot(var, "momentum")
        new_accum = accum.assign(accum * momentum + grad)
        step = grad + momentum * new_accum if self._nesterov else new_accum
        return var.assign_sub(lr * step)


class AdamOptimizer(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8,
                 use_locking: bool = False, name: str = "Adam"):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon
        self._powers: dict[Any, tuple[Variable, Variable]] = {}

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "m")
        self._slot(var, "v")

    def _create_non_slots(self, first_var: Variable) -> None:
        if first_var.graph not in self._powers:
            self._powers[first_var.graph] = (
                Variable(float(self._beta1), trainable=False, name="beta1_power"),
                Variable(float(self._beta2), trainable=False, name="beta2_power"),
            )

    def _non_slots(self) -> list[Variable]:
        return [v for pair in self._powers.values() for v in pair]

    def _get_beta_accumulators(self) -> tuple[Variable, Variable]:
        """``(beta1_power, beta2_power)`` of the graph being built."""
        return self._powers[get_default_graph()]

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, beta1, beta2, eps = (
            self._hyper(h, var) for h in (self._lr, self._beta1, self._beta2, self._epsilon)
        )
        beta1_power, beta2_power = (self._hyper(p, var) for p in self._get_beta_accumulators())
        lr_t = lr * math_ops.sqrt(1.0 - beta2_power) / (1.0 - beta1_power)
        m, v = self._slot(var, "m"), self._slot(var, "v")
        m_t = m.assign(beta1 * m + (1.0 - beta1) * grad)
        v_t = v.assign(beta2 * v + (1.0 - beta2) * math_ops.square(grad))
        return var.assign_sub(lr_t * m_t / (math_ops.sqrt(v_t) + eps))

    def _finish(self) -> list[Tensor]:
        beta1_power, beta2_power = self._get_beta_accumulators()
        return [
            beta1_power.assign(beta1_power * self._beta1, name="update_beta1_power"),
            beta2_power.assign(beta2_power * self._beta2, name="update_beta2_power"),
        ]


class RMSPropOptimizer(Optimizer):
    def __init__(self, learning_rate: Any, decay: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-10,
                 use_locking: bool = False, centered: bool = False, name: str = "RMSProp"):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._epsilon = learning_rate, decay, momentum, epsilon
        self._centered = centered

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "rms", 1.0)
        if self._centered:
            self._slot(var, "mg")
        self._slot(var, "momentum")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, decay, momentum, eps = (
            self._hyper(h, var) for h in (self._lr, self._decay, self._momentum, self._epsilon)
        )
        ms = self._slot(var, "rms")
        ms_t = ms.assign(decay * ms + (1.0 - decay) * math_ops.square(grad))
        denominator = ms_t
        if self._centered:
            mg = self._slot(var, "mg")
            mg_t = mg.assign(decay * mg + (1.0 - decay) * grad)
            denominator = ms_t - math_ops.square(mg_t)
        mom = self._slot(var, "momentum")
        mom_t = mom.assign(momentum * mom + lr * grad / math_ops.sqrt(denominator + eps))
        return var.assign_sub(mom_t)
