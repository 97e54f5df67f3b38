"""Inception-v3 (Szegedy et al., "Rethinking the Inception Architecture for Computer Vision",
2015) in jaxgraph, written as TF-slim's ``nets/inception_v3.py`` writes it: the same blocks,
branches and scope names (``InceptionV3/Mixed_5b/Branch_1/Conv2d_0b_5x5/weights``), every
convolution followed by batch normalization (TF-slim's: no scale, ``beta`` and moving averages)
and relu, built from ``tf.nn`` ops and ``tf.get_variable`` only.

Run: ``python examples/inception.py`` counts the ops of the training graph at 299x299 (forward,
+ gradients, + RMSProp), writes the network for TensorBoard (``--logdir``) and trains a narrow model on
small synthetic images for a few steps (about a minute on 2 CPU cores). ``--full`` also compiles
one training step of the full-size model (299x299, full width) and reports build and compile
time. ``tensorboard --logdir runs/inception`` shows the graph (docs/inception_graph.png).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import jaxgraph as jg

BN_DECAY, BN_EPSILON, WEIGHT_DECAY = 0.9997, 0.001, 0.00004  # TF-slim's inception_arg_scope


# ---- layers: TF-slim's conv2d + batch_norm + relu, with its Variable names --------------------
def conv2d_bn(x, filters, kernel, stride=1, padding="SAME", scope=None, training=True):
    """``slim.conv2d`` under ``inception_arg_scope``: a bias-free convolution (``weights``), batch
    normalization without scale (``BatchNorm/beta``, ``moving_mean``, ``moving_variance``; the
    moving averages are updated by ops in ``UPDATE_OPS``, as TF-slim's) and relu."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    with jg.variable_scope(scope):
        weights = jg.get_variable(
            "weights", [kh, kw, x.shape[-1], filters],
            initializer=jg.contrib.layers.variance_scaling_initializer(),
            regularizer=jg.contrib.layers.l2_regularizer(WEIGHT_DECAY),
        )  # fmt: skip
        net = jg.nn.conv2d(x, weights, strides=stride, padding=padding)
        with jg.variable_scope("BatchNorm"):
            beta = jg.get_variable("beta", [filters], initializer=jg.zeros_initializer())
            mean = jg.get_variable(
                "moving_mean", [filters], initializer=jg.zeros_initializer(), trainable=False
            )
            var = jg.get_variable(
                "moving_variance", [filters], initializer=jg.ones_initializer(), trainable=False
            )
            ones = jg.ones([filters])  # scale=False: TF-slim feeds the fused op a constant gamma
            if training:
                net, batch_mean, batch_var = jg.nn.fused_batch_norm(net, ones, beta, epsilon=BN_EPSILON)
                for moving, value in ((mean, batch_mean), (var, batch_var)):
                    update = jg.assign_sub(
                        moving, (moving - value) * (1.0 - BN_DECAY), name="AssignMovingAvg"
                    )
                    jg.add_to_collection(jg.GraphKeys.UPDATE_OPS, update)
            else:
                net, _, _ = jg.nn.fused_batch_norm(net, ones, beta, mean, var, BN_EPSILON, is_training=False)
        return jg.nn.relu(net)


def logits_conv(x, classes, scope, stddev=None):
    """A 1x1 convolution with ``biases`` and no normalization: the two classifiers."""
    init = (
        jg.truncated_normal_initializer(stddev=stddev)
        if stddev
        else jg.contrib.layers.variance_scaling_initializer()
    )
    with jg.variable_scope(scope):
        w = jg.get_variable("weights", [1, 1, x.shape[-1], classes], initializer=init,
                            regularizer=jg.contrib.layers.l2_regularizer(WEIGHT_DECAY))  # fmt: skip
        b = jg.get_variable("biases", [classes], initializer=jg.zeros_initializer())
        return jg.nn.bias_add(jg.nn.conv2d(x, w, strides=1, padding="SAME"), b)


# ---- the architecture, as tables of TF-slim's layers ------------------------------------------
def C(scope, depth, kernel, stride=1, padding="SAME"):
    """A ``conv2d_bn`` layer: scope, output depth (before ``depth_multiplier``), kernel, ..."""
    return ("conv", scope, depth, kernel, stride, padding)


def MAX(scope, stride=2, padding="VALID"):
    return ("max", scope, None, 3, stride, padding)


AVG = ("avg", "AvgPool_0a_3x3", None, 3, 1, "SAME")

STEM = [C("Conv2d_1a_3x3", 32, 3, 2, "VALID"), C("Conv2d_2a_3x3", 32, 3, 1, "VALID"), C("Conv2d_2b_3x3", 64, 3),
        MAX("MaxPool_3a_3x3"), C("Conv2d_3b_1x1", 80, 1, 1, "VALID"), C("Conv2d_4a_3x3", 192, 3, 1, "VALID"),
        MAX("MaxPool_5a_3x3")]  # fmt: skip


def mixed_35x35(pool_depth, branch_1=("Conv2d_0a_1x1", "Conv2d_0b_5x5")):
    """Mixed_5b/5c/5d (figure 5 of the paper): 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg pool-1x1."""
    return [[C("Conv2d_0a_1x1", 64, 1)],
            [C(branch_1[0], 48, 1), C(branch_1[1], 64, 5)],
            [C("Conv2d_0a_1x1", 64, 1), C("Conv2d_0b_3x3", 96, 3), C("Conv2d_0c_3x3", 96, 3)],
            [AVG, C("Conv2d_0b_1x1", pool_depth, 1)]]  # fmt: skip


def mixed_17x17(d):
    """Mixed_6b..6e (figure 6): 7x7 convolutions factorized into 1x7 and 7x1, ``d`` channels inside."""
    return [[C("Conv2d_0a_1x1", 192, 1)],
            [C("Conv2d_0a_1x1", d, 1), C("Conv2d_0b_1x7", d, (1, 7)), C("Conv2d_0c_7x1", 192, (7, 1))],
            [C("Conv2d_0a_1x1", d, 1), C("Conv2d_0b_7x1", d, (7, 1)), C("Conv2d_0c_1x7", d, (1, 7)),
             C("Conv2d_0d_7x1", d, (7, 1)), C("Conv2d_0e_1x7", 192, (1, 7))],
            [AVG, C("Conv2d_0b_1x1", 192, 1)]]  # fmt: skip


def mixed_8x8(second_3x1):
    """Mixed_7b/7c (figure 7): the last layer of two branches splits into 1x3 and 3x1 (a tuple)."""
    return [[C("Conv2d_0a_1x1", 320, 1)],
            [C("Conv2d_0a_1x1", 384, 1), (C("Conv2d_0b_1x3", 384, (1, 3)), C(second_3x1, 384, (3, 1)))],
            [C("Conv2d_0a_1x1", 448, 1), C("Conv2d_0b_3x3", 384, 3),
             (C("Conv2d_0c_1x3", 384, (1, 3)), C("Conv2d_0d_3x1", 384, (3, 1)))],
            [AVG, C("Conv2d_0b_1x1", 192, 1)]]  # fmt: skip


BLOCKS = {
    "Mixed_5b": mixed_35x35(32),
    "Mixed_5c": mixed_35x35(64, ("Conv2d_0b_1x1", "Conv_1_0c_5x5")),  # TF-slim's names, kept
    "Mixed_5d": mixed_35x35(64),
    "Mixed_6a": [[C("Conv2d_1a_1x1", 384, 3, 2, "VALID")],  # a 3x3 kernel under a 1x1 name, as TF-slim's
                 [C("Conv2d_0a_1x1", 64, 1), C("Conv2d_0b_3x3", 96, 3), C("Conv2d_1a_1x1", 96, 3, 2, "VALID")],
                 [MAX("MaxPool_1a_3x3")]],
    "Mixed_6b": mixed_17x17(128), "Mixed_6c": mixed_17x17(160), "Mixed_6d": mixed_17x17(160),
    "Mixed_6e": mixed_17x17(192),
    "Mixed_7a": [[C("Conv2d_0a_1x1", 192, 1), C("Conv2d_1a_3x3", 320, 3, 2, "VALID")],
                 [C("Conv2d_0a_1x1", 192, 1), C("Conv2d_0b_1x7", 192, (1, 7)), C("Conv2d_0c_7x1", 192, (7, 1)),
                  C("Conv2d_1a_3x3", 192, 3, 2, "VALID")],
                 [MAX("MaxPool_1a_3x3")]],
    "Mixed_7b": mixed_8x8("Conv2d_0b_3x1"), "Mixed_7c": mixed_8x8("Conv2d_0c_3x1"),
}  # fmt: skip


def apply_layers(net, layers, depth, training):
    """Runs a branch: its layers in order; a tuple of layers is applied side by side and concatenated."""
    for layer in layers:
        if isinstance(layer, tuple) and isinstance(layer[0], tuple):
            net = jg.concat([apply_layers(net, [one], depth, training) for one in layer], 3)
            continue
        kind, scope, filters, kernel, stride, padding = layer
        if kind == "conv":
            net = conv2d_bn(net, depth(filters), kernel, stride, padding, scope, training)
        else:
            pool = jg.nn.max_pool if kind == "max" else jg.nn.avg_pool
            net = pool(net, kernel, stride, padding, name=scope)
    return net


def inception_v3(images, num_classes=1001, depth_multiplier=1.0, min_depth=16, aux_logits=True,
                 training=True, dropout_keep_prob=0.8):  # fmt: skip
    """TF-slim's ``inception_v3``: ``(logits, end_points)``; ``end_points`` holds every block's
    output and ``AuxLogits`` (the auxiliary classifier on Mixed_6e) when ``aux_logits``."""
    depth = lambda d: max(int(d * depth_multiplier), min_depth)  # noqa: E731
    end_points = {}
    with jg.variable_scope("InceptionV3"):
        net = images
        for layer in STEM:
            net = end_points[layer[1]] = apply_layers(net, [layer], depth, training)
        for name, branches in BLOCKS.items():
            with jg.variable_scope(name):
                outputs = []
                for i, branch in enumerate(branches):
                    with jg.variable_scope(f"Branch_{i}"):
                        outputs.append(apply_layers(net, branch, depth, training))
                net = end_points[name] = jg.concat(outputs, 3)
        if aux_logits:
            with jg.variable_scope("AuxLogits"):
                aux = jg.nn.avg_pool(end_points["Mixed_6e"], 5, 3, "VALID", name="AvgPool_1a_5x5")
                aux = conv2d_bn(aux, depth(128), 1, scope="Conv2d_1b_1x1", training=training)
                kernel = [min(aux.shape[1], 5), min(aux.shape[2], 5)]  # smaller for small inputs
                aux = conv2d_bn(aux, depth(768), kernel, padding="VALID", scope="Conv2d_2a_{}x{}".format(*kernel),
                                training=training)  # fmt: skip
                aux = logits_conv(aux, num_classes, "Conv2d_2b_1x1", stddev=0.001)
                end_points["AuxLogits"] = jg.squeeze(aux, [1, 2], name="SpatialSqueeze")
        with jg.variable_scope("Logits"):
            kernel = [min(net.shape[1], 8), min(net.shape[2], 8)]
            net = jg.nn.avg_pool(net, kernel, 1, "VALID", name="AvgPool_1a_{}x{}".format(*kernel))
            if training:
                net = jg.nn.dropout(net, keep_prob=dropout_keep_prob, name="Dropout_1b")
            logits = jg.squeeze(logits_conv(net, num_classes, "Conv2d_1c_1x1"), [1, 2], name="SpatialSqueeze")
    end_points["Logits"] = logits
    return logits, end_points


# ---- training graph: TF-slim's losses and the paper's RMSProp ---------------------------------
def model_graph(size=299, num_classes=1001, depth_multiplier=1.0, batch=None, aux_logits=True):
    """A graph with the network and TF-slim's training losses (no gradients yet): ``(graph, tensors)``."""
    graph = jg.Graph()
    with graph.as_default():
        jg.set_random_seed(0)
        images = jg.placeholder(jg.float32, (batch, size, size, 3), name="images")
        labels = jg.placeholder(jg.int32, (batch,), name="labels")
        logits, end_points = inception_v3(images, num_classes, depth_multiplier, aux_logits=aux_logits)
        onehot = jg.one_hot(labels, num_classes)
        loss = jg.losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.1)  # the paper's smoothing
        if aux_logits:
            jg.losses.softmax_cross_entropy(onehot, end_points["AuxLogits"], 0.4, 0.1, scope="aux_loss")
        total = jg.losses.get_total_loss()  # both classifiers + weight decay
    return graph, dict(images=images, labels=labels, loss=loss, total=total, end_points=end_points)


