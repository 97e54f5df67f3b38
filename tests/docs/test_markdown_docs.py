"""Checks of the documentation itself; conftest.py adds every Python code block as a test."""

from __future__ import annotations

import re

import pytest

from tests.docs.conftest import ROOT, documentation_files

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", documentation_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(page):
    """Every relative link of a page names a file or folder of the repository."""
    targets = [t for t in LINK.findall(page.read_text("utf8")) if "://" not in t]
    missing = [t for t in targets if not (page.parent / t).exists()]
    assert missing == []
