"""``jg.debugging``: run-time checks that raise with the user's source line, and the switch for
the checks op builders add (index ranges, integer division by zero, negative integer powers)."""

from jaxgraph.ops.debugging import check_numerics, runtime_checks_enabled, set_runtime_checks

__all__ = ["check_numerics", "runtime_checks_enabled", "set_runtime_checks"]