def build(size=299, num_classes=1001, depth_multiplier=1.0, batch=None, aux_logits=True, learning_rate=0.045):
    """The training graph: ``(graph, tensors, op_counts)``; ``op_counts`` is the number of ops
    after the forward pass and losses, after ``gradients`` and after RMSProp + initializer."""
    graph, tensors = model_graph(size, num_classes, depth_multiplier, batch, aux_logits)
    with graph.as_default():
        counts = {"forward": len(graph.get_operations())}
        variables = jg.trainable_variables()
        grads = jg.gradients(tensors["total"], variables)
        counts["gradients"] = len(graph.get_operations())
        optimizer = jg.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.9, epsilon=1.0)
        with jg.control_dependencies(jg.get_collection(jg.GraphKeys.UPDATE_OPS)):
            tensors["train_op"] = optimizer.apply_gradients(list(zip(grads, variables)))
        tensors["init"] = jg.global_variables_initializer()
        counts["optimizer"] = len(graph.get_operations())
    return graph, tensors, counts


def synthetic_images(count, size, classes, seed=0):
    """Images whose class is a colour and a stripe direction, plus noise: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, count).astype(np.int32)
    ramp = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    colours = rng.normal(size=(classes, 3)).astype(np.float32)
    stripes = np.stack(
        [np.sin(4 * ramp)[:, None] * np.ones(size), np.sin(4 * ramp)[None, :] * np.ones((size, 1))]
    )
    images = colours[labels][:, None, None, :] + stripes[labels % 2][..., None]
    return (images + 0.3 * rng.normal(size=images.shape)).astype(np.float32), labels


def train(steps=8, size=107, depth_multiplier=0.25, classes=4, batch=16, verbose=True):
    """Trains a narrow, small-input Inception-v3 (aux head included; 107 is the smallest input
    whose Mixed_6e is 5x5, the auxiliary head's pooling window) on synthetic images; the losses."""
    graph, t, _ = build(size, classes, depth_multiplier, batch, learning_rate=0.01)
    images, labels = synthetic_images(batch, size, classes)
    losses = []
    with jg.Session(graph=graph) as sess:
        sess.run(t["init"])
        for step in range(steps):
            loss, _ = sess.run([t["loss"], t["train_op"]], {t["images"]: images, t["labels"]: labels})
            losses.append(float(loss))
            if verbose:
                print(f"step {step}: cross-entropy {loss:.4f}")
    return losses


def compile_full(batch=8):
    """Builds the full-size training graph and compiles one step (no run): the seconds of each."""
    start = time.perf_counter()
    graph, t, _ = build(batch=batch)
    built = time.perf_counter()
    with jg.Session(graph=graph) as sess:
        feed = {
            t["images"]: np.zeros((batch, 299, 299, 3), np.float32),
            t["labels"]: np.zeros(batch, np.int32),
        }
        sess.dump([t["loss"], t["train_op"]], feed, stage="hlo")  # XLA's compile, without running
    return built - start, time.perf_counter() - built


def write_graph(logdir):
    """Writes the full-size network and its losses (3,101 ops; the 11,479 of the training graph
    make TensorBoard's page slow) to ``logdir/inception`` for TensorBoard's Graphs tab."""
    graph, _ = model_graph()
    jg.summary.FileWriter(Path(logdir) / "inception", graph).close()
    return graph


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logdir", default="runs/inception", help="where the graph for TensorBoard goes")
    parser.add_argument("--steps", type=int, default=8, help="training steps of the small model")
    parser.add_argument("--full", action="store_true", help="compile one full-size training step")
    options = parser.parse_args(argv)
    graph, _, counts = build()
    write_graph(options.logdir)
    params = sum(int(np.prod(v.shape.as_list())) for v in graph.get_collection("trainable_variables"))
    print(f"Inception-v3, 299x299, 1001 classes: {params:,} trainable parameters")
    print(f"ops: forward {counts['forward']:,}; + gradients {counts['gradients']:,}; "
          f"+ RMSProp and initializer {counts['optimizer']:,}")  # fmt: skip
    print("  TensorFlow 1 builds 4,492 / 6,117 / 8,283 nodes for this program; the 'more than 36,000'\n"
          "  of the TensorFlow introduction count a whole training program (docs/convolutions.md)")  # fmt: skip
    print(f"graph written to {options.logdir}/inception; view it: tensorboard --logdir {options.logdir}")
    losses = train(options.steps)
    print(f"narrow model, 107x107 synthetic images: cross-entropy {losses[0]:.3f} -> {losses[-1]:.3f}")
    if options.full:
        build_s, compile_s = compile_full()
        print(
            f"full size, batch 8: graph built in {build_s:.2f} s, one training step compiled in {compile_s:.1f} s"
        )


if __name__ == "__main__":
    main()
