"""The real TensorBoard: its server reads our event files (graphs and scalars plugins over HTTP),
and a real browser (Playwright driving Debian's chromium) shows the graph.

``JAXGRAPH_UPDATE_DOCS=1`` makes the browser tests write their screenshots (the digits MLP graph,
``docs/tensorboard_graph.png``; Inception-v3's, ``docs/inception_graph.png``) into docs/
(otherwise to a temporary folder).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from google.protobuf import text_format
from tensorboard.compat.proto import graph_pb2

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--no-first-run", "--mute-audio"]  # fmt: skip
DOCS = Path(__file__).resolve().parents[2] / "docs"
RUNS = ("digits", "features", "inception")
STARTUP_SECONDS = 60
BROWSER_TIMEOUT_MS = 30_000


class Board(NamedTuple):
    url: str
    losses: list[float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def _wait_until_loaded(url: str, process: subprocess.Popen, log: Path) -> None:
    """Polls until every run's graph is loaded (bounded; fails with the server's log)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"tensorboard exited with {process.returncode}:\n{log.read_text()}")
        try:
            info = json.loads(_get(f"{url}/data/plugin/graphs/info"))
            if all(info.get(run, {}).get("run_graph") for run in RUNS):
                return
        except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"tensorboard did not load the runs in {STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def board(logs):
    """A tensorboard server on 127.0.0.1 over the session's runs (``RUNS``, see conftest.py);
    always killed afterwards."""
    port = _free_port()
    log = logs.root.parent / "tensorboard.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", str(logs.root), "--host", "127.0.0.1",
             "--port", str(port), "--load_fast=false", "--reload_interval=0"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_loaded(url, process, log)
        yield Board(url, logs.losses)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _graph_def(board: Board, run: str) -> dict[str, object]:
    graph_def = text_format.Parse(
        _get(f"{board.url}/data/plugin/graphs/graph?run={run}"), graph_pb2.GraphDef()
    )
    return {node.name: node for node in graph_def.node}


def test_scalars_plugin_serves_the_losses(board):
    points = json.loads(_get(f"{board.url}/data/plugin/scalars/scalars?run=digits&tag=loss"))
    assert [step for _, step, _ in points] == list(range(len(board.losses)))
    np.testing.assert_allclose([value for _, _, value in points], board.losses, rtol=1e-6)


def test_graphs_plugin_serves_names_op_types_and_inputs(board):
    digits = _graph_def(board, "digits")
    assert digits["hidden1/kernel"].op == "variable"
    assert digits["hidden1/MatMul"].op == "matmul"
    assert list(digits["hidden1/MatMul"].input) == ["x", "hidden1/kernel/read"]
    assert list(digits["hidden1/Relu"].input) == ["hidden1/Add"]
    assert "^hidden1/kernel/Assign" in digits["init"].input
    assert digits["loss"].op == "scalar_summary"
    features = _graph_def(board, "features")
    assert list(features["moved"].input) == ["Split:1", "^Split"]
    assert features["branch/then_branch/Mul"].op == "mul"


def test_graphs_plugin_serves_inceptions_scoped_ops(board):
    nodes = _graph_def(board, "inception")
    scope = "InceptionV3/Mixed_5b/Branch_1"
    conv = nodes[f"{scope}/Conv2d_0b_5x5/Conv2D"]
    assert conv.op == "conv2d"
    assert list(conv.input) == [f"{scope}/Conv2d_0a_1x1/Relu", f"{scope}/Conv2d_0b_5x5/weights/read"]
    assert nodes[f"{scope}/Conv2d_0b_5x5/BatchNorm/FusedBatchNormV3"].op == "fused_batch_norm"


def screenshot_graph(board: Board, run: str, scopes: list[str], path: Path) -> list[str]:
    """Opens the Graphs dashboard for ``run`` in chromium, expands the name scopes ``scopes`` in
    turn by double-click, saves a screenshot to ``path`` and returns the node names shown inside
    the last one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=BROWSER_TIMEOUT_MS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith(board.url) else route.abort(),
            )
            page.goto(f"{board.url}/#graphs")
            page.locator("paper-dropdown-menu").first.click()  # the "Run" menu (the URL's run= is ignored)
            page.locator("paper-item", has_text=run).first.click()
            for scope in scopes:
                page.wait_for_selector(f'g.node[data-name="{scope}"]')
                page.dblclick(f'g.node[data-name="{scope}"]')
                page.wait_for_selector(f'g.node[data-name^="{scope}/"]')
                page.get_by_text("Fit to screen").click()  # brings the next scope into the viewport
                page.wait_for_timeout(1000)  # let the fit animation settle (before a click or the screenshot)
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path))
            names = page.eval_on_selector_all(
                "g.node", "nodes => nodes.map(n => n.getAttribute('data-name'))"
            )
        finally:
            browser.close()
    return [name for name in names if name.startswith(f"{scopes[-1]}/")]


def _screenshot_path(name: str, tmp_path: Path) -> Path:
    return DOCS / name if os.environ.get("JAXGRAPH_UPDATE_DOCS") == "1" else tmp_path / name


def test_browser_expands_a_scope_and_finds_its_ops(board, tmp_path):
    path = _screenshot_path("tensorboard_graph.png", tmp_path)
    inside = screenshot_graph(board, "digits", ["hidden1"], path)
    assert {"hidden1/kernel", "hidden1/bias", "hidden1/MatMul", "hidden1/Add", "hidden1/Relu"} <= set(inside)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_browser_shows_inceptions_blocks_and_branches(board, tmp_path):
    path = _screenshot_path("inception_graph.png", tmp_path)
    inside = screenshot_graph(board, "inception", ["InceptionV3", "InceptionV3/Mixed_5b"], path)
    branches = {f"InceptionV3/Mixed_5b/Branch_{i}" for i in range(4)}
    assert branches <= set(inside)
    assert path.read_bytes().startswith(b"\x89PNG")
