"""``jg.debugging``: run-time checks that raise with the user's source line."""

from jaxgraph.ops.debugging import check_numerics

__all__ = ["check_numerics"]
