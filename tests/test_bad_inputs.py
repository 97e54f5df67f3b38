"""Bad input never costs a mystery: a table of bad inputs, each raising a jaxgraph error of the
exact class with the exact message (naming the op / Variable / file, and the user's source line
where there is one), never a raw exception from inside JAX or NumPy. Then: a failed run changes
nothing (no Variable, no RNG key), whatever made it fail."""

from __future__ import annotations

import json
import linecache
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.ir import REGISTRY, OpDef, parse

E = errors


def marked_line(mark: str) -> int:
    """The line of this file ending in the comment ``# @mark``."""
    for number, text in enumerate(open(__file__).read().split("\n"), 1):
        if text.rstrip().endswith(f"# @{mark}"):
            return number
    raise AssertionError(f"no line marked {mark}")


@pytest.fixture
def ctx(tmp_path):
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 3), name="x")  # @x
        i = jg.placeholder(jg.int32, (2,), name="i")  # @i
        i_plus = i + 1
        v = jg.Variable(jg.zeros((3,)), name="v")  # @v
        y = jg.reduce_sum(x * v, name="y")
        checked = jg.debugging.check_numerics(jg.log(x), "log of x", name="checked")  # @checked
    other = jg.Graph()
    with other.as_default():
        c = jg.constant(1.0, name="other")
    sess = jg.Session(graph=g)
    yield SimpleNamespace(
        g=g, x=x, i=i, i_plus=i_plus, v=v, y=y, checked=checked, c=c, sess=sess, tmp=tmp_path
    )
    sess.close()


def build(fn: Callable[[], Any]) -> Callable[[Any], Any]:
    """An action building ops in a fresh graph."""

    def action(ctx):
        with jg.Graph().as_default():
            fn()

    return action


def closed_run(ctx):
    ctx.sess.close()
    ctx.sess.run(ctx.y)


# ---- checkpoints -------------------------------------------------------------------------------
def checkpoint(ctx, shapes: dict[str, tuple]) -> str:
    """Saves a checkpoint of float32 Variables of ``shapes``; returns its prefix."""
    g = jg.Graph()
    with g.as_default():
        variables = [jg.Variable(jg.zeros(s), name=n) for n, s in shapes.items()]
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        sess.run(jg.variables_initializer(variables))
        return saver.save(sess, str(ctx.tmp / "ckpt"))


def restore_into(ctx, prefix: str, shapes: dict[str, tuple]) -> None:
    g = jg.Graph()
    with g.as_default():
        for name, shape in shapes.items():
            jg.Variable(jg.zeros(shape), name=name)
        saver = jg.train.Saver()
    with jg.Session(graph=g) as sess:
        saver.restore(sess, prefix)


def restore_case(
    saved: dict[str, tuple], wanted: dict[str, tuple], damage: Callable[[str], None] | None = None
):
    def action(ctx):
        prefix = checkpoint(ctx, saved)
        if damage is not None:
            damage(prefix)
        restore_into(ctx, prefix, wanted)

    return action


def flip_last_byte(prefix: str) -> None:
    data = bytearray(open(prefix + ".safetensors", "rb").read())
    data[-1] ^= 1
    open(prefix + ".safetensors", "wb").write(bytes(data))


def truncate(prefix: str) -> None:
    data = open(prefix + ".safetensors", "rb").read()
    open(prefix + ".safetensors", "wb").write(data[:20])


def restore_other_graph(ctx):
    with ctx.g.as_default():
        saver = jg.train.Saver()
    saver.restore(jg.Session(graph=jg.Graph()), str(ctx.tmp / "any"))


def graph_file(text: str) -> Callable[[Any], Any]:
    def action(ctx):
        (ctx.tmp / "model.jgir").write_text(text)
        jg.load_graph(str(ctx.tmp / "model.jgir"))

    return action


META = '# meta: {"variables": [], "collections": {}}'


class Case(NamedTuple):
    action: Callable[[Any], Any]
    error: type
    message: str | re.Pattern  # exact text, or a pattern for text quoted from NumPy / the platform
    op: str | None = None  # the op the error names; its location must be the line marked with it
    mark: str | None = None


