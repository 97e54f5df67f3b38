"""``graph.to_dot()``: Graphviz source with name-scope clusters, typed edges, dashed control
edges and sub-graph clusters."""

from __future__ import annotations

import jaxgraph as jg
from tests.summary.graphs import feature_graph


def test_small_graph_golden():
    g = jg.Graph()
    with g.as_default():
        x = jg.placeholder(jg.float32, (None, 2), name="x")
        with jg.name_scope("layer"):
            w = jg.Variable(jg.ones((2, 3)), name="w")
            y = jg.matmul(x, w)
        with jg.control_dependencies([y]):
            jg.identity(x, name="after")
    assert (
        g.to_dot(name="small")
        == r"""digraph "small" {
  rankdir=TB;
  node [style=rounded, fontname="Helvetica", fontsize=10];
  edge [fontname="Helvetica", fontsize=8];
  graph [style=rounded, fontname="Helvetica", fontsize=11];
  "x" [label="x\nplaceholder", shape=invhouse];
  "after" [label="after\nidentity", shape=box];
  subgraph "cluster_layer" {
    label="layer";
    "layer/ones" [label="ones\nfill", shape=box];
    "layer/w" [label="w\nvariable", shape=cylinder];
    "layer/MatMul" [label="MatMul\nmatmul", shape=box];
    subgraph "cluster_layer/w" {
      label="w";
      "layer/w/Assign" [label="Assign\nassign", shape=box];
      "layer/w/read" [label="read\nread", shape=box];
    }
  }
  "layer/w" -> "layer/w/Assign" [label="ref<f32[2,3]>"];
  "layer/ones" -> "layer/w/Assign" [label="f32[2,3]"];
  "layer/w" -> "layer/w/read" [label="ref<f32[2,3]>"];
  "x" -> "layer/MatMul" [label="f32[?,2]"];
  "layer/w/read" -> "layer/MatMul" [label="f32[2,3]"];
  "x" -> "after" [label="f32[?,2]"];
  "layer/MatMul" -> "after" [style=dashed];
}
"""
    )


def test_second_outputs_devices_and_sub_graphs():
    lines = feature_graph().to_dot().splitlines()
    assert '  "moved" [label="moved\\ntranspose\\n@/device:CPU:*", shape=box];' in lines
    assert '  "Split" -> "moved" [label=":1 f32[?,2]"];' in lines
    assert '  "Split" -> "moved" [style=dashed];' in lines
    then = lines.index('    subgraph "cluster_branch/then_branch" {')
    assert lines[then - 2 : then] == ['  subgraph "cluster_branch" {', '    label="branch";']
    assert '      "branch/then_branch/Mul" [label="Mul\\nmul", shape=box];' in lines
    assert '  "branch/then_branch/capture/moved" -> "branch/then_branch/Mul" [label="f32[2,?]"];' in lines
