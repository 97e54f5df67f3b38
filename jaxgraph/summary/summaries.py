"""Summary ops: ``scalar``, ``histogram``, ``merge``, ``merge_all``.

jaxgraph has no string tensors, so a summary is not TF1's serialized-proto tensor. Instead a
summary op passes its tensor through under the summary's name (its tag, scoped like any op
name: ``train/loss``), and the builders return a ``Summaries`` — a dict ``tag -> Tensor`` that
``Session.run`` fetches like any structure, giving ``tag -> value``. ``FileWriter.add_summary``
turns those values into TensorBoard Summary protos. The TF1 pattern is unchanged::

    jg.summary.scalar("loss", loss)
    merged = jg.summary.merge_all()
    summary, _ = sess.run([merged, train_op], feed_dict=...)
    writer.add_summary(summary, step)

Summary ops run only when fetched, as in TF1, and have no gradient. A name with characters a
tag cannot hold is rewritten as TF1 does (``clean_tag``: ``"W1:0"`` becomes ``"W1_0"``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import jax

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import declare
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops.core import apply1, require
from jaxgraph.tracer.graph_collections import GraphKeys

SUMMARIES = GraphKeys.SUMMARIES
"""The graph collection summary tensors are added to (TF1's ``GraphKeys.SUMMARIES``)."""

KINDS = {"scalar_summary": "scalar", "histogram_summary": "histogram"}
"""Summary op type -> the kind of TensorBoard summary it becomes."""


def _declare(op_type: str, default_name: str, scalar: bool) -> None:
    def infer(x: TensorType) -> TensorType:
        require(
            (x.dtype.is_floating or x.dtype.is_integer) and not x.ref,
            f"{op_type} needs a real number tensor, got {x}",
        )
        if scalar:
            require(len(x.shape) == 0, f"a scalar summary needs a scalar (rank 0) tensor, got {x}")
        return TensorType(x.dtype, x.shape)

    declare(op_type, default_name, infer, lambda x: x, None)


_declare("scalar_summary", "ScalarSummary", scalar=True)
_declare("histogram_summary", "HistogramSummary", scalar=False)


class Summaries(dict):
    """``tag -> Tensor`` (what summary builders return) or ``tag -> value`` (what running them
    gives); ``kinds`` maps each tag to ``"scalar"`` or ``"histogram"``. A pytree, so it can be
    fetched inside any structure. jaxgraph's own; TF1's summary ops return serialized
    ``tf.Summary`` strings instead."""

    def __init__(self, values: Mapping[str, Any] = (), kinds: Mapping[str, str] = ()):
        super().__init__(values)
        self.kinds = dict(kinds)

    def __repr__(self) -> str:
        return f"Summaries({dict(self)!r})"


jax.tree_util.register_pytree_node(
    Summaries,
    lambda s: (list(s.values()), (tuple(s), tuple(s.kinds[tag] for tag in s))),
    lambda aux, values: Summaries(dict(zip(aux[0], values)), dict(zip(*aux))),
)


_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


def clean_tag(name: str) -> str:
    """``name`` as a summary tag, as TF1 makes it (``summary_op_util.clean_tag``): every
    character other than a word character, ``-``, ``/`` and ``.`` replaced by ``_``, and
    leading slashes dropped; a changed name is logged at INFO on the ``jaxgraph`` logger with
    TF1's message ("Summary name W1:0 is illegal; using W1_0 instead.")."""
    cleaned = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
    if cleaned != name:
        logging.getLogger("jaxgraph").info("Summary name %s is illegal; using %s instead.", name, cleaned)
    return cleaned


def _summary(op_type: str, name: str, tensor: Any, collections: Iterable[str] | None) -> Summaries:
    out = apply1(op_type, [tensor], clean_tag(name) if isinstance(name, str) else name)
    graph = out.graph
    for key in collections if collections is not None else (SUMMARIES,):
        graph.add_to_collection(key, out)
    return _from_tensors([out])


def scalar(name: str, tensor: Any, collections: Iterable[str] | None = None) -> Summaries:
    """TF1's ``tf.summary.scalar``: records a rank-0 tensor under the tag ``name`` (scoped)."""
    return _summary("scalar_summary", name, tensor, collections)


def histogram(name: str, values: Any, collections: Iterable[str] | None = None) -> Summaries:
    """TF1's ``tf.summary.histogram``: records the distribution of a tensor's values."""
    return _summary("histogram_summary", name, values, collections)


def _from_tensors(tensors: Iterable[Tensor]) -> Summaries:
    return merge([Summaries({t.op.name: t}, {t.op.name: KINDS[t.op.type]}) for t in tensors])


def merge(inputs: Iterable[Summaries]) -> Summaries:
    """One ``Summaries`` holding every tag of ``inputs`` (tags must be distinct); TF1's
    ``tf.summary.merge``."""
    merged = Summaries()
    for summaries in inputs:
        if not isinstance(summaries, Summaries):
            raise InvalidArgumentError(f"merge expects what jg.summary.* return, got {summaries!r}")
        for tag, value in summaries.items():
            if tag in merged:
                raise InvalidArgumentError(f"duplicate summary tag '{tag}' in merge")
            merged[tag] = value
            merged.kinds[tag] = summaries.kinds[tag]
    return merged


def merge_all(key: str = SUMMARIES) -> Summaries | None:
    """Every summary of the default graph's collection ``key``; None when there is none (TF1)."""
    tensors = get_default_graph().get_collection(key)
    return _from_tensors(tensors) if tensors else None
