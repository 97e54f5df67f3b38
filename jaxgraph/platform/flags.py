"""TF1's ``tf.app.flags`` / ``tf.flags``: absl's flags, as TF1 exported them.

TF1 re-exported ``absl.flags`` with one difference kept here: reading ``FLAGS.x`` before the
command line was parsed parses ``sys.argv`` then (tolerating flags nobody defined), so scripts
that never call ``tf.app.run()`` still see their command-line values.
"""

from __future__ import annotations

import sys
from typing import Any

from absl import flags as _absl_flags
from absl.flags import *  # noqa: F403  (TF1's tf.flags is absl's flags module)
from absl.flags import FlagValues


class _AutoParsingFlags:
    """TF1's ``tf.app.flags.FLAGS``: absl's ``FLAGS`` that parses ``sys.argv`` on first read."""

    def __init__(self, wrapped: FlagValues):
        self.__dict__["_wrapped"] = wrapped

    def _parse_if_needed(self) -> None:
        wrapped = self.__dict__["_wrapped"]
        if not wrapped.is_parsed():
            wrapped(sys.argv, known_only=True)

    def __getattr__(self, name: str) -> Any:
        wrapped = self.__dict__["_wrapped"]
        if name in wrapped:
            self._parse_if_needed()
        return getattr(wrapped, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["_wrapped"], name, value)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__["_wrapped"]

    def __call__(self, argv: list[str], known_only: bool = False) -> list[str]:
        return self.__dict__["_wrapped"](argv, known_only=known_only)


FLAGS = _AutoParsingFlags(_absl_flags.FLAGS)
"""TF1's ``tf.app.flags.FLAGS``."""

__all__ = [*_absl_flags.__all__]  # FLAGS among them, replaced above by the auto-parsing one
