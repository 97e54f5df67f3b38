"""Shape arguments given as tensors, as TF1 allows: ``tf.zeros(tf.shape(x))``, ``tf.fill(dims, v)``,
``tf.reshape(x, tf.stack([tf.shape(x)[0], -1]))``, ``tf.random_normal([n, 3])``, ``tf.tile(x, m)``.

jaxgraph lowers static shapes only, so a builder first asks what is known of the argument when
the graph is built:

* ``known_value(t)``: ``t``'s value when it can be computed now, from constants and the static
  shapes of tensors (TF1's ``tensor_util.constant_value``); the builder then makes the static op,
  whose type is fully known at once;
* ``known_shape(t)``: otherwise, what is known of a shape vector's entries (TF1's
  ``constant_value_as_shape``): ``(None, 3)`` for ``tf.stack([n, 3])``, None when even its length is
  unknown. The builder makes the op's *twin* (``declare_twin``): the same op taking the argument
  as its last input, typed from what is known, which the Session's specialization
  (``jaxgraph.ir.passes.specialize``) turns into the static op once the argument's value is known
  when the graph compiles for a feed signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import OpDef, declare, get_op_def, type_error
from jaxgraph.ir.passes.folding import FOLD_LIMIT, host_value
from jaxgraph.ir.passes.specialize import type_only_value
from jaxgraph.ir.passes.values import constant_value
from jaxgraph.ir.shapes import TensorType
from jaxgraph.ops.core import apply, convert_to_tensor, is_tensor, require

MAX_DEPTH = 64
"""How many ops deep ``known_value`` looks for constants (shape arithmetic is shallow)."""


def known_value(t: Tensor, depth: int = 0) -> np.ndarray | None:
    """``t``'s value if constants and static shapes decide it (small values only), else None."""
    op = t.op
    value = constant_value(t)
    if value is not None or depth > MAX_DEPTH or len(op.outputs) != 1:
        return value
    if op.op_def.type_only:
        return type_only_value(op, op.inputs)
    if not (op.op_def.foldable and op.inputs and not op.control_inputs):
        return None
    if not t.shape.is_fully_defined() or t.shape.num_elements() > FOLD_LIMIT:
        return None
    values = [known_value(x, depth + 1) for x in op.inputs]
    return None if any(v is None for v in values) else host_value(op.op_def, values, op.attrs)


def known_shape(t: Tensor) -> tuple[int | None, ...] | None:
    """What is known of the entries of the 1-D shape tensor ``t`` (None: not even its length)."""
    value = known_value(t)
    if value is not None:
        return tuple(int(v) for v in np.reshape(value, -1))
    op = t.op
    if op.type == "shape" and op.inputs[0].shape.ndims is not None:
        return tuple(op.inputs[0].shape)
    if op.type == "stack" and op.attrs["axis"] == 0 and all(x.shape.ndims in (0, None) for x in op.inputs):
        return tuple(_known_scalar(x) for x in op.inputs)
    if op.type == "strided_slice" and op.inputs[0].op.type == "shape" and len(op.attrs["index"]) == 1:
        dims, (entry,) = op.inputs[0].op.inputs[0].shape, op.attrs["index"]
        if dims.ndims is not None and isinstance(entry, tuple):
            return tuple(dims)[slice(*entry)]
    if op.type == "concat" and op.attrs["axis"] == 0:
        parts = [known_shape(x) for x in op.inputs]
        return None if None in parts else sum(parts, ())
    if t.shape.ndims == 1 and t.shape[0] is not None:
        return (None,) * t.shape[0]
    return None


def _known_scalar(t: Tensor) -> int | None:
    """A scalar entry of a shape vector: a known value, or a known dimension ``tf.shape(x)[i]``."""
    value = known_value(t)
    if value is not None:
        return int(value)
    op = t.op
    if op.type == "strided_slice" and op.inputs[0].op.type == "shape" and len(op.attrs["index"]) == 1:
        dims, (i,) = op.inputs[0].op.inputs[0].shape, op.attrs["index"]
        if dims.ndims is not None and isinstance(i, int) and -len(dims) <= i < len(dims):
            return dims[i]
    return None


