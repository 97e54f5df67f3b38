"""tf.data pipelines run twice: by tests/data/test_dataset.py with jaxgraph, and by
scripts/record_data_reference.py with real TensorFlow into tests/data/fixtures/tf1_data.json.
Each case builds a dataset with ``tf``; ``run_case`` records its output types and shapes and
every element a one-shot iterator gives until OutOfRangeError."""

from __future__ import annotations

import numpy as np

X = np.arange(14, dtype=np.float32).reshape(7, 2)
Y = np.arange(7)  # int64


def _cases(tf):
    D = tf.data.Dataset
    return {
        "slices_tuple_batch": lambda: D.from_tensor_slices((X, Y)).batch(3),
        "slices_drop_remainder": lambda: D.from_tensor_slices((X, Y)).batch(3, drop_remainder=True),
        "slices_dict": lambda: D.from_tensor_slices({"x": X, "label": [1, 2, 3, 4, 5, 6, 7]}).batch(4),
        "python_floats": lambda: D.from_tensor_slices([1.5, 2.5, 3.5]),
        "constant_tensor": lambda: D.from_tensor_slices(tf.constant(X) * 2.0).take(3),
        "from_tensors": lambda: D.from_tensors((X, 3)),
        "range_map": lambda: D.range(2, 11, 3).map(lambda i: (i, tf.cast(i, tf.float32) * 0.5)),
        "map_dict": lambda: D.from_tensor_slices({"a": X, "b": Y}).map(
            lambda d: d["a"] + tf.cast(d["b"], tf.float32)
        ),
        "filter": lambda: D.range(10).filter(lambda i: tf.equal(i % 3, 0)),
        "zip_skip_take": lambda: D.zip((D.range(5), D.from_tensor_slices(X).skip(2))).take(4),
        "repeat_batch": lambda: D.range(3).repeat(2).batch(4),
        "generator": lambda: D.from_generator(
            lambda: iter([[1, 2], [3, 4], [5, 6]]), tf.int32, output_shapes=tf.TensorShape([2])
        ).batch(2),
        "generator_unknown_shape": lambda: D.from_generator(lambda: iter([1.0, 2.0]), tf.float32),
        "map_after_batch": lambda: D.from_tensor_slices(X).batch(3).map(lambda b: tf.reduce_sum(b, axis=1)),
        "take_all_skip_none": lambda: D.range(3).take(-1).skip(0),
    }


CASES = [
    "constant_tensor", "filter", "from_tensors", "generator", "generator_unknown_shape", "map_after_batch",
    "map_dict", "python_floats", "range_map", "repeat_batch", "slices_dict", "slices_drop_remainder",
    "slices_tuple_batch", "take_all_skip_none", "zip_skip_take",
]  # fmt: skip


def _shape(shape):
    return None if shape.ndims is None else [None if d is None else int(d) for d in shape.as_list()]


def run_case(tf, name):
    """Types, shapes and all elements of case ``name`` (values as nested lists) and the end's
    error class and message (its first line with "End of sequence")."""
    with tf.Graph().as_default():
        dataset = _cases(tf)[name]()
        types = tf.data.get_output_types(dataset)
        shapes = tf.data.get_output_shapes(dataset)
        next_element = tf.data.make_one_shot_iterator(dataset).get_next()
        elements = []
        with tf.Session() as sess:
            while True:
                try:
                    value = sess.run(next_element)
                except tf.errors.OutOfRangeError as e:
                    end = [
                        type(e).__name__,
                        next(line for line in str(e).split("\n") if "End of sequence" in line),
                    ]
                    break
                elements.append(_to_lists(value))
    return {
        "types": _to_lists(types, leaf=lambda d: d.name),
        "shapes": _to_lists(shapes, leaf=_shape),
        "elements": elements,
        "end": end,
    }


def _to_lists(value, leaf=lambda v: np.asarray(v).tolist()):
    """A structure as JSON: tuples as lists, dicts as dicts, leaves through ``leaf``."""
    if isinstance(value, dict):
        return {k: _to_lists(v, leaf) for k, v in sorted(value.items())}
    if isinstance(value, tuple) and not hasattr(value, "as_list"):
        return [_to_lists(v, leaf) for v in value]
    return leaf(value)
