"""A first tour of jaxgraph: build a TF1-style graph, read its IR, run it, and trace a function.

Run: ``python examples/demo.py``. (``jaxgraph demo`` is the longer walkthrough, a char-RNN.)
"""

from __future__ import annotations

import numpy as np

import jaxgraph as jg


def main() -> None:
    rng = np.random.default_rng(0)
    xb = rng.normal(size=(4, 8)).astype(np.float32)

    graph = jg.Graph()
    with graph.as_default():
        jg.set_random_seed(0)
        x = jg.placeholder(jg.float32, shape=(None, 8), name="x")
        with jg.name_scope("dense"):
            w = jg.Variable(jg.random_normal((8, 3), stddev=0.5), name="w")
            b = jg.Variable(jg.zeros((3,)), name="b")
        probs = jg.tanh(jg.matmul(x, w) + b)
        step = b.assign_add(jg.ones((3,)) * 0.1)
        init = jg.global_variables_initializer()

    print("== the graph, as traced ==")
    print(graph)
    with jg.Session(graph=graph) as sess:
        sess.run(init)
        out = sess.run(probs, feed_dict={x: xb})
        wv, bv = sess.run([w, b])
        expected = np.tanh(xb @ np.asarray(wv) + np.asarray(bv))
        print("\n== generated JAX for fetching probs ==")
        print(sess.dump(probs, {x: xb}, stage="jax"))
        print("max |jaxgraph - numpy| =", float(np.max(np.abs(np.asarray(out) - expected))))
        for _ in range(3):
            sess.run(step)
        print("b after three assign_add(0.1) runs:", np.asarray(sess.run(b)))

    @jg.function
    def predict(x, w, b):
        return jg.tanh(x @ w + b)

    wb = rng.normal(size=(8, 3)).astype(np.float32)
    bb = np.zeros(3, np.float32)
    predict(xb, wb, bb)
    predict(xb, wb, bb)
    print("\n@jg.function traced", predict.trace_count, "time(s) for two calls; its IR:")
    print(predict.dump(xb, wb, bb, stage="ir"))


if __name__ == "__main__":
    main()
