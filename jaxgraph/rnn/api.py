"""TF1's RNN drivers: ``static_rnn`` and ``static_bidirectional_rnn`` (Python loops, unrolled
into the graph) and ``dynamic_rnn`` (one ``scan`` op, whose body is the cell traced once).

Both open ``variable_scope(scope or "rnn")``, so a ``BasicLSTMCell`` owns
``rnn/basic_lstm_cell/kernel`` exactly as in TF1. With ``sequence_length``, outputs past a
sequence's length are zeros and its state stops changing there (TF1's semantics), so the final
state is each sequence's state at its last valid step.

Prefer ``dynamic_rnn``: XLA compiles an unrolled loop in time growing with its length (over a
minute for a 50-step LSTM on CPU), a scan in constant time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ops import arrays, construction, joining, linalg, reduction, selection
from jaxgraph.ops import math as math_ops
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.control_flow import scan_loop
from jaxgraph.ops.core import convert_to_tensor
from jaxgraph.rnn.cells import RNNCell, batch_size_of, map_structure, zeros_state
from jaxgraph.tracer.variables import variable_scope

__all__ = ["bidirectional_dynamic_rnn", "dynamic_rnn", "static_bidirectional_rnn", "static_rnn"]


def _initial_state(cell: RNNCell, first_input: Tensor, initial_state: Any, dtype: Any) -> Any:
    """``initial_state``, or the cell's zero state for ``first_input``'s batch."""
    if initial_state is not None:
        return map_structure(convert_to_tensor, initial_state)
    if dtype is None:
        raise InvalidArgumentError("If no initial_state is provided, dtype must be specified")
    return zeros_state(cell.state_size, batch_size_of(first_input), dtype)


def _masked_step(
    time: Tensor, lengths: Tensor, output: Tensor, new_state: Any, old_state: Any
) -> tuple[Any, Any]:
    """TF1's ``sequence_length`` rule for step ``time``: where ``time >= length`` the output is
    zero and the state stays ``old_state``."""
    valid = shape_ops.expand_dims(math_ops.less(time, lengths), 1)
    output = selection.where(valid, output, construction.zeros_like(output))
    state = map_structure(lambda new, old: selection.where(valid, new, old), new_state, old_state)
    return output, state


def _lengths(sequence_length: Any) -> Tensor | None:
    if sequence_length is None:
        return None
    lengths = convert_to_tensor(sequence_length)
    if lengths.ndim != 1:
        raise InvalidArgumentError(f"sequence_length must be a vector, got shape {lengths.shape.as_list()}")
    return lengths


def _unrolled(cell: RNNCell, inputs: list[Tensor], initial_state: Any, dtype: Any,
              lengths: Tensor | None) -> tuple[list[Tensor], Any]:  # fmt: skip
    """``static_rnn``'s loop, in the current variable scope."""
    state = _initial_state(cell, inputs[0], initial_state, dtype)
    outputs = []
    for time, x in enumerate(inputs):
        output, new_state = cell(x, state)
        if lengths is not None:
            output, new_state = _masked_step(time, lengths, output, new_state, state)
        outputs.append(output)
        state = new_state
    return outputs, state


def _step_tensors(inputs: Sequence[Any]) -> list[Tensor]:
    """The per-step inputs as Tensors; an empty list is an error."""
    if not inputs:
        raise InvalidArgumentError("inputs must not be empty")
    return [convert_to_tensor(x) for x in inputs]


def static_rnn(cell: RNNCell, inputs: Sequence[Any], initial_state: Any = None, dtype: Any = None,
               sequence_length: Any = None, scope: str | None = None) -> tuple[list[Tensor], Any]:  # fmt: skip
    """Runs ``cell`` over the list of per-step inputs ``[batch, depth]``, unrolled in the graph;
    TF1's ``tf.nn.static_rnn``.

    Returns ``(outputs, state)``: the list of per-step outputs and the final state.
    """
    inputs = _step_tensors(inputs)
    lengths = _lengths(sequence_length)
    with variable_scope(scope or "rnn"):
        return _unrolled(cell, inputs, initial_state, dtype, lengths)


