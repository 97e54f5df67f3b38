"""Image ops: resizing (bilinear, nearest neighbour) and cropping at a tensor offset.

Resizing follows TF1's kernels (``ResizeBilinear``, ``ResizeNearestNeighbor``), which differ from
``jax.image.resize``: by default TF1 maps output pixel ``i`` to input coordinate ``i * in / out``
(no half-pixel offset), ``align_corners`` maps the corner pixels onto each other
(``i * (in - 1) / (out - 1)``), and ``half_pixel_centers`` gives the ``(i + 0.5) * in / out - 0.5``
of TF2 and JAX; nearest neighbour rounds down (``align_corners``: to nearest), never
antialiases. Each axis's interpolation is a fixed ``out x in`` matrix computed from the static
sizes, so a resize is two small matmuls XLA fuses, and its gradient is the same contraction with
the matrices transposed (``resize_grad``), itself differentiable (its gradient is the resize).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxgraph.ir.dtypes import float32, int32
from jaxgraph.ir.opdef import REQUIRED, op
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import apply1, require

RESIZE_METHODS = ("bilinear", "nearest")


def interpolation_matrix(in_size: int, out_size: int, method: str, align_corners: bool,
                         half_pixel_centers: bool) -> np.ndarray:  # fmt: skip
    """The ``out_size x in_size`` matrix of TF1's resize kernels along one axis (module docstring)."""
    if align_corners and out_size > 1:
        scale = (in_size - 1) / (out_size - 1)
    else:
        scale = in_size / out_size
    out = np.arange(out_size, dtype=np.float64)
    weights = np.zeros((out_size, in_size), np.float32)
    rows = np.arange(out_size)
    if method == "nearest":
        source = (out + 0.5) * scale if half_pixel_centers else out * scale
        index = np.floor(source + 0.5) if align_corners else np.floor(source)
        weights[rows, np.minimum(index, in_size - 1).astype(int)] = 1.0
        return weights
    source = (out + 0.5) * scale - 0.5 if half_pixel_centers else out * scale
    low = np.floor(source)
    lerp = (source - low).astype(np.float32)
    lower = np.clip(low, 0, in_size - 1).astype(int)
    upper = np.clip(np.ceil(source), 0, in_size - 1).astype(int)
    np.add.at(weights, (rows, lower), 1.0 - lerp)
    np.add.at(weights, (rows, upper), lerp)
    return weights


def _matrices(in_hw: tuple, out_hw: tuple, method: str, align_corners: bool, half_pixel_centers: bool):
    return [
        interpolation_matrix(i, o, method, align_corners, half_pixel_centers) for i, o in zip(in_hw, out_hw)
    ]


def _check_resize(images: TensorType, size: tuple, method: str) -> None:
    require(
        len(images.shape) == 4,
        f"resize needs images of rank 4 [batch, height, width, channels], got {images.shape}",
    )
    require(images.shape[1] is not None and images.shape[2] is not None,
            f"resize needs the images' height and width to be known, got {images.shape}")  # fmt: skip
    require(len(size) == 2 and all(isinstance(s, int) and s > 0 for s in size),
            f"resize's size must be two positive ints, got {size!r}")  # fmt: skip
    require(method in RESIZE_METHODS, f"resize method must be one of {RESIZE_METHODS}, got {method!r}")


_RESIZE_ATTRS = {"size": REQUIRED, "method": "bilinear", "align_corners": False, "half_pixel_centers": False}


