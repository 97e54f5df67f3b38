"""``FileWriter``: TensorBoard event files, written with tensorboard's protos and its record writer
over a plain file (no TensorFlow, no background thread).

Events are written as they come and flushed every ``max_queue`` events, every ``flush_secs``
seconds (checked when an event is added), on ``flush()`` and on ``close()``.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from typing import Any

import numpy as np
from tensorboard.compat.proto import event_pb2, graph_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

from jaxgraph.errors import FailedPreconditionError, InvalidArgumentError
from jaxgraph.ir.graph import Graph, Tensor
from jaxgraph.summary.graph_def import to_graph_def
from jaxgraph.summary.summaries import Summaries

HISTOGRAM_BUCKETS = 30
"""Equal-width buckets between a histogram's min and max (as tensorboard's own summaries)."""

_file_ids = itertools.count()


class FileWriter:
    """TF1's ``tf.summary.FileWriter(logdir, graph=None)``: one event file in ``logdir``.

    ``add_graph`` writes a Graph (TensorBoard's Graphs tab), ``add_summary`` what running
    ``jg.summary.*`` gave (or a Summary proto / its bytes), ``add_scalar`` a plain number.
    """

    def __init__(self, logdir: str | os.PathLike, graph: Graph | graph_pb2.GraphDef | None = None,
                 max_queue: int = 10, flush_secs: float = 120, filename_suffix: str = "") -> None:  # fmt: skip
        self.logdir = os.fspath(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}"
            f".{next(_file_ids)}{filename_suffix}"
        )
        self.path = os.path.join(self.logdir, name)
        self._records = RecordWriter(open(self.path, "wb"))  # noqa: SIM115 - closed by close()
        self._lock = threading.Lock()
        self._closed = False
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._pending = 0
        self._last_flush = time.time()
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()
        if graph is not None:
            self.add_graph(graph)

    def get_logdir(self) -> str:
        return self.logdir

    def add_event(self, event: event_pb2.Event) -> None:
        """Appends one Event proto."""
        with self._lock:
            if self._closed:
                raise FailedPreconditionError(f"the FileWriter for {self.logdir} is closed")
            self._records.write(event.SerializeToString())
            self._pending += 1
            if self._pending >= self._max_queue or time.time() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def add_graph(self, graph: Graph | graph_pb2.GraphDef, global_step: int | None = None) -> None:
        """Writes ``graph`` (a jaxgraph Graph or a GraphDef) for TensorBoard's Graphs tab."""
        graph_def = graph if isinstance(graph, graph_pb2.GraphDef) else to_graph_def(graph)
        self.add_event(self._event(global_step, graph_def=graph_def.SerializeToString()))

    def add_summary(self, summary: Any, global_step: int | None = None) -> None:
        """Writes the values of ``jg.summary.*`` ops (``sess.run(merged)``), a Summary proto, or
        its serialized bytes, at step ``global_step``."""
        if isinstance(summary, (bytes, bytearray)):
            summary = summary_pb2.Summary.FromString(bytes(summary))
        elif isinstance(summary, Summaries):
            summary = summary_proto(summary)
        elif not isinstance(summary, summary_pb2.Summary):
            raise InvalidArgumentError(
                f"add_summary expects what running jg.summary.* gives, a Summary proto or bytes; got {summary!r}"
            )
        self.add_event(self._event(global_step, summary=summary))

    def add_scalar(self, tag: str, value: Any, step: int | None = None) -> None:
        """Writes the plain number ``value`` under ``tag`` at ``step``."""
        self.add_summary(summary_proto(Summaries({tag: value}, {tag: "scalar"})), step)

    def flush(self) -> None:
        """Writes everything added so far to disk."""
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def close(self) -> None:
        """Flushes and closes the event file (further adds raise FailedPreconditionError)."""
        with self._lock:
            if not self._closed:
                self._flush_locked()
                self._records.close()
                self._closed = True

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _flush_locked(self) -> None:
        self._records.flush()
        self._pending = 0
        self._last_flush = time.time()

    @staticmethod
    def _event(step: int | None, **fields: Any) -> event_pb2.Event:
        return event_pb2.Event(wall_time=time.time(), step=int(step or 0), **fields)


def summary_proto(summaries: Summaries) -> summary_pb2.Summary:
    """A Summary proto (TF1's ``tf.Summary``) from run results: ``simple_value`` for scalars,
    ``histo`` for histograms. jaxgraph's own; TF1 runs summary ops to get the serialized proto."""
    values = []
    for tag, value in summaries.items():
        if isinstance(value, Tensor):
            raise InvalidArgumentError(
                f"summary '{tag}' is a Tensor: run it first, writer.add_summary(sess.run(summary), step)"
            )
        if summaries.kinds[tag] == "histogram":
            values.append(summary_pb2.Summary.Value(tag=tag, histo=histogram_proto(tag, value)))
        else:
            values.append(summary_pb2.Summary.Value(tag=tag, simple_value=float(np.asarray(value))))
    return summary_pb2.Summary(value=values)


def histogram_proto(tag: str, values: Any) -> summary_pb2.HistogramProto:
    """The histogram of ``values`` in ``HISTOGRAM_BUCKETS`` equal-width buckets; NaN or Inf
    raise InvalidArgumentError (as TF1's histogram summary does)."""
    array = np.asarray(values, np.float64).reshape(-1)
    if not np.all(np.isfinite(array)):
        raise InvalidArgumentError(f"NaN or Inf in summary histogram for: {tag}")
    if array.size == 0:
        return summary_pb2.HistogramProto()
    low, high = float(array.min()), float(array.max())
    span = (low, high) if high > low else (low - 0.5, high + 0.5)
    counts, edges = np.histogram(array, bins=HISTOGRAM_BUCKETS, range=span)
    return summary_pb2.HistogramProto(
        min=low,
        max=high,
        num=float(array.size),
        sum=float(array.sum()),
        sum_squares=float(np.square(array).sum()),
        bucket_limit=edges[1:].tolist(),
        bucket=counts.astype(np.float64).tolist(),
    )
