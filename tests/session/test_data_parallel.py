"""``Session(mesh=...)``: data parallelism over two (forced) CPU devices, in a subprocess because
JAX's device count is fixed when it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jaxgraph as jg
from jaxgraph import errors

SCRIPT = textwrap.dedent(
    """
    import json
    import jax
    import numpy as np
    from jax.sharding import Mesh
    import jaxgraph as jg

    def build():
        g = jg.Graph()
        with g.as_default():
            x = jg.placeholder(jg.float32, (None, 8), name="x")
            y = jg.placeholder(jg.int32, (None,), name="y")
            w = jg.Variable(np.linspace(-1, 1, 32, dtype=np.float32).reshape(8, 4), name="w")
            logits = jg.matmul(x, w)
            loss = jg.reduce_mean(jg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            train = jg.train.GradientDescentOptimizer(0.5).minimize(loss)
            init = jg.global_variables_initializer()
        return g, x, y, w, loss, train, init

    rng = np.random.default_rng(0)
    xb = rng.normal(size=(16, 8)).astype(np.float32)
    yb = rng.integers(0, 4, 16).astype(np.int32)
    result = {"devices": len(jax.devices())}
    weights = []
    for mesh in (None, Mesh(np.array(jax.devices()), ("batch",))):
        g, x, y, w, loss, train, init = build()
        with jg.Session(graph=g, mesh=mesh) as sess:
            sess.run(init)
            for _ in range(3):
                sess.run(train, {x: xb, y: yb})
            weights.append(np.asarray(sess.run(w)))
            if mesh is not None:
                result["all_reduce"] = "all-reduce" in sess.dump([loss, train], {x: xb, y: yb}, "hlo")
                result["w_replicated"] = sess.run(w).sharding.is_fully_replicated
    result["max_difference"] = float(np.max(np.abs(weights[0] - weights[1])))
    print(json.dumps(result))
    """
)


def test_mesh_shards_feeds_replicates_variables_and_matches_one_device(tmp_path):
    script = tmp_path / "data_parallel.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))  # fmt: skip
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["devices"] == 2
    assert result["all_reduce"] and result["w_replicated"]
    assert result["max_difference"] < 1e-5


def test_device_and_mesh_are_exclusive():
    with pytest.raises(errors.InvalidArgumentError, match="give a Session a device or a mesh, not both"):
        jg.Session(device="cpu", mesh=object())
