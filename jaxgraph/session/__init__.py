"""Sessions: the Variable store, feeds and fetches, ``run``, RNG state, thread safety."""

from jaxgraph.session.defaults import get_default_session, get_default_session_or_fail
from jaxgraph.session.session import InteractiveSession, Session

__all__ = ["InteractiveSession", "Session", "get_default_session", "get_default_session_or_fail"]
