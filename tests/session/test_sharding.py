"""Model parallelism by annotation: ``jg.Variable(..., sharding=...)`` over a Session's mesh.

The 8-device run is a subprocess with XLA's forced host devices (JAX's device count is fixed when
it starts); the checks that need no second device run here on a one-device mesh.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import numpy as np
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir import parse

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax
    import numpy as np
    from jax.sharding import Mesh
    import jaxgraph as jg

    def build():
        g = jg.Graph()
        with g.as_default():
            x = jg.placeholder(jg.float32, (None, 16), name="x")
            y = jg.placeholder(jg.int32, (None,), name="y")
            rng = np.random.default_rng(1)
            w1 = jg.Variable(rng.normal(size=(16, 64)).astype(np.float32) * 0.3, name="w1",
                             sharding=(None, "model"))
            b1 = jg.get_variable("b1", (64,), initializer=jg.zeros_initializer(), sharding=("model",))
            w2 = jg.Variable(rng.normal(size=(64, 4)).astype(np.float32) * 0.3, name="w2",
                             sharding=("model", None))
            logits = jg.matmul(jg.nn.relu(jg.matmul(x, w1) + b1), w2)
            loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            train = jg.train.GradientDescentOptimizer(0.5).minimize(loss)
            init = jg.global_variables_initializer()
            saver = jg.train.Saver()
        return g, x, y, loss, train, init, saver

    data = np.random.default_rng(0)
    xb = data.normal(size=(16, 16)).astype(np.float32)
    yb = data.integers(0, 4, 16).astype(np.int32)
    result = {"devices": len(jax.devices())}
    values = []
    mesh = Mesh(np.array(jax.devices()).reshape(2, 4), ("data", "model"))
    for m in (None, mesh):
        g, x, y, loss, train, init, saver = build()
        with jg.Session(graph=g, mesh=m) as sess:
            sess.run(init)
            for _ in range(3):
                sess.run(train, {x: xb, y: yb})
            values.append({n: np.asarray(sess.run(n + ":0")) for n in ("w1", "b1", "w2")})
            if m is not None:
                hlo = sess.dump([loss, train], {x: xb, y: yb}, "hlo")
                result["collectives"] = sorted(
                    c for c in ("all-reduce", "all-gather", "reduce-scatter") if c in hlo)
                result["specs"] = {n: list(sess._variables[n].sharding.spec) for n in ("w1", "b1", "w2")}
                path = saver.save(sess, sys.argv[1] + "/model")
        if m is not None:  # restore into a fresh Session: the values come back sharded
            with jg.Session(graph=g, mesh=m) as sess:
                saver.restore(sess, path)
                result["restored_specs"] = {n: list(sess._variables[n].sharding.spec) for n in ("w1", "w2")}
                result["restored_equal"] = all(
                    np.array_equal(np.asarray(sess.run(n + ":0")), values[1][n]) for n in ("w1", "w2"))
    result["max_difference"] = max(float(np.max(np.abs(values[0][n] - values[1][n]))) for n in values[0])

    g = jg.Graph()
    with g.as_default():
        odd = jg.Variable(np.zeros((6, 3), np.float32), name="odd", sharding=("model",))  # 6 rows, 4 parts
    with jg.Session(graph=g, mesh=mesh) as sess:
        try:
            sess.run(odd.initializer)
        except jg.errors.InvalidArgumentError as e:
            result["indivisible"] = [type(e).__name__, e.message, e.op.location.line]
    print(json.dumps(result))
    """
)


def run_on_eight_devices(tmp_path: Path) -> dict:
    """The script's JSON result, run with 8 forced CPU devices."""
    script = tmp_path / "sharding.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))  # fmt: skip
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sharded_mlp_on_eight_devices_matches_one_device(tmp_path):
    result = run_on_eight_devices(tmp_path)
    assert result["devices"] == 8
    assert result["max_difference"] < 1e-5
    assert result["collectives"]  # XLA's SPMD partitioner inserted at least one
    assert result["specs"] == {"w1": [None, "model"], "b1": ["model"], "w2": ["model", None]}
    assert result["restored_specs"] == {"w1": [None, "model"], "w2": ["model", None]}
    assert result["restored_equal"]
    line = next(i for i, text in enumerate(SCRIPT.splitlines(), 1) if 'name="odd"' in text)
    assert result["indivisible"] == [
        "InvalidArgumentError",
        "Variable 'odd' of shape [6, 3] cannot be sharded ('model',): its dimension of size 6 does "
        "not divide into 4 parts (mesh axes ['model'])",
        line,
    ]


