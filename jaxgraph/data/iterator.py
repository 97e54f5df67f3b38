"""TF1's dataset iterators in graph mode: ``IteratorGetNext`` ops fed by the Session.

``iterator.get_next()`` adds one ``iterator_get_next`` op whose outputs are the element's
components (``IteratorGetNext:0``, ``:1`` ...). The op has no lowering: before each
``Session.run`` a feed hook (installed here, see ``Session.run``) finds the iterator ops the
fetches need and, in graph order, runs the initializers among them (``MakeIterator``) and
pulls ONE element per ``IteratorGetNext`` op, which then reaches the executable as the feed of
the op's outputs. So several fetches of the same ``get_next`` in one run see the same element,
as in TF1, and a run that needs no iterator op pulls nothing. At the end of the data the run
raises ``OutOfRangeError`` ("End of sequence") before anything executes, so it commits nothing.

An iterator's position belongs to a Session, as TF1's iterator resources do: each Session
reads a one-shot iterator from the start, and running an initializable iterator's
``initializer`` (with the ``feed_dict`` of the placeholders its dataset captured) restarts it
in that Session.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from collections.abc import Iterator as PyIterator
from typing import Any

import jax
import numpy as np

from jaxgraph.builder import Graph, get_default_graph
from jaxgraph.data import structure
from jaxgraph.data.dataset import Dataset, Element, PipelineRun, describe
from jaxgraph.errors import FailedPreconditionError, InvalidArgumentError, OutOfRangeError
from jaxgraph.ir.dtypes import as_dtype
from jaxgraph.ir.graph import Operation, Tensor
from jaxgraph.ir.opdef import FED, REQUIRED, op
from jaxgraph.ir.passes.pruning import needed
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType
from jaxgraph.ops.core import apply
from jaxgraph.session import Session
from jaxgraph.session import session as session_module
from jaxgraph.session.session import is_fetch_leaf

__all__ = [
    "Iterator",
    "get_output_shapes",
    "get_output_types",
    "make_initializable_iterator",
    "make_one_shot_iterator",
]


@op("iterator_get_next", "IteratorGetNext",
    attrs={"iterator": REQUIRED, "output_types": REQUIRED, "output_shapes": REQUIRED},
    parameter=True, stateful=True, unknown_rank=True, host=FED)  # fmt: skip
class IteratorGetNext:
    """The next element of an iterator: fed by the Session before each run (module docstring)."""

    def infer(*, iterator, output_types, output_shapes):
        return tuple(TensorType(d, TensorShape(s)) for d, s in zip(output_types, output_shapes, strict=True))

    def grad(op, *gs):
        return ()


@op("make_iterator", "MakeIterator", attrs={"iterator": REQUIRED}, stateful=True, jax_call="None")
class MakeIterator:
    """(Re)starts an iterator on a dataset; the Session's feed hook does it (module docstring)."""

    def infer(*, iterator):
        return None

    def lower(*, iterator):
        return ()


