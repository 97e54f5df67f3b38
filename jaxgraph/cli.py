"""The ``jaxgraph`` command: look at a program at every stage, from the shell.

    jaxgraph demo [--quick]                           run the walkthrough (--quick: a first look)
    jaxgraph --version
    jaxgraph dump model.py:predict --arg 'f32[32,784]' --arg 'f32[784,10]' --stage hlo
    jaxgraph dump model.ir --stage jax                a graph file (IR text)
    jaxgraph dot model.py:predict --arg 'f32[?,784]' --arg 'f32[784,10]' -o graph.svg

A ``FILE.py:FUNC`` target runs FILE (not as ``__main__``) and traces FUNC, a plain function or a
``@jg.function``, with one TensorSpec per ``--arg`` in the IR's type syntax (``f32[32,784]``,
``?`` for an unknown dim, ``i32[]`` for a scalar). Any other target is a graph file in the IR
text format. Bad input exits non-zero with a one-line message. What the target prints while it
loads or traces goes to stderr, so a dump on stdout is only the dump.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import re
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

RENDERED_FORMATS = (".svg", ".png", ".pdf")


class CliError(Exception):
    """Bad input: reported as one line, without a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parse_spec(text: str) -> Any:
    """A ``jg.TensorSpec`` from ``f32[32,784]`` / ``float32[?,10]`` / ``i32[]``."""
    from jaxgraph.errors import JaxGraphError
    from jaxgraph.ir.dtypes import as_dtype
    from jaxgraph.tracer import TensorSpec

    match = re.fullmatch(r"\s*(\w+)\s*\[([^\]]*)\]\s*", text)
    if match is None:
        raise CliError(f"--arg '{text}' is not a tensor type like f32[32,784] (? for an unknown dim)")
    try:
        dtype = as_dtype(match.group(1))
    except (JaxGraphError, TypeError):
        raise CliError(f"--arg '{text}': unknown dtype '{match.group(1)}'") from None
    dims: list[int | None] = []
    for dim in filter(None, (d.strip() for d in match.group(2).split(","))):
        if dim in ("?", "None"):
            dims.append(None)
        elif dim.isdigit():
            dims.append(int(dim))
        else:
            raise CliError(f"--arg '{text}': dimension '{dim}' is not a size or ?")
    return TensorSpec(dims, dtype)


def _function_target(target: str) -> tuple[Path, str] | None:
    """``(file, func)`` for ``FILE.py:FUNC``; None for a graph file."""
    path, sep, func = target.rpartition(":")
    if sep and path.endswith(".py") and func.isidentifier():
        return Path(path), func
    return None


def load_function(path: Path, name: str) -> Any:
    """``name`` from the Python file ``path`` (run as a module, not ``__main__``), as a
    ``jg.function`` (a plain function is wrapped)."""
    import jaxgraph as jg

    if not path.is_file():
        raise CliError(f"no such file: {path}")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the file's own imports, as when it runs as a script
    try:
        namespace = runpy.run_path(str(path), run_name="__jaxgraph_cli__")
    except Exception as e:  # noqa: BLE001 - the user's file failed: one line, no traceback
        raise CliError(f"running {path} failed: {type(e).__name__}: {e}") from None
    fn = namespace.get(name)
    if fn is None:
        raise CliError(f"{path} has no function '{name}'")
    if isinstance(fn, jg.Function):
        return fn
    if not callable(fn):
        raise CliError(f"{path}:{name} is a {type(fn).__name__}, not a function")
    return jg.function(fn)


def load_graph_file(path: Path) -> Any:
    """The Graph in the IR text file ``path`` (leading ``#`` comment lines are skipped)."""
    from jaxgraph.ir import parse

    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(f"cannot read graph file {path}: {e}") from None
    return parse(text)


