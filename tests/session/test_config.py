"""``ConfigProto`` & co. against TF1's recorded protobuf behaviour (tests/session/fixtures/
config.json, recorded by scripts/record_session_config.py), and what a Session does with them."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxgraph as jg
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.session import config as config_module

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "config.json").read_text())
NAMES = {"ConfigProto": jg.ConfigProto, "GPUOptions": jg.GPUOptions, "RunOptions": jg.RunOptions}


def evaluate(source: str) -> object:
    return eval(source, dict(NAMES))  # noqa: S307 - the fixture's literal sources


@pytest.mark.parametrize("name", FIXTURE["errors"])
def test_bad_fields_raise_as_protobuf_does(name):
    case = FIXTURE["errors"][name]
    with pytest.raises(Exception) as info:
        evaluate(case["source"])
    assert type(info.value).__name__ == case["error"]
    expected = case["message"].replace("tensorflow.core.protobuf.config_pb2", "jaxgraph.session.config")
    assert str(info.value) == expected


@pytest.mark.parametrize("name", FIXTURE["texts"])
def test_text_format_is_protobufs(name):
    case = FIXTURE["texts"][name]
    if case["source"] is None:  # attribute style
        config = jg.ConfigProto()
        config.gpu_options.allow_growth = True
        config.device_count["GPU"] = 0
    else:
        config = evaluate(case["source"])
    assert str(config) == case["text"]


def test_fields_read_back_with_their_defaults():
    config = jg.ConfigProto(allow_soft_placement=2)
    assert config.allow_soft_placement is True and config.log_device_placement is False
    assert config.intra_op_parallelism_threads == 0 and config.device_count == {}
    assert config.gpu_options.per_process_gpu_memory_fraction == 0.0
    assert jg.RunOptions.FULL_TRACE == 3 and str(jg.RunMetadata()) == ""


def test_fields_tf1_has_but_jaxgraph_does_not_are_named():
    with pytest.raises(ValueError) as info:
        jg.ConfigProto(graph_options=None)
    assert str(info.value) == (
        'ConfigProto field "graph_options" is not supported by jaxgraph (see jaxgraph.session.config)'
    )


def product_graph() -> tuple[jg.Graph, jg.Tensor]:
    g = jg.Graph()
    with g.as_default():
        a = jg.constant([[1.0, 2.0]], name="a")
        b = jg.constant([[1.0], [2.0]], name="b")
        product = jg.matmul(a, b, name="product")
    return g, product


def test_log_device_placement_prints_tf1s_lines(capsys):
    g, product = product_graph()
    with jg.Session(graph=g, config=jg.ConfigProto(log_device_placement=True)) as sess:
        assert sess.run(product).tolist() == [[5.0]]
        sess.run(product)  # compiled once: printed once
    lines = capsys.readouterr().out.splitlines()
    device = config_module.device_name(jax.devices()[0])
    assert lines == [f"a: (constant): {device}", f"b: (constant): {device}", f"product: (matmul): {device}"]
    recorded = FIXTURE["placement"]["log_device_placement"]  # TF1's types are its own (Const, MatMul)
    assert [line.split(": ")[::2] for line in recorded] == [line.split(": ")[::2] for line in lines]


def test_log_device_placement_shows_string_ops_on_the_host(capsys):
    x = jg.placeholder(jg.float32, (2,), name="x")
    text = jg.as_string(x, name="text")
    with jg.Session(config=jg.ConfigProto(log_device_placement=True), device="cpu") as sess:
        sess.run(text, {x: np.ones(2, np.float32)})
    assert capsys.readouterr().out.splitlines() == [
        "x: (placeholder): /job:localhost/replica:0/task:0/device:CPU:0",
        "text: (as_string): /job:localhost/replica:0/task:0/device:CPU:0",
    ]


def pinned_graph(device: str) -> tuple[jg.Graph, jg.Tensor]:
    g, product = product_graph()
    with g.as_default(), jg.device(device):
        pinned = jg.identity(product, name="pinned")
    return g, pinned


def test_pins_to_absent_devices_fail_without_soft_placement():
    g, pinned = pinned_graph("/cpu:99")  # absent on every machine (TF1's recording pinned to an absent GPU)
    with jg.Session(graph=g, config=jg.ConfigProto()) as sess, pytest.raises(InvalidArgumentError) as info:
        sess.run(pinned)
    available = ", ".join(config_module.device_name(d) for d in jax.devices())
    recorded = FIXTURE["placement"]["hard placement"]
    assert info.value.message == recorded.replace(
        "/job:localhost/replica:0/task:0/device:CPU:0", available
    ).replace("/device:GPU:0", "/device:CPU:99")
    assert info.value.op is pinned.op
    with jg.Session(graph=g, config=jg.ConfigProto(allow_soft_placement=True)) as sess:
        assert sess.run(pinned).tolist() == [[5.0]]
    with jg.Session(graph=g) as sess:  # no config: pins are annotations, as before
        assert sess.run(pinned).tolist() == [[5.0]]


def test_pins_to_present_devices_pass():
    g, pinned = pinned_graph("/device:CPU:0")
    with jg.Session(graph=g, config=jg.ConfigProto()) as sess:
        assert sess.run(pinned).tolist() == [[5.0]]


def test_device_count_without_gpus_runs_on_the_cpu():
    g, product = product_graph()
    with jg.Session(graph=g, config=jg.ConfigProto(device_count={"GPU": 0})) as sess:
        assert sess.device.platform == "cpu"
        assert sess.run(product).tolist() == [[5.0]]
    interactive = jg.InteractiveSession(graph=g, config=jg.ConfigProto(device_count={"GPU": 0}))
    try:
        assert interactive.device.platform == "cpu" and product.eval().tolist() == [[5.0]]
    finally:
        interactive.close()


def test_config_must_be_a_config_proto():
    with pytest.raises(TypeError) as info:
        jg.Session(config={"allow_soft_placement": True})
    assert str(info.value) == "config must be a jg.ConfigProto, but got <class 'dict'>"


def test_run_options_and_metadata_are_accepted():
    g, product = product_graph()
    with jg.Session(graph=g) as sess:
        options, metadata = jg.RunOptions(trace_level=jg.RunOptions.FULL_TRACE), jg.RunMetadata()
        assert sess.run(product, options=options, run_metadata=metadata).tolist() == [[5.0]]


def test_gpu_options_set_jax_memory_variables_before_jax_starts(monkeypatch):
    monkeypatch.setattr(config_module, "_backends_started", lambda: False)
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    monkeypatch.setenv("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.9")  # the environment wins
    options = jg.GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=0.4)
    jg.Session(config=jg.ConfigProto(gpu_options=options)).close()
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert os.environ["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.9"


def test_gpu_options_after_jax_started_warn_once_on_a_gpu(monkeypatch):
    monkeypatch.setattr(config_module, "_backends_started", lambda: True)
    monkeypatch.setattr(config_module, "_warned_gpu_options", False)
    has_gpu = any(d.platform == "gpu" for d in jax.devices())
    config = jg.ConfigProto(gpu_options=jg.GPUOptions(per_process_gpu_memory_fraction=0.4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jg.Session(config=config).close()
        jg.Session(config=config).close()
    expected = [
        "ConfigProto.gpu_options cannot take effect: JAX's GPU backend has started already and reads "
        "its memory settings only when it starts; set XLA_PYTHON_CLIENT_MEM_FRACTION=0.4 in the "
        "environment before the first JAX computation"
    ]
    assert [str(w.message) for w in caught] == (expected if has_gpu else [])  # no GPU: nothing to set
