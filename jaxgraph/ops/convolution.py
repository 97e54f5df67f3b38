"""Convolution ops (TF1's ``Conv2D``, ``Conv3D``, ``DepthwiseConv2dNative``) and their gradient
ops (``Conv2DBackpropInput``, ``Conv2DBackpropFilter`` ...), with the ``tf.nn`` builders
``conv1d``, ``conv2d``, ``conv3d``, ``convolution``, ``depthwise_conv2d``, ``separable_conv2d``,
``conv2d_transpose``, ``conv3d_transpose``, ``conv2d_backprop_input`` / ``_filter``.

Each family is three ops declared together by ``_declare_family``: the convolution, its gradient
for the input (a transposed convolution) and its gradient for the filter. All three are linear in
each of their two tensor inputs, so each one's gradient rule is written with the other two:
differentiating a convolution's gradient gives convolutions again, to any order, as in TF1.
The forward op is ``lax.conv_general_dilated`` with TF1's layouts (``NHWC``/``NCHW`` data,
``HWIO`` filters; depthwise filters ``[h, w, in, multiplier]`` become a grouped convolution);
the two gradient ops are lowered as its exact transposes (``jax.linear_transpose``), which XLA
emits as transposed convolutions.

Sizes: a gradient op's ``input_sizes`` / ``filter_sizes`` attribute is static, as jaxgraph shapes
are; unknown entries come at run time from the other operands (batch, channels) or from an
optional third input whose run-time shape is the result's (``like``: the forward input, when its
spatial size is unknown; ``jg.shape(t)`` as ``output_shape`` of ``conv2d_transpose``).
"""

from __future__ import annotations

from typing import Any

import jax
from jax import lax

from jaxgraph.builder import get_default_graph
from jaxgraph.errors import InvalidArgumentError
from jaxgraph.ir.graph import Tensor
from jaxgraph.ir.opdef import REQUIRED, declare
from jaxgraph.ir.shapes import TensorShape, TensorType
from jaxgraph.ops import shape as shape_ops
from jaxgraph.ops.core import (
    apply1,
    convert_to_tensor,
    deprecated_argument_lookup,
    is_int,
    require,
    require_float,
    static_ints,
)
from jaxgraph.ops.windows import (
    FORMATS,
    channel_axis,
    check_format,
    check_input_rank,
    check_padding,
    check_window,
    effective,
    kernel_spec,
    output_sizes,
    padding_attr,
    spatial_axes,
    spatial_pads,
    window_list,
)

__all__ = [
    "conv1d", "conv2d", "conv2d_backprop_filter", "conv2d_backprop_input", "conv2d_transpose", "conv3d",
    "conv3d_transpose", "convolution", "depthwise_conv2d", "depthwise_conv2d_native", "separable_conv2d",
]  # fmt: skip

_WINDOW_ATTRS = ("strides", "padding", "data_format", "dilations")
_FILTER_LAYOUT = {False: "[{s}, in_channels, out_channels]", True: "[{s}, in_channels, channel_multiplier]"}


# ---- shape rules -------------------------------------------------------------------------------
def _check_attrs(type_name: str, spatial: int, strides, padding, data_format, dilations) -> None:
    check_format(type_name, data_format, spatial)
    check_window(type_name, "strides", strides, data_format)
    check_window(type_name, "dilations", dilations, data_format)
    check_padding(type_name, padding, data_format)


def _check_filter_rank(type_name: str, w: TensorType, data_format: str, depthwise: bool) -> None:
    spatial = ", ".join("filter_" + c.lower() for c in kernel_spec(data_format)[:-2])
    layout = _FILTER_LAYOUT[depthwise].format(s=spatial)
    require(
        len(w.shape) == len(data_format),
        f"{type_name}: filter must be {len(data_format)}-D {layout}, got {w}",
    )