def default_fetches(graph: Any) -> list[Any]:
    """What a graph file computes: the outputs (or, without outputs, the ops) that nothing in
    the graph uses, except Variables and their initializers (``<var>/Assign`` and groups of them)."""
    used = {t.op for op in graph.operations for t in op.inputs}
    used.update(c for op in graph.operations for c in op.control_inputs)
    initializers: set[Any] = set()
    for op in graph.operations:
        if op.type == "assign" and op.name == op.inputs[0].op.name + "/Assign":
            initializers.add(op)
        elif not op.inputs and op.control_inputs and all(c in initializers for c in op.control_inputs):
            initializers.add(op)
    fetches: list[Any] = []
    for op in graph.operations:
        if op not in used and op not in initializers and op.type != "variable":
            fetches.extend(op.outputs or [op])
    return fetches


def graph_file_feeds(fetches: list[Any], specs: list[Any]) -> dict[Any, Any]:
    """Feed stand-ins (shape and dtype only) for the placeholders ``fetches`` need, typed by
    ``specs`` in graph order, or by the placeholder's own type when fully known."""
    import jax

    from jaxgraph.ir.passes import prune

    placeholders = [op.outputs[0] for op in prune(fetches, set()) if op.type == "placeholder"]
    if len(specs) > len(placeholders):
        raise CliError(f"{len(specs)} --arg given, but the fetches need {len(placeholders)} placeholder(s)")
    feeds = {}
    for i, t in enumerate(placeholders):
        shape = specs[i].shape if i < len(specs) else t.shape
        dtype = specs[i].dtype if i < len(specs) else t.dtype
        if not shape.is_fully_defined():
            listed = ", ".join(f"{p.op.name} {p.type}" for p in placeholders)
            raise CliError(
                f"placeholder '{t.op.name}' has type {t.type}: give concrete types with --arg, "
                f"one per placeholder in order ({listed})"
            )
        feeds[t] = jax.ShapeDtypeStruct(tuple(shape), dtype.np)
    return feeds


def _graph_fetches(graph: Any, names: list[str] | None) -> list[Any]:
    if not names:
        return default_fetches(graph)
    return [graph.as_graph_element(name) for name in names]


def cmd_dump(options: argparse.Namespace) -> str:
    """The text of one stage for a function call or a graph file."""
    import jaxgraph as jg

    specs = [parse_spec(a) for a in options.arg]
    function = _function_target(options.target)
    if function is not None:
        fn = load_function(*function)
        specs = specs or list(fn.input_signature or [])
        if options.stage != "ir":
            announce_unknown_dims(fn, specs)
        return fn.dump(*specs, stage=options.stage)
    graph = load_graph_file(Path(options.target))
    if options.stage == "ir" and not options.fetch:
        return str(graph)
    fetches = _graph_fetches(graph, options.fetch)
    with jg.Session(graph=graph) as sess:
        return sess.dump(fetches, graph_file_feeds(fetches, specs), stage=options.stage)


def announce_unknown_dims(fn: Any, specs: list[Any]) -> None:
    """Says on stderr which ``?`` dimensions the later stages take as 1 (a compiled program
    needs concrete sizes) and how to choose them."""
    names = list(inspect.signature(fn.python_function).parameters)
    for i, spec in enumerate(specs):
        dims = spec.shape.as_list()
        for d, size in enumerate(dims):
            if size is None:
                name = names[i] if i < len(names) else f"argument {i + 1}"
                chosen = ",".join("N" if j == d else "?" if s is None else str(s) for j, s in enumerate(dims))
                print(
                    f"note: dimension {d} (?) of {name} taken as 1; pass --arg '{spec.dtype.short}[{chosen}]' "
                    "with a size N to choose",
                    file=sys.stderr,
                )


def cmd_dot(options: argparse.Namespace) -> str:
    """Graphviz source of the traced function or the graph file."""
    specs = [parse_spec(a) for a in options.arg]
    function = _function_target(options.target)
    if function is not None:
        fn = load_function(*function)
        return fn.trace(*(specs or fn.input_signature or [])).to_dot(name=function[1])
    if options.arg:
        raise CliError("--arg applies to FILE.py:FUNC targets; a graph file's types are in the file")
    return load_graph_file(Path(options.target)).to_dot(name=Path(options.target).stem)


