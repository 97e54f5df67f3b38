"""Records real TensorFlow's results for the TF1-style programs in tests/tf1_programs/.

Each program is run unchanged except for its one ``import jaxgraph as tf`` line, which becomes
``import tensorflow.compat.v1 as tf`` (with v2 behaviour disabled). The program leaves its
results in a ``results`` dict; they are written to tests/tf1_programs/tf1_reference.json, which
tests/test_tf1_programs.py compares jaxgraph's results with. Needs TensorFlow, tf-keras and
scikit-learn in a scratch venv (never a jaxgraph dependency):

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras scikit-learn
    /tmp/tfvenv/bin/python scripts/record_tf1_programs.py
"""

import json
import os
import pathlib
import sys
from types import SimpleNamespace

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF1's rnn cells need Keras 2
import tensorflow.compat.v1 as tf1  # noqa: E402

tf1.disable_v2_behavior()
# TF 2.x dropped tf.contrib; these are the names TF 1.15's tf.contrib.rnn aliased.
tf1.contrib = SimpleNamespace(
    rnn=SimpleNamespace(BasicLSTMCell=tf1.nn.rnn_cell.BasicLSTMCell, static_rnn=tf1.nn.static_rnn)
)

PROGRAMS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "tf1_programs"
JAXGRAPH_IMPORT = "import jaxgraph as tf\n"


def run_with_tensorflow(path: pathlib.Path) -> dict:
    """Runs one program with TensorFlow in place of jaxgraph and returns its ``results``."""
    source = path.read_text()
    assert source.count(JAXGRAPH_IMPORT) == 1, f"{path.name} must import jaxgraph as tf once"
    source = source.replace(JAXGRAPH_IMPORT, "import tensorflow.compat.v1 as tf\n")
    tf1.reset_default_graph()
    scope = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(source, str(path), "exec"), scope)
    return scope["results"]


def as_json(value):
    """A result as JSON: text as-is, bytes tagged, anything else as dtype and nested lists."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return {"bytes": value.decode()}
    array = np.asarray(value)
    return {"dtype": str(array.dtype), "value": array.tolist()}


def main() -> None:
    names = sys.argv[1:] or sorted(p.stem for p in PROGRAMS.glob("*.py"))
    out_path = PROGRAMS / "tf1_reference.json"
    recorded = json.loads(out_path.read_text()) if out_path.exists() else {}
    recorded["_recorded_with"] = f"tensorflow {tf1.VERSION} (compat.v1)"
    for name in names:
        results = run_with_tensorflow(PROGRAMS / f"{name}.py")
        recorded[name] = {key: as_json(value) for key, value in results.items()}
        print("recorded", name)
    out_path.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