def as_shape_tensor(value: Any) -> Tensor | None:
    """A shape argument as an int vector Tensor when it is one or holds one (TF1 packs a list
    such as ``[n, 3]`` with ``tf.stack``); None for a plain list of ints (the static path)."""
    if is_tensor(value):
        return convert_to_tensor(value)
    if isinstance(value, (list, tuple)) and any(is_tensor(v) for v in value):
        tensors = [v for v in value if is_tensor(v)]
        dtype = convert_to_tensor(tensors[0]).dtype
        items = [convert_to_tensor(v) if is_tensor(v) else convert_to_tensor(v, dtype) for v in value]
        return apply("stack", items, None, axis=0).outputs[0]
    return None


def static_or_tensor(value: Any) -> tuple[tuple[int, ...] | None, Tensor | None]:
    """``(ints, None)`` when a shape argument is static or known at build time, else
    ``(None, tensor)``: the tensor to give the op's twin."""
    tensor = as_shape_tensor(value)
    if tensor is None:
        return value, None
    known = known_value(tensor)
    if known is not None and known.ndim <= 1:
        return tuple(int(v) for v in known.reshape(-1)), None
    return None, tensor


def _check_value_input(t: TensorType, name: str, kind: str, op_type: str) -> None:
    """The type error for a shape input that is not an int vector (``"shape"``) or scalar."""
    rank = t.shape.ndims
    if kind == "shape":
        require(t.dtype.is_integer and rank in (None, 1),
                f"{op_type}'s {name} must be an int vector, got {t.dtype.short}{t.shape}")  # fmt: skip
    else:
        require(not t.dtype.is_bool and rank in (None, 0),
                f"{op_type}'s {name} must be a number (a scalar), got {t.dtype.short}{t.shape}")  # fmt: skip


def _attr_value(value: np.ndarray, name: str, kind: str, op_type: str) -> Any:
    """A shape input's compile-time value as the static op's attribute value."""
    if kind == "shape":
        if value.ndim != 1:
            raise type_error(f"{op_type}'s {name} must be a vector, got the value {value.tolist()}")
        return tuple(int(v) for v in value)
    if value.ndim != 0:
        raise type_error(f"{op_type}'s {name} must be a scalar, got the value {value.tolist()}")
    return value.item()


def declare_twin(
    static_type: str,
    value_attrs: dict[str, str],
    infer: Callable[..., Any],
    grad: Callable[..., Any] | None = None,
) -> OpDef:
    """Declares ``<static_type>_dynamic``: the op ``static_type`` with its attributes
    ``value_attrs`` (name: ``"shape"`` for an int vector, ``"scalar"``) given as its last inputs,
    in that order. Its attributes are the static op's; a value attribute holds what is known of
    its input at build time (``(None, 3)``; None when nothing is). ``infer(*inputs, **attrs)``
    types it from that (inputs of unknown rank included); its static form is the static op with
    the values as attributes."""
    static = get_op_def(static_type)
    names = tuple(value_attrs)
    twin_type = f"{static_type}_dynamic"

    def twin_infer(*types: TensorType, **attrs: Any) -> Any:
        given = types[: len(types) - len(names)]
        for name, t in zip(names, types[len(given) :], strict=True):
            _check_value_input(t, name, value_attrs[name], static_type)
        return infer(*given, **attrs)

    def static_form(attrs: dict[str, Any], values: list[np.ndarray]) -> tuple[str, dict[str, Any]]:
        known = {
            n: _attr_value(v, n, value_attrs[n], static_type) for n, v in zip(names, values, strict=True)
        }
        return static_type, {**attrs, **known}

    attrs = {**static.attrs, **dict.fromkeys(names)}
    return declare(twin_type, static.default_name, twin_infer, None, grad, attrs=attrs,
                   unknown_rank=True, stateful=static.stateful, shape_inputs=len(names),
                   static_form=static_form)  # fmt: skip


__all__ = ["as_shape_tensor", "declare_twin", "known_shape", "known_value", "static_or_tensor"]