def _reverse_steps(steps: list[Tensor], lengths: Tensor | None) -> list[Tensor]:
    """The steps in reverse order; with ``lengths``, each batch row reverses only its first
    ``length`` steps and keeps the rest in place (TF1's ``reverse_sequence``).

    Step ``t`` of row ``b`` comes from step ``length_b - 1 - t`` (or ``t`` past the length),
    selected exactly: a sum over time of the stacked steps masked to that one step.
    """
    if lengths is None:
        return steps[::-1]
    stacked = joining.stack(steps)  # [time, batch, depth]
    times = construction.constant(list(range(len(steps))), dtype=lengths.dtype)
    reversed_steps = []
    for t in range(len(steps)):
        source = selection.where(math_ops.less(t, lengths), lengths - 1 - t, t)  # [batch]
        picked = math_ops.equal(shape_ops.expand_dims(times, 1), shape_ops.expand_dims(source, 0))
        masked = selection.where(shape_ops.expand_dims(picked, 2), stacked, construction.zeros_like(stacked))
        reversed_steps.append(reduction.reduce_sum(masked, axis=0))
    return reversed_steps


def static_bidirectional_rnn(cell_fw: RNNCell, cell_bw: RNNCell, inputs: Sequence[Any],
                             initial_state_fw: Any = None, initial_state_bw: Any = None,
                             dtype: Any = None, sequence_length: Any = None,
                             scope: str | None = None) -> tuple[list[Tensor], Any, Any]:  # fmt: skip
    """Runs ``cell_fw`` over the steps and ``cell_bw`` over them reversed (each sequence within
    its ``sequence_length``), both unrolled; TF1's ``tf.nn.static_bidirectional_rnn``.

    Returns ``(outputs, output_state_fw, output_state_bw)``: step ``t``'s output is the forward
    output at ``t`` concatenated (axis 1) with the backward output for step ``t``. Variables are
    TF1's: ``bidirectional_rnn/fw/<cell name>/kernel`` and ``bidirectional_rnn/bw/...``.
    """
    if not isinstance(cell_fw, RNNCell) or not isinstance(cell_bw, RNNCell):
        raise InvalidArgumentError("cell_fw and cell_bw must be instances of RNNCell")
    inputs = _step_tensors(inputs)
    lengths = _lengths(sequence_length)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw"):
            outputs_fw, state_fw = _unrolled(cell_fw, inputs, initial_state_fw, dtype, lengths)
        with variable_scope("bw"):
            reversed_inputs = _reverse_steps(inputs, lengths)
            reversed_bw, state_bw = _unrolled(cell_bw, reversed_inputs, initial_state_bw, dtype, lengths)
        outputs_bw = _reverse_steps(reversed_bw, lengths)
        outputs = [joining.concat([fw, bw], 1) for fw, bw in zip(outputs_fw, outputs_bw)]
    return outputs, state_fw, state_bw


def dynamic_rnn(cell: RNNCell, inputs: Any, sequence_length: Any = None, initial_state: Any = None,
                dtype: Any = None, parallel_iterations: int | None = None, swap_memory: bool = False,
                time_major: bool = False, scope: str | None = None) -> tuple[Tensor, Any]:  # fmt: skip
    """Runs ``cell`` over ``inputs`` ``[batch, time, depth]`` (``[time, batch, depth]`` with
    ``time_major``) as one ``scan`` op whose body is the cell, traced once: the state is the
    scan's carry and the outputs its stacked per-step results (``lax.scan``'s shape of loop).

    Returns ``(outputs, state)``: outputs ``[batch, time, output_size]`` (time-major with
    ``time_major``) and the final state. The cell's Variables are created before the loop is
    traced, so they belong to the outer graph. ``parallel_iterations`` and ``swap_memory`` are
    accepted for TF1 compatibility; XLA schedules the loop itself.
    """
    x = convert_to_tensor(inputs)
    if x.ndim < 3:
        raise InvalidArgumentError(f"dynamic_rnn expects inputs of rank >= 3, got shape {x.shape.as_list()}")
    lengths = _lengths(sequence_length)
    swap_batch_and_time = (1, 0, *range(2, x.ndim))
    with variable_scope(scope or "rnn"):
        if not time_major:
            x = shape_ops.transpose(x, swap_batch_and_time)
        first = x[0]
        cell.build_for(first)
        state = _initial_state(cell, first, initial_state, dtype)

        def step(carry: Any, x_t: Tensor) -> tuple[Any, Tensor]:
            if lengths is None:
                output, new_state = cell(x_t, carry)
                return new_state, output
            time, old_state = carry
            output, new_state = cell(x_t, old_state)
            output, new_state = _masked_step(time, lengths, output, new_state, old_state)
            return (time + 1, new_state), output

        carry = state if lengths is None else (construction.constant(0), state)
        carry, outputs = scan_loop(step, carry, x, name="while")
        state = carry if lengths is None else carry[1]
        if not time_major:
            outputs = shape_ops.transpose(outputs, swap_batch_and_time[:3])
    return outputs, state


