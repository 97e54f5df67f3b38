"""TF1's optimizers as graph ops, with TF1's slot names and the arithmetic of TF1's update kernels
(``training_ops``), so results round as TF1's do.

* ``GradientDescentOptimizer``: ``var -= lr * g``.
* ``MomentumOptimizer``: ``accum = momentum * accum + g``; ``var -= lr * accum``
  (Nesterov: ``var -= lr * (g + momentum * accum)``). Slot ``<var>/Momentum``.
* ``AdamOptimizer`` (TF1's ``ApplyAdam``): ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``;
  ``m += (g - m) * (1 - beta1)``; ``v += (g² - v) * (1 - beta2)``;
  ``var -= m * lr_t / (sqrt(v) + epsilon)`` — the documented ``m = beta1 m + (1 - beta1) g``
  rearranged as the kernel computes it. Slots ``<var>/Adam`` (m), ``<var>/Adam_1`` (v);
  ``beta1_power`` / ``beta2_power`` Variables advanced after every step.
* ``RMSPropOptimizer`` (TF1's ``ApplyRMSProp``): ``ms += (g² - ms) * (1 - decay)`` (centered:
  also ``mg += (g - mg) * (1 - decay)`` and ``ms - mg²`` below);
  ``mom = momentum mom + lr g / sqrt(ms + epsilon)``; ``var -= mom``. Slots ``<var>/RMSProp``
  (ms, starts at ones), then ``_1`` (mg if centered), then momentum.

Hyperparameters are tensors made once per ``apply_gradients`` (``<Optimizer>/learning_rate``,
``lr_t``, ``1 - beta1`` ...) and shared by every Variable's update.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.ir.dtypes import DType
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.tracer.variables import Variable
from jaxgraph.train.optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    """Plain SGD, ``var -= learning_rate * grad``; TF1's ``tf.train.GradientDescentOptimizer``."""

    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _hyper_values(self) -> dict[str, Any]:
        return {"learning_rate": self._lr}

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        return var.assign_sub(self._get_hyper("learning_rate", var.dtype) * grad)


class MomentumOptimizer(Optimizer):
    """SGD with a momentum accumulator (optionally Nesterov); TF1's ``tf.train.MomentumOptimizer``."""

    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _hyper_values(self) -> dict[str, Any]:
        return {"learning_rate": self._lr, "momentum": self._momentum}

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "momentum")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, momentum = (self._get_hyper(k, var.dtype) for k in ("learning_rate", "momentum"))
        accum = self._slot(var, "momentum")
        new_accum = accum.assign(accum * momentum + grad)
        step = grad + momentum * new_accum if self._nesterov else new_accum
        return var.assign_sub(lr * step)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) with TF1's bias-corrected step size; TF1's ``tf.train.AdamOptimizer``."""

    def __init__(self, learning_rate: Any = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8,
                 use_locking: bool = False, name: str = "Adam"):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon
        self._powers: dict[Any, tuple[Variable, Variable]] = {}

    def _hyper_values(self) -> dict[str, Any]:
        return {
            "learning_rate": self._lr,
            "beta1": self._beta1,
            "beta2": self._beta2,
            "epsilon": self._epsilon,
        }

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

    def _step_size(self, dtype: DType) -> Tensor:
        """``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``, one tensor for every Variable."""
        beta1_power, beta2_power = (shape_ops.cast(p, dtype) for p in self._get_beta_accumulators())
        lr, one = self._get_hyper("learning_rate", dtype), self._one(dtype)
        return math_ops.truediv(lr * math_ops.sqrt(one - beta2_power), one - beta1_power, name="lr_t")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        dtype = var.dtype
        lr_t = self._shared_tensor("lr_t", dtype, lambda: self._step_size(dtype))
        m, v = self._slot(var, "m"), self._slot(var, "v")
        m_t = m.assign_add((grad - m) * self._one_minus("beta1", dtype))
        v_t = v.assign_add((math_ops.square(grad) - v) * self._one_minus("beta2", dtype))
        return var.assign_sub(m_t * lr_t / (math_ops.sqrt(v_t) + self._get_hyper("epsilon", dtype)))

    def _finish(self) -> list[Tensor]:
        beta1_power, beta2_power = self._get_beta_accumulators()
        return [
            beta1_power.assign(
                beta1_power * self._get_hyper("beta1", beta1_power.dtype), name="update_beta1_power"
            ),
            beta2_power.assign(
                beta2_power * self._get_hyper("beta2", beta2_power.dtype), name="update_beta2_power"
            ),
        ]


class RMSPropOptimizer(Optimizer):
    """RMSProp with optional momentum and centering; TF1's ``tf.train.RMSPropOptimizer``."""

    def __init__(self, learning_rate: Any, decay: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-10,
                 use_locking: bool = False, centered: bool = False, name: str = "RMSProp"):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._epsilon = learning_rate, decay, momentum, epsilon
        self._centered = centered

    def _hyper_values(self) -> dict[str, Any]:
        return {
            "learning_rate": self._lr,
            "decay": self._decay,
            "momentum": self._momentum,
            "epsilon": self._epsilon,
        }

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "rms", 1.0)
        if self._centered:
            self._slot(var, "mg")
        self._slot(var, "momentum")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, momentum, eps = (self._get_hyper(k, var.dtype) for k in ("learning_rate", "momentum", "epsilon"))
        one_minus_decay = self._one_minus("decay", var.dtype)
        ms = self._slot(var, "rms")
        ms_t = ms.assign_add((math_ops.square(grad) - ms) * one_minus_decay)
        denominator = ms_t
        if self._centered:
            mg = self._slot(var, "mg")
            mg_t = mg.assign_add((grad - mg) * one_minus_decay)
            denominator = ms_t - math_ops.square(mg_t)
        mom = self._slot(var, "momentum")
        mom_t = mom.assign(momentum * mom + lr * grad / math_ops.sqrt(denominator + eps))
        return var.assign_sub(mom_t)
