"""TF1's error classes, and the one place that formats "which op, created where".

Every error jaxgraph raises about an operation names the op, its type and the user's source line
that created it, so a failure deep in a run still points at the user's code.
``InvalidArgumentError`` and ``ParseError`` are also ``ValueError``s, so TF1 code that catches
``ValueError`` on a bad feed keeps working.
"""

from __future__ import annotations

from typing import Any


class JaxGraphError(Exception):
    """Base class of every error jaxgraph raises on purpose.

    ``op`` is the Operation the error is about (or None) and ``message`` the text without the
    location suffix.
    """

    def __init__(self, message: str, op: Any = None):
        self.message = message
        self.op = op
        super().__init__(format_message(message, op))


def format_message(message: str, op: Any = None) -> str:
    """``message`` followed by ``op '<name>' (<type>) defined at <file>:<line>`` when known."""
    if op is None:
        return message
    return f"{message}\n  op '{op.name}' ({op.type}) {describe_location(op.location)}"


def describe_location(location: Any) -> str:
    """``defined at FILE:LINE`` (or ``defined at an unknown location``)."""
    if location is None:
        return "defined at an unknown location"
    return f"defined at {location.file}:{location.line}"


class OpError(JaxGraphError):
    """TF1's common base of the status-code errors below."""


class CancelledError(OpError):
    pass


class UnknownError(OpError):
    pass


class InvalidArgumentError(OpError, ValueError):
    """Bad input: wrong feed, shape or dtype mismatch, bad attribute."""


class DeadlineExceededError(OpError):
    pass


class NotFoundError(OpError):
    """Something named does not exist: a tensor name, a variable in a checkpoint, an op type."""


class AlreadyExistsError(OpError):
    pass


class PermissionDeniedError(OpError):
    pass


class ResourceExhaustedError(OpError):
    pass


class FailedPreconditionError(OpError):
    """The state is not ready: e.g. an uninitialized Variable was read, or a Session is closed."""


class AbortedError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class UnimplementedError(OpError):
    pass


class InternalError(OpError):
    """A broken invariant inside jaxgraph (e.g. the IR verifier found an inconsistent graph)."""


class UnavailableError(OpError):
    pass


class DataLossError(OpError):
    """A file is truncated or corrupted (checkpoints, graph files)."""


class ParseError(JaxGraphError, ValueError):
    """Malformed IR text; the message gives line and column."""


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
]
