"""One save at a time per checkpoint directory, and the leftovers of killed saves cleaned up.

Savers in several threads or processes may share a directory (a trainer and an evaluator, or a
job restarted while the old one still runs). Each save holds ``fcntl.flock`` on the directory's
``.checkpoint.lock`` file from its first write to its last deletion, so one save's rotation never
deletes a checkpoint another is listing, and the index never names a half-written checkpoint of
another save. The kernel releases the lock when its holder exits or is killed; the file itself
stays (removing it would let two savers lock different files). A save waits up to
``LOCK_TIMEOUT_S`` seconds for the lock, then raises DeadlineExceededError.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator

from jaxgraph.errors import DeadlineExceededError, FailedPreconditionError

LOCK_FILENAME = ".checkpoint.lock"
LOCK_TIMEOUT_S = 600.0
"""How long a save waits for another save into the same directory to finish."""
_POLL_S = 0.05

# ``jaxgraph.tracer.graph_file.atomic_write``'s temp files: ``.<target>.tmp-<pid>-<thread id>``
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.tmp-(?P<pid>[1-9]\d{0,9})-\d+", re.S)


@contextlib.contextmanager
def directory_lock(directory: str) -> Iterator[None]:
    """Holds the exclusive lock of the checkpoint directory ``directory`` for the ``with`` body."""
    path = os.path.join(directory, LOCK_FILENAME)
    flags = (
        os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags, 0o644)  # O_NOFOLLOW: a symlink here never creates a file elsewhere
    except OSError as e:
        raise FailedPreconditionError(f"can't open the lock file '{path}': {e.strerror}") from None
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise DeadlineExceededError(
                    f"checkpoint directory '{directory}' stayed locked by another save for "
                    f"{LOCK_TIMEOUT_S:g} s (lock file '{path}')"
                )
            time.sleep(_POLL_S)
        yield
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def remove_stale_temps(directory: str, targets: tuple[str, ...], suffixes: tuple[str, ...]) -> None:
    """Deletes the temp files that killed saves left in ``directory``: only files named like
    ``atomic_write``'s temp files, for a target named in ``targets`` or ending in one of
    ``suffixes``, whose writing process no longer runs (a live writer, a graph file being saved
    say, keeps its temp file). Called with the directory lock held."""
    with os.scandir(directory) as entries:
        for entry in entries:
            match = _TEMP_NAME.fullmatch(entry.name)
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            ours = match["target"] in targets or match["target"].endswith(suffixes)
            if ours and not _process_exists(int(match["pid"])):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(entry.path)


def _process_exists(pid: int) -> bool:
    """Whether process ``pid`` runs (on this machine); our own process always does."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; a pid beyond the OS's range
        return True
    return True
