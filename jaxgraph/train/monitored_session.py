"""TF1's ``tf.train.MonitoredTrainingSession``: a Session that initializes or restores itself,
runs hooks around every run, and knows when to stop; the chief writes checkpoints and events.

In a run spanning several processes (``jaxgraph.distribute``) every process creates one with
the same arguments: the chief (``is_chief``, normally process 0) restores the latest checkpoint
of ``checkpoint_dir`` and its values are broadcast to the others (so all start from the same
checkpoint, and only the chief needs to see the directory); the checkpoint, summary and
step-counter hooks run on every process (each run is one program of all processes) but write on
the chief only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxgraph import summary
from jaxgraph.builder import get_default_graph
from jaxgraph.distribute import broadcast_from_chief, spans_processes
from jaxgraph.errors import OutOfRangeError
from jaxgraph.ir.dtypes import computed_as
from jaxgraph.platform import tf_logging as logging
from jaxgraph.session import Session
from jaxgraph.tracer import global_variables, global_variables_initializer, local_variables_initializer
from jaxgraph.train.hooks import (
    CheckpointSaverHook,
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
    StepCounterHook,
    SummarySaverHook,
)
from jaxgraph.train.saver import Saver, latest_checkpoint

_DEFAULT = object()


class _Coordinator:
    """The ``coord`` hooks get in ``after_create_session`` (TF1's ``tf.train.Coordinator``,
    reduced to stopping: jaxgraph runs no queue-runner threads)."""

    def __init__(self) -> None:
        self.stop_requested = False

    def request_stop(self, ex: BaseException | None = None) -> None:
        self.stop_requested = True

    def should_stop(self) -> bool:
        return self.stop_requested


class MonitoredSession:
    """TF1's ``tf.train.MonitoredSession``, as ``MonitoredTrainingSession`` makes it: ``run``
    (with the hooks), ``should_stop``, ``close``, ``graph``; as a context manager it closes on
    exit and, as TF1's, swallows OutOfRangeError (an input pipeline's end) and StopIteration."""

    def __init__(self, session: Session, hooks: list[SessionRunHook]) -> None:
        self._session, self._hooks = session, hooks
        self._coord = _Coordinator()
        for hook in hooks:
            hook.after_create_session(session, self._coord)
        self._stop = self._coord.should_stop()

    @property
    def graph(self) -> Any:
        return self._session.graph

    def should_stop(self) -> bool:
        """Whether a hook requested a stop (or the input ended, or the session is closed)."""
        return self._stop

    def run(
        self, fetches: Any, feed_dict: dict | None = None, options: Any = None, run_metadata: Any = None
    ) -> Any:
        """``Session.run`` with every hook's ``before_run`` fetches and feeds added, and its
        ``after_run`` called with their values; returns the values of ``fetches``."""
        context = SessionRunContext(SessionRunArgs(fetches, feed_dict, options), self._session)
        requests, feeds = {}, dict(feed_dict or {})
        for i, hook in enumerate(self._hooks):
            args = hook.before_run(context)
            if args is None:
                continue
            requests[i] = args.fetches
            for key, value in (args.feed_dict or {}).items():
                if key in feeds:
                    raise RuntimeError(
                        f"Same tensor is fed by a SessionRunHook and user (or another hook): {key}"
                    )
                feeds[key] = value
        try:
            outputs = self._session.run(
                {"caller": fetches, "hooks": requests}, feeds or None, options, run_metadata
            )
        except OutOfRangeError:
            self._stop = True
            raise
        for i, hook in enumerate(self._hooks):  # all of them, as TF1 (results None: asked for none)
            hook.after_run(context, SessionRunValues(outputs["hooks"].get(i), options, run_metadata))
        self._stop = self._stop or context.stop_requested
        return outputs["caller"]

    def close(self) -> None:
        """Calls every hook's ``end``, then closes the Session."""
        self._close(failed=False)

    def _close(self, failed: bool) -> None:
        try:
            if not failed:
                for hook in self._hooks:
                    hook.end(self._session)
        finally:
            self._stop = True
            self._session.close()

    def __enter__(self) -> MonitoredSession:
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        ended = kind is not None and issubclass(kind, (OutOfRangeError, StopIteration))
        self._close(failed=kind is not None and not ended)
        return ended


