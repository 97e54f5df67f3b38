"""TF1's ``tf.image`` basics: resizing, flips, random crops, standardization, dtype conversion.

Resizing follows TF1's ``tf.image.resize_images`` (``tf.compat.v1.image.resize``), not TF2 or
``jax.image.resize``: no half-pixel offset unless asked, ``align_corners``, no antialiasing
(``jaxgraph.ops.image`` says how); bilinear gives float32, nearest neighbour keeps the dtype,
and a resize to the images' own size returns them unchanged, as TF1 does. Images are
``[height, width, channels]`` or batches ``[batch, height, width, channels]`` with known height
and width. Random ops draw from the Session's key, seeded like every jaxgraph random op.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import DType, as_dtype, float32, int32
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops.arrays import reverse
from jaxgraph.ops.core import apply1, convert_to_tensor, static_ints
from jaxgraph.ops.linalg import tensordot
from jaxgraph.ops.math import maximum, rsqrt
from jaxgraph.ops.random import random_uniform
from jaxgraph.ops.reduction import reduce_mean
from jaxgraph.ops.selection import where
from jaxgraph.ops.shape import cast, expand_dims, reshape, squeeze

__all__ = [
    "ResizeMethod",
    "convert_image_dtype",
    "flip_left_right",
    "flip_up_down",
    "per_image_standardization",
    "random_crop",
    "random_flip_left_right",
    "random_flip_up_down",
    "resize",
    "resize_bilinear",
    "resize_images",
    "resize_nearest_neighbor",
    "rgb_to_grayscale",
]


class ResizeMethod(enum.IntEnum):
    """TF1's ``tf.image.ResizeMethod`` (BICUBIC and AREA are not supported)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_METHODS = {ResizeMethod.BILINEAR: "bilinear", ResizeMethod.NEAREST_NEIGHBOR: "nearest"}


def _image(images: Any, what: str) -> tuple[Tensor, bool]:
    """``images`` as a tensor of rank 3 or 4, and whether it is a single image (rank 3)."""
    images = convert_to_tensor(images)
    rank = images.shape.ndims
    if rank not in (3, 4):
        raise InvalidArgumentError(
            f"{what}: images must have rank 3 or 4, got shape {images.shape}", images.op
        )
    return images, rank == 3


def _resize(images: Any, size: Any, method: str, align_corners: bool, half_pixel_centers: bool,
            name: str | None, what: str) -> Tensor:  # fmt: skip
    images, single = _image(images, what)
    size = static_ints(size, f"{what}'s size")
    batch = expand_dims(images, 0) if single else images
    if tuple(batch.shape[1:3]) == tuple(size) and not half_pixel_centers:
        return images  # TF1 returns images of the asked size as they are
    result = apply1("resize", [batch], name, size=tuple(size), method=method,
                    align_corners=bool(align_corners), half_pixel_centers=bool(half_pixel_centers))  # fmt: skip
    return squeeze(result, [0]) if single else result


