"""``jg.device`` scopes and ``jg.DeviceSpec``, compared with TensorFlow's recorded device strings
(``scripts/record_device_reference.py``), and their mapping to JAX devices."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import jax
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.lowering.executable import device_name, device_of_spec, placed_name, resolve_device
from jaxgraph.summary.graph_def import to_graph_def

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "devices.json").read_text())


@pytest.mark.parametrize("text", list(FIXTURE["strings"]))
def test_device_strings_parse_as_tf1s(text):
    recorded = FIXTURE["strings"][text]
    if "error" in recorded:
        with pytest.raises(InvalidArgumentError) as info:
            jg.DeviceSpec.from_string(text)
        assert isinstance(info.value, ValueError) and info.value.message == recorded["message"]
        return
    spec = jg.DeviceSpec.from_string(text)
    assert spec.to_string() == str(spec) == recorded["to_string"]
    assert spec._asdict() == {
        k: recorded[k] for k in ("job", "replica", "task", "device_type", "device_index")
    }
    assert jg.DeviceSpec().parse_from_string(text) == spec


@pytest.mark.parametrize("case", FIXTURE["merges"], ids=lambda c: f"{c['outer']}+{c['inner']}")
def test_merged_specs_are_tf1s(case):
    outer, inner = jg.DeviceSpec.from_string(case["outer"]), jg.DeviceSpec.from_string(case["inner"])
    assert outer.make_merged_spec(inner).to_string() == case["merged"]
    assert outer.merge_from(inner).to_string() == case["merged"]


def matmul_on_gpu(op: jg.Operation) -> str | None:
    """The recording's device function: MatMul ops on /gpu:0, others keep their device."""
    return "/gpu:0" if op.type == "matmul" else op.device


@pytest.mark.parametrize("case", FIXTURE["nestings"], ids=lambda c: repr(c["scopes"]))
def test_nested_scopes_give_ops_tf1s_devices(case):
    with jg.Graph().as_default(), contextlib.ExitStack() as scopes:
        for scope in case["scopes"]:
            scopes.enter_context(jg.device(matmul_on_gpu if scope == "FUNCTION" else scope))
        a = jg.constant([[1.0]], name="a")
        product = jg.matmul(a, a, name="product")
    assert (a.op.device or "", product.op.device or "") == (case["const"], case["matmul"])


def test_a_device_spec_object_and_the_ir_text_carry_the_device():
    graph = jg.Graph()
    with (
        graph.as_default(),
        jg.device(jg.DeviceSpec(job="worker", task=1, device_type="CPU", device_index=0)),
    ):
        a = jg.constant(1.0, name="a")
    assert a.device == "/job:worker/task:1/device:CPU:0"
    assert '%a = constant() {value=tensor<f32[]>[1.0], dtype=f32} @"/job:worker/task:1/device:CPU:0"' in str(
        graph
    )
    assert jg.ir.parse(str(graph)).get_operation_by_name("a").device == a.device


def test_bad_device_arguments_raise_where_the_scope_is_made():
    with pytest.raises(InvalidArgumentError) as info:
        jg.device("/foo:1")
    assert info.value.message == FIXTURE["strings"]["/foo:1"]["message"]
    with pytest.raises(
        TypeError, match="device expects a device string, a DeviceSpec, a function or None, not <class 'int'>"
    ):
        jg.device(3)


def test_specs_map_to_this_processs_jax_devices():
    cpu = jax.devices("cpu")[0]
    for text in (
        "cpu",
        "/cpu:0",
        "/device:CPU:*",
        "/job:localhost/replica:0/task:0/device:CPU:0",
        "/job:worker/cpu:0",
    ):
        assert device_of_spec(jg.DeviceSpec.from_string(text)) is cpu, text
    for text in ("/cpu:99", "/task:1/cpu:0", "/replica:1/cpu:0", "/device:XLA_CPU:0"):
        assert device_of_spec(jg.DeviceSpec.from_string(text)) is None, text
    assert resolve_device("/job:localhost/replica:0/task:0/device:CPU:0") is cpu
    assert device_name(cpu) == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert placed_name("/cpu:0") == device_name(cpu)
    assert (
        placed_name("/job:worker/task:1/device:CPU:0") == "/job:worker/task:1/device:CPU:0"
    )  # absent: as given
    assert placed_name(None) == ""


def test_another_tasks_device_fails_without_soft_placement_and_runs_here_with_it():
    graph = jg.Graph()
    with graph.as_default():
        with jg.device("/job:worker/task:1/cpu:0"):
            pinned = jg.constant(2.0, name="pinned") * 3.0
        line = sys._getframe().f_lineno - 1
    available = ", ".join(device_name(d) for d in jax.devices())
    with (
        jg.Session(graph=graph, config=jg.ConfigProto()) as sess,
        pytest.raises(InvalidArgumentError) as info,
    ):
        sess.run(pinned)
    assert info.value.message == (
        f"Cannot assign a device for operation {info.value.op.name}: {{{{node {info.value.op.name}}}}} was "
        f"explicitly assigned to /job:worker/task:1/device:CPU:0 but available devices are [ {available} ]. "
        "Make sure the device specification refers to a valid device."
    )
    assert info.value.op.location.line == line
    with jg.Session(graph=graph, config=jg.ConfigProto(allow_soft_placement=True)) as sess:
        assert sess.run(pinned) == 6.0


def test_tensorboard_graph_shows_each_pinned_ops_full_device():
    graph = jg.Graph()
    with graph.as_default():
        free = jg.constant(1.0, name="free")
        with jg.device("/cpu:0"):
            here = jg.identity(free, name="here")
        with jg.device("/job:worker/task:1/gpu:3"):
            jg.identity(here, name="elsewhere")
    nodes = {node.name: node.device for node in to_graph_def(graph).node}
    assert nodes == {
        "free": "",
        "here": "/job:localhost/replica:0/task:0/device:CPU:0",
        "elsewhere": "/job:worker/task:1/device:GPU:3",
    }
