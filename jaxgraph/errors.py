"""TF1's error classes, and the one place that formats "which op, created where".

Every error jaxgraph raises about an operation names the op, its type and the user's source line
that created it, so a failure deep in a run still points at the user's code.
``InvalidArgumentError`` and ``ParseError`` are also ``ValueError``s, so TF1 code that catches
``ValueError`` on a bad feed keeps working.

``api_boundary`` marks a public entry point (``Session.run`` ...): a jaxgraph error leaving it
carries a traceback without jaxgraph's own frames, so it ends at the user's line, the way JAX
filters its tracebacks. ``JAXGRAPH_TRACEBACK_FILTERING=off`` keeps every frame.
"""

from __future__ import annotations

import functools
import inspect
import os
import types
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
FILTERING_ENV_VAR = "JAXGRAPH_TRACEBACK_FILTERING"


class JaxGraphError(Exception):
    """Base class of every error jaxgraph raises on purpose (jaxgraph's own; TF1's errors subclass
    ``tf.errors.OpError``, as ``OpError`` here does).

    ``op`` is the Operation the error is about (or None) and ``message`` the text without the
    location suffix.
    """

    def __init__(self, message: str, op: Any = None):
        self.message = message
        self.op = op
        super().__init__(format_message(message, op))


def format_message(message: str, op: Any = None) -> str:
    """``message`` followed by ``op '<name>' (<type>) defined at <file>:<line>`` when known. jaxgraph's own (TF1 has no counterpart)."""
    if op is None:
        return message
    return f"{message}\n  op '{op.name}' ({op.type}) {describe_location(op.location)}"


def describe_location(location: Any) -> str:
    """``defined at FILE:LINE`` (or ``defined at an unknown location``). jaxgraph's own (TF1 has no counterpart)."""
    if location is None:
        return "defined at an unknown location"
    return f"defined at {location.file}:{location.line}"


class OpError(JaxGraphError):
    """TF1's ``tf.errors.OpError``: the common base of the status-code errors below."""


class CancelledError(OpError):
    """An operation or step was cancelled (TF1's CANCELLED status). TF1's ``tf.errors.CancelledError``."""


class UnknownError(OpError):
    """An error of unknown kind, e.g. an XLA status without a known code (UNKNOWN). TF1's ``tf.errors.UnknownError``."""


class InvalidArgumentError(OpError, ValueError):
    """Bad input: wrong feed, shape or dtype mismatch, bad attribute. TF1's ``tf.errors.InvalidArgumentError``."""


class DeadlineExceededError(OpError):
    """An operation did not finish before its deadline (DEADLINE_EXCEEDED). TF1's ``tf.errors.DeadlineExceededError``."""


class NotFoundError(OpError):
    """Something named does not exist: a tensor name, a variable in a checkpoint, an op type. TF1's ``tf.errors.NotFoundError``."""


class AlreadyExistsError(OpError):
    """Something to be created exists already (ALREADY_EXISTS). TF1's ``tf.errors.AlreadyExistsError``."""


class PermissionDeniedError(OpError):
    """The caller may not do this, e.g. write a file (PERMISSION_DENIED). TF1's ``tf.errors.PermissionDeniedError``."""


class ResourceExhaustedError(OpError):
    """Out of a resource, usually device memory: the run does not fit (RESOURCE_EXHAUSTED). TF1's ``tf.errors.ResourceExhaustedError``."""


class FailedPreconditionError(OpError):
    """The state is not ready: e.g. an uninitialized Variable was read, or a Session is closed. TF1's ``tf.errors.FailedPreconditionError``."""


class AbortedError(OpError):
    """An operation was aborted, e.g. by a concurrent one (ABORTED). TF1's ``tf.errors.AbortedError``."""


class OutOfRangeError(OpError):
    """An operation went past a valid range, e.g. the end of input (OUT_OF_RANGE). TF1's ``tf.errors.OutOfRangeError``."""


class UnimplementedError(OpError):
    """The operation is not implemented or not supported here (UNIMPLEMENTED). TF1's ``tf.errors.UnimplementedError``."""


class InternalError(OpError):
    """A broken invariant inside jaxgraph (e.g. the IR verifier found an inconsistent graph). TF1's ``tf.errors.InternalError``."""


class UnavailableError(OpError):
    """A device or service is not available now (UNAVAILABLE). TF1's ``tf.errors.UnavailableError``."""


