"""TF1's ``tf.data.Dataset`` for graph-mode programs: an input pipeline run on the host.

Design. A Dataset is a recipe, not graph ops: each node (a source such as ``from_tensor_slices``
or a transformation such as ``batch``) knows its elements' structure and static types
(``output_types`` / ``output_shapes``, TF1's properties) and yields elements as flat lists of
NumPy arrays. An iterator (``jaxgraph.data.iterator``) adds one ``IteratorGetNext`` op to the
graph; each ``Session.run`` that needs it pulls one element from the pipeline and feeds it to
the compiled step like any other feed, so the XLA executable is compiled once per element
signature (a smaller last batch compiles once more, listed in ``Session.recompile_reasons``).

Why the host: TF1 also runs input pipelines on the CPU, beside the step, and everything they
do (shuffling buffers, generators, batching with a short last batch) is sequential and
data-dependent, which XLA cannot express without recompiling. NumPy arrays given to
``from_tensor_slices`` stay NumPy arrays (never embedded in the graph as constants, so no
2 GB graph limit); tensors given to it (constants, placeholders fed to the initializer) are
evaluated by the Session when the iterator is initialized.

``map`` and ``filter`` functions are traced ONCE, when the transformation is built (as TF1
does), into a small private graph with one placeholder per element component; each element
then runs that graph through a private CPU Session, whose executable is compiled once per
element signature and cached. That costs one XLA call per element (tens of microseconds):
cheap next to a training step, and exact TF1 semantics (any jaxgraph op, random ops included).
``map`` after ``batch`` runs once per batch. A map function cannot read tensors of the outer
graph (its private graph refuses them); pass such values in the dataset instead.

``shuffle`` uses TF's buffer algorithm (fill ``buffer_size`` elements, emit a random one, refill)
with NumPy's generator, seeded from the graph seed and the op seed as TF1 seeds random ops:
deterministic when either is set, but not the same permutation as TensorFlow's Philox stream.
``prefetch`` is accepted and changes nothing: the pipeline produces an element when a run
needs it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from jaxgraph.builder import Graph, get_default_graph
from jaxgraph.data import structure
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.dtypes import as_dtype, bool_, int64
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.shapes import UNKNOWN_RANK, TensorShape, TensorType
from jaxgraph.ops.construction import placeholder
from jaxgraph.ops.core import convert_to_tensor, is_tensor, to_numpy
from jaxgraph.ops.random import op_seed
from jaxgraph.session import Session

__all__ = ["Dataset"]

Element = list[np.ndarray]
"""One element of a pipeline: its components' values, flattened in ``tf.nest`` order."""


class PipelineRun:
    """What one initialization of an iterator gives its pipeline: the values of the tensors the
    datasets captured, and each shuffle's random generator (kept across ``repeat`` passes)."""

    def __init__(self, values: dict[Tensor, np.ndarray]) -> None:
        self.values = values
        self.generators: dict[Any, np.random.Generator] = {}


