"""What the record_*_reference.py scripts share: loading a tests/ case module (a file of
functions that take the ``tf`` module to use, run by the tests with jaxgraph and by the
recording script with TensorFlow) and writing its fixture."""

import importlib.util
import json
import pathlib
from types import ModuleType

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests"


def load_cases(relative_path: str) -> ModuleType:
    """Imports ``tests/<relative_path>`` without importing the ``tests`` package."""
    path = TESTS / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_fixture(relative_path: str, tf_version: str, **results: object) -> None:
    """Writes ``results`` (and the TensorFlow version that produced them) as JSON under tests/."""
    out = TESTS / relative_path
    out.parent.mkdir(parents=True, exist_ok=True)
    recorded = {"_recorded_with": f"tensorflow {tf_version} (compat.v1)", **results}
    out.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    print("wrote", out)
