"""The generated code's layout helpers written directly instead of through the standard library
(``lines.filled`` for ``textwrap.wrap``) write exactly what the library writes, and template
instances share only the parts of a template without a placeholder."""

from __future__ import annotations

import ast
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from jaxgraph.lowering.expressions import fill, load_name, unparse
from jaxgraph.lowering.lines import filled

_WORDS = st.sampled_from(["a", "layer0_w", "x_y,", ",", " ", "  ", "(b, c)", "\t", "-", "\n", "w" * 30])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40).map("".join), st.integers(1, 50))
def test_filled_is_textwrap(text, width):
    assert filled(text, width) == textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def test_filled_keeps_a_name_longer_than_the_width_whole():
    assert filled("a, " + "b" * 12 + ", c", 8) == ["a,", "b" * 12 + ",", "c"]


def test_template_instances_share_only_what_holds_no_placeholder():
    one = fill("jnp.sum({0}, axis={axis})", [load_name("x")], {"axis": ast.Constant(1)})
    two = fill("jnp.sum({0}, axis={axis})", [load_name("y")], {"axis": ast.Constant(0)})
    assert (unparse(one), unparse(two)) == ("jnp.sum(x, axis=1)", "jnp.sum(y, axis=0)")
    assert one is not two and one.args is not two.args and one.keywords[0] is not two.keywords[0]
    assert one.func is two.func  # jnp.sum: no placeholder below it
    one.jaxgraph_op = "marks only its own root"
    assert not hasattr(two, "jaxgraph_op")


def test_a_template_without_placeholders_still_gives_a_new_root():
    one, two = fill("jnp.float32(0)", [], {}), fill("jnp.float32(0)", [], {})
    assert one is not two and unparse(one) == unparse(two) == "jnp.float32(0)"
