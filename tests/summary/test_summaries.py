"""Summary ops, FileWriter event files and the GraphDef export, read back with tensorboard's own
EventAccumulator."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import summary_pb2, types_pb2

import jaxgraph as jg
from jaxgraph import errors
from jaxgraph.summary.writer import HISTOGRAM_BUCKETS
from tests.summary import graphs
from tests.summary.graphs import feature_graph


def _accumulate(logdir) -> EventAccumulator:
    accumulator = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


# ---- summary ops ---------------------------------------------------------------------------------
def test_scalar_and_histogram_fetch_as_tagged_values_in_any_structure():
    x = jg.placeholder(jg.float32, (3,), name="x")
    with jg.name_scope("train"):
        loss = jg.summary.scalar("loss", jg.reduce_mean(x))
    values = jg.summary.histogram("values", x * 2.0)
    assert list(loss) == ["train/loss"] and loss.kinds == {"train/loss": "scalar"}
    merged = jg.summary.merge_all()
    assert list(merged) == ["train/loss", "values"]
    with jg.Session() as sess:
        result, both = sess.run(
            [merged, jg.summary.merge([loss, values])], {x: np.array([1, 2, 3], np.float32)}
        )
    assert isinstance(result, jg.summary.Summaries)
    assert result.kinds == {"train/loss": "scalar", "values": "histogram"}
    assert float(result["train/loss"]) == 2.0
    np.testing.assert_array_equal(np.asarray(both["values"]), [2.0, 4.0, 6.0])


def test_merge_all_without_summaries_is_none_and_merge_rejects_duplicates():
    assert jg.summary.merge_all() is None
    s = jg.summary.scalar("a", jg.constant(1.0))
    with pytest.raises(errors.InvalidArgumentError, match=re.escape("duplicate summary tag 'a' in merge")):
        jg.summary.merge([s, s])


def test_scalar_summary_of_a_matrix_names_the_line():
    m = jg.zeros((2, 2))
    with pytest.raises(errors.InvalidArgumentError) as info:
        jg.summary.scalar("m", m)
    line = inspect.currentframe().f_lineno - 1
    assert info.value.message == "a scalar summary needs a scalar (rank 0) tensor, got f32[2,2]"
    assert f"op 'm' (scalar_summary) defined at {__file__}:{line}" in str(info.value)


def test_summaries_from_a_function():
    @jg.function
    def step(x):
        return jg.summary.scalar("average", jg.reduce_mean(x))

    result = step(np.array([1.0, 3.0], np.float32))
    assert isinstance(result, jg.summary.Summaries) and float(result["average"]) == 2.0


# ---- FileWriter ----------------------------------------------------------------------------------
def test_scalars_and_histograms_read_back_with_event_accumulator(logs):
    accumulator = _accumulate(logs.root / "digits")
    assert accumulator.Tags()["scalars"] == ["loss"]
    events = accumulator.Scalars("loss")
    assert [e.step for e in events] == list(range(len(logs.losses)))
    np.testing.assert_allclose([e.value for e in events], logs.losses, rtol=1e-6)
    assert logs.losses[-1] < logs.losses[0]
    (first, *_) = accumulator.Histograms("logits/kernel_values")
    histogram = first.histogram_value
    assert histogram.num == 64 * 10 and sum(histogram.bucket) == 64 * 10
    assert len(histogram.bucket) == HISTOGRAM_BUCKETS and histogram.bucket_limit[-1] == histogram.max
    assert histogram.min < 0 < histogram.max


def test_add_scalar_proto_bytes_and_errors(tmp_path):
    writer = jg.summary.FileWriter(tmp_path)
    writer.add_scalar("lr", 0.5, step=3)
    proto = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="acc", simple_value=0.25)])
    writer.add_summary(proto, 1)
    writer.add_summary(proto.SerializeToString(), 2)
    unrun = jg.summary.scalar("unrun", jg.constant(1.0))
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("summary 'unrun' is a Tensor: run it first")
    ):
        writer.add_summary(unrun)
    nan = jg.summary.Summaries({"h": np.array([1.0, np.nan])}, {"h": "histogram"})
    with pytest.raises(
        errors.InvalidArgumentError, match=re.escape("NaN or Inf in summary histogram for: h")
    ):
        writer.add_summary(nan)
    writer.close()
    with pytest.raises(errors.FailedPreconditionError, match="is closed"):
        writer.add_scalar("late", 1.0, 4)
    accumulator = _accumulate(tmp_path)
    assert [(e.step, e.value) for e in accumulator.Scalars("lr")] == [(3, 0.5)]
    assert [(e.step, e.value) for e in accumulator.Scalars("acc")] == [(1, 0.25), (2, 0.25)]
    assert writer.path.startswith(str(tmp_path / "events.out.tfevents."))


# ---- the GraphDef ------------------------------------------------------------------------------
def test_graph_def_nodes_inputs_attrs_and_sub_graphs(tmp_path):
    jg.summary.FileWriter(tmp_path, feature_graph()).close()
    nodes = {node.name: node for node in _accumulate(tmp_path).Graph().node}
    assert list(nodes)[:5] == ["x", "dense/ones", "dense/w", "dense/w/Assign", "dense/w/read"]
    x = nodes["x"]
    assert x.op == "placeholder" and x.attr["dtype"].type == types_pb2.DT_FLOAT
    assert [d.size for d in x.attr["shape"].shape.dim] == [-1, 4]
    assert [d.size for d in x.attr["_output_shapes"].list.shape[0].dim] == [-1, 4]
    x_line = next(
        i
        for i, text in enumerate(open(graphs.__file__), 1)
        if "x = jg.placeholder(jg.float32, (None, 4)" in text
    )
    assert x.attr["_source"].s.decode() == f"{graphs.__file__}:{x_line}"
    assert nodes["dense/w"].op == "variable"
    assert list(nodes["dense/w/read"].input) == ["dense/w"]
    assert list(nodes["dense/MatMul"].input) == ["x", "dense/w/read"]
    assert nodes["dense/MatMul"].attr["transpose_a"].b is False
    split = nodes["Split"]
    assert split.attr["axis"].i == 1 and split.attr["num_or_size_splits"].i == 2
    assert [[d.size for d in s.dim] for s in split.attr["_output_shapes"].list.shape] == [[-1, 2], [-1, 2]]
    moved = nodes["moved"]
    assert list(moved.input) == ["Split:1", "^Split"]
    assert moved.device == "/job:localhost/replica:0/task:0/device:CPU:0"  # jg.device("cpu"), placed
    assert list(moved.attr["perm"].list.i) == [1, 0]
    constant = nodes["Const"].attr["value"].tensor
    assert constant.dtype == types_pb2.DT_FLOAT and constant.tensor_content == np.float32(0).tobytes()
    branch = nodes["branch"]
    assert branch.op == "cond" and list(branch.input) == ["Greater", "moved"]
    assert branch.attr["then_branch"].func.name == "branch/then_branch"
    assert list(nodes["branch/then_branch/Mul"].input) == [
        "branch/then_branch/capture/moved",
        "branch/then_branch/Const",
    ]
    assert nodes["branch/else_branch/Sub"].op == "sub"


def test_graph_def_wires_sub_graph_parameters_to_the_outer_inputs():
    from jaxgraph.summary.graph_def import to_graph_def

    x = jg.placeholder(jg.float32, (3,), name="x")
    p = jg.placeholder(jg.bool, (), name="p")
    jg.cond(p, lambda: jg.tanh(x), lambda: x * 2.0)
    jg.scan(lambda a, e: a + e * x, jg.ones((2, 3)), initializer=jg.zeros((3,)))
    inputs = {n.name: list(n.input) for n in to_graph_def(jg.get_default_graph()).node}
    assert inputs["cond/then_branch/capture/x"] == ["x"]
    assert inputs["cond/else_branch/capture/x"] == ["x"]
    assert inputs["scan/body/scan_arg_0"] == ["zeros"]
    assert inputs["scan/body/scan_arg_1"] == ["ones"]
    assert inputs["scan/body/capture/x"] == ["x"]
