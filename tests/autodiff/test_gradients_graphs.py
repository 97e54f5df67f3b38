"""``jg.gradients`` with tensors of another graph: an InvalidArgumentError naming the tensor and
its line, instead of a wrong None or an error about a gradient op the user never wrote."""

from __future__ import annotations

import inspect

import pytest

import jaxgraph as jg
from jaxgraph import errors


def _line(marker: str) -> int:
    source, start = inspect.getsourcelines(inspect.currentframe().f_back.f_code)
    return start + next(i for i, text in enumerate(source) if marker in text)


MESSAGE = (
    "cannot {verb} '{name}': it belongs to another graph than the default graph, where the "
    "gradient ops would go (build them under `with its_graph.as_default():`)"
)


def test_gradients_reject_tensors_of_another_graph():
    other = jg.Graph()
    with other.as_default():
        a = jg.constant(1.0, name="a")  # a-line
        ya = a * 3.0  # ya-line
    a_line, ya_line = _line("# a-line"), _line("# ya-line")
    b = jg.constant(2.0, name="b")
    y = b * 3.0
    cases = [
        (lambda: jg.gradients(y, [b, a]), "differentiate with respect to", "a:0", a_line),
        (lambda: jg.gradients(ya, [b]), "differentiate", "Mul:0", ya_line),
        (lambda: jg.gradients(y, [b], stop_gradients=[a]), "stop gradients at", "a:0", a_line),
    ]
    for call, verb, name, line in cases:
        with pytest.raises(errors.InvalidArgumentError) as info:
            call()
        assert info.value.message == MESSAGE.format(verb=verb, name=name)
        assert f"defined at {__file__}:{line}" in str(info.value)
    (grad,) = jg.gradients(y, [b])
    with jg.Session() as sess:
        assert float(sess.run(grad)) == 3.0
