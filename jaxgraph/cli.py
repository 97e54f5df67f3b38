"""The ``jaxgraph`` command: ``jaxgraph demo`` runs the walkthrough example."""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jaxgraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the walkthrough example (examples/demo.py)")
    demo.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the example")
    options = parser.parse_args(argv)
    if options.command == "demo":
        script = Path(__file__).resolve().parent.parent / "examples" / "demo.py"
        sys.argv = [str(script), *options.args]
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