def write_output(text: str, output: str, command: str) -> None:
    """Prints ``text`` (``-``), writes it, or, for ``dot`` to .svg/.png/.pdf, renders it with
    Graphviz's ``dot`` program (without it: writes the .dot source next to it and raises
    CliError, so the command exits non-zero)."""
    text = text if text.endswith("\n") else text + "\n"
    if output == "-":
        sys.stdout.write(text)
        return
    path = Path(output)
    if command == "dot" and path.suffix in RENDERED_FORMATS:
        dot = shutil.which("dot")
        if dot is None:
            source = path.with_suffix(".dot")
            source.write_text(text)
            raise CliError(
                f"Graphviz's `dot` program is not installed, so {path} was not rendered; "
                f"wrote the DOT source to {source} (install it with: apt-get install graphviz)"
            )
        done = subprocess.run([dot, f"-T{path.suffix[1:]}", "-o", str(path)], input=text, text=True,
                              capture_output=True, check=False)  # fmt: skip
        if done.returncode != 0:
            detail = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
            raise CliError(f"dot failed: {detail[0]}")
        return
    if command == "dot" and path.suffix not in (".dot", ".gv"):
        raise CliError(f"cannot write '{path.suffix}' files: use .dot, .gv, {', '.join(RENDERED_FORMATS)}")
    path.write_text(text)


def _parser() -> argparse.ArgumentParser:
    from jaxgraph.lowering.executable import STAGES

    parser = _Parser(
        prog="jaxgraph", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"jaxgraph {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run the walkthrough, a char-RNN LSTM (--quick: a first look; demo --help: options)"
    )
    demo.add_argument("args", nargs=argparse.REMAINDER, help="options of the walkthrough (see demo --help)")
    target_help = "FILE.py:FUNC (a function or @jg.function) or a graph file (IR text)"
    arg_help = "the type of the next argument, e.g. f32[32,784] (? for an unknown dim); repeat per argument"
    dump = commands.add_parser(
        "dump",
        help="print one compilation stage of a function or graph file",
        description="Print one compilation stage: " + ", ".join(STAGES) + ". For every stage at "
        "once, set JAXGRAPH_DUMP_DIR=DIR (each compilation writes a folder of files there).",
    )
    dump.add_argument("target", help=target_help)
    dump.add_argument("--arg", action="append", default=[], metavar="TYPE", help=arg_help)
    dump.add_argument("--stage", choices=STAGES, default="ir", help="the stage to print (default: ir)")
    dump.add_argument("--fetch", action="append", metavar="NAME",
                      help="graph files: a tensor or op name to compute (default: every unused output)")  # fmt: skip
    dump.add_argument("-o", "--output", default="-", help="write to this file (default: stdout)")
    dot = commands.add_parser(
        "dot",
        help="Graphviz drawing of a function's or graph file's graph",
        description="Graphviz drawing: name scopes as boxes, typed edges, dashed control edges. "
        ".svg/.png/.pdf outputs are rendered by Graphviz's `dot` program when it is installed.",
    )
    dot.add_argument("target", help=target_help)
    dot.add_argument("--arg", action="append", default=[], metavar="TYPE", help=arg_help)
    dot.add_argument(
        "-o", "--output", default="-", help="g.dot, g.svg, g.png or g.pdf (default: DOT to stdout)"
    )
    return parser


def _version() -> str:
    from jaxgraph import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Runs ``jaxgraph ARGV``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["demo"]:  # every later argument (--quick, --steps 100, --help) is the demo's
        from jaxgraph.demo import char_rnn

        char_rnn.main(argv[1:])
        return 0
    options = _parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], str]] = {"dump": cmd_dump, "dot": cmd_dot}
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the target's own prints stay out of the dump
            text = handlers[options.command](options)
        write_output(text, options.output, options.command)
    except Exception as e:  # noqa: BLE001 - bad input of any kind: one line, no traceback
        print(f"jaxgraph {options.command}: error: {one_line(e)}", file=sys.stderr)
        return 1
    return 0


def one_line(error: BaseException) -> str:
    """An error's message on one line (jaxgraph's multi-line messages joined with ``; ``)."""
    from jaxgraph.errors import JaxGraphError

    text = str(error) if isinstance(error, (CliError, JaxGraphError)) else f"{type(error).__name__}: {error}"
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


if __name__ == "__main__":
    sys.exit(main())
