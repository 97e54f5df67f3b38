"""The ``checkpoint`` index beside the checkpoints: TF1's ``CheckpointState`` in protobuf text form.

The file is the one TF1 writes, so either library reads the other's::

    model_checkpoint_path: "model.ckpt-3"
    all_model_checkpoint_paths: "model.ckpt-2"
    all_model_checkpoint_paths: "model.ckpt-3"

Strings are C-escaped as protobuf's text format does (``\\n``, ``\\"``, octal bytes), so names with
quotes or newlines survive. Fields other than the two paths (TF's timestamps) are ignored.

An index is input, possibly hostile, so an entry counts only when it names a checkpoint *in the
index's directory*: a plain file name, or an absolute path whose directory is that directory (TF1
writes absolute paths by default). Anything else (``../other/x``, ``/elsewhere/x``, a name with a
separator or a NUL) is ignored with a warning, so the Saver never deletes or reads files
elsewhere because an index said so. Symlinks inside the directory are not followed for writing or
deleting: a rotation removes the link, and a save renames a new file over it.
"""

from __future__ import annotations

import os
import re
import stat
import warnings

from jaxgraph.errors import DataLossError, FailedPreconditionError, InvalidArgumentError

INDEX_FILENAME = "checkpoint"
LATEST_FIELD = "model_checkpoint_path"
ALL_FIELD = "all_model_checkpoint_paths"

_LINE = re.compile(
    r"""\s*(?:(?P<key>[A-Za-z_]\w*)\s*:\s*"""
    r"""(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<scalar>[-+.\w]+))\s*)?(?:\#.*)?"""
)
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_SIMPLE_ESCAPES = dict(zip("nrtabfv\\'\"?", b"\n\r\t\a\b\f\v\\'\"?"))
_ESCAPED_BYTES = [
    {34: '\\"', 92: "\\\\", 10: "\\n", 13: "\\r", 9: "\\t"}.get(b, chr(b) if 32 <= b < 127 else f"\\{b:03o}")
    for b in range(256)
]


def check_index_filename(latest_filename: str | None) -> str:
    """The index's file name (``checkpoint`` by default): a plain name, so it lies in the directory."""
    name = INDEX_FILENAME if latest_filename is None else latest_filename
    if not (isinstance(name, str) and is_plain_name(name)):
        raise InvalidArgumentError(
            f"latest_filename must be a file name in the checkpoint directory, got {latest_filename!r}"
        )
    return name


def is_plain_name(name: str) -> bool:
    """True for a file name without a directory part (no separator, not ``.``/``..``, no NUL)."""
    separators = {os.sep, os.altsep} - {None}
    return name not in ("", ".", "..") and "\0" not in name and not any(s in name for s in separators)


def index_text(names: list[str]) -> bytes:
    """The text of an index listing ``names`` (file names in its directory), the latest last."""
    lines = [f'{LATEST_FIELD}: "{_escape(names[-1])}"'] + [f'{ALL_FIELD}: "{_escape(n)}"' for n in names]
    return ("\n".join(lines) + "\n").encode()


def read_index(path: str) -> tuple[str | None, list[str]]:
    """``(latest, all)`` entries of the index at ``path``, ``all`` oldest first and ending with
    ``latest`` (``(None, [])`` when there is no index). DataLossError when it is not a TF1 index."""
    data = read_regular_file(path, "checkpoint index", missing_ok=True)
    if data is None:
        return None, []
    try:
        fields = _parse(data.decode())
    except (UnicodeDecodeError, ValueError) as e:
        raise DataLossError(f"checkpoint index '{path}' is corrupted: {e}") from None
    latest = fields.get(LATEST_FIELD, [])
    if len(latest) != 1:
        raise DataLossError(f"checkpoint index '{path}' is corrupted: it needs exactly one {LATEST_FIELD}")
    return latest[0], [p for p in fields.get(ALL_FIELD, []) if p != latest[0]] + latest


def resolve_entry(entry: str, directory: str, index_path: str) -> str | None:
    """The checkpoint prefix an index entry names, when it lies in ``directory``; else None, with
    a warning."""
    name = entry
    if os.path.isabs(entry) and "\0" not in entry:
        same_dir = os.path.realpath(os.path.dirname(entry)) == os.path.realpath(directory)
        name = os.path.basename(entry) if same_dir else entry
    if is_plain_name(name):
        return os.path.join(directory, name)
    warnings.warn(
        f"checkpoint index '{index_path}' names {entry!r}, which is not in its directory; ignored",
        stacklevel=3,
    )
    return None


def read_regular_file(path: str, what: str, missing_ok: bool = False) -> bytes | None:
    """The bytes of ``path`` when it is a regular file (None when missing and ``missing_ok``).

    Opened without blocking and checked before reading: a FIFO or a directory in a checkpoint's
    place is reported, never waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        if missing_ok:
            return None
        raise DataLossError(f"{what} '{path}' is missing") from None
    except OSError as e:
        raise FailedPreconditionError(f"can't read {what} '{path}': {e.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FailedPreconditionError(f"{what} '{path}' is not a regular file")
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _parse(text: str) -> dict[str, list[str]]:
    """The string fields of a protobuf text message (numbers are skipped); ValueError when malformed."""
    fields: dict[str, list[str]] = {}
    for number, line in enumerate(text.split("\n"), 1):
        match = _LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"line {number} is not a 'field: value' line")
        key, quoted = match["key"], match["dq"] if match["dq"] is not None else match["sq"]
        if quoted is not None:
            fields.setdefault(key, []).append(_unescape(quoted, number))
    return fields


def _unescape(body: str, line: int) -> str:
    """A C-escaped protobuf text string's value (the bytes it spells, as UTF-8)."""
    out, pos = bytearray(), 0
    for m in _ESCAPE.finditer(body):
        out += body[pos : m.start()].encode()
        octal, hexa, char = m.groups()
        if octal is not None and int(octal, 8) > 255:
            raise ValueError(f"line {line} has an octal escape beyond a byte: \\{octal}")
        if char is not None and char not in _SIMPLE_ESCAPES:
            raise ValueError(f"line {line} has an unknown escape " + repr("\\" + char))
        out.append(int(octal, 8) if octal else int(hexa, 16) if hexa else _SIMPLE_ESCAPES[char])
        pos = m.end()
    out += body[pos:].encode()
    return out.decode("utf-8", "surrogateescape")  # as Python spells undecodable file names


def _escape(text: str) -> str:
    return "".join(_ESCAPED_BYTES[b] for b in text.encode("utf-8", "surrogateescape"))