def _conv_dims(type_name: str, depthwise: bool, x: TensorShape, w: TensorShape, attrs: dict) -> list:
    """The output dims of a convolution of input dims ``x`` by filter dims ``w`` (None: unknown),
    checking that the channels agree."""
    fmt, dilations = attrs["data_format"], attrs["dilations"]
    axes, c, n = spatial_axes(fmt), channel_axis(fmt), len(fmt) - 2
    in_channels, filter_in = x[c], w[n]
    require(
        in_channels is None or filter_in is None or in_channels == filter_in,
        f"{type_name}: input has {in_channels} channels but the filter {list(w)} expects {filter_in} "
        f"(input dimension {c} of {fmt} must equal filter dimension {n})",
    )
    kernels = [None if w[i] is None else effective(w[i], dilations[a]) for i, a in enumerate(axes)]
    sizes = [None if k is None and attrs["padding"] != "SAME" else x[a] for a, k in zip(axes, kernels)]
    out = output_sizes(type_name, attrs["padding"], fmt, sizes, [k or 1 for k in kernels],
                       [attrs["strides"][a] for a in axes])  # fmt: skip
    channels = w[n + 1]
    if depthwise:
        channels = None if channels is None or filter_in is None else filter_in * channels
    dims = [x[0]] + [None] * (n + 1)
    dims[c] = channels
    for a, size in zip(axes, out, strict=True):
        dims[a] = size
    return dims


def _merge(static: tuple, runtime: TensorShape | None) -> list:
    """A sizes attribute completed by the static shape of the ``like`` input, when there is one."""
    if runtime is None:
        return list(static)
    return [s if s is not None else r for s, r in zip(static, runtime, strict=True)]


def _check_sizes(type_name: str, what: str, sizes: Any, like: tuple, data_format: str) -> TensorShape | None:
    require(
        isinstance(sizes, tuple) and len(sizes) == len(data_format),
        f"{type_name}: {what} must list {len(data_format)} dimensions, got {sizes!r}",
    )
    require(len(like) <= 1, f"{type_name} takes at most one shape input")
    if like:
        check_input_rank(type_name, f"the shape source of {what}", like[0], data_format)
        return like[0].shape
    return None


def _check_gradient(type_name: str, g: TensorType, expected: list, what: str) -> None:
    require(
        g.shape.is_compatible_with(expected),
        f"{type_name}: out_backprop {g} does not match the convolution's output shape "
        f"{TensorShape(expected)} for {what}",
    )


# ---- lowering ----------------------------------------------------------------------------------
def _convolve(depthwise: bool, x, w, *, strides, padding, data_format, dilations):
    """The convolution itself, in JAX (every op of a family lowers through it)."""
    axes, n = spatial_axes(data_format), len(data_format) - 2
    kernels = [effective(w.shape[i], dilations[a]) for i, a in enumerate(axes)]
    window_strides = [strides[a] for a in axes]
    pads = spatial_pads(padding, data_format, [x.shape[a] for a in axes], kernels, window_strides)
    groups = 1
    if depthwise:  # [.., in, multiplier] -> a grouped convolution with one group per channel
        groups = w.shape[n]
        w = w.reshape(w.shape[:n] + (1, w.shape[n] * w.shape[n + 1]))
    return lax.conv_general_dilated(
        x, w, window_strides, pads, rhs_dilation=[dilations[a] for a in axes],
        dimension_numbers=(data_format, kernel_spec(data_format), data_format), feature_group_count=groups,
    )  # fmt: skip


def _runtime_sizes(sizes: tuple, like: tuple, known: dict[int, int]) -> tuple:
    """A gradient op's result shape at run time: ``like``'s shape, or ``sizes`` with unknown
    entries taken from ``known`` (axis -> size from the other operands)."""
    if like:
        return tuple(like[0].shape)
    return tuple(known[i] if d is None else d for i, d in enumerate(sizes))