@op("resize", "ResizeBilinear", attrs=_RESIZE_ATTRS)
class Resize:
    """TF1's ``ResizeBilinear`` / ``ResizeNearestNeighbor`` on NHWC images: bilinear gives
    float32 (as TF1), nearest keeps the dtype."""

    def infer(images, *, size, method, align_corners, half_pixel_centers):
        _check_resize(images, size, method)
        dtype = float32 if method == "bilinear" else images.dtype
        return TensorType(dtype, TensorShape((images.shape[0], *size, images.shape[3])))

    def lower(images, *, size, method, align_corners, half_pixel_centers):
        rows, cols = _matrices(images.shape[1:3], size, method, align_corners, half_pixel_centers)
        values = images.astype(jnp.float32) if method == "bilinear" else images
        rows, cols = jnp.asarray(rows, values.dtype), jnp.asarray(cols, values.dtype)
        return jnp.einsum("oh,nhwc,pw->nopc", rows, values, cols, precision=lax.Precision.HIGHEST)

    def grad(op, g):
        images = op.inputs[0]
        dx = apply1("resize_grad", [g], in_size=tuple(images.shape[1:3]), **op.attrs)
        return (dx if images.dtype is dx.dtype else apply1("cast", [dx], dtype=images.dtype),)


@op("resize_grad", "ResizeBilinearGrad", attrs={"in_size": REQUIRED, **_RESIZE_ATTRS})
class ResizeGrad:
    """The gradient of ``resize`` for the images: the transposed interpolation."""

    def infer(g, *, in_size, size, method, align_corners, half_pixel_centers):
        require(len(g.shape) == 4 and tuple(g.shape[1:3]) == tuple(size),
                f"resize_grad needs a gradient of shape [?, {size[0]}, {size[1]}, ?], got {g.shape}")  # fmt: skip
        return TensorType(g.dtype, TensorShape((g.shape[0], *in_size, g.shape[3])))

    def lower(g, *, in_size, size, method, align_corners, half_pixel_centers):
        rows, cols = _matrices(in_size, size, method, align_corners, half_pixel_centers)
        rows, cols = jnp.asarray(rows, g.dtype), jnp.asarray(cols, g.dtype)
        return jnp.einsum("oh,nopc,pw->nhwc", rows, g, cols, precision=lax.Precision.HIGHEST)

    def grad(op, gg):
        attrs = {k: v for k, v in op.attrs.items() if k != "in_size"}
        return (apply1("resize", [gg], **attrs),)


def _check_crop(value: TensorType, offsets: TensorType, size: tuple) -> None:
    require(offsets.dtype is int32 and len(offsets.shape) == 1 and offsets.shape[0] in (None, len(size)),
            f"crop offsets must be an int32 vector of {len(size)} entries, got {offsets}")  # fmt: skip
    require(
        len(value.shape) == len(size), f"crop size {list(size)} does not fit a value of shape {value.shape}"
    )
    require(all(d is None or s <= d for s, d in zip(size, value.shape)),
            f"crop size {list(size)} exceeds the value's shape {value.shape}")  # fmt: skip


@op("crop", "Crop", attrs={"size": REQUIRED})
class Crop:
    """``value[o0:o0+s0, o1:o1+s1, ...]`` at tensor offsets ``o`` (clamped into range, as
    ``lax.dynamic_slice``): the window ``random_crop`` takes."""

    def infer(value, offsets, *, size):
        _check_crop(value, offsets, size)
        return TensorType(value.dtype, TensorShape(size))

    def lower(value, offsets, *, size):
        return lax.dynamic_slice(value, tuple(offsets[i] for i in range(len(size))), size)

    def grad(op, g):
        value, offsets = op.inputs
        return apply1("uncrop", [g, offsets], shape=tuple(value.shape)), None


@op("uncrop", "Uncrop", attrs={"shape": REQUIRED})
class Uncrop:
    """Zeros of ``shape`` with ``g`` written at ``offsets``: the gradient of ``crop``."""

    def infer(g, offsets, *, shape):
        _check_crop(TensorType(g.dtype, TensorShape(shape)), offsets, tuple(g.shape))
        return TensorType(g.dtype, TensorShape(shape))

    def lower(g, offsets, *, shape):
        zeros = jnp.zeros(shape, g.dtype)
        return lax.dynamic_update_slice(zeros, g, tuple(offsets[i] for i in range(len(shape))))

    def grad(op, gg):
        g, offsets = op.inputs
        return apply1("crop", [gg, offsets], size=tuple(g.shape)), None


__all__ = ["interpolation_matrix"]
