"""Feed hooks: how higher layers (``jaxgraph.data``'s iterators, ``jaxgraph.distribute``) add
values to a run's feeds without the session layer importing them, and without a run paying for
hooks that have nothing for its Session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jaxgraph.session.session import Session

FeedHook = Callable[["Session", Any, "dict | None"], "dict | None"]


class FeedHooks:
    """Installed by higher layers (``jaxgraph.data``'s iterators, ``jaxgraph.distribute``):
    before a run, each hook gets the Session, the fetches (as given) and the feed_dict, and
    returns the feed_dict the run uses (with the values of the tensors it provides added).

    Each hook comes with ``wants(session)``: whether it may have anything for that Session's
    runs. A Session calls only the hooks that want it (most Sessions: none, so a run pays
    nothing for them); it asks again after ``changed()``, which a layer calls when a hook
    may want a Session it did not want before (a graph's first iterator, say)."""

    def __init__(self) -> None:
        self._hooks: list[tuple[FeedHook, Callable[[Session], bool]]] = []
        self.epoch = 0
        """Bumped by ``add`` and ``changed``: a Session whose hooks are older asks again."""

    def add(self, hook: FeedHook, wants: Callable[[Session], bool]) -> None:
        """Installs ``hook``, called by the runs of each Session ``wants`` says yes to."""
        self._hooks.append((hook, wants))
        self.changed()

    def changed(self) -> None:
        """Makes every Session ask the hooks' ``wants`` again before its next run."""
        self.epoch += 1

    def wanting(self, session: Session) -> tuple[int, list[FeedHook]]:
        """The epoch now and the hooks that want ``session`` (the epoch read first: a change
        made meanwhile makes the Session ask again)."""
        epoch = self.epoch
        return epoch, [hook for hook, wants in self._hooks if wants(session)]


FEED_HOOKS = FeedHooks()
"""The feed hooks of every Session (``FeedHooks``)."""