def _transposed(depthwise: bool, of_input: bool):
    """The lowering of a gradient op: the transpose of the convolution as a function of its
    input (``of_input``) or of its filter, applied to ``out_backprop``."""

    def lower(operand, g, *like, **attrs):
        fmt = attrs["data_format"]
        c, n = channel_axis(fmt), len(fmt) - 2
        window = {k: attrs[k] for k in _WINDOW_ATTRS}
        if of_input:
            shape = _runtime_sizes(attrs["input_sizes"], like, {0: g.shape[0], c: operand.shape[n]})
            linear = lambda x: _convolve(depthwise, x, operand, **window)  # noqa: E731
        else:
            out = g.shape[c] // operand.shape[c] if depthwise else g.shape[c]
            shape = _runtime_sizes(attrs["filter_sizes"], like, {n: operand.shape[c], n + 1: out})
            linear = lambda w: _convolve(depthwise, operand, w, **window)  # noqa: E731
        (result,) = jax.linear_transpose(linear, jax.ShapeDtypeStruct(shape, g.dtype))(g)
        return result

    return lower


# ---- the three ops of a family -----------------------------------------------------------------
def _declare_family(type_name: str, names: tuple[str, str, str], spatial: int, depthwise: bool) -> None:
    """Declares a convolution op, its input-gradient and its filter-gradient op."""
    input_grad, filter_grad = f"{type_name}_backprop_input", f"{type_name}_backprop_filter"
    window = {"strides": REQUIRED, "padding": REQUIRED, "data_format": FORMATS[spatial][0],
              "dilations": (1,) * (spatial + 2)}  # fmt: skip

    def infer_conv(x, w, **attrs):
        _check_attrs(type_name, spatial, **attrs)
        check_input_rank(type_name, "input", x, attrs["data_format"])
        _check_filter_rank(type_name, w, attrs["data_format"], depthwise)
        require_float(x, type_name)
        require(
            x.dtype is w.dtype,
            f"{type_name}: input ({x.dtype.short}) and filter ({w.dtype.short}) differ in dtype",
        )
        return TensorType(x.dtype, TensorShape(_conv_dims(type_name, depthwise, x.shape, w.shape, attrs)))

    def infer_input_grad(w, g, *like, input_sizes, **attrs):
        fmt = attrs["data_format"]
        runtime = _check_sizes(input_grad, "input_sizes", input_sizes, like, fmt)
        _check_attrs(input_grad, spatial, **attrs)
        _check_filter_rank(input_grad, w, fmt, depthwise)
        check_input_rank(input_grad, "out_backprop", g, fmt)
        require_float(g, input_grad)
        sizes = _merge(input_sizes, runtime)
        sizes[0] = sizes[0] if sizes[0] is not None else g.shape[0]
        c = channel_axis(fmt)
        sizes[c] = sizes[c] if sizes[c] is not None else w.shape[spatial]
        expected = _conv_dims(input_grad, depthwise, TensorShape(sizes), w.shape, attrs)
        _check_gradient(input_grad, g, expected, f"input {TensorShape(sizes)} and filter {w}")
        return TensorType(g.dtype, TensorShape(sizes))

    def infer_filter_grad(x, g, *like, filter_sizes, **attrs):
        fmt = attrs["data_format"]
        runtime = _check_sizes(filter_grad, "filter_sizes", filter_sizes, like, fmt)
        _check_attrs(filter_grad, spatial, **attrs)
        check_input_rank(filter_grad, "input", x, fmt)
        check_input_rank(filter_grad, "out_backprop", g, fmt)
        require_float(g, filter_grad)
        sizes = _merge(filter_sizes, runtime)
        c = channel_axis(fmt)
        sizes[spatial] = sizes[spatial] if sizes[spatial] is not None else x.shape[c]
        if sizes[spatial + 1] is None and not depthwise:
            sizes[spatial + 1] = g.shape[c]
        expected = _conv_dims(filter_grad, depthwise, x.shape, TensorShape(sizes), attrs)
        _check_gradient(filter_grad, g, expected, f"input {x} and filter {TensorShape(sizes)}")
        return TensorType(g.dtype, TensorShape(sizes))

    def grad_conv(op, g):
        x, w = op.inputs
        attrs = _window(op)
        return _input_gradient(type_name, w, g, x, attrs), _filter_gradient(type_name, x, g, w, attrs)

    def grad_input_grad(op, gg):
        w, g = op.inputs[:2]
        attrs = _window(op)
        conv = apply1(type_name, [gg, w], **attrs)
        return (_filter_gradient(type_name, gg, g, w, attrs), conv) + (None,) * (len(op.inputs) - 2)

    def grad_filter_grad(op, gg):
        x, g = op.inputs[:2]
        attrs = _window(op)
        conv = apply1(type_name, [x, gg], **attrs)
        return (_input_gradient(type_name, gg, g, x, attrs), conv) + (None,) * (len(op.inputs) - 2)

    def lower_conv(x, w, **attrs):
        return _convolve(depthwise, x, w, **attrs)

    declare(type_name, names[0], infer_conv, lower_conv, grad_conv, attrs=window)
    declare(input_grad, names[1], infer_input_grad, _transposed(depthwise, True), grad_input_grad,
            attrs={"input_sizes": REQUIRED, **window})  # fmt: skip
    declare(filter_grad, names[2], infer_filter_grad, _transposed(depthwise, False), grad_filter_grad,
            attrs={"filter_sizes": REQUIRED, **window})  # fmt: skip


