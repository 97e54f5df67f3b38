"""Build jaxgraph's HTML API reference from its docstrings with pdoc.

    pip install -e '.[test]'             # pdoc is in the test extra
    python scripts/build_api_docs.py     # writes docs/api/ (open docs/api/index.html)
    python scripts/build_api_docs.py OUT # writes OUT/ instead

The HTML is generated, not committed: docs/api/ is in .gitignore. ``tests/test_public_api.py``
builds it into a temporary folder, so a docstring pdoc cannot render fails the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pdoc
import pdoc.render

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "api"


def build(output_dir: Path) -> Path:
    """Write the HTML pages of ``jaxgraph`` and its submodules to ``output_dir``; returns the
    top page. Docstrings are reStructuredText (``code``), as in the rest of the project."""
    pdoc.render.configure(docformat="restructuredtext", footer_text="jaxgraph API reference")
    pdoc.pdoc("jaxgraph", output_directory=output_dir)
    return output_dir / "jaxgraph.html"


def main(argv: list[str]) -> int:
    """``build`` into ``argv[0]`` or docs/api/."""
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    print(f"wrote {build(output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
