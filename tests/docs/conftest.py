"""Runs every Python code block of README.md and docs/*.md as a test (pytest-markdown-docs).

The plugin collects Markdown files only when they are named on the command line with
``--markdown-docs``; the README's test command is ``python -m pytest tests``, so this conftest
hands the plugin's Markdown collector the documentation files when pytest collects
``test_markdown_docs.py``. The collectors' parent is this directory, so the suite's fixtures
(a fresh default graph, the IR verifier) and the ones below apply to each code block.
A block that starts ```` ```python continuation ```` runs after the block before it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_markdown_docs.plugin import MarkdownTextFile

ROOT = Path(__file__).resolve().parents[2]
TRIGGER = Path(__file__).with_name("test_markdown_docs.py")


def documentation_files() -> list[Path]:
    """The Markdown files whose code blocks are tests: the README and the pages in docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


class Documentation(pytest.Collector):
    """The documentation files, each collected by pytest-markdown-docs' Markdown collector."""

    def collect(self) -> list[MarkdownTextFile]:
        return [MarkdownTextFile.from_parent(self, path=path) for path in documentation_files()]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Documentation | None:
    """Collects the documentation's code blocks when pytest collects ``test_markdown_docs.py``."""
    if Path(file_path) == TRIGGER:
        return Documentation.from_parent(parent, name="documentation")
    return None


@pytest.fixture(autouse=True)
def run_in_temp_dir(tmp_path, monkeypatch):
    """Each code block runs in its own empty directory, so files it writes land there."""
    monkeypatch.chdir(tmp_path)