def _window(op) -> dict:
    return {k: op.attrs[k] for k in _WINDOW_ATTRS}


def _like(t: Tensor) -> list[Tensor]:
    """``[t]`` when the gradient op needs ``t``'s run-time shape (its static one is not known)."""
    return [] if t.shape.is_fully_defined() else [t]


def _input_gradient(type_name: str, w: Tensor, g: Tensor, x: Tensor, attrs: dict) -> Tensor:
    """The gradient of ``type_name(x, w)`` for ``x``: a transposed convolution of ``g``."""
    return apply1(f"{type_name}_backprop_input", [w, g, *_like(x)], input_sizes=tuple(x.shape), **attrs)


def _filter_gradient(type_name: str, x: Tensor, g: Tensor, w: Tensor, attrs: dict) -> Tensor:
    """The gradient of ``type_name(x, w)`` for ``w``: the correlation of ``x`` with ``g``."""
    return apply1(f"{type_name}_backprop_filter", [x, g, *_like(w)], filter_sizes=tuple(w.shape), **attrs)


_declare_family("conv2d", ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"), 2, False)
_declare_family("conv3d", ("Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2"), 3, False)
_declare_family("depthwise_conv2d", ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                                     "DepthwiseConv2dNativeBackpropFilter"), 2, True)  # fmt: skip


# ---- builders ----------------------------------------------------------------------------------
def _window_attrs(spatial: int, data_format: Any, strides: Any, padding: Any, dilations: Any) -> dict:
    """TF1's arguments as attributes (lists expanded per dimension); with a bad ``data_format``
    they are kept as given, for the type rule to report the format, naming the op."""
    fmt = data_format if data_format is not None else FORMATS[spatial][0]
    if fmt in FORMATS[spatial]:
        expand = lambda v, what: window_list(v, fmt, what)  # noqa: E731
    else:
        expand = lambda v, what: (v,) if is_int(v) else tuple(v)  # noqa: E731
    return {
        "strides": expand(1 if strides is None else strides, "strides"),
        "padding": padding_attr(padding),
        "data_format": fmt,
        "dilations": expand(1 if dilations is None else dilations, "dilations"),
    }


def _build(type_name: str, spatial: int, x: Any, w: Any, name: str | None, **args: Any) -> Tensor:
    return apply1(
        type_name, [convert_to_tensor(x), convert_to_tensor(w)], name, **_window_attrs(spatial, **args)
    )


