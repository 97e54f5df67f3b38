"""TF1's ``tf.data`` in graph mode: ``Dataset`` pipelines run on the host and read through
iterators whose ``get_next()`` tensors the Session feeds, one element per run
(``dataset.py`` and ``iterator.py`` say how and why)."""

from jaxgraph.data.dataset import Dataset
from jaxgraph.data.iterator import (
    Iterator,
    get_output_shapes,
    get_output_types,
    make_initializable_iterator,
    make_one_shot_iterator,
)

AUTOTUNE = -1
"""TF1's ``tf.data.AUTOTUNE`` (``prefetch`` and ``num_parallel_calls`` accept it; both change nothing)."""

__all__ = [
    "AUTOTUNE",
    "Dataset",
    "Iterator",
    "get_output_shapes",
    "get_output_types",
    "make_initializable_iterator",
    "make_one_shot_iterator",
]
