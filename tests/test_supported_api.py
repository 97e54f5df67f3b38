"""docs/supported_api.md is what scripts/supported_api.py generates from the code today."""

from __future__ import annotations

import pytest

from tests.test_public_api import ROOT, load_script

supported_api = load_script("supported_api")


def test_the_committed_table_is_current():
    committed = (ROOT / "docs" / "supported_api.md").read_text("utf8")
    assert committed == supported_api.render(), (
        "docs/supported_api.md is stale: run python scripts/supported_api.py"
    )


def test_every_reason_pattern_explains_some_unsupported_name():
    _, modules = supported_api.load_tf1_names()
    unsupported = [
        (tf_module, name)
        for tf_module, names in modules.items()
        for name, status, _ in supported_api.module_rows(tf_module, names)
        if status == "not supported"
    ]
    unused = [
        pattern
        for pattern in supported_api.REASONS
        if not any(supported_api.pattern_matches(pattern, m, n) for m, n in unsupported)
    ]
    assert unused == []


def test_statuses_follow_the_jaxgraph_namespace():
    rows = {
        name: (status, note)
        for name, status, note in supported_api.module_rows(
            "tf", ["placeholder", "check_numerics", "py_func", "zeta"]
        )
    }
    assert rows == {
        "placeholder": ("supported", ""),
        "check_numerics": ("alias", "``jaxgraph.debugging.check_numerics``"),
        "py_func": ("not supported", "runs Python inside the graph: not planned (a run is one XLA program)"),
        "zeta": ("not supported", "not yet"),
    }


def test_a_wildcard_stays_in_its_module():
    assert supported_api.pattern_matches("tf.*Queue*", "tf", "FIFOQueue")
    assert not supported_api.pattern_matches("tf.*Queue*", "tf.train", "QueueRunner")


def test_an_alias_to_a_missing_name_is_an_error(monkeypatch):
    monkeypatch.setitem(supported_api.ALIASES, "tf.zeta", "no_such_function")
    with pytest.raises(AttributeError, match="no_such_function"):
        supported_api.classify("tf", "zeta", set())


def test_an_alias_of_a_supported_name_is_an_error(monkeypatch):
    monkeypatch.setitem(supported_api.ALIASES, "tf.placeholder", "placeholder")
    with pytest.raises(
        ValueError, match=r"^tf.placeholder is supported under its own name: remove it from ALIASES$"
    ):
        supported_api.classify("tf", "placeholder", {"placeholder"})
