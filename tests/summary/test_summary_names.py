"""Summary names TF1 rewrites (``W1:0`` -> ``W1_0``), against its recorded tags and log messages
(tests/summary/fixtures/summary_names.json, recorded by scripts/record_summary_names.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import jaxgraph as jg

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "summary_names.json").read_text())


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: f"{c['kind']}-{c['name']!r}")
def test_summary_names_are_cleaned_as_tf1_does(case, caplog):
    caplog.set_level(logging.INFO, logger="jaxgraph")
    with jg.Graph().as_default():
        value = jg.constant(1.0) if case["kind"] == "scalar" else jg.constant([1.0, 2.0])
        build = getattr(jg.summary, case["kind"])
        first, second = build(case["name"], value), build(case["name"], value)
    assert (list(first), list(second)) == ([case["tag"]], [case["second tag"]])
    records = [r for r in caplog.records if r.name == "jaxgraph"]
    assert [r.getMessage() for r in records] == case["logs"]
    assert sorted({r.levelname for r in records}) == case["levels"]


def test_a_cleaned_name_still_has_to_be_an_op_name():
    with jg.Graph().as_default(), pytest.raises(jg.errors.InvalidArgumentError) as info:
        jg.summary.scalar("é", jg.constant(1.0))  # a word character, kept (TF1 refuses it too)
    assert info.value.message == "'é' is not a valid op name: use letters, digits and _ . / -"
