"""TF's ``tf.compat``: ``jaxgraph.compat.v1`` is jaxgraph itself, plus the eager-mode switches.

Programs ported to TF2's compatibility layer start with ``import tensorflow.compat.v1 as tf`` and
``tf.disable_v2_behavior()``; with ``import jaxgraph.compat.v1 as tf`` they run unchanged, since
jaxgraph *is* TF1's graph mode: the ``disable_*`` switches do nothing (there is no eager mode to
turn off) and ``enable_eager_execution`` is refused.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.errors import UnimplementedError


def disable_v2_behavior() -> None:
    """TF's ``tf.compat.v1.disable_v2_behavior``: nothing to do, jaxgraph behaves as TF1."""


def disable_eager_execution() -> None:
    """TF1's ``tf.disable_eager_execution``: nothing to do, jaxgraph always builds graphs."""


def executing_eagerly() -> bool:
    """TF1's ``tf.executing_eagerly``: always False (jaxgraph builds graphs)."""
    return False


def enable_eager_execution(config: Any = None, device_policy: Any = None, execution_mode: Any = None) -> None:
    """TF1's ``tf.enable_eager_execution``: refused, since jaxgraph has no eager mode (JAX itself
    is the eager alternative)."""
    raise UnimplementedError(
        "jaxgraph has no eager mode: it builds TF1 graphs and runs them in a Session "
        "(for eager array code use JAX directly)"
    )


from jaxgraph.compat import v1  # noqa: E402, F401  (v1 is the root package, which imports this module)

__all__ = [
    "disable_eager_execution",
    "disable_v2_behavior",
    "enable_eager_execution",
    "executing_eagerly",
]  # not "v1": it is the root package itself (pdoc would document jaxgraph twice)
