"""``jg.math``: TF1's ``tf.math`` namespace — elementwise math, reductions, cumulative and
segment ops, under the names ``tf.math.X`` uses (most are also in ``jg`` itself, as in TF1).

The ops are declared in ``jaxgraph.ops`` (``math``, ``special``, ``reduction``, ``cumulative``,
``arrays``, ``nn``, ``nn_impl``); this module only gathers them, so ``tf.math.X`` ports as
``jg.math.X``.
"""

from jaxgraph.errors import guard_public_functions as _guard_public_functions
from jaxgraph.ops.arrays import (
    segment_mean,
    segment_sum,
    unsorted_segment_mean,
    unsorted_segment_sqrt_n,
    unsorted_segment_sum,
)
from jaxgraph.ops.cumulative import (
    count_nonzero,
    cumprod,
    cumsum,
    reduce_euclidean_norm,
    reduce_logsumexp,
    reduce_std,
    reduce_variance,
)
from jaxgraph.ops.math import (
    abs,
    add,
    add_n,
    ceil,
    cos,
    divide,
    equal,
    exp,
    expm1,
    floor,
    floordiv,
    floormod,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    pow,
    reciprocal,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    square,
    squared_difference,
    subtract,
    tanh,
    truediv,
)
from jaxgraph.ops.nn import (
    log_softmax,
    softmax,
)
from jaxgraph.ops.nn_impl import (
    softsign,
    zero_fraction,
)
from jaxgraph.ops.normalization import l2_normalize
from jaxgraph.ops.reduction import (
    argmax,
    argmin,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
)
from jaxgraph.ops.special import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cosh,
    digamma,
    erf,
    erfc,
    is_finite,
    is_inf,
    is_nan,
    lgamma,
    log_sigmoid,
    multiply_no_nan,
    reciprocal_no_nan,
    rint,
    round,
    scalar_mul,
    sinh,
    tan,
    xdivy,
    xlogy,
)
from jaxgraph.ops.special import div_no_nan as divide_no_nan

__all__ = [
    "abs", "acos", "acosh", "add", "add_n", "argmax", "argmin", "asin", "asinh", "atan", "atan2",
    "atanh", "ceil", "cos", "cosh", "count_nonzero", "cumprod", "cumsum", "digamma", "divide",
    "divide_no_nan", "equal", "erf", "erfc", "exp", "expm1", "floor", "floordiv", "floormod",
    "greater", "greater_equal", "is_finite", "is_inf", "is_nan", "l2_normalize", "less",
    "less_equal", "lgamma", "log", "log1p", "log_sigmoid", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "mod", "multiply",
    "multiply_no_nan", "negative", "not_equal", "pow", "reciprocal", "reciprocal_no_nan",
    "reduce_all", "reduce_any", "reduce_euclidean_norm", "reduce_logsumexp", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod", "reduce_std", "reduce_sum", "reduce_variance",
    "rint", "round", "rsqrt", "scalar_mul", "segment_mean", "segment_sum", "sigmoid", "sign", "sin",
    "sinh", "softmax", "softplus", "softsign", "sqrt", "square", "squared_difference", "subtract",
    "tan", "tanh", "truediv", "unsorted_segment_mean", "unsorted_segment_sqrt_n",
    "unsorted_segment_sum", "xdivy", "xlogy", "zero_fraction",
]  # fmt: skip

_guard_public_functions(globals())  # errors from these builders end at the user's line