CASES = {
    # ---- feeds ----
    "feed-shape": Case(lambda c: c.sess.run(c.y, {c.x: np.ones((2, 4))}), E.InvalidArgumentError,
                       "feed for 'x:0' has shape [2, 4], which does not match f32[?,3]", "x", "x"),
    "feed-rank": Case(lambda c: c.sess.run(c.y, {c.x: np.ones(3)}), E.InvalidArgumentError,
                      "feed for 'x:0' has shape [3], which does not match f32[?,3]", "x", "x"),
    "feed-dtype-kind": Case(lambda c: c.sess.run(c.i_plus, {c.i: np.ones(2, np.float32)}), E.InvalidArgumentError,
                            "feed for 'i:0' has dtype float32, which cannot be converted to int32 without "
                            "changing its kind", "i", "i"),
    "feed-strings-to-float": Case(lambda c: c.sess.run(c.y, {c.x: [["a", "b", "c"]]}), E.InvalidArgumentError,
                                  "feed for 'x:0' has dtype string, which cannot be converted to float32 without "
                                  "changing its kind", "x", "x"),
    "feed-ragged": Case(lambda c: c.sess.run(c.y, {c.x: [[1, 2, 3], [4]]}), E.InvalidArgumentError,
                        re.compile(r"feed for 'x:0' is not an array: .*inhomogeneous.*")),
    "feed-missing": Case(lambda c: c.sess.run(c.y), E.InvalidArgumentError,
                         "the fetches need a value fed for 1 placeholder(s):\n"
                         f"  'x:0' (f32[?,3]) defined at {__file__}:{marked_line('x')}"),
    "feed-variable-handle": Case(lambda c: c.sess.run(c.y, {c.v.handle: np.ones(3)}), E.InvalidArgumentError,
                                 "cannot feed the Variable handle 'v:0'", "v", "v"),
    "feed-operation": Case(lambda c: c.sess.run(c.y, {"y": 1.0}), E.InvalidArgumentError,
                           "cannot feed the Operation 'y': feed its output tensors"),
    "feed-twice": Case(lambda c: c.sess.run(c.y, {"x:0": np.ones((1, 3)), c.x: np.ones((1, 3))}),
                       E.InvalidArgumentError, "'x:0' is fed twice (one key is <jaxgraph.Tensor 'x:0' f32[?,3]>)",
                       "x", "x"),
    "feed-dict-not-dict": Case(lambda c: c.sess.run(c.y, [1.0]), E.InvalidArgumentError,
                               "feed_dict must be a dict {tensor: value}, got list"),
    "feed-other-graph": Case(lambda c: c.sess.run(c.y, {c.c: 1.0}), E.InvalidArgumentError,
                             "cannot feed 'other:0': it belongs to another graph than the Session's (build it "
                             "inside `with sess.graph.as_default():`, or create the Session with "
                             "jg.Session(graph=the graph it belongs to))"),
    # ---- fetches ----
    "fetch-unknown-name": Case(lambda c: c.sess.run("nope:0"), E.NotFoundError,
                               "cannot fetch 'nope:0': the graph has no operation named 'nope'"),
    "fetch-bad-output-index": Case(lambda c: c.sess.run("y:3"), E.NotFoundError,
                                   "cannot fetch 'y:3': operation 'y' has 1 output(s): no 'y:3'; did you mean 'y:0'?"),
    "fetch-malformed-name": Case(lambda c: c.sess.run("y:x"), E.InvalidArgumentError,
                                 "cannot fetch 'y:x': 'y:x' is not a tensor name: tensor names look like 'op_name:0'"),
    "fetch-other-graph": Case(lambda c: c.sess.run(c.c), E.InvalidArgumentError,
                              "cannot fetch 'other:0': it belongs to another graph than the Session's (build it "
                             "inside `with sess.graph.as_default():`, or create the Session with "
                             "jg.Session(graph=the graph it belongs to))"),
    "fetch-not-a-tensor": Case(lambda c: c.sess.run({"a": {1, 2}}), E.InvalidArgumentError,
                               "cannot fetch {1, 2}: cannot interpret {1, 2} as a Tensor or Operation of this graph"),
    # ---- state and run time ----
    "uninitialized-read": Case(lambda c: c.sess.run(c.y, {c.x: np.ones((1, 3))}), E.FailedPreconditionError,
                               "Attempting to use uninitialized Variable 'v': run sess.run(jg.global_variables_initializer()) "
                               "first, with the initializer built after the last Variable (after the optimizer, "
                               "whose slots are Variables too)", "v", "v"),
    "closed-session": Case(closed_run, E.FailedPreconditionError, "Attempted to use a closed Session."),
    "numerics-check": Case(lambda c: c.sess.run(c.checked, {c.x: -np.ones((1, 3))}), E.InvalidArgumentError,
                           "log of x (check_numerics)", "checked", "checked"),
    "load-wrong-shape": Case(lambda c: c.v.load([1.0, 2.0], c.sess), E.InvalidArgumentError,
                             "cannot load a value of shape [2] into Variable 'v' of shape [3]", "v", "v"),
    "load-not-numbers": Case(lambda c: c.v.load(["a", "b", "c"], c.sess), E.InvalidArgumentError,
                             "cannot load ['a', 'b', 'c'] into Variable 'v' of type f32[3]: could not convert "
                             "string to float: 'a'", "v", "v"),
    "unknown-device": Case(lambda c: jg.Session(device="tpu:7"), E.InvalidArgumentError,
                           re.compile(r"device 'tpu:7' is not available \(this process has: [a-z, ]+\)")),
    # ---- building ----
    "matmul-shapes": Case(build(lambda: jg.matmul(jg.zeros((2, 3)), jg.zeros((4, 5)))),  # @matmul
                          E.InvalidArgumentError, "matmul inner dimensions differ: f32[2,3] @ f32[4,5] (3 != 4)",
                          "MatMul", "matmul"),
    "broadcast-shapes": Case(build(lambda: jg.zeros((2, 3)) + jg.ones((4,))),  # @add
                             E.InvalidArgumentError, "shapes f32[2,3] and f32[4] cannot be broadcast together",
                             "Add", "add"),
    "bad-axis": Case(build(lambda: jg.reduce_sum(jg.zeros((2, 3)), axis=2)),  # @sum
                     E.InvalidArgumentError, "axis 2 is out of range for a tensor of rank 2", "Sum", "sum"),
    "axis-not-int": Case(build(lambda: jg.reduce_sum(jg.zeros((2, 3)), axis="a")), E.InvalidArgumentError,
                         "axis must be an int, a list of ints or None, got 'a'"),
    "unsupported-dtype": Case(build(lambda: jg.placeholder("complex64", (2,))), E.InvalidArgumentError,
                              "unsupported dtype 'complex64'"),
    "int64-beyond-int32": Case(build(lambda: jg.constant(3_000_000_000, name="big")),  # @x64
                               E.InvalidArgumentError, "the value 3000000000 does not fit in int32 (int64 is "
                               "computed in 32 bits because JAX's x64 mode is off; "
                               "jax.config.update('jax_enable_x64', True) enables it)", "big", "x64"),
    "negative-dim": Case(build(lambda: jg.placeholder(jg.float32, (-2, 3), name="p")),  # @negative
                         E.InvalidArgumentError, "placeholder shape must list sizes >= 0 or None, got (-2, 3)",
                         "p", "negative"),
    "reshape-size": Case(build(lambda: jg.reshape(jg.zeros((2, 3)), (4, 2))),  # @reshape
                         E.InvalidArgumentError, "cannot reshape f32[2,3] (6 elements) to [4, 2]", "Reshape",
                         "reshape"),
    "assign-shape": Case(build(lambda: jg.Variable(jg.zeros((2,)), name="w").assign(jg.zeros((3,)))),  # @assign
                         E.InvalidArgumentError, "assign of a value of shape [3] to a Variable of shape [2]",
                         "Assign", "assign"),
    # ---- IR text ----
    "ir-bad-character": Case(lambda c: parse("graph {\n  $\n}"), E.ParseError,
                             "line 2, column 3: unexpected character '$'"),
    "ir-truncated": Case(lambda c: parse("graph {"), E.ParseError,
                         "line 1, column 8: expected an op definition '%name = ...', found end of text"),
    "ir-use-before-def": Case(lambda c: parse("graph {\n  %a = exp(%b) : f32[]\n}"), E.ParseError,
                              "line 2, column 12: '%b' is used before it is defined"),
    "ir-unknown-op": Case(lambda c: parse("graph {\n  %a = frobnicate() : f32[]\n}"), E.ParseError,
                          "line 2, column 8: op '%a': unknown op type 'frobnicate'"),
    "ir-wrong-type": Case(lambda c: parse("graph {\n  %a = placeholder() {dtype=f32, shape=[2]} : f32[3]\n}"),
                          E.ParseError, "line 2, column 8: op '%a' is typed f32[3] but its type rule gives f32[2]"),
    "ir-duplicate-name": Case(lambda c: parse("graph {\n  %a = placeholder() {dtype=f32, shape=[]} : f32[]\n"
                                              "  %a = exp(%a) : f32[]\n}"), E.ParseError,
                              "line 3, column 8: op '%a': duplicate op name 'a'"),
    "ir-bad-attribute": Case(lambda c: parse("graph {\n  %a = placeholder() {dtype=f32, shape=[2]} : f32[2]\n"
                                             "  %s = reduce_sum(%a) {axis=[1.5]} : f32[]\n}"), E.ParseError,
                             "line 3, column 8: op '%s': axis 1.5 is out of range for a tensor of rank 1"),
    "ir-bad-base64": Case(lambda c: parse('graph {\n  %c = constant() {value=tensor<f32[1]>b64"A===", dtype=f32}'
                                          " : f32[1]\n}"), E.ParseError, "line 2, column 40: malformed base64 data"),
    "ir-bad-string": Case(lambda c: parse('graph {\n  %c = placeholder() {dtype=f32, shape=[], s="\\q"} : f32[]\n}'),
                          E.ParseError, "line 2, column 46: bad string literal: Invalid \\escape"),
    "ir-handle-as-value": Case(lambda c: parse("graph {\n  %v = variable() {dtype=f32, shape=[]} : ref<f32[]>\n"
                                               "  %e = exp(%v) : f32[]\n}"), E.ParseError,
                               "line 3, column 8: op '%e': Variable handle 'v:0' used as a value"),
    "ir-trailing-text": Case(lambda c: parse("graph {\n}\nextra"), E.ParseError,
                             "line 3, column 1: unexpected text after the graph: 'extra'"),
    "ir-not-text": Case(lambda c: parse(b"graph {}"), E.ParseError, "parse expects IR text (str), got bytes"),
    # ---- checkpoints and graph files ----
    "checkpoint-missing-variable": Case(restore_case({"a": (2,)}, {"a": (2,), "b": (3,)}), E.NotFoundError,
                                        "checkpoint '{tmp}/ckpt' does not match the Saver's Variables:\n"
                                        "  missing from the checkpoint: 'b'"),
    "checkpoint-extra-variable": Case(restore_case({"a": (2,), "b": (3,)}, {"a": (2,)}), E.InvalidArgumentError,
                                      "checkpoint '{tmp}/ckpt' does not match the Saver's Variables:\n"
                                      "  not in the graph: 'b'"),
    "checkpoint-reshaped-variable": Case(restore_case({"a": (2,)}, {"a": (2, 1)}), E.InvalidArgumentError,
                                         "checkpoint '{tmp}/ckpt' does not match the Saver's Variables:\n"
                                         "  'a' is f32[2] in the checkpoint but f32[2,1] in the graph"),
    "checkpoint-corrupted": Case(restore_case({"a": (2,)}, {"a": (2,)}, flip_last_byte), E.DataLossError,
                                 "checkpoint file '{tmp}/ckpt.safetensors' is corrupted: variable 'a' fails its "
                                 "checksum"),
    "checkpoint-truncated": Case(restore_case({"a": (2,)}, {"a": (2,)}, truncate), E.DataLossError,
                                 re.compile(r"checkpoint file '.*/ckpt\.safetensors' is truncated or corrupted: .+")),
    "checkpoint-not-found": Case(lambda c: restore_into(c, str(c.tmp / "none"), {"a": (2,)}), E.NotFoundError,
                                 "checkpoint '{tmp}/none' not found: there is no file '{tmp}/none.json'"),
    "checkpoint-other-graph": Case(restore_other_graph, E.InvalidArgumentError,
                                   "Variable 'v' belongs to another graph than the Session's", "v", "v"),
    "graph-file-unknown-op": Case(graph_file(f"# jaxgraph-ir v1\n{META}\ngraph {{\n  %a = frobnicate() : f32[]\n}}"),
                                  E.ParseError, "{tmp}/model.jgir: line 4, column 8: op '%a': unknown op type "
                                  "'frobnicate'"),
    "graph-file-version": Case(graph_file(f"# jaxgraph-ir v9\n{META}\ngraph {{\n}}"), E.ParseError,
                               "{tmp}/model.jgir: line 1: graph file format version 9; this jaxgraph reads version 1"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_raises_exact_error(ctx, case):
    with pytest.raises(errors.JaxGraphError) as info:
        case.action(ctx)
    error = info.value
    assert type(error) is case.error
    if isinstance(case.message, re.Pattern):
        assert case.message.fullmatch(error.message), error.message
    else:
        assert error.message == case.message.replace("{tmp}", str(ctx.tmp))
    if case.op is None:
        assert error.op is None
        return
    assert error.op.name == case.op
    assert (error.op.location.file, error.op.location.line) == (__file__, marked_line(case.mark))
    assert str(error).endswith(
        f"op '{error.op.name}' ({error.op.type}) defined at {__file__}:{marked_line(case.mark)}"
    )
    assert "# @" + case.mark in linecache.getline(__file__, error.op.location.line)


def test_the_table_is_large():
    assert len(CASES) >= 25


# ---- a failed run changes nothing --------------------------------------------------------------
def failing_lower(x):
    raise TypeError("the lowering rule broke")


FAILING = OpDef(type="bad_inputs_failing", default_name="Failing", attrs={},
                infer=lambda x: x, lower=failing_lower, grad=None)  # fmt: skip


@pytest.fixture(scope="module")
def failing_op():
    """Module-scoped: the end-of-test graph verification still needs the op type."""
    REGISTRY[FAILING.type] = FAILING
    yield
    del REGISTRY[FAILING.type]


def test_failed_runs_change_no_variable_and_no_random_key(failing_op):
    g = jg.Graph()
    with g.as_default():
        jg.set_random_seed(1)
        x = jg.placeholder(jg.float32, (3,), name="x")
        a = jg.Variable(jg.fill((3,), 1.0), name="a")
        b = jg.Variable(jg.fill((3,), 2.0), name="b")
        late = jg.Variable(jg.zeros((3,)), name="late")
        noise = jg.random_uniform((3,))
        bump_a = a.assign_add(noise + x)
        bump_b = b.assign_add(jg.debugging.check_numerics(jg.log(x), "log of x"))
        bump_late = late.assign_add(x)
        broken = g.create_op("bad_inputs_failing", [a.assign_add(x)]).outputs[0]
        init = jg.variables_initializer([a, b])
    ok_feed = {x: np.ones(3, np.float32)}
    failing_runs = [
        ([bump_a, bump_b], {x: -np.ones(3, np.float32)}, "log of x (check_numerics)"),
        ([bump_a, bump_late], ok_feed, "Attempting to use uninitialized Variable 'late': run"),
        ([bump_a, broken], ok_feed, "the lowering rule broke"),
        ([bump_a], {x: np.ones(4, np.float32)}, "feed for 'x:0' has shape [4], which does not match f32[3]"),
        ([bump_a], {x: [1.0, 2.0, [3.0]]}, "feed for 'x:0' is not an array"),
    ]

    def values(sess):
        return [np.asarray(v).copy() for v in sess.run([a, b])]

    with jg.Session(graph=g) as reference, jg.Session(graph=g) as sess:
        for s in (reference, sess):
            s.run(init)
            s.run(bump_a, ok_feed)
        before = values(sess)
        for fetches, feed, message in failing_runs:
            with pytest.raises(errors.JaxGraphError) as info:
                sess.run(fetches, feed)
            assert info.value.message.startswith(message)
            for old, new in zip(before, values(sess)):
                np.testing.assert_array_equal(old, new)
        # the random key did not advance either: the next step matches a session that never failed
        np.testing.assert_array_equal(sess.run(bump_a, ok_feed), reference.run(bump_a, ok_feed))


def test_failed_numerics_check_in_a_training_step_keeps_every_variable(tmp_path):
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 2), name="x")
        w = jg.Variable(jg.ones((2, 1)), name="w")
        loss = jg.reduce_mean(jg.log(jg.matmul(x, w)))
        step = jg.train.get_or_create_global_step()
        train = jg.train.AdamOptimizer(0.1).minimize(-loss, global_step=step)
        init = jg.global_variables_initializer()
        names = [v.op.name for v in jg.global_variables()]
    with jg.Session(graph=g, check_numerics=True) as sess:
        sess.run(init)
        sess.run(train, {x: np.ones((2, 2), np.float32)})
        before, _ = sess.snapshot(names)
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(train, {x: -np.ones((2, 2), np.float32)})
        assert "check_numerics" in info.value.message and info.value.op is not None
        after, _ = sess.snapshot(names)
        assert json.dumps({n: after[n].tolist() for n in names}) == json.dumps(
            {n: before[n].tolist() for n in names}
        )
        sess.run(train, {x: np.ones((2, 2), np.float32)})  # and the Session still works
        assert int(sess.run(step)) == 2
