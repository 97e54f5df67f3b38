"""TF1's ``tf.train.SessionRunHook`` and its standard hooks, for ``MonitoredTrainingSession``.

A hook sees each run: ``before_run`` may add fetches and feeds (``SessionRunArgs``),
``after_run`` gets their values (``SessionRunValues``) and may ``request_stop`` through the
``SessionRunContext``. The global step a hook fetches with the train op is the step after that
run (jaxgraph reads a Variable after the run's updates), so, unlike TF1's, these hooks need no
second run to read it: in a multi-process run every process then runs the same programs.

In a run spanning several processes every process must run the same programs (one SPMD program
per run), so hooks that add fetches must trigger on the same steps everywhere: triggers by
steps, not seconds (``every_n_secs`` / ``save_secs`` of the summary and logging hooks raise
InvalidArgumentError there; a checkpoint's timing changes no run, so ``save_secs`` is allowed).
Writing hooks write on the chief only (``MonitoredTrainingSession`` sets that).
"""

from __future__ import annotations

import os
import time
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from jaxgraph import summary
from jaxgraph.distribute import spans_processes
from jaxgraph.errors import InvalidArgumentError, JaxGraphError
from jaxgraph.platform import tf_logging as logging
from jaxgraph.train.optimizer import get_global_step
from jaxgraph.train.saver import Saver