class DataLossError(OpError):
    """A file is truncated or corrupted (checkpoints, graph files). TF1's ``tf.errors.DataLossError``."""


class ParseError(JaxGraphError, ValueError):
    """Malformed IR text; the message gives line and column (jaxgraph's own; TF1 has no IR text)."""


def filtering_enabled() -> bool:
    """False when ``$JAXGRAPH_TRACEBACK_FILTERING`` is ``off`` (or ``0``, ``false``, ``no``). jaxgraph's own (TF1 has no counterpart)."""
    return os.environ.get(FILTERING_ENV_VAR, "on").strip().lower() not in ("off", "0", "false", "no")


def _is_internal(frame: types.FrameType) -> bool:
    """A frame of jaxgraph's own code or of the code it generates (``<jaxgraph ...>``)."""
    filename = frame.f_code.co_filename
    return filename.startswith(_PACKAGE_DIR) or filename.startswith("<jaxgraph")


def filter_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` without jaxgraph's frames (a user's callback called from inside jaxgraph stays). jaxgraph's own (TF1 has no counterpart)."""
    kept = []
    while tb is not None:
        if not _is_internal(tb.tb_frame):
            kept.append(tb)
        tb = tb.tb_next
    filtered = None
    for entry in reversed(kept):
        filtered = types.TracebackType(filtered, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return filtered


def api_boundary(fn: _F) -> _F:
    """``fn`` whose JaxGraphErrors propagate with ``filter_traceback``'s traceback: the user's
    frames only, ending at the line that called jaxgraph. The re-raise is a bare ``raise``, which
    adds no frame of its own. Off with ``JAXGRAPH_TRACEBACK_FILTERING=off``. jaxgraph's own (TF1 has no counterpart)."""

    @functools.wraps(fn)
    def boundary(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841 - pytest's marker, for the unfiltered case
        try:
            return fn(*args, **kwargs)
        except JaxGraphError as e:
            if not filtering_enabled():
                raise
            e.with_traceback(filter_traceback(e.__traceback__))
            raise

    boundary._api_boundary = True  # type: ignore[attr-defined]
    return boundary  # type: ignore[return-value]


def guard_public_functions(namespace: dict[str, Any]) -> None:
    """Wraps every public function of a public namespace module (``jaxgraph``, ``jaxgraph.nn``)
    that jaxgraph defines in ``api_boundary``, so an error from an op builder (``jg.matmul`` of
    mismatched shapes) also ends its traceback at the user's line. Classes are left alone. jaxgraph's own (TF1 has no counterpart)."""
    for name, value in list(namespace.items()):
        defined_here = getattr(value, "__module__", "").startswith("jaxgraph")
        if not name.startswith("_") and inspect.isfunction(value) and defined_here:
            if not getattr(value, "_api_boundary", False):
                namespace[name] = api_boundary(value)


_STATUS_CODES: dict[str, type[OpError]] = {
    "CANCELLED": CancelledError,
    "UNKNOWN": UnknownError,
    "INVALID_ARGUMENT": InvalidArgumentError,
    "DEADLINE_EXCEEDED": DeadlineExceededError,
    "NOT_FOUND": NotFoundError,
    "ALREADY_EXISTS": AlreadyExistsError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "RESOURCE_EXHAUSTED": ResourceExhaustedError,
    "FAILED_PRECONDITION": FailedPreconditionError,
    "ABORTED": AbortedError,
    "OUT_OF_RANGE": OutOfRangeError,
    "UNIMPLEMENTED": UnimplementedError,
    "INTERNAL": InternalError,
    "UNAVAILABLE": UnavailableError,
    "DATA_LOSS": DataLossError,
}


def error_class_for_status(message: str) -> type[OpError]:
    """The TF1 class of an XLA/absl status message such as ``"RESOURCE_EXHAUSTED: Out of memory
    ..."`` (its leading code; UnknownError when it has none), as TF1 maps status codes."""
    code = message.split(":", 1)[0].strip()
    return _STATUS_CODES.get(code, UnknownError)


__all__ = [
    "JaxGraphError",
    "OpError",
    "CancelledError",
    "UnknownError",
    "InvalidArgumentError",
    "DeadlineExceededError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "AbortedError",
    "OutOfRangeError",
    "UnimplementedError",
    "InternalError",
    "UnavailableError",
    "DataLossError",
    "ParseError",
    "format_message",
    "error_class_for_status",
    "api_boundary",
    "guard_public_functions",
    "filter_traceback",
    "filtering_enabled",
]
