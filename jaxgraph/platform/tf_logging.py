"""TF1's ``tf.logging``: leveled logging to the ``jaxgraph`` logger of Python's ``logging``.

TF1 logged to the ``tensorflow`` logger and gave it a stderr handler, printing lines such as
``INFO:tensorflow:Restoring parameters``. Here the logger is ``jaxgraph`` (the one jaxgraph's own
messages use), and the stderr handler is attached when a program first calls ``tf.logging``
(a library should not print on import); a program that configured ``logging`` itself keeps its
own handlers. The default level is WARN, as in TF1.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

DEBUG = logging.DEBUG
INFO = logging.INFO
WARN = logging.WARN
ERROR = logging.ERROR
FATAL = logging.FATAL

_logger = logging.getLogger("jaxgraph")
_counts: dict[tuple[str, int], int] = {}


def get_logger() -> logging.Logger:
    """The ``jaxgraph`` logger, given a stderr handler (``LEVEL:jaxgraph:message``) and TF1's
    default WARN level the first time a program logs through it. TF1's ``tf.get_logger``."""
    if not _logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
        _logger.addHandler(handler)
        if _logger.level == logging.NOTSET:
            _logger.setLevel(WARN)
    return _logger


def set_verbosity(level: int) -> None:
    """Logs messages at ``level`` and above. TF1's ``tf.logging.set_verbosity``."""
    get_logger().setLevel(level)


def get_verbosity() -> int:
    """The level set by ``set_verbosity``. TF1's ``tf.logging.get_verbosity``."""
    return get_logger().getEffectiveLevel()


def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``level``. TF1's ``tf.logging.log``."""
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's ``tf.logging.debug``."""
    log(DEBUG, msg, *args, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's ``tf.logging.info``."""
    log(INFO, msg, *args, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's ``tf.logging.warning`` (and ``warn``)."""
    log(WARN, msg, *args, **kwargs)


warn = warning


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's ``tf.logging.error``."""
    log(ERROR, msg, *args, **kwargs)


def fatal(msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's ``tf.logging.fatal``: logs at FATAL (it does not exit, as in TF1)."""
    log(FATAL, msg, *args, **kwargs)


def vlog(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's ``tf.logging.vlog``: like ``log``."""
    log(level, msg, *args, **kwargs)


def log_if(level: int, msg: Any, condition: bool, *args: Any) -> None:
    """Logs only when ``condition`` holds. TF1's ``tf.logging.log_if``."""
    if condition:
        log(level, msg, *args)


def _call_site() -> tuple[str, int]:
    frame = sys._getframe(2)
    return frame.f_code.co_filename, frame.f_lineno


def log_every_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Logs on the 1st, (n+1)th, (2n+1)th ... call from the same line. TF1's
    ``tf.logging.log_every_n``."""
    site = _call_site()
    count = _counts.get(site, 0)
    _counts[site] = count + 1
    log_if(level, msg, count % n == 0, *args)


def log_first_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Logs on the first ``n`` calls from the same line. TF1's ``tf.logging.log_first_n``."""
    site = _call_site()
    count = _counts.get(site, 0)
    _counts[site] = count + 1
    log_if(level, msg, count < n, *args)


def TaskLevelStatusMessage(msg: Any) -> None:  # noqa: N802  (TF1's name)
    """Logs ``msg`` as an error, as TF1's ``tf.logging.TaskLevelStatusMessage`` did."""
    error(msg)


def flush() -> None:
    """Flushes the handlers. TF1's ``tf.logging.flush``."""
    for handler in get_logger().handlers:
        handler.flush()


__all__ = [
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "TaskLevelStatusMessage",
    "WARN",
    "debug",
    "error",
    "fatal",
    "flush",
    "get_logger",
    "get_verbosity",
    "info",
    "log",
    "log_every_n",
    "log_first_n",
    "log_if",
    "set_verbosity",
    "vlog",
    "warn",
    "warning",
]
