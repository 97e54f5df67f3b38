"""``expressions.unparse`` writes exactly what ``ast.unparse`` writes, for every form."""

from __future__ import annotations

import ast

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jaxgraph.lowering.expressions import unparse, written
from jaxgraph.lowering.lines import _parsed_marks, spans, statement

_NAMES = st.sampled_from(["x", "w", "layer0_w", "jnp", "L"])
_OPERATORS = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.MatMult, ast.Pow, ast.Mod,
                              ast.FloorDiv, ast.BitOr, ast.BitAnd, ast.BitXor, ast.LShift])  # fmt: skip
_CONSTANTS = st.one_of(
    st.integers(-5, 5), st.floats(allow_nan=True), st.booleans(), st.none(), st.text(max_size=3)
)


def _leaves() -> st.SearchStrategy[ast.expr]:
    return st.one_of(
        _NAMES.map(lambda n: ast.Name(id=n, ctx=ast.Load())), _CONSTANTS.map(lambda v: ast.Constant(v))
    )


def _extend(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    return st.one_of(
        st.builds(lambda a, o, b: ast.BinOp(a, o(), b), children, _OPERATORS, children),
        st.builds(
            lambda o, a: ast.UnaryOp(o(), a),
            st.sampled_from([ast.USub, ast.UAdd, ast.Invert, ast.Not]),
            children,
        ),  # fmt: skip
        st.builds(lambda v, a: ast.Attribute(v, a, ast.Load()), children, st.sampled_from(["shape", "T"])),
        st.builds(
            lambda f, args, kw: ast.Call(f, args, [ast.keyword(k, v) for k, v in kw]),
            children,
            st.lists(children, max_size=3),
            st.lists(st.tuples(st.sampled_from(["axis", "dtype", None]), children), max_size=2),
        ),
        st.lists(children, max_size=3).map(lambda items: ast.Tuple(items, ast.Load())),
        st.lists(children, max_size=2).map(lambda items: ast.List(items, ast.Load())),
        st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), children, children),
    )


_EXPRESSIONS = st.recursive(_leaves(), _extend, max_leaves=12)


def _statement(value: ast.expr, targets: list[str], unpack: bool) -> ast.stmt:
    """A statement as ``lines.statement`` builds it."""
    if not targets:
        return ast.Expr(value=value)
    names = [ast.Name(id=t, ctx=ast.Store()) for t in targets]
    target = names[0] if len(names) == 1 and not unpack else ast.Tuple(elts=names, ctx=ast.Store())
    return ast.Assign(targets=[target], value=value, type_comment=None, lineno=1)


@settings(max_examples=300, deadline=None)
@given(_EXPRESSIONS)
def test_expressions_are_written_as_ast_unparse_writes_them(node):
    assert unparse(node) == ast.unparse(node)


@settings(max_examples=200, deadline=None)
@given(_EXPRESSIONS, st.lists(_NAMES, max_size=3), st.booleans())
def test_statements_are_written_as_ast_unparse_writes_them(value, targets, unpack):
    statement = _statement(value, targets, unpack)
    assert unparse(statement) == ast.unparse(statement)


def test_an_expression_inside_another_is_written_once_and_parenthesized_where_it_binds_looser():
    inner = ast.parse("a + b", mode="eval").body
    assert unparse(inner) == "a + b"
    outer = ast.BinOp(inner, ast.Mult(), ast.Name(id="c", ctx=ast.Load()))
    assert unparse(outer) == "(a + b) * c" == ast.unparse(outer)
    call = ast.Call(ast.Attribute(inner, "astype", ast.Load()), [ast.Name(id="t", ctx=ast.Load())], [])
    assert unparse(call) == "(a + b).astype(t)" == ast.unparse(call)
    assert unparse(ast.Constant(float("inf"))) == ast.unparse(ast.Constant(float("inf"))) == "1e309"


def _written_forms(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    """The forms ``written`` writes itself (no fallback to ``ast.unparse``)."""
    return st.one_of(
        st.builds(lambda a, o, b: ast.BinOp(a, o(), b), children, _OPERATORS, children),
        st.builds(lambda o, a: ast.UnaryOp(o(), a), st.sampled_from([ast.USub, ast.Invert]), children),
        st.builds(lambda v: ast.Attribute(v, "T", ast.Load()), children),
        st.builds(
            lambda f, args, kw: ast.Call(f, args, [ast.keyword("axis", v) for v in kw]),
            children,
            st.lists(children, max_size=3),
            st.lists(children, max_size=1),
        ),
        st.lists(children, min_size=1, max_size=3).map(lambda items: ast.Tuple(items, ast.Load())),
    )


_WRITTEN = st.recursive(
    st.one_of(
        _NAMES.map(lambda n: ast.Name(id=n, ctx=ast.Load())),
        st.one_of(st.integers(0, 5), st.text(max_size=2)).map(ast.Constant),
    ),
    _written_forms,
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(_WRITTEN, st.lists(_NAMES, max_size=3), st.booleans(), st.randoms(use_true_random=False))
def test_op_columns_found_while_writing_are_those_of_the_text_parsed_back(value, targets, unpack, rng):
    stmt = _statement(value, targets, unpack)
    marked = [node for node in ast.walk(value) if isinstance(node, ast.expr) and rng.random() < 0.5]
    for i, node in enumerate(marked):
        node.jaxgraph_op = f"op{i}"
    text, marks = written(stmt)
    parsed = _parsed_marks(stmt, text)
    assume(marks is not None and (parsed or not marked))  # written by itself; same shape parsed
    assert sorted(marks) == sorted(parsed)
    for i, (start, end, _) in enumerate(marks):  # an expression comes before those inside it
        assert not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in marks[i + 1 :])


def test_a_form_left_to_ast_unparse_still_has_its_op_columns():
    index = ast.Subscript(ast.Name("x", ast.Load()), ast.Constant(0), ast.Load())
    index.jaxgraph_op = "index"
    call = ast.Call(ast.Name("f", ast.Load()), [index], [])
    call.jaxgraph_op = "call"
    line = statement(["y"], call, None, [])
    assert written(line_stmt := ast.Expr(call))[1] is None and unparse(line_stmt) == "f(x[0])"
    assert line.text == "y = f(x[0])"
    assert spans(line) == [(4, 11, "call"), (6, 10, "index")]
    assert spans(line.nested(1, "with s: ")) == [(12, 19, "call"), (14, 18, "index")]