def resize_images(images: Any, size: Any, method: Any = ResizeMethod.BILINEAR, align_corners: bool = False,
                  preserve_aspect_ratio: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1's ``tf.image.resize_images`` (``tf.compat.v1.image.resize``): ``images`` resized to
    ``size`` ``[new_height, new_width]`` with ``method`` (module docstring)."""
    if preserve_aspect_ratio:
        raise InvalidArgumentError("resize_images: preserve_aspect_ratio=True is not supported")
    try:
        kind = _METHODS[ResizeMethod(method)]
    except (KeyError, ValueError):
        raise InvalidArgumentError(
            f"resize_images: method must be ResizeMethod.BILINEAR or NEAREST_NEIGHBOR, got {method!r}"
        ) from None
    return _resize(images, size, kind, align_corners, False, name, "resize_images")


resize = resize_images


def resize_bilinear(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                    half_pixel_centers: bool = False) -> Tensor:  # fmt: skip
    """TF1's ``tf.image.resize_bilinear``: bilinear resizing to ``size``, float32."""
    return _resize(images, size, "bilinear", align_corners, half_pixel_centers, name, "resize_bilinear")


def resize_nearest_neighbor(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                            half_pixel_centers: bool = False) -> Tensor:  # fmt: skip
    """TF1's ``tf.image.resize_nearest_neighbor``: nearest-neighbour resizing to ``size``."""
    return _resize(
        images, size, "nearest", align_corners, half_pixel_centers, name, "resize_nearest_neighbor"
    )


def flip_left_right(image: Any) -> Tensor:
    """TF1's ``tf.image.flip_left_right``: the width axis reversed."""
    image, _ = _image(image, "flip_left_right")
    return reverse(image, [-2])


def flip_up_down(image: Any) -> Tensor:
    """TF1's ``tf.image.flip_up_down``: the height axis reversed."""
    image, _ = _image(image, "flip_up_down")
    return reverse(image, [-3])


def _random_flip(image: Any, axis: int, seed: int | None, what: str) -> Tensor:
    """Each image flipped along ``axis`` with probability 1/2 (per image of a batch, as TF1)."""
    image, single = _image(image, what)
    if single:
        flip = random_uniform([], seed=seed) < 0.5
    else:
        if image.shape[0] is None:
            raise InvalidArgumentError(
                f"{what}: a batch of images needs a known batch size, got {image.shape}"
            )
        flip = reshape(random_uniform([image.shape[0]], seed=seed) < 0.5, [-1, 1, 1, 1])
    return where(flip, reverse(image, [axis]), image)


def random_flip_left_right(image: Any, seed: int | None = None) -> Tensor:
    """TF1's ``tf.image.random_flip_left_right``: flipped left-right with probability 1/2."""
    return _random_flip(image, -2, seed, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: int | None = None) -> Tensor:
    """TF1's ``tf.image.random_flip_up_down``: flipped upside down with probability 1/2."""
    return _random_flip(image, -3, seed, "random_flip_up_down")


def random_crop(value: Any, size: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """TF1's ``tf.image.random_crop``: a window of ``size`` at a uniformly random offset of
    ``value`` (whose shape must be known and at least ``size``)."""
    value = convert_to_tensor(value)
    size = static_ints(size, "random_crop's size")
    if (
        not value.shape.is_fully_defined()
        or len(size) != len(value.shape)
        or any(s > d for s, d in zip(size, value.shape, strict=True))
    ):
        raise InvalidArgumentError(
            f"random_crop: size {list(size)} must fit the value's known shape {value.shape}", value.op
        )
    limit = np.array([d - s + 1 for d, s in zip(value.shape, size, strict=True)], np.float32)
    offsets = cast(random_uniform([len(size)], seed=seed) * limit, int32)
    return apply1("crop", [value, offsets], name, size=tuple(size))


def per_image_standardization(image: Any) -> Tensor:
    """TF1's ``tf.image.per_image_standardization``: each image as float32 minus its mean,
    divided by ``max(stddev, 1 / sqrt(number of its elements))``."""
    image, _ = _image(image, "per_image_standardization")
    image = cast(image, float32)
    count = image.shape[-1] * image.shape[-2] * image.shape[-3] if None not in image.shape[-3:] else None
    if count is None:
        raise InvalidArgumentError(f"per_image_standardization needs known image sizes, got {image.shape}")
    mean = reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
    centered = image - mean
    variance = reduce_mean(centered * centered, axis=[-1, -2, -3], keepdims=True)
    stddev = maximum(variance**0.5, rsqrt(convert_to_tensor(float(count))))
    return centered / stddev


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: str | None = None) -> Tensor:
    """TF1's ``tf.image.convert_image_dtype``: integers scale to ``[0, MAX]``, floats to
    ``[0, 1)``: uint8 -> float divides by 255, float -> uint8 multiplies by 255.5 and truncates
    (``saturate``: clipped to the range first; otherwise out-of-range values wrap as a cast
    does), integer -> integer shifts by the difference of their bit widths."""
    image = convert_to_tensor(image)
    source, target = image.dtype, as_dtype(dtype)
    if source is target:
        return image
    if source.is_integer and target.is_integer:
        in_max, out_max = _max(source), _max(target)
        if in_max > out_max:
            return cast(image // ((in_max + 1) // (out_max + 1)), target, name=name)
        return cast(image, target) * convert_to_tensor((out_max + 1) // (in_max + 1), target)
    if source.is_integer:
        return cast(image, target) * convert_to_tensor(1.0 / _max(source), target)
    if target.is_integer:
        scaled = image * convert_to_tensor(_max(target) + 0.5, source)
        if saturate:
            scaled = maximum(
                scaled, convert_to_tensor(0.0 if target.is_unsigned else -_max(target) - 1.0, source)
            )
            scaled = apply1("minimum", [scaled, convert_to_tensor(float(_max(target)), source)])
        return cast(scaled, target, name=name)
    return cast(image, target, name=name)


def _max(dtype: DType) -> int:
    return int(np.iinfo(dtype.np).max)


def rgb_to_grayscale(images: Any, name: str | None = None) -> Tensor:
    """TF1's ``tf.image.rgb_to_grayscale``: the luma ``0.2989 R + 0.5870 G + 0.1140 B`` in a last
    axis of size 1, in the images' dtype."""
    images = convert_to_tensor(images)
    floats = convert_image_dtype(images, float32)
    gray = tensordot(floats, convert_to_tensor(np.array([0.2989, 0.5870, 0.1140], np.float32)), [[-1], [0]])
    return convert_image_dtype(expand_dims(gray, -1), images.dtype, name=name)
