"""TF1's ``tf.app``: ``run`` parses the command-line flags and calls ``main``; ``flags`` is
``jaxgraph.platform.flags``.

``run`` does what TF1's did, without ``absl.app``: importing that module imports ``absl.logging``,
which defines flags of its own (``--log_dir``) that collide with the ones TF1 tutorials define.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn

from jaxgraph.platform import flags


def run(main: Callable[[list[str]], Any] | None = None, argv: list[str] | None = None) -> NoReturn:
    """TF1's ``tf.app.run``: parses the flags in ``argv`` (default ``sys.argv``) that were
    defined, calls ``main(remaining_argv)`` (default: the ``__main__`` module's ``main``) and
    exits with its result."""
    remaining = flags.FLAGS(list(sys.argv if argv is None else argv), known_only=True)
    if main is None:
        main = sys.modules["__main__"].main
    sys.exit(main(remaining))


__all__ = ["flags", "run"]
