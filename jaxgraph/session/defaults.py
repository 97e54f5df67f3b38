"""The default Session of each thread and TF1's run-in-the-default-Session methods.

``with sess.as_default():`` (and ``with Session() as sess:``, ``InteractiveSession``) push a
Session on a per-thread stack; ``get_default_session`` reads it. ``Tensor.eval``,
``Operation.run``, ``Variable.eval`` and ``Variable.load`` run in that Session (or a given one):
the lower layers (``ir``, ``tracer``) cannot import the session layer, so this module installs
the methods on their classes when ``jaxgraph.session`` is imported. It imports nothing from
``session.py`` at run time, which imports the stack from here (no import cycle).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from jaxgraph.errors import FailedPreconditionError, api_boundary
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.tracer.variables import Variable

if TYPE_CHECKING:
    from jaxgraph.session.session import Session

_sessions = threading.local()


def _session_stack() -> list[Session]:
    stack = getattr(_sessions, "stack", None)
    if stack is None:
        stack = _sessions.stack = []
    return stack


def get_default_session() -> Session | None:
    """The innermost Session of ``with sess.as_default():`` (or ``with Session() as sess:``) on
    this thread; None outside one (TF1's ``tf.get_default_session``)."""
    stack = _session_stack()
    return stack[-1] if stack else None


def get_default_session_or_fail() -> Session:
    session = get_default_session()
    if session is None:
        raise FailedPreconditionError("no default Session: use `with jg.Session() as sess:` or pass session=")
    return session


# ---- TF1's run-in-the-default-Session methods, installed on the lower layers' classes ----------
@api_boundary
def _tensor_eval(self: Tensor, feed_dict: dict | None = None, session: Session | None = None) -> Any:
    """Runs this tensor in ``session`` or the default Session (TF1's ``Tensor.eval``)."""
    return (session or get_default_session_or_fail()).run(self, feed_dict)


@api_boundary
def _operation_run(self: Operation, feed_dict: dict | None = None, session: Session | None = None) -> None:
    """Runs this op in ``session`` or the default Session (TF1's ``Operation.run``)."""
    (session or get_default_session_or_fail()).run(self, feed_dict)


@api_boundary
def _variable_eval(self: Variable, session: Session | None = None) -> Any:
    """The Variable's value in ``session`` or the default Session (TF1's ``Variable.eval``)."""
    return (session or get_default_session_or_fail()).run(self)


@api_boundary
def _variable_load(self: Variable, value: Any, session: Session | None = None) -> None:
    """Sets the value in ``session`` (default Session) without adding ops: TF1's ``load``."""
    (session or get_default_session_or_fail()).load_variable(self, value)


Tensor.eval = _tensor_eval
Operation.run = _operation_run
Variable.eval = _variable_eval
Variable.load = _variable_load