def one_device_mesh() -> Mesh:
    return Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("data", "model"))


def sharded_graph(sharding) -> tuple[jg.Graph, jg.Variable, jg.Tensor, int]:
    graph = jg.Graph()
    with graph.as_default():
        w = jg.Variable(np.arange(8, dtype=np.float32).reshape(4, 2), name="w", sharding=sharding)
        line = sys._getframe().f_lineno - 1
        doubled = w.assign(w * 2.0)
    return graph, w, doubled, line


def test_one_device_mesh_stores_the_annotated_sharding_across_runs():
    graph, w, doubled, _ = sharded_graph(("model", None))
    with jg.Session(graph=graph, mesh=one_device_mesh()) as sess:
        sess.run(w.initializer)
        sess.run(doubled)
        sess.run(doubled)
        stored = sess._variables["w"]
        assert stored.sharding == NamedSharding(one_device_mesh(), PartitionSpec("model", None))
        np.testing.assert_array_equal(sess.run(w), np.arange(8).reshape(4, 2) * 4.0)


def test_without_a_mesh_the_annotation_is_ignored():
    graph, w, doubled, _ = sharded_graph(("nowhere", None))  # an axis no mesh has
    with jg.Session(graph=graph) as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(doubled), np.arange(8).reshape(4, 2) * 2.0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            ("rows", None),
            "Variable 'w' is sharded over mesh axis 'rows', but the Session's mesh has axes ['data', 'model']",
        ),
        (
            ("model", "model"),
            "Variable 'w' is sharded over mesh axis 'model' twice (sharding=('model', 'model'))",
        ),
    ],
)
def test_a_spec_the_mesh_cannot_take_is_an_error_naming_the_variable_and_line(spec, message):
    graph, w, _, line = sharded_graph(spec)
    with (
        jg.Session(graph=graph, mesh=one_device_mesh()) as sess,
        pytest.raises(errors.InvalidArgumentError) as info,
    ):
        sess.run(w.initializer)
    assert info.value.message == message
    assert info.value.op.name == "w" and info.value.op.location.line == line
    assert str(info.value).endswith(f"defined at {__file__}:{line}")


@pytest.mark.parametrize(
    ("sharding", "message"),
    [
        (("a", "b", "c"), "sharding ['a', 'b', 'c'] has more entries than the Variable's rank 2"),
        (3, "a Variable's sharding is a tuple of mesh axis names, tuples of them or None, got 3"),
        (
            ("a", 1),
            "a Variable's sharding is a tuple of mesh axis names, tuples of them or None, got ('a', 1)",
        ),
    ],
)
def test_malformed_annotations_are_refused_when_the_variable_is_made(sharding, message):
    with jg.Graph().as_default(), pytest.raises(errors.InvalidArgumentError) as info:
        jg.Variable(np.zeros((4, 2), np.float32), name="w", sharding=sharding)
    assert info.value.message == message and info.value.op.name == "w"


def test_annotation_forms_print_and_parse_back():
    graph = jg.Graph()
    with graph.as_default():
        jg.Variable(np.zeros((4, 2), np.float32), name="a", sharding=PartitionSpec(("data", "model"), None))
        jg.get_variable("b", (4, 2), sharding=["model"])
        jg.Variable(np.zeros((4, 2), np.float32), name="c")
    text = str(graph)
    assert 'sharding=[["data","model"],?]' in text and 'sharding=["model"]' in text
    assert text.count("sharding=") == 2  # None, the default, is not printed
    parsed = parse(text)
    assert str(parsed) == text
    assert parsed.get_operation_by_name("a").attrs["sharding"] == (("data", "model"), None)