def conv2d(
    input: Any,
    filter: Any = None,
    strides: Any = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
    filters: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.conv2d``: 2-D convolution of ``input`` (``NHWC`` or ``NCHW``) by ``filter``
    ``[height, width, in_channels, out_channels]``; ``padding`` ``"SAME"``, ``"VALID"`` or explicit
    ``[[0, 0], [top, bottom], [left, right], [0, 0]]``; ``strides``/``dilations`` an int or a list
    of 1, 2 or 4. ``use_cudnn_on_gpu`` is accepted and ignored (XLA picks the kernels)."""
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    return _build("conv2d", 2, input, filter, name, data_format=data_format, strides=strides,
                  padding=padding, dilations=dilations)  # fmt: skip


def conv3d(
    input: Any,
    filter: Any = None,
    strides: Any = None,
    padding: Any = None,
    data_format: str = "NDHWC",
    dilations: Any = (1, 1, 1, 1, 1),
    name: str | None = None,
    filters: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.conv3d``: 3-D convolution (``NDHWC`` or ``NCDHW``; filter
    ``[depth, height, width, in_channels, out_channels]``)."""
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    return _build("conv3d", 3, input, filter, name, data_format=data_format, strides=strides,
                  padding=padding, dilations=dilations)  # fmt: skip


def depthwise_conv2d_native(
    input: Any,
    filter: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.nn.depthwise_conv2d_native``: each input channel convolved with its own
    ``channel_multiplier`` filters (filter ``[h, w, in_channels, channel_multiplier]``); the
    output has ``in_channels * channel_multiplier`` channels, ordered channel-major."""
    return _build("depthwise_conv2d", 2, input, filter, name, data_format=data_format, strides=strides,
                  padding=padding, dilations=dilations)  # fmt: skip


def depthwise_conv2d(
    input: Any,
    filter: Any,
    strides: Any,
    padding: Any,
    rate: Any = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.depthwise_conv2d`` (``rate``, or ``dilations``, is the 2-D dilation)."""
    dilations = deprecated_argument_lookup("dilations", dilations, "rate", rate)
    return depthwise_conv2d_native(input, filter, strides, padding, data_format or "NHWC", dilations, name)


def separable_conv2d(
    input: Any,
    depthwise_filter: Any,
    pointwise_filter: Any,
    strides: Any,
    padding: Any,
    rate: Any = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.separable_conv2d``: a depthwise convolution followed by a 1x1 ``conv2d``
    with ``pointwise_filter`` ``[1, 1, in_channels * channel_multiplier, out_channels]``."""
    with get_default_graph().name_scope(name or "separable_conv2d"):
        depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, rate, "depthwise",
                                     data_format, dilations)  # fmt: skip
        return conv2d(
            depthwise, pointwise_filter, 1, "VALID", data_format=data_format or "NHWC", name="pointwise"
        )


def conv1d(
    value: Any = None,
    filters: Any = None,
    stride: Any = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool | None = None,
    data_format: str | None = None,
    name: str | None = None,
    input: Any = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.conv1d`` over ``NWC`` (or ``NCW``) data with filters ``[width, in, out]``:
    as in TF1, a ``conv2d`` of height 1 between ``expand_dims`` and ``squeeze``."""
    value = deprecated_argument_lookup("input", input, "value", value)
    fmt = data_format or "NWC"
    wide = {"NWC": "NHWC", "NCW": "NCHW"}.get(fmt, fmt)
    axis = 2 if fmt == "NCW" else 1
    with get_default_graph().name_scope(name or "conv1d"):
        x = shape_ops.expand_dims(value, axis)
        w = shape_ops.expand_dims(filters, 0)
        attrs = {"strides": stride, "dilations": dilations}
        if fmt in FORMATS[1]:  # a 1-D argument becomes width of a height-1 2-D one
            attrs = {k: _with_height(window_list(v or 1, fmt, k), axis) for k, v in attrs.items()}
        y = _build("conv2d", 2, x, w, "Conv2D", data_format=wide, padding=padding, **attrs)
        return shape_ops.squeeze(y, [axis])


def _with_height(values: tuple, axis: int) -> tuple:
    """A 3-entry (NWC/NCW) window list as the 4-entry one of the height-1 ``conv2d``."""
    return values[:axis] + (1,) + values[axis:]


def convolution(
    input: Any,
    filter: Any,
    padding: Any,
    strides: Any = None,
    dilation_rate: Any = None,
    name: str | None = None,
    data_format: str | None = None,
    filters: Any = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.convolution``: ``conv1d``, ``conv2d`` or ``conv3d`` by the input's rank;
    ``strides`` and ``dilation_rate`` list the spatial dimensions only."""
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    dilations = deprecated_argument_lookup("dilations", dilations, "dilation_rate", dilation_rate)
    x = convert_to_tensor(input)
    spatial = len(x.shape) - 2
    if spatial not in FORMATS:
        raise InvalidArgumentError(f"convolution: input must be 3-D, 4-D or 5-D, got {x.type}")
    fmt = data_format or FORMATS[spatial][0]
    if spatial == 1:
        return conv1d(x, filter, strides or 1, padding, data_format=fmt, name=name, dilations=dilations)
    builder = conv2d if spatial == 2 else conv3d
    return builder(x, filter, strides or 1, padding, data_format=fmt, dilations=dilations or 1, name=name)


def _transpose(
    family: str, spatial: int, w: Any, g: Any, output_shape: Any, name: str | None, **args
) -> Tensor:
    """A ``family_backprop_input`` op: ``output_shape`` static ints (None for unknown) or
    ``jg.shape(t)`` for ``t``'s run-time shape."""
    source = shape_ops.shape_source(output_shape)
    like = [source] if source is not None else []
    sizes = (
        tuple(source.shape) if source is not None else static_ints(output_shape, "output_shape", unknown=-1)
    )
    sizes = tuple(None if d == -1 else d for d in sizes)
    return apply1(f"{family}_backprop_input", [convert_to_tensor(w), convert_to_tensor(g), *like], name,
                  input_sizes=sizes, **_window_attrs(spatial, **args))  # fmt: skip


def conv2d_transpose(
    value: Any = None,
    filter: Any = None,
    output_shape: Any = None,
    strides: Any = None,
    padding: str = "SAME",
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,
    filters: Any = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.conv2d_transpose``: the gradient of ``conv2d`` for its input, with
    ``filter`` ``[height, width, output_channels, in_channels]`` and ``output_shape`` the shape
    of the result (a list of ints, or ``jg.shape(t)``). A ``conv2d_backprop_input`` op."""
    value = deprecated_argument_lookup("input", input, "value", value)
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    return _transpose("conv2d", 2, filter, value, output_shape, name or "conv2d_transpose", data_format=data_format,
                      strides=strides, padding=padding, dilations=dilations)  # fmt: skip


def conv3d_transpose(
    value: Any,
    filter: Any = None,
    output_shape: Any = None,
    strides: Any = None,
    padding: str = "SAME",
    data_format: str = "NDHWC",
    name: str | None = None,
    input: Any = None,
    filters: Any = None,
    dilations: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.conv3d_transpose`` (a ``conv3d_backprop_input`` op)."""
    value = deprecated_argument_lookup("input", input, "value", value)
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    return _transpose("conv3d", 3, filter, value, output_shape, name or "conv3d_transpose", data_format=data_format,
                      strides=strides, padding=padding, dilations=dilations)  # fmt: skip


def conv2d_backprop_input(
    input_sizes: Any,
    filter: Any = None,
    out_backprop: Any = None,
    strides: Any = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
    filters: Any = None,
) -> Tensor:
    """TF1's ``tf.nn.conv2d_backprop_input``: the gradient of ``conv2d`` for its input."""
    filter = deprecated_argument_lookup("filters", filters, "filter", filter)
    return _transpose("conv2d", 2, filter, out_backprop, input_sizes, name, data_format=data_format,
                      strides=strides, padding=padding, dilations=dilations)  # fmt: skip


def conv2d_backprop_filter(
    input: Any,
    filter_sizes: Any,
    out_backprop: Any,
    strides: Any,
    padding: Any,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: Any = (1, 1, 1, 1),
    name: str | None = None,
) -> Tensor:
    """TF1's ``tf.nn.conv2d_backprop_filter``: the gradient of ``conv2d`` for its filter
    (``filter_sizes`` a list of 4 ints)."""
    sizes = static_ints(filter_sizes, "filter_sizes")
    return apply1("conv2d_backprop_filter", [convert_to_tensor(input), convert_to_tensor(out_backprop)], name,
                  filter_sizes=sizes, **_window_attrs(2, data_format, strides, padding, dilations))  # fmt: skip