def MonitoredTrainingSession(  # noqa: N802 - TF1's name (a function in TF1 too)
    master: str = "", is_chief: bool = True, checkpoint_dir: str | None = None,
    hooks: list[SessionRunHook] | None = None, chief_only_hooks: list[SessionRunHook] | None = None,
    save_checkpoint_secs: Any = _DEFAULT, save_summaries_steps: Any = _DEFAULT,
    save_summaries_secs: Any = _DEFAULT, config: Any = None, stop_grace_period_secs: float = 120,
    log_step_count_steps: int | None = 100, max_wait_secs: float = 7200,
    save_checkpoint_steps: Any = _DEFAULT, summary_dir: str | None = None, *,
    mesh: Any = None, device: str | None = None,
) -> MonitoredSession:  # fmt: skip
    """TF1's ``tf.train.MonitoredTrainingSession``: a ``MonitoredSession`` on the default graph.

    It restores the latest checkpoint of ``checkpoint_dir`` if there is one, and otherwise runs
    the global and local Variables' initializers. The chief (``is_chief``) also saves
    checkpoints to ``checkpoint_dir`` (every ``save_checkpoint_steps`` steps or
    ``save_checkpoint_secs`` seconds; by default every 600 s, as TF1; ``None`` for neither),
    summaries to ``summary_dir`` (default ``checkpoint_dir``; every ``save_summaries_steps``,
    default 100) and logs ``global_step/sec`` every ``log_step_count_steps``; ``chief_only_hooks``
    run on the chief only and ``hooks`` everywhere. ``mesh`` / ``device`` go to the ``Session``
    (``mesh=jg.distribute.global_mesh()`` spans all processes: the module docstring says how the
    chief's duties work there). ``master`` (TF1's target), ``stop_grace_period_secs`` and
    ``max_wait_secs`` (for TF1's queue-runner threads and its workers' wait for the chief) have
    nothing to act on and are ignored; TF1's ``scaffold`` and ``save_graph_def`` are not provided.
    """
    del stop_grace_period_secs, max_wait_secs  # see the docstring
    if save_checkpoint_secs is _DEFAULT and save_checkpoint_steps is _DEFAULT:
        save_checkpoint_secs, save_checkpoint_steps = 600, None
    if save_summaries_secs is _DEFAULT and save_summaries_steps is _DEFAULT:
        save_summaries_secs, save_summaries_steps = None, 100
    save_checkpoint_secs, save_checkpoint_steps, save_summaries_secs, save_summaries_steps = (
        None if value is _DEFAULT else value
        for value in (save_checkpoint_secs, save_checkpoint_steps, save_summaries_secs, save_summaries_steps)
    )
    graph = get_default_graph()
    session = Session(master, graph=graph, config=config, mesh=mesh, device=device)
    multi = spans_processes(session)
    summary_dir = summary_dir or checkpoint_dir
    writing: list[SessionRunHook] = []
    counting = bool(log_step_count_steps and log_step_count_steps > 0)
    summarizing = bool(save_summaries_steps or save_summaries_secs)
    if (is_chief or multi) and summary_dir is not None and (counting or summarizing):
        writer = summary.FileWriter(summary_dir, graph=graph) if is_chief else None
        if counting:
            writing.append(StepCounterHook(log_step_count_steps, summary_writer=writer))
        if summarizing:
            writing.append(
                SummarySaverHook(
                    save_summaries_steps or None, save_summaries_secs or None, summary_dir, writer
                )
            )
    if (is_chief or multi) and checkpoint_dir is not None and (save_checkpoint_steps or save_checkpoint_secs):
        writing.append(
            CheckpointSaverHook(checkpoint_dir, save_checkpoint_secs or None, save_checkpoint_steps or None)
        )
    for hook in writing:
        hook._writes = is_chief
    all_hooks = [*(hooks or []), *(chief_only_hooks or [] if is_chief else []), *writing]
    with graph.as_default():
        for hook in all_hooks:
            hook.begin()
        init = [global_variables_initializer(), local_variables_initializer()]
        saver = Saver() if global_variables() else None
    _initialize(session, init, saver, checkpoint_dir if is_chief or not multi else None, multi)
    return MonitoredSession(session, all_hooks)


def _initialize(
    session: Session, init: list, saver: Saver | None, checkpoint_dir: str | None, multi: bool
) -> None:
    """Restores the latest checkpoint of ``checkpoint_dir`` (the chief's, in a multi-process run,
    broadcast to all), else runs the initializers."""
    path = latest_checkpoint(checkpoint_dir) if checkpoint_dir and saver is not None else None
    if multi:
        path_found = bool(broadcast_from_chief(np.int32(path is not None)))
    else:
        path_found = path is not None
    if not path_found:
        session.run(init)
        return
    if path is not None:
        logging.info("Restoring parameters from %s", path)
    if multi:
        _share_chief_values(session, saver, path)
    else:
        saver.restore(session, path)
    session.run(init[1:])  # as TF1: local Variables are initialized, not restored


class _Restored:
    """Stands in for the Session in ``Saver.restore`` on a multi-process run's chief: keeps the
    checkpoint's values on the host. Placing a value on a mesh that spans processes is itself a
    collective, so every process loads the broadcast values together, never the chief alone."""

    def __init__(self, graph: Any):
        self.graph = graph
        self.values: dict[str, np.ndarray] = {}
        self.key: np.ndarray | None = None

    def load_snapshot(self, values: dict[str, np.ndarray], key: np.ndarray | None) -> None:
        self.values, self.key = values, key


def _share_chief_values(session: Session, saver: Saver, path: str | None) -> None:
    """The chief's checkpoint ``path`` (Variables and RNG key), restored into every process's
    Session; ``path`` is None on the other processes."""
    with session.graph.as_default():
        variables = {v.op.name: v.handle.type for v in global_variables()}
    if path is not None:
        restored = _Restored(session.graph)
        saver.restore(restored, path)
        values = {
            name: np.asarray(restored.values[name], computed_as(t.dtype).np) for name, t in variables.items()
        }
        key = restored.key
    else:
        values = {name: np.zeros(tuple(t.shape), computed_as(t.dtype).np) for name, t in variables.items()}
        key = None
    has_key = bool(broadcast_from_chief(np.int32(key is not None)))
    values = broadcast_from_chief(values)
    if has_key:
        key = broadcast_from_chief(key if path is not None else np.zeros((2,), np.uint32))
    session.load_snapshot(values, key if has_key else None)
