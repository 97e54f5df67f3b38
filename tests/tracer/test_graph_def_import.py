"""import_graph_def: TensorFlow GraphDefs (recorded by scripts/record_graph_defs.py: a frozen
CNN, a frozen static-RNN LSTM, the CNN with its Variables) rebuilt as jaxgraph ops give
TensorFlow's outputs, differentiate, and report what they cannot import."""

from pathlib import Path

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import UnimplementedError

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str):
    return (FIXTURES / f"{name}.pb").read_bytes(), dict(np.load(FIXTURES / f"{name}.npz"))


def run_imported(name: str, scope: str = "import"):
    graph_def, data = load(name)
    prefix = f"{scope}/" if scope else ""
    with jg.Graph().as_default() as graph:
        jg.import_graph_def(graph_def, name=scope)
        feeds = {
            graph.get_tensor_by_name(prefix + k[5:]): v for k, v in data.items() if k.startswith("feed/")
        }
        fetches = {k: graph.get_tensor_by_name(prefix + k[6:]) for k in data if k.startswith("fetch/")}
        with jg.Session() as sess:
            if name == "cnn_variables":
                sess.run(graph.get_operation_by_name(prefix + "init"))
            return sess.run(fetches, feeds), data


@pytest.mark.parametrize("name", ["cnn_frozen", "lstm_frozen", "cnn_variables"])
def test_imported_graphs_give_tensorflows_outputs(name):
    got, data = run_imported(name)
    for key, value in got.items():
        np.testing.assert_allclose(np.asarray(value), data[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_no_prefix_with_an_empty_name_and_graph_def_messages():
    graph_def = jg.GraphDef.FromString(load("cnn_frozen")[0])
    with jg.Graph().as_default() as graph:
        jg.import_graph_def(graph_def, name="")
        assert graph.get_tensor_by_name("probabilities:0").shape.as_list() == [None, 5]
        assert graph.get_operation_by_name("conv1/weights").type == "constant"
    got, data = run_imported("cnn_frozen", scope="")
    np.testing.assert_allclose(got["fetch/probabilities:0"], data["fetch/probabilities:0"], rtol=1e-5)


def test_input_map_and_return_elements():
    graph_def, data = load("lstm_frozen")
    with jg.Graph().as_default():
        inputs = jg.constant(data["feed/inputs:0"])
        outputs, final_h = jg.import_graph_def(
            graph_def, input_map={"inputs:0": inputs}, return_elements=["outputs:0", "final_h:0"]
        )
        with jg.Session() as sess:
            got = sess.run([outputs, final_h])
    np.testing.assert_allclose(got[0], data["fetch/outputs:0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], data["fetch/final_h:0"], rtol=1e-5, atol=1e-6)


def test_imported_variables_train_and_gradients_match_finite_differences():
    graph_def, data = load("cnn_variables")
    images = data["feed/images:0"]
    with jg.Graph().as_default() as graph:
        jg.import_graph_def(graph_def, name="")
        assert sorted(v.op.name for v in jg.trainable_variables())[:2] == ["bn/beta", "bn/gamma"]
        x = graph.get_tensor_by_name("images:0")
        loss = jg.reduce_sum(jg.square(graph.get_tensor_by_name("logits:0")))
        weights = jg.get_default_graph().get_collection(jg.GraphKeys.GLOBAL_VARIABLES)
        fc = [v for v in weights if v.op.name == "fc/weights"][0]
        (grad,) = jg.gradients(loss, [fc])
        step = jg.train.GradientDescentOptimizer(0.01).minimize(loss)
        with jg.Session() as sess:
            sess.run(graph.get_operation_by_name("init"))
            w0, g = (np.array(v) for v in sess.run([fc, grad], {x: images}))
            eps = 1e-2
            for index in [(0, 0), (10, 3), (63, 4)]:
                shifted = []
                for sign in (1, -1):
                    w = w0.copy()
                    w[index] += sign * eps
                    fc.load(w, sess)
                    shifted.append(sess.run(loss, {x: images}))
                assert g[index] == pytest.approx((shifted[0] - shifted[1]) / (2 * eps), rel=2e-2, abs=1e-3)
            fc.load(w0, sess)
            before = sess.run(loss, {x: images})
            for _ in range(5):
                sess.run(step, {x: images})
            assert sess.run(loss, {x: images}) < before


def test_unsupported_op_types_are_all_reported_with_their_nodes():
    graph_def = jg.GraphDef()
    for name, op_type in [("x", "Placeholder"), ("frame", "Enter"), ("odd", "FancyOp"), ("y", "Relu")]:
        node = graph_def.node.add(name=name, op=op_type)
        if name != "x":
            node.input.append("x")
    with jg.Graph().as_default() as graph:
        with pytest.raises(UnimplementedError) as info:
            jg.import_graph_def(graph_def)
        assert graph.operations == []
    assert str(info.value) == (
        "import_graph_def: 2 node(s) of op types jaxgraph does not import:\n  frame (Enter)\n  odd (FancyOp)"
    )


def test_import_meta_graph_returns_a_saver_and_skips_tfs_save_ops(tmp_path):
    data = dict(np.load(FIXTURES / "cnn_meta.npz"))
    with jg.Graph().as_default() as graph:
        saver = jg.train.import_meta_graph(str(FIXTURES / "cnn_meta.meta"))
        assert not any(op.name.startswith("save/") for op in graph.operations)
        assert [v.op.name for v in jg.trainable_variables()] == [
            "conv1/weights", "conv1/biases", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
            "fc/weights", "fc/biases",
        ]  # fmt: skip
        with jg.Session() as sess:
            sess.run(graph.get_operation_by_name("init"))
            got = sess.run("probabilities:0", {"images:0": data["feed/images:0"]})
            np.testing.assert_allclose(got, data["fetch/probabilities:0"], rtol=1e-5, atol=1e-6)
            path = saver.save(sess, str(tmp_path / "model"))
        with jg.Session() as sess:
            saver.restore(sess, path)
            np.testing.assert_allclose(sess.run("probabilities:0", {"images:0": data["feed/images:0"]}), got)


def _constants(name: str) -> dict:
    """The Const nodes of a recorded GraphDef as NumPy arrays, by node name."""
    from tensorboard.util import tensor_util

    graph_def = jg.GraphDef.FromString(load(name)[0])
    return {
        n.name: tensor_util.make_ndarray(n.attr["value"].tensor) for n in graph_def.node if n.op == "Const"
    }


def _cnn_reference(weights: dict, images):
    """The recorded CNN (scripts/record_graph_defs.py) written with jax.lax, from its weights."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    h = lax.conv_general_dilated(images, weights["conv1/weights"], (1, 1), "SAME",
                                 dimension_numbers=("NHWC", "HWIO", "NHWC")) + weights["conv1/biases"]  # fmt: skip
    h = jax.nn.relu(h)
    h = (h - weights["bn/moving_mean"]) * lax.rsqrt(weights["bn/moving_variance"] + 1e-3)
    h = h * weights["bn/gamma"] + weights["bn/beta"]
    h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    window = (1, 2, 2, 1)
    sums = lax.reduce_window(h, 0.0, lax.add, window, (1, 1, 1, 1), "SAME")
    counts = lax.reduce_window(jnp.ones_like(h), 0.0, lax.add, window, (1, 1, 1, 1), "SAME")
    logits = (sums / counts).reshape(-1, 64) @ weights["fc/weights"] + weights["fc/biases"]
    return jax.nn.softmax(logits)


def _lstm_reference(weights: dict, inputs):
    """The recorded static-RNN BasicLSTMCell (forget bias 1) written with jax.numpy."""
    import jax
    import jax.numpy as jnp

    kernel, bias = weights["rnn/basic_lstm_cell/kernel"], weights["rnn/basic_lstm_cell/bias"]
    c = h = jnp.zeros((inputs.shape[0], 6), inputs.dtype)
    outputs = []
    for t in range(inputs.shape[1]):
        i, j, f, o = jnp.split(jnp.concatenate([inputs[:, t], h], 1) @ kernel + bias, 4, axis=1)
        c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        h = jnp.tanh(c) * jax.nn.sigmoid(o)
        outputs.append(h)
    return jnp.stack(outputs, 1)


@pytest.mark.parametrize(
    ("name", "feed", "fetch", "reference"),
    [
        ("cnn_frozen", "images:0", "probabilities:0", _cnn_reference),
        ("lstm_frozen", "inputs:0", "outputs:0", _lstm_reference),
    ],
)
def test_gradients_of_imported_graphs_match_jax_vjp(name, feed, fetch, reference):
    import jax

    graph_def, data = load(name)
    x0 = data[f"feed/{feed}"]
    weights = _constants(name)
    want_y, vjp = jax.vjp(lambda x: reference(weights, x), x0)
    cotangent = np.random.RandomState(3).normal(size=want_y.shape).astype(np.float32)
    with jg.Graph().as_default() as graph:
        jg.import_graph_def(graph_def, name="")
        x, y = graph.get_tensor_by_name(feed), graph.get_tensor_by_name(fetch)
        (grad,) = jg.gradients(y, [x], grad_ys=[jg.constant(cotangent)])
        with jg.Session() as sess:
            got_y, got_grad = sess.run([y, grad], {x: x0})
    np.testing.assert_allclose(got_y, want_y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_grad, vjp(cotangent)[0], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "feed", "fetch"),
    [("cnn_meta", "images:0", "probabilities:0"), ("lstm_meta", "inputs:0", "outputs:0")],
)
def test_meta_graph_restores_tfs_checkpoint_and_trains_on_as_tf(name, feed, fetch):
    data = dict(np.load(FIXTURES / f"{name}.npz"))
    outputs = [k for k in data if k.startswith("fetch/")]
    with jg.Graph().as_default() as graph:
        saver = jg.train.import_meta_graph(str(FIXTURES / f"{name}.meta"))
        x = graph.get_tensor_by_name(feed)
        y = graph.get_tensor_by_name(fetch)
        step = jg.train.GradientDescentOptimizer(0.01).minimize(jg.reduce_sum(jg.square(y)))
        with jg.Session() as sess:
            saver.restore(sess, str(FIXTURES / name / "model.ckpt"))  # written by TensorFlow
            got = sess.run([graph.get_tensor_by_name(k[6:]) for k in outputs], {x: data[f"feed/{feed}"]})
            for key, value in zip(outputs, got):
                np.testing.assert_allclose(value, data[key], rtol=1e-5, atol=1e-6, err_msg=key)
            sess.run(step, {x: data[f"feed/{feed}"]})
            for variable in jg.trainable_variables():
                want = data[f"after/{variable.op.name}"]
                np.testing.assert_allclose(
                    sess.run(variable), want, rtol=1e-4, atol=1e-6, err_msg=variable.op.name
                )
