"""``Session``: holds Variable values by name and runs fetch sets of a Graph through XLA.

``run`` flattens the fetch structure, looks up (or builds) the executable for this fetch set and
feed signature, calls it with the Variables it needs, commits the Variables it updated, and
rebuilds the fetch structure from the results (device arrays, no host copy); a run whose
unbounded loop outran its gradient's bucket compiles again and reruns (``loop_buckets.py``).
A run of a fetch set seen before takes a fast path (``plan.fast_key``: no flattening, no feed
conversion); a new fetch set structurally identical to one compiled before runs on that
executable instead of compiling (``structure.py``; docs/architecture.md, "The Session's caches").
A lock makes runs atomic with respect to each other; a run that raises commits nothing (no Variable, no RNG key),
and every error it raises is a ``jaxgraph.errors`` class (a raw XLA runtime error is mapped to
its TF1 class; see ``jaxgraph.lowering.executable`` for how donation is kept safe).
Building and XLA-compiling a new executable happens outside that lock, once per cache key: other
threads keep running cached fetch sets meanwhile, and threads wanting the same new executable
wait for the one building it. Feed checks and conversions live in ``feeds.py``; the per-thread
default Session and ``Tensor.eval`` & co. in ``defaults.py``; the compiled fetch set (``Plan``)
in ``plan.py``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jax
import numpy as np

from jaxgraph import builder
from jaxgraph.builder import get_default_graph
from jaxgraph.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    JaxGraphError,
    api_boundary,
    describe_location,
    error_class_for_status,
    filter_traceback,
    filtering_enabled,
)
from jaxgraph.ir.dtypes import computed_as, narrowing_problem
from jaxgraph.ir.graph import Graph, Tensor, paused_gc
from jaxgraph.ir.passes.specialize import specialize
from jaxgraph.lowering import compile_fetches, dumps, resolve_device
from jaxgraph.lowering.executable import STAGES, replicated, variable_sharding
from jaxgraph.session import host_ops
from jaxgraph.session.config import configure_session, place
from jaxgraph.session.defaults import _session_stack
from jaxgraph.session.feed_hooks import FEED_HOOKS, FeedHook
from jaxgraph.session.feeds import (
    _as_element,
    _convert_feed,
    _feed_label,
    _feeds,
    _resolve,
    _spec,
    _value_changes,
    _with_values,
)
from jaxgraph.session.loop_buckets import LoopBuckets, TripCountExceeded, compiled_for
from jaxgraph.session.plan import (
    Plan,
    arg_specs,
    compile_ahead,
    fast_key,
    fast_path_fits,
    fast_results,
    uninitialized,
)
from jaxgraph.session.structure import KeyMemo, structure_key
from jaxgraph.session.variable_store import VariableStore
from jaxgraph.tracer.function import Function

_LOG = logging.getLogger("jaxgraph")


def is_fetch_leaf(x: Any) -> bool:
    """Whether ``x`` is one fetch in a fetch structure (TF1's fetches nest lists, tuples and dicts
    of graph elements; objects with ``_as_graph_element`` count as one)."""
    return x is not None and (not isinstance(x, (list, tuple, dict)) or hasattr(x, "_as_graph_element"))


class Session:
    """TF1's ``tf.Session``: ``Session(graph=None, device=None)``.

    ``device`` (``"cpu"``, ``"gpu"``, ``"gpu:1"`` ...) places Variables, feeds and computation;
    by default JAX's default device is used. ``mesh`` (a ``jax.sharding.Mesh``) runs data
    parallel: feeds are split along their batch (first) dimension over the mesh's first axis,
    Variables are replicated, and XLA's SPMD partitioner adds the collectives.
    ``config``: TF1's ``ConfigProto`` (``jaxgraph.session.config`` says what each field does).
    ``check_numerics=True`` checks every floating-point op output of every run and raises InvalidArgumentError naming the first op that produced a
    NaN or Inf (the run then changes no Variable). ``dump_dir`` (default: ``$JAXGRAPH_DUMP_DIR``,
    read at each compilation) makes every compilation write all its stages to a folder there
    (``jaxgraph.lowering.dumps``). ``roll_loops``: whether runs of repeated blocks (deep
    chains, repeated modules, unrolled RNN steps) are each lowered as one ``lax.scan``
    (``jaxgraph.ir.passes.rolling``); by default (``None``) where it pays: on CPU always, on a
    GPU or TPU for programs of 20,000 ops or more; ``False`` keeps them unrolled.
    """

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None, *,
                 device: str | None = None, check_numerics: bool = False,
                 dump_dir: str | None = None, mesh: Any = None, roll_loops: bool | None = None) -> None:  # fmt: skip
        if graph is not None and not isinstance(graph, Graph):
            raise TypeError(f"graph must be a jaxgraph Graph, but got {type(graph)}")
        self.graph = graph if graph is not None else get_default_graph()
        self.config, device = configure_session(config, device)
        if device is not None and mesh is not None:
            raise InvalidArgumentError("give a Session a device or a mesh, not both")
        if mesh is not None and not isinstance(mesh, jax.sharding.Mesh):
            raise TypeError(f"mesh must be a jax.sharding.Mesh, but got {type(mesh)}")
        self.device = resolve_device(device)
        self.mesh = mesh
        self.check_numerics = check_numerics
        self.dump_dir = dump_dir
        self.roll_loops = roll_loops
        self._variables = VariableStore(self._place)
        self._key: jax.Array | None = None
        self._cache: dict[Any, Plan] = {}
        self._fast: dict[Any, tuple[Plan, Callable]] = {}  # by plan.fast_key: (plan, its fast_results)
        self._structures: dict[Any, Plan] = {}  # by structure_key
        self._key_memo = KeyMemo()
        self._lock = threading.RLock()  # runs: Variable values and the RNG key
        self._plan_lock = threading.Lock()  # _cache, _structures, _building, the counts
        self._building: dict[Any, threading.Lock] = {}
        self._closed = False
        self.compile_count = 0
        self.recompile_reasons: list[str] = []
        """Why a fetch set compiled again, e.g. ``"feed 'x:0': f32[32,784] -> f32[16,784]"``."""
        self.reuse_count = 0
        """New fetch sets that run on the executable of a structurally identical one, compiled
        before (``jaxgraph.session.structure``) instead of compiling: not in ``compile_count``."""
        self._loop_buckets = LoopBuckets()
        self._ops_at_last_run = -1
        self._growth_streak = 0
        self._default_stack: contextlib.ExitStack | None = None
        self._hooks: list[FeedHook] = []
        self._hooks_epoch = -1
        self._ask_hooks()

    # ---- running ---------------------------------------------------------------------------
    def run(self, fetches: Any, feed_dict: dict | None = None, options: Any = None,
            run_metadata: Any = None) -> Any:  # fmt: skip
        """Runs the ops ``fetches`` need; returns their values in the same structure. Its errors
        end their traceback at the caller's line, as ``api_boundary``'s do (written out here:
        a run of a small graph pays for every Python frame)."""
        __tracebackhide__ = True  # noqa: F841 - pytest's marker, for the unfiltered case
        try:
            if fetches is None:
                raise TypeError(f"Fetch argument None has invalid type {type(None)}")
            if self._hooks_epoch != FEED_HOOKS.epoch:
                self._ask_hooks()
            for hook in self._hooks:
                feed_dict = hook(self, fetches, feed_dict)
            return self._run(self.graph, fetches, feed_dict)
        except JaxGraphError as e:
            if filtering_enabled():
                e.with_traceback(filter_traceback(e.__traceback__))
            raise

    def _ask_hooks(self) -> None:
        """Takes the feed hooks that want this Session (``FeedHooks``): the hooks first, then
        their epoch, so a run never pairs the new epoch with the old hooks."""
        epoch, self._hooks = FEED_HOOKS.wanting(self)
        self._hooks_epoch = epoch

    def _run(self, graph: Graph, fetches: Any, feed_dict: dict | None, name: str | None = None) -> Any:
        """Runs once: a fetch set and feed signature run before on the fast path (its plan by
        ``plan.fast_key``: no flattening, no feed conversion), any other on the general path
        (``_run_general``); returns the fetched values in the fetches' structure."""
        if graph is self.graph and (len(graph.operations) != self._ops_at_last_run or self._growth_streak):
            self._notice_graph_growth(graph)
        run_key = fast_key(graph, fetches, feed_dict)
        try:
            hit = self._fast.get(run_key)
        except TypeError:  # an unhashable fetch: the general path reports it
            hit = run_key = None
        if hit is None:
            return self._run_general(graph, fetches, feed_dict, name, run_key)
        plan, results = hit
        return results(self._execute(plan, graph, [*feed_dict.values()] if feed_dict else []))

    def _run_general(self, graph: Graph, fetches: Any, feed_dict: dict | None, name: str | None,
                     run_key: Any) -> Any:  # fmt: skip
        """A run on the general path (``_lookup``), the host ops' results included. Runs again,
        compiled with a larger loop bucket, after a run that changed nothing because an
        unbounded loop outran its gradient's bucket (``loop_buckets``)."""
        while True:
            try:
                plan, treedef, feed_values = self._lookup(graph, fetches, feed_dict, name, run_key)
                fetched = self._execute(plan, graph, feed_values)
                break
            except TripCountExceeded as overflow:
                self._grow_bucket(graph, fetches, feed_dict, name, overflow)
        if plan.host is not None:
            fetched = plan.host.run(fetched, feed_values)
        return jax.tree_util.tree_unflatten(treedef, [None if s is None else fetched[s] for s in plan.slots])

    def _grow_bucket(self, graph: Graph, fetches: Any, feed_dict: dict | None, name: str | None,
                     overflow: TripCountExceeded) -> None:  # fmt: skip
        """Grows the bucket ``overflow`` names and compiles the fetch set that raised it again."""
        reason = self._loop_buckets.grow(graph, overflow)
        self.recompile_reasons.append(reason)
        _LOG.info("recompiling a fetch set: %s", reason)
        leaves, _ = jax.tree_util.tree_flatten(fetches, is_leaf=is_fetch_leaf)
        feed_items, feed_values = _feeds(feed_dict)
        plan = self._plan(graph, leaves, feed_items, feed_values, name)
        compile_ahead(plan, feed_values)
        with self._plan_lock:
            for key in [k for k, p in self._cache.items() if compiled_for(p.executable, overflow)]:
                self._cache[key] = plan

    def _lookup(self, graph: Graph, fetches: Any, feed_dict: dict | None, name: str | None,
                run_key: Any) -> tuple[Plan, Any, list]:  # fmt: skip
        """The general path of a run: the fetches flattened, the feeds converted, the plan of
        that fetch set and feed signature (built if new). Remembers the plan under ``run_key``
        (see ``plan.fast_key``) when the run may take the fast path next time
        (``plan.fast_path_fits``)."""
        leaves, treedef = jax.tree_util.tree_flatten(fetches, is_leaf=is_fetch_leaf)
        feed_items, feed_values = _feeds(feed_dict)
        cache_key = (
            graph,
            tuple(leaves),
            tuple((k, v.shape, v.dtype) for (k, _), v in zip(feed_items, feed_values, strict=False)),
        )
        try:
            plan = self._cache.get(cache_key)
            if plan is not None and plan.value_feeds:  # compiled per value of these feeds
                cache_key = _with_values(cache_key, plan.value_feeds, plan.device_feeds(feed_values))
                plan = self._cache.get(cache_key)
        except TypeError:  # an unhashable fetch: report which
            for leaf in leaves:
                _as_element(graph, leaf, "fetch")
            raise
        if plan is None:
            self._check_open()
            plan = self._cached_plan(cache_key, graph, leaves, feed_items, feed_values, name)
        if run_key is not None and fast_path_fits(plan, feed_items, feed_values):
            self._fast[run_key] = (plan, fast_results(fetches, plan.slots))
        return plan, treedef, feed_values

    def _execute(self, plan: Plan, graph: Graph, feed_values: list) -> list:
        """Calls the plan's executable and commits the Variables and the key it updated,
        atomically with respect to other runs (a plan touching neither needs no lock). The
        executable takes the Variables' values, the feeds (converted where the plan says) and
        the RNG key (None for a plan drawing no random numbers). A failed run-time check commits
        only the donated Variables (``_failed_check``); a failed run raises its error after
        forgetting the Variables it consumed (``_forget_lost_variables``)."""
        if plan.stateless:
            if self._closed:
                self._check_open()
            feeds = feed_values if plan.plain_feeds else self._converted_feeds(plan, feed_values)
            try:  # a plan taking no Variable: nothing donated, nothing to commit or forget
                fetched, _, _, failed = plan.executable(*feeds, None)
            except JaxGraphError as e:
                raise plan.user_error(e) from None
            if failed is not None:
                raise plan.user_error(failed)
            return fetched
        with self._lock:
            if self._closed:
                self._check_open()
            variables = self._variables
            args = variables.arguments(plan.var_args, plan.groups)
            if args is None:
                missing = [m for n in plan.var_args for m in plan.groups.get(n, (n,)) if m not in variables]
                raise uninitialized(plan, missing)
            args += feed_values if plan.plain_feeds else self._converted_feeds(plan, feed_values)
            args.append(self._rng_key(graph) if plan.uses_key else None)
            try:
                fetched, updated, key, failed = plan.executable(*args)
            except JaxGraphError as e:
                raise plan.user_error(self._forget_lost_variables(plan, args, e)) from None
            if failed is not None:
                raise self._failed_check(plan, updated, failed)
            variables.commit_all(plan.updated, updated, plan.groups)
            if plan.uses_key:
                self._key = key
        return fetched

    @staticmethod
    def _converted_feeds(plan: Plan, feed_values: list) -> list:
        """The feeds as the executable takes them: converted to the dtypes their placeholders
        compute in where the plan says (``feeds._convert_feed``), string feeds left out."""
        return [
            value if dtype is None else _convert_feed(tensor, value, dtype)
            for value, dtype, tensor in zip(
                plan.device_feeds(feed_values), plan.feed_dtypes, plan.feeds, strict=False
            )
        ]

    def _failed_check(self, plan: Plan, updated: list, failed: JaxGraphError) -> JaxGraphError:
        """The error of a run whose run-time check failed, after committing the Variables it
        donated: they hold their old values (``jaxgraph.lowering.executable``); the key stays."""
        donated = set(plan.executable.lowered.donated_vars)
        for n, v in zip(plan.updated, updated, strict=False):
            if n in donated:
                self._variables.commit(n, v, plan.groups)
        return plan.user_error(failed)

    def _forget_lost_variables(self, plan: Plan, args: list, error: JaxGraphError) -> JaxGraphError:
        """``error`` of a failed run, after removing the Variables whose donated buffers the
        run consumed anyway (so reading them says uninitialized instead of failing in JAX);
        the message then names them. Only a run that fails after launch without the memory
        check's warning can do that (see ``jaxgraph.lowering.executable``)."""
        lost = [
            name
            for name, value in zip(plan.executable.lowered.donated_vars, args, strict=False)
            if value.is_deleted()
        ]
        if not lost:
            return error
        lost = [member for name in lost for member in self._variables.forget(name, plan.groups)]
        listed = ", ".join(f"'{name}'" for name in lost)
        return type(error)(
            f"{error.message}; the failed run had already taken over the buffers of Variable(s) "
            f"{listed}: they are uninitialized now (run their initializer or restore a checkpoint)",
            error.op,
        )

    def _check_open(self) -> None:
        if self._closed:
            raise FailedPreconditionError("Attempted to use a closed Session.")

    def _cached_plan(self, cache_key: Any, graph: Graph, leaves: list, feed_items: list,
                     feed_values: list, name: str | None = None) -> Plan:  # fmt: skip
        """The plan of ``cache_key``: on the executable of a structurally identical fetch set
        compiled before (``_shared_plan``), else built and XLA-compiled at most once, outside
        the run lock, with the garbage collector paused (``paused_gc``)."""
        resolved = _resolve(graph, leaves, feed_items, feed_values)
        fetch_elements, slots, feeds, feed_dtypes = resolved
        specs = [(v.shape, v.dtype) for v in feed_values]
        # the key of the fetch set as given: specializing and the host split follow from it
        structure = structure_key(fetch_elements, feeds, specs, self._key_memo)
        plan = structure and self._shared_plan(structure, feeds, feed_dtypes, slots)
        if plan:
            with self._plan_lock:
                return self._cache.setdefault(cache_key, plan)
        with self._plan_lock:
            plan = self._cache.get(cache_key)
            if plan is not None:
                return plan
            building = self._building.setdefault(cache_key, threading.Lock())
        with building:
            plan = self._cache.get(cache_key)
            if plan is None:
                try:
                    with paused_gc():  # see paused_gc: JAX's tracing makes many objects too
                        plan = self._plan(graph, leaves, feed_items, feed_values, name, cache_key,
                                          structure, resolved)  # fmt: skip
                        compile_ahead(plan, feed_values)
                    with self._plan_lock:
                        self._cache[cache_key] = plan
                        if plan.value_feeds:  # the key with the values that decided shapes
                            self._cache[
                                _with_values(cache_key, plan.value_feeds, plan.device_feeds(feed_values))
                            ] = plan
                finally:
                    with self._plan_lock:
                        self._building.pop(cache_key, None)
        return plan

    def _explain_recompile(self, cache_key: Any) -> None:
        """Records (and logs) why a fetch set already compiled for other feeds compiles again."""
        graph, leaves, feeds = cache_key[:3]
        with self._plan_lock:
            before = [k for k in self._cache if k[0] is graph and k[1] == leaves]
        if not before:
            return
        if len(cache_key) > 3:  # a value feed's new value
            self.recompile_reasons.append(_value_changes(before[-1], cache_key))
            _LOG.info("recompiling a fetch set: %s", self.recompile_reasons[-1])
            return
        old = {_feed_label(k): (shape, dtype) for k, shape, dtype in before[-1][2]}
        new = {_feed_label(k): (shape, dtype) for k, shape, dtype in feeds}
        changes = [
            f"feed {k}: {_spec(*old[k])} -> {_spec(*new[k])}" for k in new if k in old and old[k] != new[k]
        ]
        changes += [f"feed {k} added" for k in new if k not in old]
        changes += [f"feed {k} removed" for k in old if k not in new]
        reason = "; ".join(changes) or "same feeds (another fetch structure)"
        self.recompile_reasons.append(reason)
        _LOG.info("recompiling a fetch set: %s", reason)

    def _notice_graph_growth(self, graph: Graph) -> None:
        """Warns once when ops keep being added between runs (TF1's classic training-loop bug).
        Such a loop no longer compiles every step when its new fetch sets have the structure of
        earlier ones (``_shared_plan``), but the graph still grows without bound."""
        count = len(graph.operations)
        grew = 0 <= self._ops_at_last_run < count
        self._growth_streak = self._growth_streak + 1 if grew else 0
        if self._growth_streak == 5:
            op = graph.operations[self._ops_at_last_run]
            warnings.warn(
                f"the graph keeps growing between Session.run calls: op '{op.name}' ({op.type}) "
                f"{describe_location(op.location)} was added after the previous run. Building ops "
                "inside a training loop grows the graph and the Session's caches every step, and each "
                "step builds and checks its new ops (a fetch set structurally identical to one run "
                "before reuses its compiled program); build them once, before the loop.",
                stacklevel=4,
            )
        self._ops_at_last_run = count

    def _rng_key(self, graph: Graph) -> jax.Array:
        if self._key is None:
            seed = graph.seed if graph.seed is not None else int.from_bytes(os.urandom(4), "little")
            self._key = jax.random.PRNGKey(seed)
        return self._key

    def _plan(self, graph: Graph, leaves: list, feed_items: list, feed_values: list,
              name: str | None = None, cache_key: Any = None, structure: tuple | None = None,
              resolved: tuple | None = None) -> Plan:  # fmt: skip
        """Compiles a fetch set; with a dump folder set, writes its stages there, named ``name``
        (default: after the fetches). With ``cache_key`` (a run's, not a dump's), a compilation
        says why it compiled again (``_explain_recompile``); its ``structure``
        (``structure_key``'s, None: none) is remembered for the fetch sets that may share the
        executable (``_shared_plan``); ``resolved``: ``_resolve``'s result where the caller has it."""
        fetch_elements, slots, feeds, feed_dtypes = resolved or _resolve(
            graph, leaves, feed_items, feed_values
        )
        host = host_ops.split(fetch_elements, feeds)
        if host is not None:
            fetch_elements, feeds, feed_dtypes = (
                host.device_fetches,
                host.device_only(feeds),
                host.device_only(feed_dtypes),
            )
        directory = dumps.dump_dir(self.dump_dir)
        device_values = feed_values if host is None else host.device_only(feed_values)
        special = specialize(fetch_elements, feeds, device_values)  # shapes known only from the feeds
        if cache_key is not None:
            self._explain_recompile(cache_key)
        executable = compile_fetches(special.fetches, special.feeds, self.device, self.check_numerics,
                                     self.mesh, record_passes=directory is not None,
                                     loop_bounds=self._loop_buckets.of(graph),
                                     roll_loops=self.roll_loops)  # fmt: skip
        place(self.config, executable.traced, executable.devices[0], host.ops if host is not None else ())
        with self._plan_lock:
            self.compile_count += 1
        plan = Plan(executable, feeds, feed_dtypes, slots, special.value_feeds, host)
        if structure and host is None and not special.value_feeds and not executable.loop_bounds:
            plan.compiled_for = [op.name for op in structure[1]]
            with self._plan_lock:
                self._structures.setdefault(structure[0], plan)
        if directory:
            dumps.write_dumps(directory, name or dumps.fetch_label(fetch_elements), executable,
                              arg_specs(plan, feed_values))  # fmt: skip
        return plan

    def _shared_plan(self, structure: tuple, feeds: list[Tensor], feed_dtypes: list,
                     slots: list) -> Plan | None:  # fmt: skip
        """A plan for a new fetch set on the executable of a structurally identical one compiled
        before (``structure``: its key and ops, see ``jaxgraph.session.structure``); None if
        there is none. Its errors name the new fetch set's ops (``Plan.user_error``)."""
        key, ops = structure
        with self._plan_lock:
            template = self._structures.get(key)
            if template is None:
                return None
            self.reuse_count += 1
        place(self.config, ops, template.executable.devices[0])
        _LOG.debug("a new fetch set runs on the executable of a structurally identical one")
        return template.rebound(feeds, feed_dtypes, slots, ops)

    # ---- inspection ------------------------------------------------------------------------
    @api_boundary
    def load_variable(self, variable: Any, value: Any) -> None:
        """Sets a Variable's value directly (TF1's ``Variable.load``)."""
        target = variable.handle.type
        try:
            array = np.asarray(value, dtype=target.dtype.np)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(
                f"cannot load {value!r} into Variable '{variable.op.name}' of type "
                f"{target.dtype.short}{target.shape}: {e}",
                variable.op,
            ) from None
        if not target.shape.is_compatible_with(array.shape):
            raise InvalidArgumentError(
                f"cannot load a value of shape {list(array.shape)} into Variable '{variable.op.name}' "
                f"of shape {target.shape}",
                variable.op,
            )
        problem = narrowing_problem(target.dtype, array)
        if problem is not None:
            raise InvalidArgumentError(
                f"cannot load into Variable '{variable.op.name}': the {problem}", variable.op
            )
        array = array.astype(computed_as(target.dtype).np, copy=False)
        with self._lock:
            self._variables[variable.op.name] = self._place_variable(variable.op.name, array)

    def snapshot(self, names: Sequence[str]) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Host copies of the named Variables' values and of the RNG key (None until a random op
        ran), taken between runs: what ``jg.train.Saver`` writes."""
        with self._lock:
            self._check_open()
            missing = [name for name in names if name not in self._variables]
            if missing:
                listed = ", ".join(f"'{name}'" for name in missing)
                raise FailedPreconditionError(f"Attempting to use uninitialized Variable(s) {listed}")
            values = self._variables.host_values(names)
            key = None if self._key is None else np.array(self._key)
        return values, key

    def load_snapshot(self, values: Mapping[str, Any], rng_key: Any) -> None:
        """Sets the named Variables and the RNG key (None: derive it again from the graph seed)
        at once, between runs: ``jg.train.Saver.restore``. Values must have the Variables'
        shapes and dtypes (the Saver checks them)."""
        placed = {name: self._place_variable(name, value) for name, value in values.items()}
        key = None if rng_key is None else self._place("the RNG key", rng_key)
        with self._lock:
            self._check_open()
            self._variables.update(placed)
            self._key = key

    def _place_variable(self, name: str, value: Any) -> jax.Array:
        """A value of the Variable ``name`` on the Session's device, or on its mesh as the
        Variable's sharding annotation says (restored checkpoints are sharded again)."""
        target = self.device
        if self.mesh is not None:
            target = variable_sharding(self.graph.get_operation_by_name(name), self.mesh)
        return self._place(f"Variable '{name}'", value, target)

    def _place(self, name: str, value: Any, target: Any = None) -> jax.Array:
        """``value`` on ``target`` (a device or sharding; default: the Session's device, or
        replicated over its mesh); an XLA failure (out of memory, say) as the TF1 error of its
        status code, naming the value."""
        if target is None:
            target = self.device if self.mesh is None else replicated(self.mesh)
        try:
            return jax.device_put(value, target)
        except jax.errors.JaxRuntimeError as e:
            message = str(e).split("\n")[0]
            raise error_class_for_status(message)(f"cannot place {name} on the device: {message}") from None

    @api_boundary
    def dump(self, fetches: Any, feed_dict: dict | None = None, stage: str = "jax") -> str:
        """The text of one compilation stage for this fetch set: one of ``STAGES``."""
        return self._dump(self.graph, fetches, feed_dict, stage)

    def _dump(self, graph: Graph, fetches: Any, feed_dict: dict | None, stage: str,
              name: str | None = None) -> str:  # fmt: skip
        if stage not in STAGES:
            raise InvalidArgumentError(f"unknown dump stage '{stage}'; stages are {', '.join(STAGES)}")
        leaves, _ = jax.tree_util.tree_flatten(fetches, is_leaf=is_fetch_leaf)
        feed_items, feed_values = _feeds(feed_dict)
        plan = self._plan(graph, leaves, feed_items, feed_values, name)
        return plan.executable.dump(stage, arg_specs(plan, feed_values))

    # ---- lifetime --------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock, self._plan_lock:
            self._closed = True
            self._variables.clear()
            self._cache.clear()
            self._fast.clear()
            self._structures.clear()
            self._key_memo = KeyMemo()

    def __enter__(self) -> Session:
        """Makes this the default Session and its graph the default graph (an IR graph parsed
        with ``jg.ir.parse`` has no graph-building scopes: only the Session becomes default)."""
        self._default_stack = contextlib.ExitStack()
        self._default_stack.enter_context(self.as_default())
        if isinstance(self.graph, builder.Graph):
            self._default_stack.enter_context(self.graph.as_default())
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._default_stack is not None:
            self._default_stack.close()
        self.close()

    @contextlib.contextmanager
    def as_default(self) -> Iterator[Session]:
        stack = _session_stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()


class InteractiveSession(Session):
    """A Session that installs itself as the default session on construction (TF1)."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None, **kw: Any):
        super().__init__(target, graph, config, **kw)
        _session_stack().append(self)

    def close(self) -> None:
        stack = _session_stack()
        if self in stack:
            stack.remove(self)
        super().close()


Function.session_class = Session  # the Session a jg.function runs its graph in
