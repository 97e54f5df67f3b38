"""tf.image programs run twice: by tests/test_image.py with jaxgraph, and by
scripts/record_image_reference.py with real TensorFlow into tests/fixtures/tf1_image.json."""

from __future__ import annotations

import numpy as np

RNG = np.random.default_rng(0)
FLOATS = RNG.uniform(-2.0, 3.0, (2, 5, 7, 3)).astype(np.float32)
BYTES = RNG.integers(0, 256, (2, 4, 6, 3)).astype(np.uint8)
UNIT = np.array([0.0, 0.2, 0.5, 0.999, 1.0], np.float32)
OUT_OF_RANGE = np.array([-0.3, 0.0, 0.5, 1.0, 1.7], np.float32)
INTS = np.array([0, 1, 2**20, 2**30, 2**31 - 1], np.int32)


def _cases(tf):
    I = tf.image
    NN = tf.image.ResizeMethod.NEAREST_NEIGHBOR
    return {
        "bilinear_up": lambda: I.resize_images(FLOATS, [9, 11]),
        "bilinear_down": lambda: I.resize_images(FLOATS, [3, 4]),
        "bilinear_align_corners": lambda: I.resize_images(FLOATS, [9, 4], align_corners=True),
        "bilinear_half_pixel": lambda: I.resize_bilinear(FLOATS, [8, 3], half_pixel_centers=True),
        "bilinear_uint8": lambda: I.resize_bilinear(BYTES, [7, 5]),
        "bilinear_single_image": lambda: I.resize(FLOATS[0], [2, 9]),
        "nearest_up": lambda: I.resize_images(BYTES, [9, 13], method=NN),
        "nearest_down_align_corners": lambda: I.resize_nearest_neighbor(FLOATS, [3, 4], align_corners=True),
        "nearest_half_pixel": lambda: I.resize_nearest_neighbor(FLOATS, [7, 5], half_pixel_centers=True),
        "same_size": lambda: I.resize_images(BYTES, [4, 6]),
        "flip_left_right": lambda: I.flip_left_right(BYTES),
        "flip_up_down": lambda: I.flip_up_down(FLOATS[1]),
        "standardize_uint8": lambda: I.per_image_standardization(BYTES),
        "standardize_float": lambda: I.per_image_standardization(FLOATS[0]),
        "standardize_constant": lambda: I.per_image_standardization(np.full((2, 2, 1), 5.0, np.float32)),
        "uint8_to_float": lambda: I.convert_image_dtype(BYTES, tf.float32),
        "float_to_uint8": lambda: I.convert_image_dtype(UNIT, tf.uint8),
        "float_to_uint8_saturate": lambda: I.convert_image_dtype(OUT_OF_RANGE, tf.uint8, saturate=True),
        "float_to_int16_saturate": lambda: I.convert_image_dtype(OUT_OF_RANGE, tf.int16, saturate=True),
        "uint8_to_int32": lambda: I.convert_image_dtype(BYTES[0, 0], tf.int32),
        "int32_to_uint8": lambda: I.convert_image_dtype(INTS, tf.uint8),
        "int32_to_float": lambda: I.convert_image_dtype(INTS, tf.float32),
        "float_to_float64": lambda: I.convert_image_dtype(UNIT, tf.float64),
        "grayscale_uint8": lambda: I.rgb_to_grayscale(BYTES),
        "grayscale_float": lambda: I.rgb_to_grayscale(FLOATS),
    }


CASES = [
    "bilinear_align_corners", "bilinear_down", "bilinear_half_pixel", "bilinear_single_image", "bilinear_uint8",
    "bilinear_up", "flip_left_right", "flip_up_down", "float_to_float64", "float_to_int16_saturate",
    "float_to_uint8", "float_to_uint8_saturate", "grayscale_float", "grayscale_uint8", "int32_to_float",
    "int32_to_uint8", "nearest_down_align_corners", "nearest_half_pixel", "nearest_up", "same_size",
    "standardize_constant", "standardize_float", "standardize_uint8", "uint8_to_float", "uint8_to_int32",
]  # fmt: skip


def run_case(tf, name):
    """Dtype, static shape and value of case ``name``."""
    with tf.Graph().as_default():
        result = _cases(tf)[name]()
        with tf.Session() as sess:
            value = np.asarray(sess.run(result))
    return {"dtype": result.dtype.name, "shape": list(result.shape.as_list()), "value": value.tolist()}