class SessionRunArgs(namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """TF1's ``tf.train.SessionRunArgs(fetches, feed_dict=None, options=None)``: what a hook adds
    to a run."""

    def __new__(cls, fetches: Any, feed_dict: dict | None = None, options: Any = None) -> SessionRunArgs:
        return super().__new__(cls, fetches, feed_dict, options)


SessionRunValues = namedtuple("SessionRunValues", ["results", "options", "run_metadata"])
SessionRunValues.__doc__ = """TF1's ``tf.train.SessionRunValues``: ``results`` holds the values of
the fetches the hook's ``before_run`` asked for."""


class SessionRunContext:
    """TF1's ``tf.train.SessionRunContext``: the run's ``original_args`` (the caller's
    ``SessionRunArgs``), the raw ``session``, and ``request_stop()``."""

    def __init__(self, original_args: SessionRunArgs, session: Any) -> None:
        self.original_args = original_args
        self.session = session
        self.stop_requested = False

    def request_stop(self) -> None:
        """Asks the MonitoredSession to stop: its ``should_stop()`` returns True after this run."""
        self.stop_requested = True


class SessionRunHook:
    """TF1's ``tf.train.SessionRunHook``: ``begin``, ``after_create_session``, ``before_run``,
    ``after_run``, ``end``; every method does nothing by default."""

    def begin(self) -> None:
        """Called once before the Session exists; the graph may still be changed."""

    def after_create_session(self, session: Any, coord: Any) -> None:
        """Called once the Session is initialized or restored; ``coord.request_stop()`` stops
        before the first run."""

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs | None:
        """Called before each run; returns what to add to it (or None)."""
        return None

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        """Called after each successful run with the values of the added fetches."""

    def end(self, session: Any) -> None:
        """Called when the MonitoredSession closes without an error."""


class NanLossDuringTrainingError(JaxGraphError, RuntimeError):
    """TF1's ``tf.train.NanLossDuringTrainingError``: the loss became NaN (``NanTensorHook``)."""

    def __str__(self) -> str:
        return "NaN loss during training."


class _StepTimer:
    """Whether a trigger every ``every_steps`` steps or ``every_secs`` seconds is due (TF1's
    ``SecondOrStepTimer``): the first step always is."""

    def __init__(self, every_secs: float | None = None, every_steps: int | None = None) -> None:
        if (every_secs is None) == (every_steps is None):
            raise InvalidArgumentError("exactly one of every_n_secs and every_n_steps should be provided.")
        self.every_secs, self.every_steps = every_secs, every_steps
        self.last_time: float | None = None
        self.last_step: int | None = None

    def should_trigger_for_step(self, step: int) -> bool:
        if self.last_step is None:
            return True
        if self.last_step == step:
            return False
        if self.every_secs is not None:
            return time.time() >= self.last_time + self.every_secs
        return step >= self.last_step + self.every_steps

    def update_last_triggered_step(self, step: int) -> float | None:
        """Records a trigger at ``step``; returns the seconds since the previous one (None first)."""
        now = time.time()
        elapsed = None if self.last_time is None else now - self.last_time
        self.last_time, self.last_step = now, step
        return elapsed


def _global_step_tensor(hook: str) -> Any:
    step = get_global_step()
    if step is None:
        raise InvalidArgumentError(f"Global step should be created to use {hook}.")
    return step


def _steps_only(hook: str, secs: float | None, session: Any) -> None:
    """Time-based triggers that add fetches would make processes run different programs."""
    if secs is not None and spans_processes(session):
        raise InvalidArgumentError(
            f"{hook} with seconds in a multi-process run: every process must run the same programs, "
            "so trigger it every N steps instead"
        )


class StopAtStepHook(SessionRunHook):
    """TF1's ``tf.train.StopAtStepHook(num_steps=None, last_step=None)``: requests a stop once
    the global step reaches ``last_step`` (or ``num_steps`` past its value at the start)."""

    def __init__(self, num_steps: int | None = None, last_step: int | None = None) -> None:
        if num_steps is None and last_step is None:
            raise InvalidArgumentError("One of num_steps or last_step must be specified.")
        if num_steps is not None and last_step is not None:
            raise InvalidArgumentError("Only one of num_steps or last_step can be specified.")
        self._num_steps, self._last_step = num_steps, last_step

    def begin(self) -> None:
        self._global_step = _global_step_tensor("StopAtStepHook")

    def after_create_session(self, session: Any, coord: Any) -> None:
        step = int(session.run(self._global_step))
        if self._last_step is None:
            self._last_step = step + self._num_steps
        if step >= self._last_step:  # restored at or past the last step: no run at all
            coord.request_stop()

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        if int(run_values.results) >= self._last_step:
            run_context.request_stop()


class LoggingTensorHook(SessionRunHook):
    """TF1's ``tf.train.LoggingTensorHook(tensors, every_n_iter=None, every_n_secs=None,
    at_end=False, formatter=None)``: logs ``"name = value, ..."`` (INFO) every N runs or seconds,
    and at the end if ``at_end``. ``tensors``: a dict ``{tag: tensor or name}`` or a list."""

    def __init__(self, tensors: Mapping[str, Any] | Sequence[Any], every_n_iter: int | None = None,
                 every_n_secs: float | None = None, at_end: bool = False,
                 formatter: Callable[[dict], str] | None = None) -> None:  # fmt: skip
        only_at_end = at_end and every_n_iter is None and every_n_secs is None
        if not only_at_end and (every_n_iter is None) == (every_n_secs is None):
            raise InvalidArgumentError(
                "either at_end and/or exactly one of every_n_iter and every_n_secs must be provided."
            )
        if every_n_iter is not None and every_n_iter <= 0:
            raise InvalidArgumentError(f"invalid every_n_iter={every_n_iter}.")
        if not isinstance(tensors, Mapping):
            tensors = {getattr(t, "name", t): t for t in tensors}
        self._tensors = dict(tensors)
        self._timer = None if only_at_end else _StepTimer(every_n_secs, every_n_iter)
        self._secs, self._at_end, self._formatter = every_n_secs, at_end, formatter

    def begin(self) -> None:
        self._iteration = 0

    def after_create_session(self, session: Any, coord: Any) -> None:
        _steps_only("LoggingTensorHook", self._secs, session)

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs | None:
        self._due = self._timer is not None and self._timer.should_trigger_for_step(self._iteration)
        return SessionRunArgs(self._tensors) if self._due else None

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        if self._due:
            self._log(run_values.results, self._timer.update_last_triggered_step(self._iteration))
        self._iteration += 1

    def end(self, session: Any) -> None:
        if self._at_end:
            self._log(session.run(self._tensors), None)

    def _log(self, values: dict, elapsed: float | None) -> None:
        if self._formatter is not None:
            logging.info(self._formatter(values))
            return
        text = ", ".join(f"{tag} = {np.asarray(values[tag])}" for tag in self._tensors)
        if elapsed is None:
            logging.info("%s", text)
        else:
            logging.info("%s (%.3f sec)", text, elapsed)


class NanTensorHook(SessionRunHook):
    """TF1's ``tf.train.NanTensorHook(loss_tensor, fail_on_nan_loss=True)``: fetches the loss at
    every run; a NaN raises NanLossDuringTrainingError (or, with ``fail_on_nan_loss=False``,
    logs an error and requests a stop)."""

    def __init__(self, loss_tensor: Any, fail_on_nan_loss: bool = True) -> None:
        self._loss, self._fail = loss_tensor, fail_on_nan_loss

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(self._loss)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        if np.isnan(np.asarray(run_values.results)).any():
            if self._fail:
                raise NanLossDuringTrainingError("NaN loss during training.")
            logging.error("Model diverged with loss = NaN.")
            run_context.request_stop()


class CheckpointSaverHook(SessionRunHook):
    """TF1's ``tf.train.CheckpointSaverHook(checkpoint_dir, save_secs=None, save_steps=None,
    saver=None, checkpoint_basename="model.ckpt")``: saves ``checkpoint_dir/model.ckpt-<step>``
    when the Session starts, every ``save_steps`` steps or ``save_secs`` seconds, and at the end.
    TF1's ``scaffold`` and ``listeners`` are not provided."""

    def __init__(self, checkpoint_dir: str, save_secs: float | None = None, save_steps: int | None = None,
                 saver: Saver | None = None, checkpoint_basename: str = "model.ckpt") -> None:  # fmt: skip
        if (save_secs is None) == (save_steps is None):
            raise InvalidArgumentError("exactly one of save_secs and save_steps should be provided.")
        self._dir, self._saver = checkpoint_dir, saver
        self._path = os.path.join(checkpoint_dir, checkpoint_basename)
        self._timer = _StepTimer(save_secs, save_steps)
        self._writes = True
        """False on a multi-process run's other processes: they run the same programs, the chief writes."""

    def begin(self) -> None:
        self._global_step = _global_step_tensor("CheckpointSaverHook")
        if self._saver is None:
            self._saver = Saver()

    def after_create_session(self, session: Any, coord: Any) -> None:
        self._save(session, int(session.run(self._global_step)))

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        step = int(run_values.results)
        if self._timer.should_trigger_for_step(step):
            self._save(run_context.session, step)

    def end(self, session: Any) -> None:
        step = int(session.run(self._global_step))
        if step != self._timer.last_step:
            self._save(session, step)

    def _save(self, session: Any, step: int) -> None:
        self._timer.update_last_triggered_step(step)
        if self._writes:
            os.makedirs(self._dir, exist_ok=True)
            logging.info("Saving checkpoints for %d into %s.", step, self._path)
            self._saver.save(session, self._path, global_step=step)


class SummarySaverHook(SessionRunHook):
    """TF1's ``tf.train.SummarySaverHook(save_steps=None, save_secs=None, output_dir=None,
    summary_writer=None, summary_op=None)``: runs ``summary_op`` (default: every summary of the
    graph, ``jg.summary.merge_all()``) every N steps or seconds and writes it to an event file
    at the global step. TF1's ``scaffold`` is not provided."""

    def __init__(self, save_steps: int | None = None, save_secs: float | None = None,
                 output_dir: str | None = None, summary_writer: Any = None, summary_op: Any = None) -> None:  # fmt: skip
        if (save_secs is None) == (save_steps is None):
            raise InvalidArgumentError("exactly one of save_secs and save_steps should be provided.")
        if output_dir is None and summary_writer is None:
            raise InvalidArgumentError("exactly one of output_dir and summary_writer should be provided.")
        self._timer, self._secs = _StepTimer(save_secs, save_steps), save_secs
        self._output_dir, self._writer, self._summary_op = output_dir, summary_writer, summary_op
        self._writes = True
        """False on a multi-process run's other processes (see ``CheckpointSaverHook``)."""

    def begin(self) -> None:
        self._global_step = _global_step_tensor("SummarySaverHook")
        if self._summary_op is None:
            self._summary_op = summary.merge_all()
        if self._writer is None and self._writes:
            self._writer = summary.FileWriter(self._output_dir, graph=self._global_step.graph)
        self._step: int | None = None

    def after_create_session(self, session: Any, coord: Any) -> None:
        _steps_only("SummarySaverHook", self._secs, session)
        self._step = int(session.run(self._global_step))

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        self._due = self._summary_op is not None and self._timer.should_trigger_for_step(self._step + 1)
        requests = {"global_step": self._global_step}
        if self._due:
            requests["summary"] = self._summary_op
        return SessionRunArgs(requests)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        self._step = int(run_values.results["global_step"])
        if self._due:
            self._timer.update_last_triggered_step(self._step)
            if self._writes:
                self._writer.add_summary(run_values.results["summary"], self._step)

    def end(self, session: Any) -> None:
        if self._writes:
            self._writer.flush()


class StepCounterHook(SessionRunHook):
    """TF1's ``tf.train.StepCounterHook(every_n_steps=100, output_dir=None,
    summary_writer=None)``: logs ``global_step/sec`` every N steps (and writes it as a summary
    when given a writer or an output directory)."""

    def __init__(
        self, every_n_steps: int = 100, output_dir: str | None = None, summary_writer: Any = None
    ) -> None:
        self._timer = _StepTimer(every_steps=every_n_steps)
        self._output_dir, self._writer = output_dir, summary_writer
        self._writes = True

    def begin(self) -> None:
        self._global_step = _global_step_tensor("StepCounterHook")
        if self._writer is None and self._output_dir is not None and self._writes:
            self._writer = summary.FileWriter(self._output_dir)

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs:
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context: SessionRunContext, run_values: SessionRunValues) -> None:
        step = int(run_values.results)
        if not self._timer.should_trigger_for_step(step):
            return
        last = self._timer.last_step
        elapsed = self._timer.update_last_triggered_step(step)
        if elapsed and last is not None and self._writes:
            rate = (step - last) / elapsed
            logging.info("global_step/sec: %g", rate)
            if self._writer is not None:
                self._writer.add_scalar("global_step/sec", rate, step)
