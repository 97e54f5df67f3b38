"""Control flow as ops whose attributes hold sub-graphs: ``cond``, ``scan`` and ``while``.

A sub-graph's parameters are its ``placeholder`` ops (values) followed by its ``variable`` ops
(Variables it assigns), in graph order; its results are the inputs of its last op, ``results``.
The control-flow op's inputs line up with the parameters: values first, then the Variable
handles (``ref`` inputs), whose new values the lowering threads back out.

Lowering maps to ``lax.cond``, ``lax.scan`` and ``lax.while_loop``; sub-graph attributes arrive
in the lowering rules as Python functions ``f(*params) -> (results, variables)``, and
``num_refs`` says how many trailing inputs are Variable values to thread through.

Gradients are built by jaxgraph itself: the gradient of ``cond`` is a ``cond`` of the branches'
gradients; the gradient of ``scan`` is a reverse ``scan`` over the per-step carries saved by
the forward scan, whose body differentiates the forward body (so second order works); a
``while`` with ``maximum_iterations`` is differentiated as a masked ``scan`` of that length.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Graph, Tensor
from jaxgraph.ir.opdef import REQUIRED, op, type_error
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops.core import require


# ---- sub-graph conventions -------------------------------------------------------------------
def params(graph: Graph) -> list[Tensor]:
    """The sub-graph's parameters: placeholders (values), then variable handles."""
    values = [op.outputs[0] for op in graph.operations if op.type == "placeholder"]
    refs = [op.outputs[0] for op in graph.operations if op.type == "variable"]
    return values + refs


def results(graph: Graph) -> list[Tensor]:
    """The sub-graph's results: the inputs of its final ``results`` op."""
    if not graph.operations or graph.operations[-1].type != "results":
        raise type_error("a control-flow sub-graph must end with a 'results' op")
    return list(graph.operations[-1].inputs)


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

    def grad(op, *grads):
        from jaxgraph.autodiff.control_flow import cond_grad

        return cond_grad(op, grads)


def _flat(result: tuple[tuple, tuple]) -> tuple:
    outs, variables = result
    return tuple(outs) + tuple(variables)


# ---- scan ------------------------------------------------------------------------------------
@op("scan", "scan", attrs={"body": REQUIRED, "num_carry": REQUIRED, "num_xs": REQUIRED, "length": None,
                           "reverse": False, "save_carries": False, "twin_of": None}, region=True)  # fmt: skip
class Scan:
    """``lax.scan``: inputs are ``(carry..., xs..., captured..., variables...)``; the body maps
    ``(carry..., x..., captured..., variables...)`` to ``(new carry..., y...)``. Outputs: the
    final carry, the stacked ys, and with ``save_carries`` the stacked carries each step
    started from (what the gradient needs). ``twin_of`` names the scan this one recomputes
    with extra results (residuals for its gradient); the IR passes run only the twin."""

    def infer(*inputs, body, num_carry, num_xs, length, reverse, save_carries, twin_of):
        carry, xs = inputs[:num_carry], inputs[num_carry : num_carry + num_xs]
        lengths = {x.shape[0] for x in xs if len(x.shape)} | ({length} if length is not None else set())
        require(all(len(x.shape) >= 1 for x in xs), "scan's xs must have a leading axis to scan over")
        known = {n for n in lengths if n is not None}
        require(len(known) <= 1, f"scan's xs differ in length: {sorted(known)}")
        require(num_xs or length is not None, "scan needs xs or a length")
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
        saved = (
            [TensorType(c.dtype, TensorShape((n,) + tuple(c.shape))) for c in carry] if save_carries else []
        )
        return tuple([TensorType(c.dtype, c.shape) for c in carry] + stacked + saved)

    def lower(*inputs, body, num_carry, num_xs, length, reverse, save_carries, twin_of, num_refs=0, key=None):
        carry, xs, rest = (
            inputs[:num_carry],
            inputs[num_carry : num_carry + num_xs],
            inputs[num_carry + num_xs :],
        )
        return _scan(body, carry, xs, rest, length, reverse, save_carries, num_refs, key)

    def grad(op, *grads):
        from jaxgraph.autodiff.control_flow import scan_grad

        return scan_grad(op, grads)


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
    ``maximum_iterations`` when set (and only then is it differentiable)."""

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

    def grad(op, *grads):
        from jaxgraph.autodiff.control_flow import while_grad

        return while_grad(op, grads)


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
    from jaxgraph.ir.graph import get_default_graph

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
        new = copy.create_op(
            source.type, [mapping[t] for t in source.inputs], dict(source.attrs), source.name,
            control_inputs=[ops[c] for c in source.control_inputs], device=source.device,
            location=source.location, exact_name=True,
        )  # fmt: skip
        ops[source] = new
        mapping.update(zip(source.outputs, new.outputs))
    last = graph.operations[-1]
    copy.create_op("results", [mapping[t] for t in [*results(graph), *extra]], {}, last.name,
                   location=last.location, exact_name=True)  # fmt: skip
    return copy
