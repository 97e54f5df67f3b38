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

* ``AdagradOptimizer`` (TF1's ``ApplyAdagrad``): ``accum += g²``; ``var -= lr * g * rsqrt(accum)``.
  Slot ``<var>/Adagrad`` starting at ``initial_accumulator_value``.
* ``AdadeltaOptimizer`` (TF1's ``ApplyAdadelta``): ``accum = rho accum + (1 - rho) g²``;
  ``update = sqrt(accum_update + eps) * rsqrt(accum + eps) * g``;
  ``accum_update = rho accum_update + (1 - rho) update²``; ``var -= lr * update``. Slots
  ``<var>/Adadelta`` (accum), ``<var>/Adadelta_1`` (accum_update).
* ``FtrlOptimizer`` (TF1's ``ApplyFtrlV2``): ``n' = n + g²``;
  ``z += g_s - (n'^-p - n^-p) / lr * var`` with ``g_s = g + 2 l2_shrinkage var``;
  ``var = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2 l2)`` where ``|z| > l1``, else 0. Slots
  ``<var>/Ftrl`` (n, starts at ``initial_accumulator_value``), ``<var>/Ftrl_1`` (z).
* ``ProximalGradientDescentOptimizer`` (TF1's ``ApplyProximalGradientDescent``):
  ``p = var - lr g``; ``var = sign(p) max(|p| - lr l1, 0) / (1 + lr l2)``.

Hyperparameters are tensors made once per ``apply_gradients`` (``<Optimizer>/learning_rate``,
``lr_t``, ``1 - beta1`` ...) and shared by every Variable's update.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import selection
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


class AdagradOptimizer(Optimizer):
    """Adagrad: per-coordinate step sizes from the sum of squared gradients; TF1's
    ``tf.train.AdagradOptimizer``."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1, use_locking: bool = False,
                 name: str = "Adagrad"):  # fmt: skip
        if initial_accumulator_value <= 0.0:
            raise InvalidArgumentError(
                f"initial_accumulator_value must be positive: {initial_accumulator_value}"
            )
        super().__init__(use_locking, name)
        self._lr, self._initial = learning_rate, float(initial_accumulator_value)

    def _hyper_values(self) -> dict[str, Any]:
        return {"learning_rate": self._lr}

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "accumulator", self._initial)

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        accum = self._slot(var, "accumulator")
        accum_t = accum.assign_add(math_ops.square(grad))
        return var.assign_sub(self._get_hyper("learning_rate", var.dtype) * grad * math_ops.rsqrt(accum_t))


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler): steps scaled by running averages of squared updates and gradients;
    TF1's ``tf.train.AdadeltaOptimizer``."""

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-8,
                 use_locking: bool = False, name: str = "Adadelta"):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _hyper_values(self) -> dict[str, Any]:
        return {"learning_rate": self._lr, "rho": self._rho, "epsilon": self._epsilon}

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "accum")
        self._slot(var, "accum_update")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, rho, eps = (self._get_hyper(k, var.dtype) for k in ("learning_rate", "rho", "epsilon"))
        one_minus_rho = self._one_minus("rho", var.dtype)
        accum, accum_update = self._slot(var, "accum"), self._slot(var, "accum_update")
        accum_t = accum.assign(accum * rho + math_ops.square(grad) * one_minus_rho)
        update = math_ops.sqrt(accum_update + eps) * math_ops.rsqrt(accum_t + eps) * grad
        accum_update_t = accum_update.assign(accum_update * rho + math_ops.square(update) * one_minus_rho)
        with get_default_graph().control_dependencies([accum_update_t.op]):
            return var.assign_sub(update * lr)


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal (McMahan et al.), with L1/L2 and L2-shrinkage regularization; TF1's
    ``tf.train.FtrlOptimizer``."""

    def __init__(self, learning_rate: Any, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False, name: str = "Ftrl",
                 accum_name: str | None = None, linear_name: str | None = None,
                 l2_shrinkage_regularization_strength: float = 0.0):  # fmt: skip
        checks = {
            "learning_rate_power": learning_rate_power <= 0.0,
            "initial_accumulator_value": initial_accumulator_value >= 0.0,
            "l1_regularization_strength": l1_regularization_strength >= 0.0,
            "l2_regularization_strength": l2_regularization_strength >= 0.0,
            "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength >= 0.0,
        }
        for key, ok in checks.items():
            if not ok:
                sign = "less than or equal to 0.0" if key == "learning_rate_power" else "positive or 0.0"
                raise InvalidArgumentError(f"{key} {locals()[key]} needs to be {sign}")
        super().__init__(use_locking, name)
        self._lr, self._power, self._initial = (
            learning_rate,
            learning_rate_power,
            float(initial_accumulator_value),
        )
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength
        self._l2_shrinkage = l2_shrinkage_regularization_strength

    def _hyper_values(self) -> dict[str, Any]:
        return {
            "learning_rate": self._lr,
            "learning_rate_power": self._power,
            "l1_regularization_strength": self._l1,
            "l2_regularization_strength": self._l2,
            "l2_shrinkage_regularization_strength": self._l2_shrinkage,
        }

    def _create_slots(self, var: Variable) -> None:
        self._slot(var, "accum", self._initial)
        self._slot(var, "linear")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, power, l1, l2, shrinkage = (
            self._get_hyper(k, var.dtype)
            for k in ("learning_rate", "learning_rate_power", "l1_regularization_strength",
                      "l2_regularization_strength", "l2_shrinkage_regularization_strength")
        )  # fmt: skip
        accum, linear = self._slot(var, "accum"), self._slot(var, "linear")
        new_accum = accum + math_ops.square(grad)
        shrunk_grad = grad + 2.0 * shrinkage * var
        sigma = (math_ops.pow(new_accum, -power) - math_ops.pow(accum, -power)) / lr
        linear_t = linear.assign_add(shrunk_grad - sigma * var)
        quadratic = math_ops.pow(new_accum, -power) / lr + 2.0 * l2
        clipped = math_ops.minimum(math_ops.maximum(linear_t, -l1), l1)
        new_var = selection.where(math_ops.abs(linear_t) > l1, (clipped - linear_t) / quadratic, var * 0.0)
        var_t = var.assign(new_var)
        with get_default_graph().control_dependencies([var_t.op]):
            return accum.assign(new_accum)


class ProximalGradientDescentOptimizer(Optimizer):
    """Gradient descent followed by the proximal step of L1/L2 regularization; TF1's
    ``tf.train.ProximalGradientDescentOptimizer``."""

    def __init__(self, learning_rate: Any, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False,
                 name: str = "ProximalGradientDescent"):  # fmt: skip
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength

    def _hyper_values(self) -> dict[str, Any]:
        return {"learning_rate": self._lr, "l1": self._l1, "l2": self._l2}

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, l1, l2 = (self._get_hyper(k, var.dtype) for k in ("learning_rate", "l1", "l2"))
        prox = var - lr * grad
        shrunk = math_ops.sign(prox) * math_ops.maximum(math_ops.abs(prox) - lr * l1, 0.0)
        return var.assign(shrunk / (1.0 + lr * l2))
