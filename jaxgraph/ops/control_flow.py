"""Control flow as ops whose attributes hold sub-graphs: ``cond``, ``scan`` and ``while``.

A sub-graph's parameters are its ``placeholder`` ops (values) followed by its ``variable`` ops
(Variables it assigns), in graph order; its results are the inputs of its last op, ``results``.
The control-flow op's inputs line up with the parameters: values first, then the Variable
handles (``ref`` inputs), whose new values the lowering threads back out.

Lowering maps to ``lax.cond``, ``lax.scan`` and ``lax.while_loop``; sub-graph attributes arrive
in the lowering rules as Python functions ``f(*params) -> (results, variables)``, and
``num_refs`` says how many trailing inputs are Variable values to thread through.

The builders with TF1's signatures (``cond``, ``while_loop``, ``scan``) trace each branch or
body into its own sub-graph (a ``Graph`` with ``outer`` set): its parameters are placeholders for
the values it receives, and outer tensors it uses are captured as extra parameters (Variables it
assigns are captured as handles, so the assign reaches the outer Variable in program order).
Structures of tensors (tuples, lists, dicts, namedtuples) are flattened with ``jax.tree_util``.

Gradient rules are built by ``jaxgraph.autodiff.control_flow``, which registers them (a higher
layer): the gradient of ``cond`` is a ``cond`` of the branches' gradients; the gradient of
``scan`` is a reverse ``scan`` over the per-step carries saved by the forward scan, whose body
differentiates the forward body (so second order works); a ``while`` is differentiated as a
masked ``scan`` of ``maximum_iterations`` steps, or without one of a bucket of steps the
Session resolves (``jaxgraph.ops.trip_counts``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from jaxgraph.builder import Graph, get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ir.subgraphs import params, results
from jaxgraph.ops import construction, joining
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import convert_to_tensor, require


# ---- sub-graph conventions (jaxgraph.ir.subgraphs) ------------------------------------------
def _check_params(what: str, graph: Graph, inputs: tuple[TensorType, ...]) -> None:
    types = [t.type for t in params(graph)]
    if len(types) != len(inputs):
        raise type_error(f"{what} takes {len(types)} parameter(s) but the op has {len(inputs)} input(s)")
    for i, (p, x) in enumerate(zip(types, inputs)):
        if p.dtype is not x.dtype or p.ref != x.ref or not p.shape.is_compatible_with(x.shape):
            raise type_error(f"{what} parameter {i} is {p} but the op's input {i} is {x}")


def _split_refs(values: tuple[Any, ...], refs: int) -> tuple[tuple, tuple]:
    return (values[: len(values) - refs], values[len(values) - refs :]) if refs else (values, ())


@op("results", "results")
class Results:
    """The results of a sub-graph (its last op)."""

    def infer(*xs):
        return None

    def lower(*xs):
        return ()


# ---- cond ------------------------------------------------------------------------------------
@op("cond", "cond", attrs={"then_branch": REQUIRED, "else_branch": REQUIRED}, region=True)
class Cond:
    """``then_branch(*inputs)`` if ``pred`` else ``else_branch(*inputs)``."""

    def infer(pred, *inputs, then_branch, else_branch):
        require(
            pred.dtype.is_bool and len(pred.shape) == 0, f"cond's predicate must be a bool scalar, got {pred}"
        )
        _check_params("cond's then branch", then_branch, inputs)
        _check_params("cond's else branch", else_branch, inputs)
        then_types = [t.type for t in results(then_branch)]
        else_types = [t.type for t in results(else_branch)]
        if [(t.dtype, t.shape) for t in then_types] != [(t.dtype, t.shape) for t in else_types]:
            raise type_error(
                "cond's branches return different types: "
                f"({', '.join(map(str, then_types))}) vs ({', '.join(map(str, else_types))})"
            )
        return tuple(then_types)

    def lower(pred, *inputs, then_branch, else_branch, num_refs=0, key=None):
        def branch(fn):
            return lambda ops: _flat(fn(*ops, key=key))

        return tuple(lax.cond(pred, branch(then_branch), branch(else_branch), inputs))


def _flat(result: tuple[tuple, tuple]) -> tuple:
    outs, variables = result
    return tuple(outs) + tuple(variables)


# ---- scan ------------------------------------------------------------------------------------
@op("scan", "scan", attrs={"body": REQUIRED, "num_carry": REQUIRED, "num_xs": REQUIRED, "length": None,
                           "reverse": False, "save_carries": False, "twin_of": None, "bucket": None,
                           "rolled": None, "offsets": None, "updates": None}, region=True)  # fmt: skip
class Scan:
    """``lax.scan``: inputs are ``(carry..., xs..., captured..., variables...)``; the body maps
    ``(carry..., x..., captured..., variables...)`` to ``(new carry..., y...)``. Outputs: the
    final carry, the stacked ys, and with ``save_carries`` the stacked carries each step
    started from (what the gradient needs). ``twin_of`` names the scan this one recomputes
    with extra results (residuals for its gradient); the IR passes run only the twin.
    ``bucket`` (the gradient of an unbounded ``while_loop``) names the loop whose bucket gives
    ``length``: the Session sets it before lowering (``jaxgraph.ir.passes.loop_bounds``).
    ``rolled``: set by the rolling pass (``jaxgraph.ir.passes.rolling``) on a scan it made from
    a run of repeated blocks, saying how many blocks of how many ops (shown in the dumps).
    ``offsets`` (rolled scans only): per xs, None or a row offset ``o``: that xs is a whole
    stack of which step ``k`` reads row ``o + k`` (no slice of it is materialized).
    ``updates`` (with ``offsets``): ``(y, x)`` pairs: the body's result ``y`` (counted after the
    carries) is the new value of the row that view ``x`` reads at this step, and the scan's
    output ``y`` is the whole stack of view ``x`` with those rows replaced, written in place
    (a training step's rolled update writes each Variable row in its backward scan)."""

    def infer(
        *inputs,
        body,
        num_carry,
        num_xs,
        length,
        reverse,
        save_carries,
        twin_of,
        bucket,
        rolled,
        offsets,
        updates,
    ):
        carry, xs = inputs[:num_carry], inputs[num_carry : num_carry + num_xs]
        views = offsets or (None,) * num_xs
        require(len(views) == num_xs and (offsets is None or length is not None),
                f"scan's offsets must give one entry per xs and come with a length, got {offsets}")  # fmt: skip
        for x, o in zip(xs, views):
            require(o is None or (len(x.shape) >= 1 and x.shape[0] is not None and 0 <= o <= x.shape[0] - length),
                    f"scan's xs {x} has no {length} rows from row {o}")  # fmt: skip
        plain = [x for x, o in zip(xs, views) if o is None]
        lengths = {x.shape[0] for x in plain if len(x.shape)} | ({length} if length is not None else set())
        require(all(len(x.shape) >= 1 for x in xs), "scan's xs must have a leading axis to scan over")
        known = {n for n in lengths if n is not None}
        require(len(known) <= 1, f"scan's xs differ in length: {sorted(known)}")
        require(num_xs or length is not None or bucket is not None, "scan needs xs, a length or a bucket")
        n = known.pop() if known else None
        sliced = tuple(TensorType(x.dtype, TensorShape(x.shape[1:])) for x in xs)
        _check_params("scan's body", body, carry + sliced + inputs[num_carry + num_xs :])
        outs = [t.type for t in results(body)]
        require(
            len(outs) >= num_carry,
            f"scan's body returns {len(outs)} value(s), fewer than its {num_carry} carries",
        )
        for i, (c, o) in enumerate(zip(carry, outs)):
            if c.dtype is not o.dtype or not c.shape.is_compatible_with(o.shape):
                raise type_error(f"scan's body changes carry {i} from {c} to {o}")
        stacked = [TensorType(y.dtype, TensorShape((n,) + tuple(y.shape))) for y in outs[num_carry:]]
        for y, x in updates or ():
            require(0 <= y < len(stacked) and 0 <= x < num_xs and views[x] is not None,
                    f"scan's update ({y}, {x}) names no result and view")  # fmt: skip
            require(outs[num_carry + y].dtype is xs[x].dtype and outs[num_carry + y].shape.is_compatible_with(sliced[x].shape),
                    f"scan's update ({y}, {x}) writes {outs[num_carry + y]} into rows of {xs[x]}")  # fmt: skip
            stacked[y] = TensorType(xs[x].dtype, xs[x].shape)
        saved = (
            [TensorType(c.dtype, TensorShape((n,) + tuple(c.shape))) for c in carry] if save_carries else []
        )
        return tuple([TensorType(c.dtype, c.shape) for c in carry] + stacked + saved)

    def lower(*inputs, body, num_carry, num_xs, length, reverse, save_carries, twin_of, bucket,
              rolled=None, offsets=None, updates=None, num_refs=0, key=None):  # fmt: skip
        carry, xs, rest = (
            inputs[:num_carry],
            inputs[num_carry : num_carry + num_xs],
            inputs[num_carry + num_xs :],
        )
        if rolled is not None and not carry and not num_refs and key is None and xs:
            return _mapped(body, _sliced(xs, offsets, length), rest)
        if offsets is not None:
            return _viewed(body, carry, xs, rest, offsets, dict(updates or ()), length, reverse, save_carries,
                           num_refs, key)  # fmt: skip
        return _scan(body, carry, xs, rest, length, reverse, save_carries, num_refs, key)


def _sliced(xs, offsets, length):
    """The xs as stacks of ``length`` rows: views (``offsets``) sliced."""
    if offsets is None:
        return xs
    return tuple(x if o is None else lax.slice_in_dim(x, o, o + length) for x, o in zip(xs, offsets))


def _viewed(body, carry, xs, rest, offsets, updates, length, reverse, save_carries, num_refs, key):
    """A rolled scan whose views (``offsets``) are read row by row from their whole stacks,
    closed over by the loop: XLA would copy a slice of a stack into a buffer of its own before
    the loop (the backward scan of a chain reads its forward activations shifted by one).
    Views that ``updates`` writes are carried and updated in place; the row each step reads
    from them is fetched at the end of the step before (after that step's write), because XLA
    copies a whole carried stack when a row read and the row's write are not ordered. The
    step's row number is carried too (a stacked ``arange`` would be a buffer of its own).
    Variables and check statuses (``num_refs``) and the key are threaded as ``_scan`` does."""
    captured, variables = _split_refs(tuple(rest), num_refs)
    written = {x: y for y, x in updates.items()}
    plain = tuple(x for x, o in zip(xs, offsets) if o is None)
    last = length - 1

    def row(stack, i, k):
        return lax.dynamic_index_in_dim(stack, offsets[i] + k, 0, keepdims=False)

    def step(state, x):
        c, v, stacks, fetched, k = state
        plain_rows, carried = iter(x), dict(zip(written, fetched))
        rows = [next(plain_rows) if o is None else carried[i] if i in written else row(xs[i], i, k)
                for i, o in enumerate(offsets)]  # fmt: skip
        step_key = None if key is None else jax.random.fold_in(key, last - k if reverse else k)
        outs, new_vars = body(*c, *rows, *captured, *v, key=step_key)
        ys = outs[len(c) :]
        stacks = tuple(lax.dynamic_update_index_in_dim(s, ys[written[i]], offsets[i] + k, 0)
                       for i, s in zip(written, stacks))  # fmt: skip
        following = k - 1 if reverse else k + 1
        fetched = tuple(row(s, i, jnp.clip(following, 0, last)) for i, s in zip(written, stacks))
        stacked = tuple(y for j, y in enumerate(ys) if j not in updates) + (tuple(c) if save_carries else ())
        return (tuple(outs[: len(c)]), tuple(new_vars), stacks, fetched, following), stacked

    stacks = tuple(xs[i] for i in written)
    start = last if reverse else 0
    first = tuple(row(s, i, start) for i, s in zip(written, stacks))
    init = (tuple(carry), tuple(variables), stacks, first, jnp.int32(start))
    (final, new_vars, stacks, _, _), ys = lax.scan(step, init, plain, length=length, reverse=reverse)
    whole, stacked = dict(zip(written, stacks)), iter(ys)
    count = len(ys) - (len(carry) if save_carries else 0) + len(updates)
    results = [whole[updates[j]] if j in updates else next(stacked) for j in range(count)]
    return tuple(final) + tuple(results) + tuple(stacked) + tuple(new_vars)


def _mapped(body, xs, captured):
    """A rolled run whose blocks share no carry (a per-Variable update, say) as ``jax.vmap`` of
    its body: the block's ops applied once to the stacked inputs, which XLA fuses as it fuses
    the unrolled blocks (a loop boundary would keep it from contracting ``w - lr * g`` into the
    fused multiply-add the unrolled program gets), and no loop to run."""

    def block(*x):
        return tuple(body(*x, *captured, key=None)[0])

    return jax.vmap(block)(*xs)


def _scan(body, carry, xs, rest, length, reverse, save_carries, num_refs, key):
    """``lax.scan`` of ``body``; step ``i`` draws random numbers from ``fold_in(key, i)``."""
    captured, variables = _split_refs(tuple(rest), num_refs)

    def step(state, x):
        c, v, i = state
        step_key = None if key is None else jax.random.fold_in(key, i)
        outs, new_vars = body(*c, *x, *captured, *v, key=step_key)
        new_carry = tuple(outs[: len(c)])
        ys = tuple(outs[len(c) :]) + (tuple(c) if save_carries else ())
        return (new_carry, tuple(new_vars), i + 1), ys

    init = (tuple(carry), tuple(variables), jnp.int32(0))
    (final, new_vars, _), ys = lax.scan(step, init, tuple(xs), length=length, reverse=reverse)
    return tuple(final) + tuple(ys) + tuple(new_vars)


# ---- while -----------------------------------------------------------------------------------
@op("while_loop", "while", attrs={"cond": REQUIRED, "body": REQUIRED, "num_loop_vars": REQUIRED,
                             "maximum_iterations": None}, region=True)  # fmt: skip
class While:
    """``lax.while_loop``: inputs are ``(loop vars..., captured..., variables...)``; ``cond``
    maps them to a bool scalar, ``body`` to new loop vars. Stops early after
    ``maximum_iterations`` when set."""

    def infer(*inputs, cond, body, num_loop_vars, maximum_iterations):
        _check_params("while's cond", cond, inputs)
        _check_params("while's body", body, inputs)
        (pred,) = [t.type for t in results(cond)] or [None]
        require(pred is not None and pred.dtype.is_bool and len(pred.shape) == 0,
                "while's cond must return one bool scalar")  # fmt: skip
        outs = [t.type for t in results(body)]
        loop = inputs[:num_loop_vars]
        require(
            len(outs) == len(loop), f"while's body returns {len(outs)} value(s) for {len(loop)} loop vars"
        )
        for i, (a, b) in enumerate(zip(loop, outs)):
            if a.dtype is not b.dtype or not a.shape.is_compatible_with(b.shape):
                raise type_error(f"while's body changes loop var {i} from {a} to {b}")
        return tuple(TensorType(t.dtype, t.shape) for t in loop)

    def lower(*inputs, cond, body, num_loop_vars, maximum_iterations, num_refs=0, key=None):
        return _while(cond, body, inputs, num_loop_vars, maximum_iterations, num_refs, key)


def _while(cond, body, inputs, num_loop_vars, maximum_iterations, num_refs, key):
    """``lax.while_loop``; iteration ``i`` draws random numbers from ``fold_in(key, i)``."""
    loop, rest = tuple(inputs[:num_loop_vars]), tuple(inputs[num_loop_vars:])
    captured, variables = _split_refs(rest, num_refs)

    def keep_going(state):
        i, vals, v = state
        (pred,), _ = cond(*vals, *captured, *v, key=None if key is None else jax.random.fold_in(key, i))
        return pred if maximum_iterations is None else jnp.logical_and(pred, i < maximum_iterations)

    def step(state):
        i, vals, v = state
        outs, new_vars = body(*vals, *captured, *v, key=None if key is None else jax.random.fold_in(key, i))
        return i + 1, tuple(outs), tuple(new_vars)

    _, final, new_vars = lax.while_loop(keep_going, step, (jnp.int32(0), loop, tuple(variables)))
    return tuple(final) + tuple(new_vars)


def inline(graph: Graph, inputs: list[Tensor], copies: dict[Tensor, Tensor] | None = None) -> list[Tensor]:
    """Copies a sub-graph's ops into the default graph with its parameters bound to ``inputs``;
    returns the copies of its results (gradients of control flow re-trace bodies this way).
    ``copies``, if given, receives the map from the sub-graph's tensors to their copies."""
    target = get_default_graph()
    mapping: dict[Tensor, Tensor] = dict(zip(params(graph), inputs))
    op_mapping = {}
    for source in graph.operations[:-1]:
        if source.type in ("placeholder", "variable"):
            continue
        if source.op_def.state in ("write", "update"):
            raise InvalidArgumentError(
                "gradients through a control-flow body that assigns Variables are not supported", source
            )
        new = target.create_op(
            source.type, [mapping[t] for t in source.inputs], dict(source.attrs), source.name.rsplit("/", 1)[-1],
            control_inputs=[op_mapping[c] for c in source.control_inputs if c in op_mapping],
            location=source.location, device=source.device,
        )  # fmt: skip
        op_mapping[source] = new
        mapping.update(zip(source.outputs, new.outputs))
    if copies is not None:
        copies.update(mapping)
    return [mapping[t] for t in results(graph)]


def with_more_results(graph: Graph, extra: list[Tensor]) -> Graph:
    """A copy of the sub-graph ``graph`` whose results also include ``extra`` (its tensors)."""
    copy = Graph()
    mapping: dict[Tensor, Tensor] = {}
    ops = {}
    for source in graph.operations[:-1]:
        new = copy.add_op(
            source.type, [mapping[t] for t in source.inputs], dict(source.attrs), source.name,
            control_inputs=[ops[c] for c in source.control_inputs], device=source.device,
            location=source.location,
        )  # fmt: skip
        ops[source] = new
        mapping.update(zip(source.outputs, new.outputs))
    last = graph.operations[-1]
    copy.add_op("results", [mapping[t] for t in [*results(graph), *extra]], {}, last.name,
                   location=last.location)  # fmt: skip
    return copy


# ---- builders with TF1's signatures: cond, while_loop, scan -----------------------------------
def _is_leaf(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_to_tensor")


def flatten(structure: Any) -> tuple[list[Tensor], Any]:
    """Tensors of a nested structure (Python numbers and Variables converted), and its treedef."""
    leaves, tree = jax.tree_util.tree_flatten(structure, is_leaf=_is_leaf)
    return [convert_to_tensor(x) for x in leaves], tree


class _Body:
    """A Python function traced into a sub-graph."""

    def __init__(self, graph: Graph, results: list[Tensor], tree: Any):
        self.graph, self.results, self.tree = graph, results, tree

    def captured(self) -> list[Tensor]:
        """The outer tensors this body captured, values first then Variable handles."""
        items = list(self.graph.captures.items())
        return [o for o, i in items if not i.type.ref] + [o for o, i in items if i.type.ref]


def trace_body(fn: Callable[..., Any], arg_types: list[TensorType], arg_tree: Any, name: str,
               captures: list[Tensor] = ()) -> _Body:  # fmt: skip
    """Traces ``fn`` over placeholders of ``arg_types`` (rebuilt into ``arg_tree``) into a new
    sub-graph of the default graph. ``captures`` are captured first, in this order, so bodies
    traced together can share one parameter list."""
    outer = get_default_graph()
    graph = Graph()
    graph.outer, graph.seed = outer, outer.seed
    with graph.as_default():
        args = [
            construction.placeholder(t.dtype, tuple(t.shape), name=f"{name}_{i}")
            for i, t in enumerate(arg_types)
        ]
        for t in [c for c in captures if not c.type.ref] + [c for c in captures if c.type.ref]:
            graph.capture(t)
        out = fn(*jax.tree_util.tree_unflatten(arg_tree, args)) if arg_tree is not None else fn()
        results, tree = flatten(out)
        graph.create_op("results", results, {}, "results")
    return _Body(graph, results, tree)


def _traced_together(make: Callable[[list[Tensor]], list[_Body]]) -> list[_Body]:
    """Traces bodies that must share parameters: again with the union of their captures if they
    captured different outer tensors."""
    bodies = make([])
    union: list[Tensor] = []
    for body in bodies:
        union += [t for t in body.captured() if t not in union]
    if any(body.captured() != _ordered(union) for body in bodies):
        bodies = make(union)
    return bodies


def _ordered(tensors: list[Tensor]) -> list[Tensor]:
    return [t for t in tensors if not t.type.ref] + [t for t in tensors if t.type.ref]


def cond(pred: Any, true_fn: Callable[[], Any] | None = None, false_fn: Callable[[], Any] | None = None,
         strict: bool = False, name: str | None = None) -> Any:  # fmt: skip
    """TF1's ``tf.cond``: ``true_fn()`` if ``pred`` else ``false_fn()``; both must return the same
    structure of tensors."""
    if true_fn is None or false_fn is None:
        raise InvalidArgumentError("cond needs both true_fn and false_fn")
    pred = convert_to_tensor(pred)
    then_body, else_body = _traced_together(
        lambda caps: [
            trace_body(true_fn, [], None, "then", caps),
            trace_body(false_fn, [], None, "else", caps),
        ]
    )
    if then_body.tree != else_body.tree:
        raise InvalidArgumentError(
            f"cond's branches return different structures: {then_body.tree} vs {else_body.tree}", pred.op
        )
    op = get_default_graph().create_op(
        "cond", [pred, *then_body.captured()], {"then_branch": then_body.graph, "else_branch": else_body.graph},
        name or "cond",
    )  # fmt: skip
    return _unflatten(then_body.tree, list(op.outputs), strict)


def _unflatten(tree: Any, outputs: list[Tensor], strict: bool = True) -> Any:
    result = jax.tree_util.tree_unflatten(tree, outputs)
    if (
        not strict
        and isinstance(result, (list, tuple))
        and len(result) == 1
        and type(result) in (list, tuple)
    ):
        return result[0]
    return result


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               name: str | None = None, maximum_iterations: int | None = None,
               return_same_structure: bool = False) -> Any:  # fmt: skip
    """TF1's ``tf.while_loop``: repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``.

    Differentiable as in TF1: with ``maximum_iterations`` as a masked loop of that many steps,
    without as one of a bucket of steps that the Session fits to the trip count (see
    docs/control_flow.md); shapes must not change across iterations (``shape_invariants`` may
    relax dimensions to None).
    """
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    inputs, tree = flatten(structure)
    types = [TensorType(t.dtype, t.shape) for t in inputs]
    if shape_invariants is not None:
        invariants = [shape_invariants] if single else shape_invariants
        specs = jax.tree_util.tree_leaves(invariants, is_leaf=lambda s: isinstance(s, (TensorShape, tuple, list))
                                          and all(d is None or isinstance(d, int) for d in s))  # fmt: skip
        types = [TensorType(t.dtype, TensorShape(s)) for t, s in zip(types, specs)]

    def wrap(fn: Callable[..., Any], returns_vars: bool) -> Callable[..., Any]:
        def traced(*structured: Any) -> Any:
            out = fn(*structured)
            if returns_vars and single and not isinstance(out, (list, tuple)):
                out = [out]
            return out

        return traced

    cond_body, loop_body = _traced_together(
        lambda caps: [trace_body(wrap(cond, False), types, tree, "loop_var", caps),
                      trace_body(wrap(body, True), types, tree, "loop_var", caps)]
    )  # fmt: skip
    if any(t.type.ref for t in cond_body.graph.captures.values()) and any(
        op.op_def.state in ("write", "update") for op in cond_body.graph.operations
    ):
        raise InvalidArgumentError("while_loop's cond must not assign Variables")
    if len(loop_body.results) != len(inputs):
        raise InvalidArgumentError(
            f"while_loop's body returns {len(loop_body.results)} tensor(s) for {len(inputs)} loop variable(s)"
        )
    attrs = {"cond": cond_body.graph, "body": loop_body.graph, "num_loop_vars": len(inputs),
             "maximum_iterations": None if maximum_iterations is None else int(maximum_iterations)}  # fmt: skip
    op = get_default_graph().create_op("while_loop", [*inputs, *loop_body.captured()], attrs, name or "while")
    result = jax.tree_util.tree_unflatten(tree, list(op.outputs))
    if not return_same_structure and len(op.outputs) == 1:
        return op.outputs[0]
    return result[0] if single else result


def scan(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name: str | None = None) -> Any:  # fmt: skip
    """TF1's ``tf.scan``: ``acc = fn(acc, x)`` over the leading axis of ``elems`` (a structure);
    returns the stacked accumulators. Without ``initializer`` the first element starts it."""
    xs, xs_tree = flatten(elems)
    if not xs:
        raise InvalidArgumentError("scan needs at least one tensor in elems")
    first = None
    if initializer is None:
        first = [x[-1] if reverse else x[0] for x in xs]
        init_structure = jax.tree_util.tree_unflatten(xs_tree, first)
        xs = [x[:-1] if reverse else x[1:] for x in xs]
    else:
        init_structure = initializer
    carry, carry_tree = flatten(init_structure)
    outs = scan_loop(
        lambda c, x: (lambda acc: (acc, acc))(fn(c, x)), init_structure, jax.tree_util.tree_unflatten(xs_tree, xs),
        reverse=reverse, name=name,
    )  # fmt: skip
    stacked = flatten(outs[1])[0]
    if first is not None:
        parts = [shape_ops.expand_dims(f, 0) for f in first]
        stacked = [joining.concat([s, p] if reverse else [p, s], 0) for s, p in zip(stacked, parts)]
    return jax.tree_util.tree_unflatten(carry_tree, stacked)


def scan_loop(fn: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any, length: int | None = None,
              reverse: bool = False, name: str | None = None, bucket: str | None = None) -> tuple[Any, Any]:  # fmt: skip
    """``lax.scan``-style loop: ``carry, y = fn(carry, x)``; returns ``(final carry, stacked ys)``.
    ``bucket``: the length is the bucket of that name, resolved before lowering (a gradient of
    an unbounded ``while_loop``)."""
    carry, carry_tree = flatten(init)
    x_list, x_tree = flatten(xs) if xs is not None else ([], None)
    carry_types = [TensorType(c.dtype, c.shape) for c in carry]
    x_types = [TensorType(x.dtype, TensorShape(x.shape[1:])) for x in x_list]
    n_carry = len(carry)
    y_tree_box: list[Any] = []

    def body(*args: Any) -> Any:
        c = jax.tree_util.tree_unflatten(carry_tree, list(args[:n_carry]))
        x = jax.tree_util.tree_unflatten(x_tree, list(args[n_carry:])) if x_tree is not None else None
        new_carry, y = fn(c, x)
        new_flat, new_tree = flatten(new_carry)
        if new_tree != carry_tree:
            raise InvalidArgumentError(
                f"scan's body changed the carry's structure: {carry_tree} -> {new_tree}"
            )
        y_flat, y_tree = flatten(y)
        y_tree_box.append(y_tree)
        return new_flat + y_flat

    all_types = carry_types + x_types
    flat_tree = jax.tree_util.tree_structure(list(range(len(all_types))))
    traced = trace_body(body, all_types, flat_tree, "scan_arg")
    attrs = {"body": traced.graph, "num_carry": n_carry, "num_xs": len(x_list), "length": length,
             "reverse": bool(reverse), "bucket": bucket}  # fmt: skip
    op = get_default_graph().create_op("scan", [*carry, *x_list, *traced.captured()], attrs, name or "scan")
    outputs = list(op.outputs)
    final = jax.tree_util.tree_unflatten(carry_tree, outputs[:n_carry])
    ys = jax.tree_util.tree_unflatten(y_tree_box[-1], outputs[n_carry:])
    return final, ys


__all__ = ["cond", "scan", "scan_loop", "while_loop"]
