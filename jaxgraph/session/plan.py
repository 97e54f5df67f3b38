"""A compiled fetch set as ``Session.run`` calls it (``Plan``: the executable, feed conversions,
fetch slots, Variable arguments), the key of the fast path for runs seen before, compiling
ahead of the first call, and the error of a run that needs uninitialized Variables."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

import jax

from jaxgraph.errors import FailedPreconditionError, JaxGraphError
from jaxgraph.ir.dtypes import computed_as
from jaxgraph.ir.graph import Graph, Operation, Tensor
from jaxgraph.lowering import Executable
from jaxgraph.lowering.groups import handle_of, variable_groups
from jaxgraph.session import host_ops


class Plan:
    """An executable plus what ``run`` needs to call it: feed conversions and fetch slots."""

    __slots__ = ("executable", "feeds", "feed_dtypes", "slots", "var_args", "updated", "n_fetches",
                 "value_feeds", "host", "uses_key", "plain_feeds", "stateless", "compiled_for",
                 "renames", "groups")  # fmt: skip

    def __init__(self, executable: Executable, feeds: list[Tensor], feed_dtypes: list, slots: list,
                 value_feeds: tuple[int, ...] = (), host: host_ops.HostPlan | None = None):  # fmt: skip
        lowered = executable.lowered
        self.executable = executable
        self.feeds = feeds
        self.feed_dtypes = feed_dtypes
        self.slots = slots
        self.var_args = lowered.donated_vars + lowered.kept_vars
        self.updated = lowered.updated_vars
        self.n_fetches = len(lowered.fetches)
        self.value_feeds = value_feeds
        """Feeds whose values decide shapes: the plan is valid for these values only."""
        self.host = host
        """The string ops run on the host after the executable (``host_ops``); None: none."""
        self.uses_key = lowered.uses_key
        self.plain_feeds = host is None and all(dtype is None for dtype in feed_dtypes)
        """The executable takes the feed values as given (none converted, none on the host)."""
        self.stateless = not (self.var_args or self.updated or lowered.uses_key)
        """Reads no Variable and no RNG key: runs without the Session's run lock."""
        self.compiled_for: list[str] | None = None
        """The names of the ops of the fetch set the executable was compiled for, in the order
        of its structural key (``structure``): set where other fetch sets may share it."""
        self.renames: list[Operation] | None = None
        """For an executable compiled for a structurally identical fetch set: this fetch set's
        ops, at the positions of ``compiled_for``'s; None: its own."""
        self.groups = variable_groups(lowered.var_ops)
        """The members of each Variable group the executable takes stacked, by group name."""

    def rebound(self, feeds: list[Tensor], feed_dtypes: list, slots: list, ops: list[Operation]) -> Plan:
        """This plan's executable for a structurally identical fetch set whose ops are ``ops``
        (``renames``): what follows from the executable is copied, not derived again, and
        lists equal to this plan's are this plan's (a loop that builds its fetches each
        iteration makes one such plan per run, and keeps it)."""
        plan = Plan.__new__(Plan)
        for name in Plan.__slots__:
            setattr(plan, name, getattr(self, name))
        plan.feeds = self.feeds if feeds == self.feeds else feeds
        plan.slots = self.slots if slots == self.slots else slots
        if feed_dtypes != self.feed_dtypes:  # no host ops: a shared plan has none
            plan.feed_dtypes = feed_dtypes
            plan.plain_feeds = all(dtype is None for dtype in feed_dtypes)
        plan.renames = ops
        return plan

    def device_feeds(self, feed_values: list) -> list:
        """The feed values the executable takes (string feeds stay on the host)."""
        return feed_values if self.host is None else self.host.device_only(feed_values)

    def user_error(self, error: JaxGraphError) -> JaxGraphError:
        """``error`` naming this fetch set's op where the executable's names another fetch set's
        (the structurally identical one it was compiled for; quoted names in the message too)."""
        if self.renames is None or error.op is None:
            return error
        op = dict(zip(self.compiled_for, self.renames, strict=True)).get(error.op.name)
        if op is None or op.name == error.op.name:
            return error
        quoted = re.compile("'" + re.escape(error.op.name) + "(?=[':])")
        return type(error)(quoted.sub(lambda _: "'" + op.name, error.message), op)


_CONTAINERS = (list, tuple, dict)
_LEAF_TYPES: dict[type, bool] = {}
"""Types of fetches seen before that are no containers: ``fast_key`` checks a fetch, or a
list's fetches, by their types (in C for a list; ``isinstance`` looks up ``__class__`` too)."""


