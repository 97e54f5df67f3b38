"""Records TensorFlow GraphDefs for tests/tracer/test_graph_def_import.py: a small CNN and an
LSTM frozen into constants (``convert_variables_to_constants``), and the CNN's graph before
freezing (with its Variables), each with an input and TensorFlow's output for it.

Needs TensorFlow in a scratch venv (never a jaxgraph dependency)::

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras
    /tmp/tfvenv/bin/python scripts/record_graph_defs.py
"""

import os
import pathlib

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF1's rnn cells need Keras 2
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "tracer" / "fixtures"
rng = np.random.RandomState(0)


def cnn():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="images")
    w1 = tf.Variable(rng.normal(0, 0.3, (3, 3, 1, 4)).astype(np.float32), name="conv1/weights")
    b1 = tf.Variable(rng.normal(0, 0.1, 4).astype(np.float32), name="conv1/biases")
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME"), b1))
    scale = tf.Variable(np.linspace(0.5, 1.5, 4).astype(np.float32), name="bn/gamma")
    offset = tf.Variable(np.linspace(-0.1, 0.1, 4).astype(np.float32), name="bn/beta")
    mean = tf.Variable(np.linspace(0.0, 0.3, 4).astype(np.float32), name="bn/moving_mean")
    var = tf.Variable(np.linspace(1.0, 2.0, 4).astype(np.float32), name="bn/moving_variance")
    h, _, _ = tf.nn.fused_batch_norm(h, scale, offset, mean, var, epsilon=1e-3, is_training=False)
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    h = tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    flat = tf.reshape(h, [-1, 4 * 4 * 4])
    w2 = tf.Variable(rng.normal(0, 0.2, (64, 5)).astype(np.float32), name="fc/weights")
    b2 = tf.Variable(np.zeros(5, np.float32), name="fc/biases")
    logits = tf.add(tf.matmul(flat, w2), b2, name="logits")
    tf.nn.softmax(logits, name="probabilities")
    tf.argmax(logits, 1, name="classes")
    return {"images:0": rng.uniform(size=(3, 8, 8, 1)).astype(np.float32)}, ["probabilities", "classes"]


def lstm():
    x = tf.placeholder(tf.float32, [2, 5, 3], name="inputs")
    cell = tf.nn.rnn_cell.BasicLSTMCell(6)
    outputs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    tf.identity(tf.stack(outputs, axis=1), name="outputs")
    tf.identity(state.h, name="final_h")
    return {"inputs:0": rng.normal(size=(2, 5, 3)).astype(np.float32)}, ["outputs", "final_h"]


def record(name, build, freeze):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        feeds, outputs = build()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            results = sess.run([f"{o}:0" for o in outputs], feeds)
            graph_def = graph.as_graph_def()
            if freeze:
                graph_def = tf.graph_util.convert_variables_to_constants(sess, graph_def, outputs)
    (OUT / f"{name}.pb").write_bytes(graph_def.SerializeToString())
    arrays = {f"feed/{k}": v for k, v in feeds.items()}
    arrays.update({f"fetch/{o}:0": r for o, r in zip(outputs, results)})
    np.savez(OUT / f"{name}.npz", **arrays)
    print("wrote", name, sorted({n.op for n in graph_def.node}))


def record_meta_graph(name, build):
    """The forward graph and its Saver as a MetaGraph (``.meta``) plus a TF checkpoint of its
    Variables, then TF's result of one gradient-descent step on ``sum(outputs**2)`` from there."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        feeds, outputs = build()
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            results = sess.run([f"{o}:0" for o in outputs], feeds)
            saver.export_meta_graph(str(OUT / f"{name}.meta"))
            saver.save(sess, str(OUT / name / "model.ckpt"), write_meta_graph=False)
            (OUT / name / "checkpoint").unlink()  # TF's index holds this machine's absolute paths
            loss = tf.reduce_sum(tf.square(graph.get_tensor_by_name(f"{outputs[0]}:0")))
            step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
            sess.run(step, feeds)
            after = {f"after/{v.op.name}": sess.run(v) for v in tf.trainable_variables()}
    arrays = {f"feed/{k}": v for k, v in feeds.items()}
    arrays.update({f"fetch/{o}:0": r for o, r in zip(outputs, results)})
    np.savez(OUT / f"{name}.npz", **arrays, **after)
    print("wrote", name)


record("cnn_frozen", cnn, freeze=True)
record("cnn_variables", cnn, freeze=False)
record("lstm_frozen", lstm, freeze=True)
record_meta_graph("cnn_meta", cnn)
record_meta_graph("lstm_meta", lstm)
