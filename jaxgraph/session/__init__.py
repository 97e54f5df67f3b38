"""Sessions: the Variable store, feeds and fetches, ``run``, RNG state, thread safety."""

from jaxgraph.session.session import (
    InteractiveSession,
    Session,
    get_default_session,
    get_default_session_or_fail,
)

__all__ = ["InteractiveSession", "Session", "get_default_session", "get_default_session_or_fail"]