class Dataset:
    """TF1's ``tf.data.Dataset``: a sequence of elements, each a structure (tuples, dicts) of
    arrays, built from sources and transformations and read in graph mode through an iterator
    (``make_one_shot_iterator``, ``make_initializable_iterator``)."""

    def __init__(self, template: Any, specs: list[TensorType], inputs: tuple[Dataset, ...] = ()) -> None:
        self._template = template
        self._specs = specs
        self._inputs = inputs

    # ---- TF1's properties --------------------------------------------------------------------
    @property
    def output_types(self) -> Any:
        """The elements' component dtypes, in their structure (TF1's ``output_types``)."""
        return structure.pack(self._template, [s.dtype for s in self._specs])

    @property
    def output_shapes(self) -> Any:
        """The elements' component shapes (``None`` where they vary: a batch dimension without
        ``drop_remainder``), in their structure (TF1's ``output_shapes``)."""
        return structure.pack(self._template, [s.shape for s in self._specs])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {describe(self._template, self._specs)}>"

    # ---- running -----------------------------------------------------------------------------
    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        """The elements, as flat lists of arrays, for one initialization ``run``."""
        raise NotImplementedError

    def _captured(self) -> list[Tensor]:
        """The graph tensors whose values the pipeline reads (evaluated at initialization)."""
        return list(dict.fromkeys(t for d in self._inputs for t in d._captured()))

    # ---- sources -----------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """TF1's ``Dataset.from_tensor_slices``: one element per row (first-axis slice) of
        ``tensors``, a structure of NumPy arrays, Python lists or tensors (placeholders fed
        through the initializer's ``feed_dict``, constants)."""
        return _Slices(tensors)

    @staticmethod
    def from_tensors(tensors: Any) -> Dataset:
        """TF1's ``Dataset.from_tensors``: one element, ``tensors`` itself."""
        return _Tensors(tensors)

    @staticmethod
    def from_generator(generator: Callable[..., Any], output_types: Any, output_shapes: Any = None,
                       args: tuple | None = None) -> Dataset:  # fmt: skip
        """TF1's ``Dataset.from_generator``: the elements ``generator(*args)`` yields, converted
        to ``output_types`` and checked against ``output_shapes`` (default: any shape)."""
        return _Generator(generator, output_types, output_shapes, tuple(args or ()))

    @staticmethod
    def range(*args: int) -> Dataset:
        """TF1's ``Dataset.range(stop)`` / ``range(start, stop, step=1)``: int64 scalars."""
        return _Range(*args)

    @staticmethod
    def zip(datasets: Any) -> Dataset:
        """TF1's ``Dataset.zip``: elements of a structure (tuple, dict) of datasets, side by
        side, until the shortest ends."""
        return _Zip(datasets)

    # ---- transformations ---------------------------------------------------------------------
    def map(self, map_func: Callable[..., Any], num_parallel_calls: int | None = None) -> Dataset:
        """TF1's ``Dataset.map``: ``map_func`` applied to each element (a tuple element is
        passed as separate arguments), traced once into a graph (see the module docstring);
        ``num_parallel_calls`` is accepted and ignored."""
        return _Map(self, map_func)

    def filter(self, predicate: Callable[..., Any]) -> Dataset:
        """TF1's ``Dataset.filter``: the elements for which ``predicate`` (traced like ``map``'s
        function) gives a scalar bool tensor that is true."""
        return _Filter(self, predicate)

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """TF1's ``Dataset.batch``: ``batch_size`` consecutive elements stacked along a new first
        axis; the last batch is smaller unless ``drop_remainder`` drops it (then the batch
        dimension is static in ``output_shapes``)."""
        return _Batch(self, _count(batch_size, "batch_size", 1), bool(drop_remainder))

    def shuffle(
        self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True
    ) -> Dataset:
        """TF1's ``Dataset.shuffle``: elements drawn at random from a buffer of ``buffer_size``;
        seeded by ``seed`` and the graph seed as TF1's random ops are; with
        ``reshuffle_each_iteration`` each ``repeat`` pass has a new order."""
        return _Shuffle(self, _count(buffer_size, "buffer_size", 1), seed, bool(reshuffle_each_iteration))

    def repeat(self, count: int | None = None) -> Dataset:
        """TF1's ``Dataset.repeat``: the elements ``count`` times (None or -1: forever)."""
        return _Repeat(self, None if count is None or count == -1 else _count(count, "count", 0))

    def take(self, count: int) -> Dataset:
        """TF1's ``Dataset.take``: the first ``count`` elements (-1: all)."""
        return _Slice(self, 0, None if count == -1 else _count(count, "count", 0))

    def skip(self, count: int) -> Dataset:
        """TF1's ``Dataset.skip``: all but the first ``count`` elements (-1: none)."""
        return _Slice(self, None if count == -1 else _count(count, "count", 0), None)

    def prefetch(self, buffer_size: int) -> Dataset:
        """TF1's ``Dataset.prefetch``: accepted; the pipeline already produces each element when
        a run needs it (module docstring), so the dataset is returned unchanged."""
        _count(buffer_size, "buffer_size", -1)
        return self


def describe(template: Any, specs: list[TensorType]) -> str:
    """Element types as messages show them: ``(f32[?,2], i64[?])``."""
    return str(structure.pack(template, [f"{s.dtype.short}{s.shape}" for s in specs])).replace("'", "")


def _count(value: Any, what: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum`` (a dataset argument), else InvalidArgumentError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidArgumentError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class _Component:
    """One component of a source: a NumPy array, or a graph tensor evaluated at initialization."""

    def __init__(self, value: Any) -> None:
        if is_tensor(value) or hasattr(value, "_to_tensor"):
            self.tensor: Tensor | None = convert_to_tensor(value)
            self.array = None
            self.type = self.tensor.type
        else:
            self.tensor = None
            self.array = to_numpy(value)
            self.type = TensorType(as_dtype(self.array.dtype), TensorShape(self.array.shape))

    def value(self, run: PipelineRun) -> np.ndarray:
        return self.array if self.tensor is None else run.values[self.tensor]


class _Source(Dataset):
    """A dataset made from given values (``from_tensors``, ``from_tensor_slices``)."""

    def __init__(self, tensors: Any) -> None:
        self._components = [_Component(v) for v in structure.flatten(tensors)]
        template = structure.map_structure(lambda _: None, tensors)
        specs = [self._element_type(c.type) for c in self._components]
        super().__init__(template, specs)

    def _element_type(self, t: TensorType) -> TensorType:
        return t

    def _captured(self) -> list[Tensor]:
        return [c.tensor for c in self._components if c.tensor is not None]


class _Tensors(_Source):
    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        yield [c.value(run) for c in self._components]


class _Slices(_Source):
    def __init__(self, tensors: Any) -> None:
        super().__init__(tensors)
        known = {t.shape[0] for t in (c.type for c in self._components)} - {None}
        if len(known) > 1:
            raise InvalidArgumentError(
                "from_tensor_slices: all components must have the same size in their first "
                f"dimension, got sizes {sorted(known)}"
            )

    def _element_type(self, t: TensorType) -> TensorType:
        if t.shape is not UNKNOWN_RANK and len(t.shape) == 0:
            raise InvalidArgumentError("from_tensor_slices: a component is a scalar; slicing needs rank >= 1")
        return t._replace(shape=UNKNOWN_RANK if t.shape is UNKNOWN_RANK else t.shape[1:])

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        values = [c.value(run) for c in self._components]
        sizes = sorted({len(v) if v.ndim else 0 for v in values})
        if len(sizes) > 1 or min(v.ndim for v in values) == 0:
            raise InvalidArgumentError(
                "from_tensor_slices: all components must have rank >= 1 and the same size in "
                f"their first dimension, got shapes {[list(v.shape) for v in values]}"
            )
        for i in range(sizes[0]):
            yield [v[i] for v in values]


class _Range(Dataset):
    def __init__(self, *args: int) -> None:
        if not 1 <= len(args) <= 3 or not all(isinstance(a, (int, np.integer)) for a in args):
            raise InvalidArgumentError(
                f"Dataset.range takes 1 to 3 integers (start, stop, step), got {args!r}"
            )
        if len(args) == 3 and args[2] == 0:
            raise InvalidArgumentError("Dataset.range: step must not be 0")
        self._range = range(*(int(a) for a in args))
        super().__init__(None, [TensorType(int64, TensorShape(()))])

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        for i in self._range:
            yield [np.array(i, np.int64)]


class _Generator(Dataset):
    def __init__(
        self, generator: Callable[..., Any], output_types: Any, output_shapes: Any, args: tuple
    ) -> None:
        if not callable(generator):
            raise InvalidArgumentError(f"from_generator needs a callable generator, got {generator!r}")
        dtypes = [as_dtype(d) for d in structure.flatten(output_types)]
        template = structure.map_structure(lambda _: None, output_types)
        if output_shapes is None:
            shapes = [UNKNOWN_RANK] * len(dtypes)
        else:
            shapes = [TensorShape(s) for s in _flatten_shapes(output_shapes, template)]
        self._generator, self._args = generator, args
        super().__init__(template, [TensorType(d, s) for d, s in zip(dtypes, shapes, strict=True)])

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        for item in self._generator(*self._args):
            yield self._converted(item)

    def _converted(self, item: Any) -> Element:
        """A yielded element as arrays of the declared types, or InvalidArgumentError."""
        if structure.map_structure(lambda _: None, item) != self._template:
            raise InvalidArgumentError(
                f"`generator` yielded an element that did not match the expected structure "
                f"{describe(self._template, self._specs)}: {item!r}"
            )
        element = []
        for value, spec in zip(structure.flatten(item), self._specs, strict=True):
            try:
                array = to_numpy(value, spec.dtype)
            except (TypeError, ValueError):
                raise InvalidArgumentError(
                    f"`generator` yielded an element that could not be converted to the expected "
                    f"type {spec.dtype.name}: {value!r}"
                ) from None
            if not spec.shape.is_compatible_with(array.shape):
                raise InvalidArgumentError(
                    f"`generator` yielded an element of shape {list(array.shape)} where an element "
                    f"of shape {spec.shape} was expected"
                )
            element.append(array)
        return element


def _flatten_shapes(output_shapes: Any, template: Any) -> list[Any]:
    """``output_shapes`` flattened like the types of ``template`` (a shape is a leaf even
    when written as a tuple or list)."""
    if template is None:
        return [output_shapes]
    if isinstance(template, dict):
        return [s for key in sorted(template) for s in _flatten_shapes(output_shapes[key], template[key])]
    return [s for part, sub in zip(output_shapes, template, strict=True) for s in _flatten_shapes(part, sub)]


class _Zip(Dataset):
    def __init__(self, datasets: Any) -> None:
        self._datasets = structure.flatten(datasets)
        if not self._datasets or not all(isinstance(d, Dataset) for d in self._datasets):
            raise InvalidArgumentError(f"Dataset.zip takes a tuple or dict of datasets, got {datasets!r}")
        template = structure.map_structure(lambda d: d._template, datasets)
        super().__init__(template, [s for d in self._datasets for s in d._specs], tuple(self._datasets))

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        for parts in zip(*(d._elements(run) for d in self._datasets), strict=False):
            yield [array for part in parts for array in part]


class _Traced:
    """A ``map`` / ``filter`` function traced once into a private graph (one placeholder per
    element component), run per element by a private CPU Session (module docstring)."""

    def __init__(self, fn: Callable[..., Any], dataset: Dataset) -> None:
        outer = get_default_graph()
        self.graph = Graph()
        self.graph.seed = outer.seed
        with self.graph.as_default():
            self.inputs = [
                placeholder(s.dtype, _dims(s.shape), name=f"arg{i}") for i, s in enumerate(dataset._specs)
            ]
            element = structure.pack(dataset._template, self.inputs)
            result = fn(*element) if type(element) is tuple else fn(element)
            if isinstance(result, list):  # TF1 reads a returned list as a tuple
                result = tuple(result)
            self.outputs = [convert_to_tensor(t) for t in structure.flatten(result)]
        self.template = structure.map_structure(lambda _: None, result)
        self._session: Session | None = None

    def __call__(self, element: Element) -> Element:
        if self._session is None:
            self._session = Session(graph=self.graph, device="cpu")
        values = self._session.run(self.outputs, feed_dict=dict(zip(self.inputs, element, strict=True)))
        return [np.asarray(v) for v in values]


def _dims(shape: TensorShape) -> tuple | None:
    return None if shape is UNKNOWN_RANK else tuple(shape)


class _Map(Dataset):
    def __init__(self, dataset: Dataset, fn: Callable[..., Any]) -> None:
        self._fn = _Traced(fn, dataset)
        super().__init__(self._fn.template, [t.type for t in self._fn.outputs], (dataset,))

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        for element in self._inputs[0]._elements(run):
            yield self._fn(element)


class _Filter(Dataset):
    def __init__(self, dataset: Dataset, predicate: Callable[..., Any]) -> None:
        self._predicate = _Traced(predicate, dataset)
        outputs = self._predicate.outputs
        if len(outputs) != 1 or outputs[0].dtype is not bool_ or outputs[0].shape != TensorShape(()):
            got = ", ".join(str(t.type) for t in outputs)
            raise InvalidArgumentError(f"filter's predicate must return a scalar bool tensor, got {got}")
        super().__init__(dataset._template, dataset._specs, (dataset,))

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        for element in self._inputs[0]._elements(run):
            if self._predicate(element)[0]:
                yield element


class _Batch(Dataset):
    def __init__(self, dataset: Dataset, size: int, drop_remainder: bool) -> None:
        self._size, self._drop = size, drop_remainder
        first = size if drop_remainder else None
        specs = [s._replace(shape=UNKNOWN_RANK if s.shape is UNKNOWN_RANK else TensorShape((first, *s.shape)))
                 for s in dataset._specs]  # fmt: skip
        super().__init__(dataset._template, specs, (dataset,))

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        source = self._inputs[0]._elements(run)
        while True:
            rows = list(itertools.islice(source, self._size))
            if not rows or (self._drop and len(rows) < self._size):
                return
            yield [_stack([row[i] for row in rows], i) for i in range(len(rows[0]))]


def _stack(values: list[np.ndarray], component: int) -> np.ndarray:
    """The batch of one component, or TF1's error when its elements differ in shape."""
    first = values[0].shape
    for i, value in enumerate(values):
        if value.shape != first:
            raise InvalidArgumentError(
                f"Cannot batch tensors with different shapes in component {component}. First "
                f"element had shape {list(first)} and element {i} had shape {list(value.shape)}."
            )
    return np.stack(values)


class _Shuffle(Dataset):
    def __init__(self, dataset: Dataset, buffer_size: int, seed: int | None, reshuffle: bool) -> None:
        graph_seed = get_default_graph().seed
        op = op_seed(seed)
        self._seed = None if graph_seed is None and op is None else (graph_seed or 0, op or 0)
        self._buffer_size, self._reshuffle = buffer_size, reshuffle
        super().__init__(dataset._template, dataset._specs, (dataset,))

    def _generator(self, run: PipelineRun) -> np.random.Generator:
        """The pass's generator: one per initialization that continues across passes (a new
        order each pass), or a fresh one per pass without ``reshuffle_each_iteration``."""
        if not self._reshuffle:
            return np.random.default_rng(self._seed)
        if self not in run.generators:
            run.generators[self] = np.random.default_rng(self._seed)
        return run.generators[self]

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        rng = self._generator(run)
        source = self._inputs[0]._elements(run)
        buffer = list(itertools.islice(source, self._buffer_size))
        for element in source:
            i = int(rng.integers(len(buffer)))
            yield buffer[i]
            buffer[i] = element
        while buffer:
            yield buffer.pop(int(rng.integers(len(buffer))))


class _Repeat(Dataset):
    def __init__(self, dataset: Dataset, count: int | None) -> None:
        self._count = count
        super().__init__(dataset._template, dataset._specs, (dataset,))

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        passes = itertools.count() if self._count is None else range(self._count)
        for _ in passes:
            produced = False
            for element in self._inputs[0]._elements(run):
                produced = True
                yield element
            if not produced:  # an empty dataset repeated forever is empty, not a hang
                return


class _Slice(Dataset):
    def __init__(self, dataset: Dataset, start: int | None, stop: int | None) -> None:
        self._start, self._stop = start, stop
        super().__init__(dataset._template, dataset._specs, (dataset,))

    def _elements(self, run: PipelineRun) -> Iterator[Element]:
        if self._start is None:  # skip(-1): everything skipped
            return
        yield from itertools.islice(self._inputs[0]._elements(run), self._start, self._stop)