def _reverse_time(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Time-major ``x`` ``[time, batch, depth]`` reversed along time; with ``lengths``, each row
    reverses only its first ``length`` steps (TF1's ``reverse_sequence``), as an exact
    one-hot ``einsum`` over a static number of steps."""
    if lengths is None:
        return arrays.reverse(x, [0])
    steps = x.shape[0]
    if steps is None or x.ndim != 3:
        raise InvalidArgumentError(
            f"bidirectional_dynamic_rnn with sequence_length needs [batch, time, depth] inputs with a "
            f"static number of steps, got time-major shape {x.shape.as_list()}"
        )
    times = shape_ops.expand_dims(construction.constant(list(range(steps)), dtype=lengths.dtype), 1)
    inside = math_ops.less(times, shape_ops.expand_dims(lengths, 0))
    source = selection.where(inside, shape_ops.expand_dims(lengths, 0) - 1 - times, times)  # [time, batch]
    picked = math_ops.equal(shape_ops.expand_dims(times, 2), shape_ops.expand_dims(source, 0))  # [s, t, b]
    return linalg.einsum("stb,sbd->tbd", shape_ops.cast(picked, x.dtype), x)


def bidirectional_dynamic_rnn(cell_fw: RNNCell, cell_bw: RNNCell, inputs: Any, sequence_length: Any = None,
                              initial_state_fw: Any = None, initial_state_bw: Any = None, dtype: Any = None,
                              parallel_iterations: int | None = None, swap_memory: bool = False,
                              time_major: bool = False,
                              scope: str | None = None) -> tuple[tuple[Tensor, Tensor], tuple[Any, Any]]:  # fmt: skip
    """TF1's ``tf.nn.bidirectional_dynamic_rnn``: ``dynamic_rnn`` of ``cell_fw`` over the
    inputs and of ``cell_bw`` over them reversed in time (each sequence within its
    ``sequence_length``), the backward outputs reversed back.

    Returns ``((output_fw, output_bw), (output_state_fw, output_state_bw))``, outputs shaped as
    the inputs' time layout. Variables are TF1's: ``bidirectional_rnn/fw/<cell name>/kernel``
    and ``bidirectional_rnn/bw/...``.
    """
    if not isinstance(cell_fw, RNNCell) or not isinstance(cell_bw, RNNCell):
        raise InvalidArgumentError("cell_fw and cell_bw must be instances of RNNCell")
    x = convert_to_tensor(inputs)
    if x.ndim < 3:
        raise InvalidArgumentError(
            f"bidirectional_dynamic_rnn expects inputs of rank >= 3, got shape {x.shape.as_list()}"
        )
    lengths = _lengths(sequence_length)
    with variable_scope(scope or "bidirectional_rnn"):
        output_fw, state_fw = dynamic_rnn(cell_fw, x, lengths, initial_state_fw, dtype,
                                          time_major=time_major, scope="fw")  # fmt: skip
        time_first = x if time_major else shape_ops.transpose(x, (1, 0, *range(2, x.ndim)))
        reversed_bw, state_bw = dynamic_rnn(cell_bw, _reverse_time(time_first, lengths), lengths,
                                            initial_state_bw, dtype, time_major=True, scope="bw")  # fmt: skip
        output_bw = _reverse_time(reversed_bw, lengths)
        if not time_major:
            output_bw = shape_ops.transpose(output_bw, (1, 0, 2))
    return (output_fw, output_bw), (state_fw, state_bw)
