"""The public namespace is documented: every public function and class has a docstring, and
pdoc builds the HTML API reference (scripts/build_api_docs.py) from them."""

from __future__ import annotations

import importlib.util
import inspect
import warnings
from pathlib import Path
from types import ModuleType

import jaxgraph

ROOT = Path(__file__).resolve().parent.parent

# The modules users reach through ``import jaxgraph as jg``: jg, jg.nn, jg.train, ...
PUBLIC_MODULES = {
    "jaxgraph": jaxgraph,
    "jaxgraph.nn": jaxgraph.nn,
    "jaxgraph.nn.rnn_cell": jaxgraph.nn.rnn_cell,
    "jaxgraph.contrib.rnn": jaxgraph.contrib.rnn,
    "jaxgraph.contrib.layers": jaxgraph.contrib.layers,
    "jaxgraph.train": jaxgraph.train,
    "jaxgraph.summary": jaxgraph.summary,
    "jaxgraph.errors": jaxgraph.errors,
    "jaxgraph.debugging": jaxgraph.debugging,
    "jaxgraph.strings": jaxgraph.strings,
}


def load_script(name: str) -> ModuleType:
    """The module of ``scripts/<name>.py`` (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def own_docstring(obj: object) -> str:
    """``obj``'s own docstring: a class does not count its base class's."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__
    return (doc or "").strip()


def public_callables(module: ModuleType) -> dict[str, object]:
    """The public functions and classes of ``module`` that jaxgraph defines (``dir()`` plus
    ``__all__``, without underscores; constants, dtypes, modules and typing helpers left out)."""
    names = set(dir(module)) | set(getattr(module, "__all__", ()))
    found = {}
    for name in sorted(n for n in names if not n.startswith("_")):
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("jaxgraph"):
            found[name] = obj
    return found


def test_every_public_function_and_class_has_a_docstring():
    missing = [
        f"{module_name}.{name}"
        for module_name, module in PUBLIC_MODULES.items()
        for name, obj in public_callables(module).items()
        if not own_docstring(obj)
    ]
    assert missing == [], f"public names without a docstring: {', '.join(missing)}"


def mentions_tf1(doc: str) -> bool:
    """Whether a docstring names TF1's counterpart (``tf.x``) or says how the name relates to TF1."""
    return "TF1" in doc or "tf." in doc


def test_every_public_docstring_notes_its_tf1_counterpart():
    # "TF1's ``tf.nn.relu``.", or for jaxgraph's own names "TF1 has no counterpart" / the closest TF1 API.
    missing = [
        f"{module_name}.{name}"
        for module_name, module in PUBLIC_MODULES.items()
        for name, obj in public_callables(module).items()
        if not mentions_tf1(own_docstring(obj))
    ]
    assert missing == [], f"public docstrings that mention neither TF1 nor tf.: {', '.join(missing)}"


def test_mentions_tf1_needs_tf1_or_a_tf_name():
    assert mentions_tf1("Elementwise ``relu``; TF1's ``tf.nn.relu``.")
    assert mentions_tf1("jaxgraph's own; TF1 has no counterpart.")
    assert mentions_tf1("Like ``tf.gradients``.")
    assert not mentions_tf1("Elementwise ``relu``.")
    assert not mentions_tf1("")


def test_the_check_sees_the_public_namespace():
    names = public_callables(jaxgraph)
    assert {"placeholder", "Session", "zeros_initializer", "gradients"} <= set(names)
    assert "float32" not in names and "nn" not in names  # a dtype and a module are not checked
    assert "FileWriter" in public_callables(jaxgraph.summary)  # lazily imported, named in __all__


def test_own_docstring_ignores_an_inherited_one():
    class Documented:
        """Documented."""

    class Undocumented(Documented):
        pass

    assert own_docstring(Documented) == "Documented."
    assert own_docstring(Undocumented) == ""


def test_pdoc_builds_the_api_reference(tmp_path):
    build_api_docs = load_script("build_api_docs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pdoc's notes on unresolvable annotations
        top = build_api_docs.build(tmp_path)
    assert top == tmp_path / "jaxgraph.html"
    assert "TensorFlow 1" in top.read_text("utf8")
    pages = ["nn", "train", "summary", "errors", "debugging", "tracer", "ops/math"]
    assert [p for p in pages if not (tmp_path / "jaxgraph" / f"{p}.html").is_file()] == []
    tracer = (tmp_path / "jaxgraph" / "tracer.html").read_text("utf8")  # lists its __all__
    assert "tf.zeros_initializer" in tracer