def fast_key(graph: Graph, fetches: Any, feed_dict: Any) -> Any:
    """The key of a run on ``Session._fast``, the cache of runs that skip flattening the fetches
    and converting the feeds: the graph, the fetch (or the container type and its fetches, for a
    flat list or tuple) and each feed's key, shape and dtype, in order. None for any other run
    (nested or dict fetches, a feed value without shape and dtype): it takes the general path.
    Every run builds one: of the spellings tried, a loop adding to a tuple costs least."""
    kind = type(fetches)
    if kind is list or kind is tuple:
        if not all(map(_LEAF_TYPES.get, map(type, fetches))) and not _flat(fetches):
            return None
        fetch_key: Any = (kind, *fetches)
    elif _LEAF_TYPES.get(kind) or _flat((fetches,)):
        fetch_key = fetches
    else:
        return None
    if not feed_dict:
        return graph, fetch_key
    if type(feed_dict) is not dict:
        return None
    key = (graph, fetch_key)
    try:
        for k, v in feed_dict.items():
            key += (k, v.shape, v.dtype)
    except AttributeError:
        return None
    return key


def _flat(fetches: list | tuple) -> bool:
    """Whether none of ``fetches`` is a container (their types are then remembered)."""
    if any(isinstance(leaf, _CONTAINERS) for leaf in fetches):
        return False
    _LEAF_TYPES.update(dict.fromkeys(map(type, fetches), True))
    return True


def fast_results(fetches: Any, slots: Sequence[int | None]) -> Callable[[Sequence], Any]:
    """How a run on the fast path builds its results from the fetched tensors' values (``fetches``:
    one fetch, or a flat list or tuple; ``slots``: ``Plan.slots``): the value itself, or a list or
    tuple of them, None for an Operation. C-level (``itemgetter``) where it can be."""
    indices = [-1 if slot is None else slot for slot in slots]  # -1: the None appended
    kind = type(fetches)
    if kind is not list and kind is not tuple:
        return _no_value if slots[0] is None else operator.itemgetter(0)
    if len(indices) == 1:
        return lambda fetched: kind(((*fetched, None)[indices[0]],))
    pick = operator.itemgetter(*indices)
    if kind is tuple:
        return lambda fetched: pick((*fetched, None))
    return lambda fetched: list(pick((*fetched, None)))


def _no_value(fetched: Sequence) -> None:
    """The result of fetching one Operation."""
    return None


def fast_path_fits(plan: Plan, feed_items: list, feed_values: list) -> bool:
    """Whether later runs of this fetch set and feed signature may take the fast path: no feed
    value was converted to an array, no feed's value decides a shape, no op runs on the host,
    and no unbounded loop's bucket may grow (which replaces the plan)."""
    as_given = all(v is given for v, (_, given) in zip(feed_values, feed_items, strict=True))
    return as_given and plan.host is None and not plan.value_feeds and not plan.executable.loop_bounds


def spec_of_variable(op: Operation) -> jax.ShapeDtypeStruct:
    t = op.outputs[0].type
    return jax.ShapeDtypeStruct(tuple(t.shape), computed_as(t.dtype).np)


def arg_specs(plan: Plan, feed_values: list) -> list[Any]:
    """The types of the executable's arguments: Variables, feeds (as converted), the key."""
    lowered = plan.executable.lowered
    specs: list[Any] = [spec_of_variable(lowered.var_ops[name]) for name in plan.var_args]
    for value, dtype in zip(plan.device_feeds(feed_values), plan.feed_dtypes, strict=False):
        specs.append(jax.ShapeDtypeStruct(value.shape, value.dtype if dtype is None else dtype))
    specs.append(jax.eval_shape(jax.random.PRNGKey, 0) if lowered.uses_key else None)
    return specs


def compile_ahead(plan: Plan, feed_values: list) -> None:
    """XLA-compiles ``plan`` for its argument types (JAX caches the result for the first call),
    so a Session compiles outside its run lock, and learns the memory a run needs. Best effort:
    a failure here happens again in the run itself, which reports it blamed on its op."""
    try:
        plan.executable.compile(arg_specs(plan, feed_values))
    except Exception:  # noqa: BLE001 - reported by the run (see docstring)
        pass


def uninitialized(plan: Plan, names: list[str]) -> FailedPreconditionError:
    """The error of a run that needs the uninitialized Variables ``names``: all of them, and
    the fix (the initializer, built after the optimizer, whose slots are Variables too)."""
    listed = ", ".join(f"'{name}'" for name in names)
    return FailedPreconditionError(
        f"Attempting to use uninitialized Variable{'s' if len(names) > 1 else ''} {listed}: run "
        "sess.run(jg.global_variables_initializer()) first, with the initializer built after the "
        "last Variable (after the optimizer, whose slots are Variables too)",
        handle_of(plan.executable.lowered.var_ops, names[0]),
    )
