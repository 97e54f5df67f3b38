"""``jg.debugging``: run-time checks that raise with the user's source line (TF1's
``tf.debugging``: ``check_numerics``, ``Assert`` and the ``assert_*`` checks), and the switch for
the checks op builders add (index ranges, integer division by zero, negative integer powers)."""

from jaxgraph.ops.debugging import check_numerics, runtime_checks_enabled, set_runtime_checks
from jaxgraph.ops.printing import (
    Assert,
    assert_equal,
    assert_greater,
    assert_greater_equal,
    assert_less,
    assert_less_equal,
    assert_negative,
    assert_non_negative,
    assert_non_positive,
    assert_none_equal,
    assert_positive,
)

__all__ = [
    "Assert",
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_less",
    "assert_less_equal",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_none_equal",
    "assert_positive",
    "check_numerics",
    "runtime_checks_enabled",
    "set_runtime_checks",
]
