"""tf.image: values equal to TensorFlow's (fixture recorded by scripts/record_image_reference.py),
resize and crop gradients against jax.vjp, random flips and crops, and bad inputs."""

import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ops.image import interpolation_matrix
from tests import image_cases

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "tf1_image.json").read_text())["cases"]


@pytest.mark.parametrize("name", image_cases.CASES)
def test_image_ops_match_tensorflow(name):
    got, want = image_cases.run_case(jg, name), FIXTURE[name]
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"])
    if want["dtype"].startswith("float"):
        np.testing.assert_allclose(got["value"], want["value"], rtol=1e-5, atol=1e-5)
    else:
        assert got["value"] == want["value"]


def _bilinear_reference(image, out_h, out_w):
    """TF1's legacy ResizeBilinear kernel written out with gathers (top/bottom lerps), in jax."""
    in_h, in_w = image.shape[1:3]

    def axis(in_size, out_size):
        source = np.arange(out_size) * (in_size / out_size)
        low = np.floor(source).astype(int)
        return low, np.minimum(low + 1, in_size - 1), (source - low).astype(np.float32)

    y0, y1, ly = axis(in_h, out_h)
    x0, x1, lx = axis(in_w, out_w)
    top = image[:, y0][:, :, x0] + (image[:, y0][:, :, x1] - image[:, y0][:, :, x0]) * lx[:, None]
    bottom = image[:, y1][:, :, x0] + (image[:, y1][:, :, x1] - image[:, y1][:, :, x0]) * lx[:, None]
    return top + (bottom - top) * ly[:, None, None]


def test_resize_bilinear_gradient_matches_jax_vjp_and_differentiates_again():
    image = image_cases.FLOATS[:, :, :, :2]
    cotangent = np.random.default_rng(1).normal(size=(2, 8, 3, 2)).astype(np.float32)
    with jg.Graph().as_default():
        x = jg.constant(image)
        y = jg.image.resize_images(x, [8, 3])
        (dx,) = jg.gradients(y, [x], grad_ys=jg.constant(cotangent))
        (ddg,) = jg.gradients(jg.reduce_sum(dx * dx), [x])  # dx does not depend on x
        g = jg.placeholder(jg.float32, cotangent.shape)
        (dx_of_g,) = jg.gradients(jg.reduce_sum(jg.gradients(y, [x], grad_ys=g)[0] ** 2), [g])
        with jg.Session() as sess:
            got_y, got_dx, got_ddg = sess.run([y, dx, dx_of_g], {g: cotangent})
    want_y, vjp = jax.vjp(lambda v: _bilinear_reference(v, 8, 3), jnp.asarray(image))
    np.testing.assert_allclose(got_y, want_y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_dx, vjp(jnp.asarray(cotangent))[0], rtol=1e-5, atol=1e-5)
    assert ddg is None
    # d/dg |R^T g|^2 = 2 R R^T g, with R the resize
    rows, cols = (interpolation_matrix(i, o, "bilinear", False, False) for i, o in ((5, 8), (7, 3)))
    transposed = np.einsum("oh,nopc,pw->nhwc", rows, cotangent, cols)
    np.testing.assert_allclose(got_ddg, 2 * np.einsum("oh,nhwc,pw->nopc", rows, transposed, cols), rtol=1e-4)


def test_random_crop_takes_a_window_and_its_gradient_scatters_back():
    value = np.arange(5 * 6, dtype=np.float32).reshape(5, 6)
    with jg.Graph().as_default():
        x = jg.constant(value)
        crop = jg.image.random_crop(x, [2, 3], seed=4)
        (dx,) = jg.gradients(jg.reduce_sum(crop * 2.0), [x])
        with jg.Session() as sess:
            crops = [sess.run([crop, dx]) for _ in range(20)]
    offsets = set()
    for window, grad in crops:
        i, j = divmod(int(window[0, 0]), 6)
        offsets.add((i, j))
        np.testing.assert_array_equal(window, value[i : i + 2, j : j + 3])
        expected = np.zeros_like(value)
        expected[i : i + 2, j : j + 3] = 2.0
        np.testing.assert_array_equal(grad, expected)
    assert len(offsets) > 3 and all(i <= 3 and j <= 3 for i, j in offsets)


def test_random_flips_flip_each_image_of_a_batch_independently():
    images = np.arange(16 * 2 * 3, dtype=np.float32).reshape(16, 2, 3, 1)
    with jg.Graph().as_default():
        lr = jg.image.random_flip_left_right(images, seed=1)
        ud = jg.image.random_flip_up_down(images[0], seed=2)
        with jg.Session() as sess:
            got_lr, got_ud = sess.run([lr, ud])
    flipped = [np.array_equal(g, im[:, ::-1]) for g, im in zip(got_lr, images)]
    kept = [np.array_equal(g, im) for g, im in zip(got_lr, images)]
    assert all(f != k for f, k in zip(flipped, kept)) and 0 < sum(flipped) < 16
    assert np.array_equal(got_ud, images[0]) or np.array_equal(got_ud, images[0][::-1])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: jg.image.resize_images(np.zeros((2, 3), np.float32), [4, 4]),
         "resize_images: images must have rank 3 or 4, got shape [2,3]"),
        (lambda: jg.image.resize_images(np.zeros((2, 3, 1), np.float32), [4, 4], method=jg.image.ResizeMethod.BICUBIC),
         "resize_images: method must be ResizeMethod.BILINEAR or NEAREST_NEIGHBOR, got <ResizeMethod.BICUBIC: 2>"),
        (lambda: jg.image.random_crop(np.zeros((2, 3), np.float32), [3, 3]),
         "random_crop: size [3, 3] must fit the value's known shape [2,3]"),
    ],
)  # fmt: skip
def test_bad_image_arguments(build, message):
    with jg.Graph().as_default(), pytest.raises(InvalidArgumentError) as e:
        build()
    assert e.value.message == message


def test_resize_of_zero_size_names_the_op_and_line():
    with jg.Graph().as_default(), pytest.raises(InvalidArgumentError) as e:
        line = __import__("inspect").currentframe().f_lineno + 1
        jg.image.resize_bilinear(np.zeros((1, 2, 2, 1), np.float32), [0, 3])
    assert "resize's size must be two positive ints, got (0, 3)" in str(e.value)
    assert f"test_image.py:{line}" in str(e.value)
