"""The run-time check behind gradients of unbounded ``while_loop``\\ s: ``check_trip_count``.

JAX cannot reverse ``lax.while_loop``, so jaxgraph differentiates a ``while_loop`` without
``maximum_iterations`` as a masked ``scan`` whose length is a *bucket*: an attribute (``bucket``,
naming the forward loop) that the Session resolves to a number of steps before lowering
(``jaxgraph.ir.passes.loop_bounds``). The gradient is exact only if the loop stops within the
bucket, so the gradient graph counts the iterations the forward loop runs past the bucket's end
(zero when it stopped inside) and passes the gradients through ``check_trip_count``. When
that count is not zero the check fails with ``TripCountExceeded``, which carries the loop's true
trip count: the run commits nothing (as for every failed check), and the Session compiles the
fetch set again with a bucket that fits and reruns it (``jaxgraph.session.loop_buckets``).
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops.core import apply, require


class TripCountExceeded(InvalidArgumentError):
    """A ``while_loop`` ran more iterations than the bucket its gradient was compiled for.

    ``loop`` names the forward loop (the bucket), ``trip_count`` is how many iterations it ran.
    A Session catches it, compiles again with a larger bucket and reruns; it reaches the user
    only from code that runs a compiled program without a Session."""

    def __init__(self, op: Operation, trip_count: int):
        self.loop, self.trip_count, self.length = op.attrs["bucket"], trip_count, op.attrs["length"]
        super().__init__(
            f"while_loop '{self.loop}' ran {trip_count} iterations, more than the {self.length} "
            "its gradient was compiled for",
            op,
        )


@op("check_trip_count", "CheckTripCount", attrs={"bucket": REQUIRED, "length": None}, check=True)
class CheckTripCount:
    """Passes ``xs`` through; fails unless ``extra`` (the iterations the loop ``bucket`` ran past
    the ``length`` steps of its gradient's bucket) is zero. The status holds the trip count."""

    def infer(extra, *xs, bucket, length):
        require(extra.dtype.is_integer and len(extra.shape) == 0,
                f"check_trip_count's count must be an integer scalar, got {extra}")  # fmt: skip
        require(len(xs) > 0, "check_trip_count needs a tensor to pass through")
        return tuple(TensorType(x.dtype, x.shape) for x in xs)

    def lower(extra, *xs, bucket, length):
        status = jnp.stack([extra == 0, extra + (length or 0)]).astype(jnp.int32)
        return (*xs, status)

    def explain(op, detail):
        return TripCountExceeded(op, int(detail[0]))

    def grad(op, *grads):
        return (None, *grads)


def check_trip_count(extra: Tensor, xs: list[Tensor], bucket: str) -> list[Tensor]:
    """``xs``, checked when they run: the loop ``bucket`` ran no iteration past its bucket's end
    (``extra`` counts those). Not TF1's: part of jaxgraph's gradient of an unbounded loop."""
    return list(apply("check_trip_count", [extra, *xs], bucket=bucket).outputs)