class _GraphIterators:
    """The iterator ops of one graph, with what a run needing each must do first."""

    def __init__(self) -> None:
        self.actions: dict[Operation, Callable[[Session, dict], dict[Tensor, np.ndarray]]] = {}
        self.needed: dict[tuple, list[Operation]] = {}
        """Per (fetches, feed keys): the iterator ops a run needs, initializers first."""

    def add(self, op: Operation, action: Callable[[Session, dict], dict[Tensor, np.ndarray]]) -> None:
        self.actions[op] = action
        self.needed.clear()

    def ops_for(self, graph: Graph, leaves: list, feed_dict: dict) -> list[Operation]:
        """The iterator ops a run of ``leaves`` with ``feed_dict`` needs; none when a fetch or
        feed key is not of the graph (the run itself then reports it)."""
        key = (tuple(leaves), tuple(feed_dict))
        try:
            return self.needed[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable fetch or feed key: the run reports it
            return []
        try:
            fetches = [graph.as_graph_element(x) for x in leaves]
            fed = {graph.as_graph_element(x) for x in feed_dict}
        except Exception:  # noqa: BLE001 - reported by the run with its context
            return []
        ops = [o for o in needed(fetches, fed) if o in self.actions]
        ops.sort(key=lambda o: (o.type != "make_iterator", o.index))
        self.needed[key] = ops
        return ops


_GRAPHS: weakref.WeakKeyDictionary[Graph, _GraphIterators] = weakref.WeakKeyDictionary()


def _register(op: Operation, action: Callable[[Session, dict], dict[Tensor, np.ndarray]]) -> None:
    iterators = _GRAPHS.get(op.graph)
    if iterators is None:  # the Sessions of this graph now call feed_elements
        iterators = _GRAPHS[op.graph] = _GraphIterators()
        session_module.FEED_HOOKS.changed()
    iterators.add(op, action)


def feed_elements(session: Session, fetches: Any, feed_dict: dict | None) -> dict | None:
    """The Session's feed hook: ``feed_dict`` plus one element per ``IteratorGetNext`` op the
    run needs, after running the initializers it needs (module docstring). Graphs without
    iterators return at once: the fetches are flattened only for graphs that have some."""
    iterators = _GRAPHS.get(session.graph)
    if iterators is None:
        return feed_dict
    leaves = jax.tree_util.tree_leaves(fetches, is_leaf=is_fetch_leaf)
    ops = iterators.ops_for(session.graph, leaves, feed_dict or {})
    if not ops:
        return feed_dict
    feeds = dict(feed_dict or {})
    for iterator_op in ops:
        feeds.update(iterators.actions[iterator_op](session, feed_dict or {}))
    return feeds


class Iterator:
    """TF1's ``tf.data.Iterator``: reads a dataset's elements, one per ``Session.run`` that
    needs ``get_next()``'s tensors. Made by ``make_one_shot_iterator``,
    ``make_initializable_iterator`` or ``Iterator.from_structure`` (reinitializable: its
    ``make_initializer(dataset)`` ops switch it between datasets of the same types)."""

    def __init__(self, template: Any, specs: list[TensorType], dataset: Dataset | None,
                 initializable: bool, shared_name: str | None = None) -> None:  # fmt: skip
        self._graph = get_default_graph()
        self._template, self._specs = template, specs
        self._name = shared_name or self._graph.unique_name("Iterator")
        self._one_shot = dataset if not initializable else None
        self._positions: weakref.WeakKeyDictionary[Session, PyIterator[Element]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._initializer = self.make_initializer(dataset) if initializable and dataset is not None else None

    @property
    def output_types(self) -> Any:
        """The element's component dtypes (TF1's ``Iterator.output_types``)."""
        return structure.pack(self._template, [s.dtype for s in self._specs])

    @property
    def output_shapes(self) -> Any:
        """The element's component shapes (TF1's ``Iterator.output_shapes``)."""
        return structure.pack(self._template, [s.shape for s in self._specs])

    @property
    def initializer(self) -> Operation:
        """The op that (re)starts an initializable iterator in the Session that runs it, with
        the ``feed_dict`` of that run feeding the placeholders its dataset captured."""
        if self._initializer is None:
            raise InvalidArgumentError(
                f"iterator '{self._name}' has no initializer: it is one-shot (it starts by itself), "
                "or reinitializable (run one of its make_initializer(dataset) ops)"
            )
        return self._initializer

    @staticmethod
    def from_structure(
        output_types: Any, output_shapes: Any = None, shared_name: str | None = None
    ) -> Iterator:
        """TF1's ``Iterator.from_structure``: an iterator of elements of these types, started on
        a dataset by running ``make_initializer(dataset)``."""
        template = structure.map_structure(lambda _: None, output_types)
        dtypes = [as_dtype(d) for d in structure.flatten(output_types)]
        if output_shapes is None:
            shapes = [UNKNOWN_RANK] * len(dtypes)
        else:
            shapes = [
                TensorShape(s) for s in structure.flatten(structure.map_structure(_shape_leaf, output_shapes))
            ]
        specs = [TensorType(d, s) for d, s in zip(dtypes, shapes, strict=True)]
        return Iterator(template, specs, None, initializable=True, shared_name=shared_name)

    def make_initializer(self, dataset: Dataset, name: str | None = None) -> Operation:
        """TF1's ``Iterator.make_initializer``: an op that restarts this iterator on ``dataset``
        (whose element types must fit the iterator's) in the Session that runs it."""
        if [s.dtype for s in dataset._specs] != [s.dtype for s in self._specs] or not all(
            a.shape is UNKNOWN_RANK or b.shape is UNKNOWN_RANK or a.shape.is_compatible_with(b.shape)
            for a, b in zip(dataset._specs, self._specs, strict=False)
        ):
            raise InvalidArgumentError(
                f"cannot initialize iterator '{self._name}' of element types "
                f"{describe(self._template, self._specs)} with a dataset of element types "
                f"{describe(dataset._template, dataset._specs)}"
            )
        initializer = apply("make_iterator", [], name, iterator=self._name)
        _register(initializer, lambda session, feed_dict: self._start(session, dataset, feed_dict))
        return initializer

    def get_next(self, name: str | None = None) -> Any:
        """TF1's ``Iterator.get_next``: the next element's tensors, in its structure; each run
        that needs them reads one element (module docstring), OutOfRangeError at the end."""
        next_op = apply("iterator_get_next", [], name, iterator=self._name,
                        output_types=tuple(s.dtype for s in self._specs),
                        output_shapes=tuple(None if s.shape is UNKNOWN_RANK else tuple(s.shape) for s in self._specs))  # fmt: skip
        _register(next_op, lambda session, feed_dict: self._pull(session, next_op))
        return structure.pack(self._template, list(next_op.outputs))

    def _start(self, session: Session, dataset: Dataset, feed_dict: dict) -> dict[Tensor, np.ndarray]:
        """Restarts this iterator in ``session`` on ``dataset``, evaluating the tensors it
        captured with ``feed_dict``."""
        captured = dataset._captured()
        values = session.run(captured, feed_dict=feed_dict) if captured else []
        run = PipelineRun({t: np.asarray(v) for t, v in zip(captured, values, strict=True)})
        with self._lock:
            self._positions[session] = dataset._elements(run)
        return {}

    def _pull(self, session: Session, next_op: Operation) -> dict[Tensor, np.ndarray]:
        """The feeds of ``next_op``'s outputs: the next element in ``session``."""
        with self._lock:
            position = self._positions.get(session)
        if position is None and self._one_shot is None:
            raise FailedPreconditionError(
                "GetNext() failed because the iterator has not been initialized. Ensure that you "
                "have run the initializer operation for this iterator before getting the next element.",
                next_op,
            )
        if position is None:
            self._start(session, self._one_shot, {})
            position = self._positions[session]
        with self._lock:
            try:
                element = next(position)
            except StopIteration:
                raise OutOfRangeError("End of sequence", next_op) from None
            except InvalidArgumentError as e:
                raise InvalidArgumentError(e.message, e.op or next_op) from None
        return dict(zip(next_op.outputs, element, strict=True))


def _shape_leaf(shape: Any) -> Any:
    """A shape written as a tuple or list, kept whole (a leaf) by ``structure``."""
    return TensorShape(shape) if isinstance(shape, (tuple, list)) else shape


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """TF1's ``tf.data.make_one_shot_iterator`` / ``Dataset.make_one_shot_iterator``: an
    iterator that starts by itself in each Session; its dataset may not capture placeholders
    (nothing could feed them), as in TF1."""
    placeholders = [o for o in needed(dataset._captured(), set()) if o.type == "placeholder"]
    if placeholders:
        first = placeholders[0]
        raise InvalidArgumentError(
            f"Cannot capture a placeholder (name:{first.name}, type:Placeholder) by value: a "
            "one-shot iterator cannot be fed; use make_initializable_iterator and feed the "
            "placeholder when running its initializer",
            first,
        )
    return Iterator(dataset._template, dataset._specs, dataset, initializable=False)


def make_initializable_iterator(dataset: Dataset, shared_name: str | None = None) -> Iterator:
    """TF1's ``tf.data.make_initializable_iterator`` / ``Dataset.make_initializable_iterator``:
    an iterator started (and restarted) by running its ``initializer``, whose run's
    ``feed_dict`` feeds the placeholders the dataset captured."""
    return Iterator(dataset._template, dataset._specs, dataset, initializable=True, shared_name=shared_name)


def get_output_types(dataset_or_iterator: Dataset | Iterator) -> Any:
    """TF1's ``tf.data.get_output_types``: ``output_types`` of a dataset or iterator."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator: Dataset | Iterator) -> Any:
    """TF1's ``tf.data.get_output_shapes``: ``output_shapes`` of a dataset or iterator."""
    return dataset_or_iterator.output_shapes


Dataset.make_one_shot_iterator = make_one_shot_iterator  # TF1's methods of the same names
Dataset.make_initializable_iterator = make_initializable_iterator
session_module.FEED_HOOKS.add(feed_elements, wants=lambda session: session.graph in _GRAPHS)
