"""Sliding-window arithmetic shared by the convolution and pooling ops: TF1's data formats,
``strides`` / ``dilations`` / ``ksize`` lists, ``"SAME"`` / ``"VALID"`` / explicit padding,
and output sizes.

Attributes keep TF1's layout: one entry per dimension of the input in ``data_format`` order
(``strides=(1, 2, 2, 1)`` for NHWC), so a printed graph reads like TF1 code. Builders accept
what TF1 accepts (an int, or a list of 1, N or N+2 entries) and expand it with ``window_list``.
Type rules call the ``check_*`` functions, whose errors name the op and the user's line.
"""

from __future__ import annotations

from typing import Any

from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ops.core import is_int, require

FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}
"""The data formats of each spatial rank: channels last, channels first."""


def channels_first(data_format: str) -> bool:
    """Whether ``data_format`` puts channels right after the batch (``NCHW``)."""
    return data_format[1] == "C"


def channel_axis(data_format: str) -> int:
    return 1 if channels_first(data_format) else len(data_format) - 1


def spatial_axes(data_format: str) -> tuple[int, ...]:
    """The axes of the spatial dimensions (H, W ...) in ``data_format`` order."""
    n = len(data_format) - 2
    return tuple(range(2, n + 2)) if channels_first(data_format) else tuple(range(1, n + 1))


def kernel_spec(data_format: str) -> str:
    """The filter layout of TF1 for ``data_format``'s spatial rank: ``HWIO``, ``DHWIO``, ``WIO``."""
    return FORMATS[len(data_format) - 2][0][1:-1] + "IO"


def check_format(type_name: str, data_format: Any, spatial: int) -> None:
    """A type error unless ``data_format`` is one of TF1's for ``spatial`` dimensions."""
    allowed = FORMATS[spatial]
    require(
        data_format in allowed,
        f"{type_name}: data_format must be {' or '.join(map(repr, allowed))}, got {data_format!r}",
    )


def check_input_rank(type_name: str, what: str, t: Any, data_format: str) -> None:
    """A type error unless ``t`` has one axis per letter of ``data_format``."""
    require(
        len(t.shape) == len(data_format),
        f"{type_name}: {what} must be {len(data_format)}-D ({data_format}), got {t}",
    )


def check_window(
    type_name: str, what: str, values: Any, data_format: str, allow_channel: bool = False
) -> None:
    """A type error unless ``values`` (strides, dilations, ksize) has one positive int per
    dimension and 1 at the batch (and, unless ``allow_channel``, the channel) dimension."""
    rank = len(data_format)
    require(
        isinstance(values, tuple) and len(values) == rank and all(is_int(v) and v >= 1 for v in values),
        f"{type_name}: {what} must list {rank} positive ints ({data_format}), got {_show(values)}",
    )
    fixed = [0] if allow_channel else [0, channel_axis(data_format)]
    require(
        all(values[a] == 1 for a in fixed),
        f"{type_name}: {what} {_show(values)} must be 1 in the batch"
        + ("" if allow_channel else " and channel")
        + " dimensions",
    )


def check_padding(type_name: str, padding: Any, data_format: str, explicit_ok: bool = True) -> None:
    """A type error unless ``padding`` is ``"SAME"``, ``"VALID"`` or (where ``explicit_ok``) one
    ``(before, after)`` pair of non-negative ints per dimension, zero at batch and channel."""
    if isinstance(padding, str):
        require(
            padding in ("SAME", "VALID"),
            f"{type_name}: padding must be 'SAME', 'VALID'"
            + (" or a list of [before, after] pairs" if explicit_ok else "")
            + f", got {padding!r}",
        )
        return
    rank = len(data_format)
    pairs_ok = (
        isinstance(padding, tuple)
        and len(padding) == rank
        and all(
            isinstance(p, tuple) and len(p) == 2 and all(is_int(v) and v >= 0 for v in p) for p in padding
        )
    )
    require(
        explicit_ok and pairs_ok,
        f"{type_name}: padding must be 'SAME', 'VALID'"
        + (f" or {rank} [before, after] pairs of non-negative ints" if explicit_ok else "")
        + f", got {_show(padding)}",
    )
    require(
        padding[0] == (0, 0) and padding[channel_axis(data_format)] == (0, 0),
        f"{type_name}: explicit padding {_show(padding)} must be [0, 0] in the batch and channel dimensions",
    )


def _show(value: Any) -> str:
    """A tuple attribute as the list a user wrote."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def effective(kernel: int, dilation: int) -> int:
    """The extent of a dilated kernel: ``(k - 1) * d + 1``."""
    return (kernel - 1) * dilation + 1


def spatial_pads(padding: Any, data_format: str, sizes: list, kernels: list, strides: list) -> list:
    """``(before, after)`` padding of each spatial dimension of input ``sizes`` (ints, known) for
    (dilated) ``kernels`` and ``strides``: TF1's SAME puts the odd pixel after."""
    if padding == "VALID":
        return [(0, 0)] * len(sizes)
    if padding == "SAME":
        pads = []
        for size, k, s in zip(sizes, kernels, strides, strict=True):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    return [padding[a] for a in spatial_axes(data_format)]


def output_sizes(
    type_name: str, padding: Any, data_format: str, sizes: list, kernels: list, strides: list
) -> list:
    """The spatial sizes of a window op's output (None where the input's is unknown); a type
    error where a window does not fit in the padded input (TF1's "negative output size")."""
    out = []
    for axis, (size, k, s) in enumerate(zip(sizes, kernels, strides, strict=True)):
        if size is None:
            out.append(None)
            continue
        if padding == "SAME":
            out.append(-(-size // s))
            continue
        (lo, hi) = (0, 0) if padding == "VALID" else padding[spatial_axes(data_format)[axis]]
        require(
            size + lo + hi >= k,
            f"{type_name}: the window ({k}) is larger than the padded input ({size + lo + hi}) "
            f"in spatial dimension {axis}: the output size would be negative",
        )
        out.append((size + lo + hi - k) // s + 1)
    return out


def window_list(value: Any, data_format: str, what: str, default: int = 1) -> tuple[int, ...]:
    """TF1's ``strides`` / ``dilations`` / ``ksize`` argument as a full per-dimension tuple: an
    int or a 1-list for every spatial dimension, an N-list of spatial values, or all N+2."""
    rank, n = len(data_format), len(data_format) - 2
    if value is None:
        value = default
    if is_int(value):
        value = [int(value)]
    try:
        items = [int(v) if is_int(v) else v for v in value]
    except TypeError:
        raise InvalidArgumentError(f"{what} must be an int or a list of ints, got {value!r}") from None
    if len(items) == rank:
        return tuple(items)
    if len(items) not in (1, n):
        raise InvalidArgumentError(f"{what} should be of length 1, {n} or {rank} but was {len(items)}")
    spatial = items * n if len(items) == 1 else items
    full = [1] * rank
    for axis, v in zip(spatial_axes(data_format), spatial, strict=True):
        full[axis] = v
    return tuple(full)


def padding_attr(padding: Any) -> Any:
    """TF1's ``padding`` argument as an attribute: the string, or a tuple of ``(before, after)``
    pairs for an explicit list (``[[0, 0], [1, 1], [2, 2], [0, 0]]``)."""
    if isinstance(padding, str):
        return padding.upper() if padding.upper() in ("SAME", "VALID") else padding
    try:
        return tuple(tuple(int(v) if is_int(v) else v for v in pair) for pair in padding)
    except TypeError:
        raise InvalidArgumentError(
            f"padding must be 'SAME', 'VALID' or a list of pairs, got {padding!r}"
        ) from None
