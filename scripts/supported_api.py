"""Write ``docs/supported_api.md``: which of TF1's graph-mode API names jaxgraph supports.

    python scripts/supported_api.py          # rewrite docs/supported_api.md
    python scripts/supported_api.py --check  # exit 1 if the file is out of date

TF1's names come from ``scripts/tf1_api_names.json`` (recorded from ``tf.compat.v1`` by
``scripts/record_tf1_api.py``). Each name of a TF1 module is looked up in the jaxgraph module of
``MODULES`` and marked

- **supported**: the same name exists there;
- **alias**: it exists under another jaxgraph name (``ALIASES``);
- **not supported**: neither; the note is the reason of the first ``REASONS`` pattern that
  matches (``tf.module.name_pattern``: the module exactly, the name by ``fnmatch``), else
  ``DEFAULT_REASON``.

``tests/test_supported_api.py`` regenerates the table in memory and fails when the committed
file differs, so it cannot go stale.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
NAMES_FILE = ROOT / "scripts" / "tf1_api_names.json"
OUTPUT = ROOT / "docs" / "supported_api.md"

# TF1 module -> the jaxgraph module that mirrors it (None: jaxgraph has no such module).
MODULES: dict[str, str | None] = {
    "tf": "jaxgraph",
    "tf.nn": "jaxgraph.nn",
    "tf.nn.rnn_cell": "jaxgraph.nn.rnn_cell",
    "tf.train": "jaxgraph.train",
    "tf.layers": "jaxgraph.layers",
    "tf.losses": "jaxgraph.losses",
    "tf.metrics": "jaxgraph.metrics",
    "tf.summary": "jaxgraph.summary",
    "tf.errors": "jaxgraph.errors",
    "tf.initializers": None,
    "tf.random": "jaxgraph.random",
    "tf.app": "jaxgraph.app",
    "tf.flags": "jaxgraph.flags",
    "tf.logging": "jaxgraph.logging",
    "tf.gfile": "jaxgraph.gfile",
    "tf.io.gfile": "jaxgraph.io.gfile",
    "tf.math": "jaxgraph.math",
    "tf.data": "jaxgraph.data",
    "tf.image": "jaxgraph.image",
}

# TF1 name -> the jaxgraph name that does the same (attribute path below ``jaxgraph``).
ALIASES: dict[str, str] = {
    "tf.OpError": "errors.OpError",
    "tf.check_numerics": "debugging.check_numerics",
    "tf.initializers.constant": "constant_initializer",
    "tf.initializers.global_variables": "global_variables_initializer",
    "tf.initializers.glorot_uniform": "glorot_uniform_initializer",
    "tf.initializers.ones": "ones_initializer",
    "tf.initializers.random_normal": "random_normal_initializer",
    "tf.initializers.random_uniform": "random_uniform_initializer",
    "tf.initializers.truncated_normal": "truncated_normal_initializer",
    "tf.initializers.variables": "variables_initializer",
    "tf.initializers.zeros": "zeros_initializer",
}

DEFAULT_REASON = "not yet"
_PROTOS = "TensorFlow protobuf: not planned"
_QUEUES = "queue-based input pipelines: not planned (feed NumPy arrays)"
_STRINGS = "string ops beyond as_string and string_join: not yet (strings run on the host)"
_EXAMPLES = "tf.Example protos: not planned"
_SPARSE = "sparse tensors: not planned"
_TF2 = "eager / TF2 switch: not applicable (jaxgraph is graph-only)"
_CONV = "not yet (docs/convolutions.md lists the convolutions and pools that exist)"
_DISTRIBUTED = "TF1's servers and parameter servers: not planned (jg.distribute runs one program on JAX's multi-process runtime: docs/distributed.md)"
_HOOKS = "not yet (MonitoredTrainingSession and the standard hooks are supported: docs/distributed.md)"
_QUANTIZED = "quantized types: not planned"
_COMPLEX = "complex dtypes: not yet"
_ERROR_CODES = "numeric error codes: not yet (jaxgraph raises the exception classes)"

# Why a TF1 name is not supported: ``tf.module.name_pattern`` -> reason (see ``pattern_matches``);
# the first matching pattern wins, so specific patterns come before general ones.
REASONS: dict[str, str] = {
    # tf.data / tf.image
    "tf.data.*RecordDataset": "file-reading datasets: not yet (read files in a generator)",
    "tf.data.TextLineDataset": "file-reading datasets: not yet (read files in a generator)",
    "tf.image.decode_*": "image codecs: not planned (decode with PIL or similar in a generator)",
    "tf.image.encode_*": "image codecs: not planned (decode with PIL or similar in a generator)",
    "tf.image.*jpeg*": "image codecs: not planned (decode with PIL or similar in a generator)",
    # tf
    "tf.COMPILER_VERSION": "TensorFlow build information: not applicable",
    "tf.CXX*": "TensorFlow build information: not applicable",
    "tf.GIT_VERSION": "TensorFlow build information: not applicable",
    "tf.GRAPH_DEF_VERSION*": "TensorFlow build information: not applicable",
    "tf.MONOLITHIC_BUILD": "TensorFlow build information: not applicable",
    "tf.VERSION": "TensorFlow build information: not applicable",
    "tf.AttrValue": _PROTOS,
    "tf.Event": _PROTOS,
    "tf.GraphDef": _PROTOS,
    "tf.GraphOptions": _PROTOS,
    "tf.HistogramProto": _PROTOS,
    "tf.LogMessage": _PROTOS,
    "tf.MetaGraphDef": _PROTOS,
    "tf.NameAttrList": _PROTOS,
    "tf.NodeDef": _PROTOS,
    "tf.OptimizerOptions": _PROTOS,
    "tf.SessionLog": _PROTOS,
    "tf.Summary": _PROTOS,
    "tf.SummaryMetadata": _PROTOS,
    "tf.TensorInfo": _PROTOS,
    "tf.make_ndarray": _PROTOS,
    "tf.make_tensor_proto": _PROTOS,
    "tf.ConditionalAccumulator*": _QUEUES,
    "tf.*Queue*": _QUEUES,
    "tf.*Reader*": _QUEUES,
    "tf.matching_files": _QUEUES,
    "tf.FixedLen*Feature": _EXAMPLES,
    "tf.SparseFeature": _EXAMPLES,
    "tf.VarLenFeature": _EXAMPLES,
    "tf.parse_*": _EXAMPLES,
    "tf.decode_json_example": _EXAMPLES,
    "tf.decode_*": _STRINGS,
    "tf.encode_base64": _STRINGS,
    "tf.fingerprint": _STRINGS,
    "tf.read_file": _STRINGS,
    "tf.write_file": _STRINGS,
    "tf.reduce_join": _STRINGS,
    "tf.regex_replace": _STRINGS,
    "tf.serialize_tensor": _STRINGS,
    "tf.string*": _STRINGS,
    "tf.substr": _STRINGS,
    "tf.initialize_all_tables": "lookup tables: needs strings",
    "tf.*sparse*": _SPARSE,
    "tf.Sparse*": _SPARSE,
    "tf.IndexedSlices*": "IndexedSlices: not planned (gradients are dense)",
    "tf.convert_to_tensor_or_indexed_slices": "IndexedSlices: not planned (gradients are dense)",
    "tf.Ragged*": "ragged tensors: not planned",
    "tf.ragged_*": "ragged tensors: not planned",
    "tf.enable_*": _TF2,
    "tf.disable_*": _TF2,
    "tf.executing_eagerly*": _TF2,
    "tf.control_flow_v2_enabled": _TF2,
    "tf.resource_variables_enabled": _TF2,
    "tf.init_scope": _TF2,
    "tf.wrap_function": _TF2,
    "tf.GradientTape": "eager-only (use jg.gradients)",
    "tf.Module": "TF2 object API: not planned",
    "tf.NoneTensorSpec": "TF2 type specs: not planned",
    "tf.OptionalSpec": "TF2 type specs: not planned",
    "tf.TensorArraySpec": "TF2 type specs: not planned",
    "tf.TypeSpec": "TF2 type specs: not planned",
    "tf.type_spec_from_value": "TF2 type specs: not planned",
    "tf.py_func": "runs Python inside the graph: not planned (a run is one XLA program)",
    "tf.py_function": "runs Python inside the graph: not planned (a run is one XLA program)",
    "tf.numpy_function": "runs Python inside the graph: not planned (a run is one XLA program)",
    "tf.load_*": "custom C++ kernels: not planned",
    "tf.qint*": _QUANTIZED,
    "tf.quint*": _QUANTIZED,
    "tf.QUANTIZED_DTYPES": _QUANTIZED,
    "tf.*quantize*": _QUANTIZED,
    "tf.fake_quant_*": _QUANTIZED,
    "tf.complex*": _COMPLEX,
    "tf.to_complex*": _COMPLEX,
    "tf.angle": _COMPLEX,
    "tf.conj": _COMPLEX,
    "tf.imag": _COMPLEX,
    "tf.real": _COMPLEX,
    "tf.*fft*": _COMPLEX,
    "tf.resource": "handle dtypes: not applicable",
    "tf.variant": "handle dtypes: not applicable",
    "tf.*_session_*": "persistent session tensors: not planned",
    "tf.conv*": _CONV,
    "tf.extract_*_patches": _CONV,
    "tf.*space_to_*": _CONV,
    "tf.*_to_space*": _CONV,
    "tf.create_partitioned_variables": "partitioned variables: not planned",
    "tf.*_partitioner": "partitioned variables: not planned",
    "tf.boolean_mask": "data-dependent output shape: not planned on XLA (multiply by the mask, or jg.where)",
    "tf.unique*": "data-dependent output shape: not planned on XLA",
    "tf.setdiff1d": "data-dependent output shape: not planned on XLA",
    "tf.dynamic_partition": "data-dependent output shape: not planned on XLA",
    "tf.TensorArray": "not yet (use jg.scan or jg.while_loop)",
    # tf.nn
    "tf.nn.*conv*": _CONV,
    "tf.nn.*pool*": _CONV,
    "tf.nn.dilation2d": _CONV,
    "tf.nn.erosion2d": _CONV,
    "tf.nn.*space_to_*": _CONV,
    "tf.nn.*_to_space*": _CONV,
    "tf.nn.ctc_*": "CTC: not yet",
    "tf.nn.*sparse*": _SPARSE,
    "tf.nn.compute_accidental_hits": "data-dependent output shape: not planned (the sampled losses use a dense mask)",
    "tf.nn.compute_average_loss": "distribution-strategy helper: not planned",
    "tf.nn.scale_regularization_loss": "distribution-strategy helper: not planned",
    # tf.train
    "tf.train.BytesList": _EXAMPLES,
    "tf.train.Example": _EXAMPLES,
    "tf.train.Feature*": _EXAMPLES,
    "tf.train.FloatList": _EXAMPLES,
    "tf.train.Int64List": _EXAMPLES,
    "tf.train.SequenceExample": _EXAMPLES,
    "tf.train.QueueRunner": _QUEUES,
    "tf.train.*queue_runner*": _QUEUES,
    "tf.train.*batch*": _QUEUES,
    "tf.train.*_producer": _QUEUES,
    "tf.train.limit_epochs": _QUEUES,
    "tf.train.match_filenames_once": _QUEUES,
    "tf.train.Coordinator": _QUEUES,
    "tf.train.LooperThread": _QUEUES,
    "tf.train.ClusterDef": _DISTRIBUTED,
    "tf.train.JobDef": _DISTRIBUTED,
    "tf.train.Server*": _DISTRIBUTED,
    "tf.train.replica_device_setter": _DISTRIBUTED,
    "tf.train.SyncReplicasOptimizer": _DISTRIBUTED,
    "tf.train.*SessionCreator": _DISTRIBUTED,
    "tf.train.Supervisor": _DISTRIBUTED,
    "tf.train.*Hook": _HOOKS,
    "tf.train.*MonitoredSession": _HOOKS,
    "tf.train.CheckpointSaverListener": _HOOKS,
    "tf.train.Scaffold": _HOOKS,
    "tf.train.SecondOrStepTimer": _HOOKS,
    "tf.train.SessionManager": _HOOKS,
    "tf.train.basic_train_loop": _HOOKS,
    "tf.train.Checkpoint*": "TF2 object-based checkpoints: not planned (use tf.train.Saver)",
    "tf.train.SaverDef": _PROTOS,
    "tf.train.export_meta_graph": "MetaGraph export: not yet (jaxgraph writes its own graph files)",
    "tf.train.generate_checkpoint_state_proto": _PROTOS,
    "tf.train.write_graph": "GraphDef export: not planned (jaxgraph writes its own graph files)",
    "tf.train.*_decay*": "learning-rate schedules: not yet (build one from jg ops and the global step)",
    "tf.train.piecewise_constant*": "learning-rate schedules: not yet (build one from jg ops and the global step)",
    "tf.train.sdca_*": "SDCA: not planned",
    "tf.train.do_quantize_training_on_graphdef": _QUANTIZED,
    # tf.layers, tf.losses, tf.metrics
    "tf.layers.*onv*": _CONV,
    "tf.layers.*": "tf.layers: not yet (jaxgraph's layers check their inputs in build)",
    "tf.losses.*": "tf.losses: not yet (use jg.nn's cross-entropies and jg.reduce_mean)",
    "tf.metrics.*": "streaming metrics (local variables): not yet",
    # tf.summary
    "tf.summary.text": _STRINGS,
    "tf.summary.Event": _PROTOS,
    "tf.summary.SessionLog": _PROTOS,
    "tf.summary.Summary*": _PROTOS,
    "tf.summary.TaggedRunMetadata": _PROTOS,
    "tf.summary.all_v2_summary_ops": "TF2 summaries: not applicable",
    "tf.summary.initialize": "TF2 summaries: not applicable",
    # tf.errors: the numeric codes are all capitals (OK, CANCELLED, ...).
    "tf.errors.[A-Z][A-Z]*": _ERROR_CODES,
    "tf.errors.*error_code*": _ERROR_CODES,
    "tf.errors.raise_exception_on_not_ok_status": _ERROR_CODES,
    # tf.math
    "tf.math.angle": _COMPLEX,
    "tf.math.conj": _COMPLEX,
    "tf.math.imag": _COMPLEX,
    "tf.math.real": _COMPLEX,
    "tf.math.*unsorted_segment_*": "not yet (unsorted_segment_sum, _mean and _sqrt_n are supported)",
    "tf.math.segment_*": "not yet (segment_sum and segment_mean are supported)",
    # tf.initializers, tf.random
    "tf.initializers.tables_initializer": "lookup tables: needs strings",
    "tf.random.stateless_*": "stateless random ops: not yet",
    "tf.random.Algorithm": "TF2 Generator API: not planned",
    "tf.random.*enerator": "TF2 Generator API: not planned",
    "tf.random.create_rng_state": "TF2 Generator API: not planned",
}


def load_tf1_names() -> tuple[str, dict[str, list[str]]]:
    """``(tensorflow version, {TF1 module: [names]})`` from the recorded fixture."""
    data = json.loads(NAMES_FILE.read_text())
    return data["tensorflow_version"], data["modules"]


def jaxgraph_module(dotted: str | None) -> ModuleType | None:
    """The jaxgraph module ``dotted`` (an attribute path such as ``jaxgraph.nn.rnn_cell``)."""
    if dotted is None:
        return None
    obj: object = importlib.import_module("jaxgraph")
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj  # type: ignore[return-value]


def public_names(module: ModuleType | None) -> set[str]:
    """Names ``module`` offers: ``dir()`` plus ``__all__`` (which names lazily imported ones)."""
    if module is None:
        return set()
    return set(dir(module)) | set(getattr(module, "__all__", ()))


def resolve_alias(target: str) -> str:
    """``jaxgraph.<target>`` after checking that it exists (a stale alias is an error)."""
    obj: object = importlib.import_module("jaxgraph")
    for part in target.split("."):
        obj = getattr(obj, part)  # AttributeError names the missing part
    return f"jaxgraph.{target}"


def pattern_matches(pattern: str, tf_module: str, name: str) -> bool:
    """Whether the ``REASONS`` pattern ``module.name_pattern`` matches ``tf_module.name``: the
    module must be equal (a wildcard never crosses into another module), the name ``fnmatch``."""
    pattern_module, name_pattern = pattern.rsplit(".", 1)
    return pattern_module == tf_module and fnmatch.fnmatchcase(name, name_pattern)


def reason_for(tf_module: str, name: str) -> str:
    """The first ``REASONS`` entry whose pattern matches the name, else ``DEFAULT_REASON``."""
    for pattern, reason in REASONS.items():
        if pattern_matches(pattern, tf_module, name):
            return reason
    return DEFAULT_REASON


def classify(tf_module: str, name: str, available: set[str]) -> tuple[str, str]:
    """``(status, note)`` of the TF1 name ``tf_module.name``."""
    qualified = f"{tf_module}.{name}"
    if name in available:
        if qualified in ALIASES:
            raise ValueError(f"{qualified} is supported under its own name: remove it from ALIASES")
        return "supported", ""
    if qualified in ALIASES:
        return "alias", f"``{resolve_alias(ALIASES[qualified])}``"
    return "not supported", reason_for(tf_module, name)


def module_rows(tf_module: str, names: list[str]) -> list[tuple[str, str, str]]:
    """``(name, status, note)`` for every TF1 name of ``tf_module``."""
    available = public_names(jaxgraph_module(MODULES[tf_module]))
    return [(name, *classify(tf_module, name, available)) for name in names]


def counts(rows: list[tuple[str, str, str]]) -> dict[str, int]:
    """How many rows have each status."""
    statuses = [status for _, status, _ in rows]
    return {status: statuses.count(status) for status in ("supported", "alias", "not supported")}


def render() -> str:
    """The whole of ``docs/supported_api.md``."""
    version, modules = load_tf1_names()
    unknown = set(modules) ^ set(MODULES)
    if unknown:
        raise ValueError(f"modules in the fixture and MODULES differ: {sorted(unknown)}")
    tables = {tf_module: module_rows(tf_module, names) for tf_module, names in modules.items()}
    lines = [
        "# Supported TF1 API",
        "",
        "<!-- Generated by scripts/supported_api.py from scripts/tf1_api_names.json: do not edit. -->",
        "",
        f"TF1's public graph-mode names (``tf.compat.v1`` of TensorFlow {version}; modules and",
        "``tf.contrib`` left out) and whether jaxgraph has them: **supported** (same name in the",
        "jaxgraph module shown), **alias** (under the jaxgraph name in the note) or **not supported**",
        "(with the reason). Regenerate with `python scripts/supported_api.py`.",
        "",
        "| TF1 module | jaxgraph module | supported | alias | not supported | total |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for tf_module, rows in tables.items():
        c = counts(rows)
        target = f"``{MODULES[tf_module]}``" if MODULES[tf_module] else "—"
        lines.append(
            f"| ``{tf_module}`` | {target} | {c['supported']} | {c['alias']} | {c['not supported']} | {len(rows)} |"
        )
    for tf_module, rows in tables.items():
        c = counts(rows)
        lines += [
            "",
            f"## {tf_module}",
            "",
            f"{c['supported']} supported, {c['alias']} alias, {c['not supported']} not supported.",
            "",
            "| name | status | note |",
            "|---|---|---|",
        ]
        lines += [f"| ``{tf_module}.{name}`` | {status} | {note} |" for name, status, note in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the table, or with ``--check`` report whether the committed one is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/supported_api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.exists() and OUTPUT.read_text() == text
        print(f"{OUTPUT} is {'up to date' if current else 'stale: run python scripts/supported_api.py'}")
        return 0 if current else 1
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
