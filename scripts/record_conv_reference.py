"""Records TF1's outputs for the convolution, pooling and normalization ops into
``tests/ops/fixtures/conv_reference.npz`` (inputs, outputs and gradients), so jaxgraph's tests
compare with TF1 without TensorFlow installed.

Run with a TensorFlow venv: ``/tmp/tfvenv/bin/python scripts/record_conv_reference.py``.
Each case stores ``<case>/in/<name>`` inputs, ``<case>/out/<i>`` outputs and, where TF1 has
them, ``<case>/grad/<name>`` gradients of ``sum(outputs[0] * cotangent)`` with the cotangent in
``<case>/cotangent``. TF1's CPU kernels take NHWC data only; NCHW is tested by transposing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
OUT = Path(__file__).resolve().parents[1] / "tests" / "ops" / "fixtures" / "conv_reference.npz"
RNG = np.random.default_rng(12)
RECORD: dict[str, np.ndarray] = {}


def normal(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def case(name, build, inputs, grad_of=None, outputs=1):
    """Runs ``build(*placeholders)`` in TF1 and records inputs, outputs and gradients."""
    tf.reset_default_graph()
    holders = {k: tf.placeholder(tf.as_dtype(v.dtype), v.shape, name=k) for k, v in inputs.items()}
    result = build(**holders)
    result = list(result) if isinstance(result, (list, tuple)) else [result]
    fetches = {"out": result[:outputs]}
    if grad_of:
        cotangent = normal(*result[0].shape.as_list())
        RECORD[f"{name}/cotangent"] = cotangent
        fetches["grad"] = tf.gradients(result[0], [holders[k] for k in grad_of], grad_ys=cotangent)
    with tf.Session() as sess:
        got = sess.run(fetches, {holders[k]: v for k, v in inputs.items()})
    for k, v in inputs.items():
        RECORD[f"{name}/in/{k}"] = v
    for i, v in enumerate(got["out"]):
        RECORD[f"{name}/out/{i}"] = v
    for k, v in zip(grad_of or [], got.get("grad", [])):
        RECORD[f"{name}/grad/{k}"] = v


def main() -> None:
    x, w = normal(2, 6, 7, 3), normal(3, 2, 3, 4)
    for label, strides, padding, dilations in [
        ("same_s2", [1, 2, 2, 1], "SAME", [1, 1, 1, 1]),
        ("valid_s12", [1, 1, 2, 1], "VALID", [1, 1, 1, 1]),
        ("explicit", [1, 2, 1, 1], [[0, 0], [1, 2], [0, 1], [0, 0]], [1, 1, 1, 1]),
    ]:
        case(f"conv2d_{label}", lambda x, w, s=strides, p=padding, d=dilations: tf.nn.conv2d(
            x, w, s, p, dilations=d), {"x": x, "w": w}, ["x", "w"])  # fmt: skip
    # TF1's CPU Conv2D kernel has no dilations; tf.nn.convolution dilates via space_to_batch
    case("conv2d_same_d2", lambda x, w: tf.nn.convolution(x, w, "SAME", dilation_rate=[2, 2]),
         {"x": x, "w": w}, ["x", "w"])  # fmt: skip
    v, f = normal(2, 3, 4, 4), normal(3, 3, 2, 4)
    case("conv2d_transpose_same", lambda v, f: tf.nn.conv2d_transpose(v, f, [2, 6, 8, 2], [1, 2, 2, 1], "SAME"),
         {"v": v, "f": f}, ["v", "f"])  # fmt: skip
    case("conv2d_transpose_valid", lambda v, f: tf.nn.conv2d_transpose(v, f, [2, 7, 9, 2], [1, 2, 2, 1], "VALID"),
         {"v": v, "f": f}, ["v", "f"])  # fmt: skip
    x, w = normal(2, 5, 5, 3), normal(3, 3, 3, 2)
    case("depthwise_same", lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"), {"x": x, "w": w}, ["x", "w"])  # fmt: skip
    case("depthwise_valid_s2", lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID"), {"x": x, "w": w}, ["x", "w"])  # fmt: skip
    case("separable", lambda x, w, p: tf.nn.separable_conv2d(x, w, p, [1, 1, 1, 1], "SAME"),
         {"x": x, "w": w, "p": normal(1, 1, 6, 4)}, ["x", "w", "p"])  # fmt: skip
    case("conv1d", lambda x, w: tf.nn.conv1d(x, w, 2, "SAME"), {"x": normal(2, 7, 3), "w": normal(3, 3, 4)}, ["x", "w"])  # fmt: skip
    case("conv3d", lambda x, w: tf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME"),
         {"x": normal(1, 4, 5, 4, 2), "w": normal(2, 3, 2, 2, 3)}, ["x", "w"])  # fmt: skip
    ties = np.array([[1, 3, 3, 2], [3, 0, 1, 3], [2, 3, 3, 1], [0, 1, 2, 2]], np.float32).reshape(1, 4, 4, 1)
    case(
        "max_pool_ties", lambda x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 1, 1, 1], "VALID"), {"x": ties}, ["x"]
    )
    x = normal(2, 5, 7, 3)
    case("max_pool_same", lambda x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"), {"x": x}, ["x"])
    case("avg_pool_same", lambda x: tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"), {"x": x}, ["x"])
    case("avg_pool_valid", lambda x: tf.nn.avg_pool(x, [1, 2, 3, 1], [1, 2, 1, 1], "VALID"), {"x": x}, ["x"])
    case("max_pool1d", lambda x: tf.nn.max_pool1d(x, 3, 2, "SAME"), {"x": normal(2, 7, 3)}, ["x"])
    case("avg_pool3d", lambda x: tf.nn.avg_pool3d(x, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "SAME"),
         {"x": normal(1, 3, 5, 4, 2)}, ["x"])  # fmt: skip
    x, scale, offset = normal(3, 4, 5, 2), normal(2), normal(2)
    case("fused_bn_train", lambda x, s, o: tf.nn.fused_batch_norm(x, s, o, epsilon=0.01),
         {"x": x, "s": scale, "o": offset}, ["x", "s", "o"], outputs=3)  # fmt: skip
    mean, var = normal(2), np.abs(normal(2)) + 0.5
    case("fused_bn_infer", lambda x, s, o, m, v: tf.nn.fused_batch_norm(x, s, o, m, v, is_training=False),
         {"x": x, "s": scale, "o": offset, "m": mean, "v": var}, ["x", "s", "o"], outputs=3)  # fmt: skip
    case("moments", lambda x: tf.nn.moments(x, [0, 1, 2]), {"x": x}, outputs=2)
    case("moments_keep", lambda x: tf.nn.moments(x, [1], keep_dims=True), {"x": x}, outputs=2)
    case("batch_normalization", lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
         {"x": x, "m": mean, "v": var, "o": offset, "s": scale}, ["x", "m", "v", "o", "s"])  # fmt: skip
    case("l2_normalize", lambda x: tf.nn.l2_normalize(x, axis=[1, 3]), {"x": x}, ["x"])
    case("lrn", lambda x: tf.nn.lrn(x, 2, 1.5, 0.3, 0.75), {"x": normal(2, 3, 3, 7)}, ["x"])
    case("lrn_defaults", lambda x: tf.nn.local_response_normalization(x), {"x": normal(1, 2, 2, 12)}, ["x"])
    preds = np.array([[0.1, 0.3, 0.3, 0.2], [0.5, np.nan, 0.1, 0.2], [1, 2, 3, 4], [4, 4, 4, 4]], np.float32)
    case(
        "in_top_k", lambda p, t: tf.nn.in_top_k(p, t, 2), {"p": preds, "t": np.array([2, 0, 1, 3], np.int32)}
    )
    case(
        "in_top_k_nan_target",
        lambda p, t: tf.nn.in_top_k(p, t, 3),
        {"p": preds, "t": np.array([0, 1, 0, 0], np.int32)},
    )
    vals = np.array([[3, 1, 3, 2, 5], [0, 0, 0, 1, 0]], np.float32)
    case("top_k", lambda x: tf.nn.top_k(x, 3), {"x": vals}, ["x"], outputs=2)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **RECORD)
    print(f"wrote {len(RECORD)} arrays to {OUT}")


if __name__ == "__main__":
    main()
