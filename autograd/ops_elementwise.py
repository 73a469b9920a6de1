"""Elementwise ops: forward first, then the local derivative, for Values and Tensors.

Each op's `partials` is its derivative in the textbook's sense (d out / d input); the
table turns it into the reverse-mode VJP and the forward-mode JVP (`op_table.py`).
On a `Value` (Python floats) the forwards raise errors that name the op and the input
(`log(0)`, `1 / 0`; see `backend.floatmath`); on a `Tensor` they give inf/nan like numpy
and PyTorch (`detect_anomaly()` finds them).
"""

import math

import numpy as np

from . import buffers, threads
from .backend import floatmath, ieee, namespace
from .erf import erf
from .op_table import Op, register
from .vjp_math import data_of, fit_to, selected, tangent_sum, unbroadcast, zero_where

# --- helpers that work on floats (IEEE results), arrays and nodes -----------------------


def _needs(node):
    return [p.requires_grad for p in node._parents]


def reciprocal(x):
    """1 / x for derivative rules: IEEE inf/nan on floats (as on arrays), not an error."""
    return ieee.divide(1.0, x) if isinstance(x, float) else 1.0 / x


def power(a, b):
    """a ** b for derivative rules: IEEE inf/nan on floats (as on arrays), not an error."""
    return ieee.power(a, b) if isinstance(a, float) else a**b


def log(x):
    """log x for derivative rules: IEEE -inf/nan on floats; on nodes the recorded LOG op."""
    return ieee.log(x) if isinstance(x, float) else LOG(x)


def sign(x):
    """-1, 0 or +1 of raw data (0 at 0 and at NaN, as PyTorch's abs backward)."""
    if isinstance(x, float):
        return floatmath.sign(x)
    return (x > 0).astype(x.dtype) - (x < 0)


def _over_workers(ufunc, plain):
    """An op's forward: `plain`, or for a big float numpy array (ELEMENTWISE_FROM+
    elements) `ufunc` over the worker threads in flat slices (threads.elementwise; one
    whole call where an input broadcasts). The same ufunc, so the same numbers; Value
    floats and other array types (CuPy) get `plain`."""

    def quietly(out, *xs):  # the workers do not share the caller's np.errstate
        with np.errstate(all="ignore"):
            ufunc(*xs, out=out)

    def forward(*xs, **params):
        for x in xs:  # cheap for Values' floats and small arrays: nothing to split
            if x.__class__ is np.ndarray and x.size >= threads.ELEMENTWISE_FROM:
                break
        else:
            return plain(*xs, **params)
        operands = xs + tuple(params.values())
        arrays = [x for x in operands if x.__class__ is np.ndarray]
        if not threads.splits(max(arrays, key=lambda a: a.size)) or any(
            x.__class__ is not np.ndarray and not isinstance(x, (int, float)) for x in operands
        ):
            return plain(*xs, **params)
        dtype = np.result_type(*operands)
        if dtype.kind != "f":
            return plain(*xs, **params)
        out = np.empty(np.broadcast_shapes(*(np.shape(x) for x in operands)), dtype)
        return threads.elementwise(quietly, out, *operands)

    return forward


# --- arithmetic -------------------------------------------------------------------------

ADD = register(
    "add",
    _over_workers(np.add, lambda a, b: a + b),
    vjp=lambda node, g, xs, out: (
        unbroadcast(g, getattr(xs[0], "shape", None)),
        unbroadcast(g, getattr(xs[1], "shape", None)),
    ),
    jvp=lambda node, ts, xs, out: _sum_of_tangents(ts, (1.0, 1.0), out),
    scalar_vjp=lambda node, g: (g, g),
    values=True,
    quiet=True,
    arity=2,
    symbol="+",
    doc="a + b;  d/da = 1, d/db = 1",
)

SUB = register(
    "sub",
    _over_workers(np.subtract, lambda a, b: a - b),
    vjp=lambda node, g, xs, out: (
        unbroadcast(g, getattr(xs[0], "shape", None)),
        unbroadcast(-g, getattr(xs[1], "shape", None)),
    ),
    jvp=lambda node, ts, xs, out: _sum_of_tangents(ts, (1.0, -1.0), out),
    values=True,
    quiet=True,
    arity=2,
    symbol="-",
    doc="a - b;  d/da = 1, d/db = -1",
)


def _sum_of_tangents(ts, signs, out):
    terms = [None if t is None else (t if s == 1.0 else -t) for t, s in zip(ts, signs)]
    return fit_to(tangent_sum(*terms), out)


MUL = register(
    "mul",
    _over_workers(np.multiply, lambda a, b: a * b),
    partials=lambda node, xs, out: (xs[1], xs[0]),
    scalar_vjp=lambda node, g: (g * node._parents[1].data, g * node._parents[0].data),
    values=True,
    quiet=True,
    arity=2,
    symbol="*",
    doc="a * b;  d/da = b, d/db = a",
)

DIV = register(
    "div",
    _over_workers(np.divide, lambda a, b: namespace(a).divide(a, b)),
    partials=lambda node, xs, out: (reciprocal(xs[1]), -out * reciprocal(xs[1])),
    values=True,
    quiet=True,
    arity=2,
    symbol="/",
    doc="a / b;  d/da = 1/b, d/db = -a/b^2 = -out/b",
)

NEG = register(
    "neg",
    _over_workers(np.negative, lambda x: -x),
    partials=lambda node, xs, out: (-1.0,),
    values=True,
    quiet=True,
    symbol="-x",
    doc="-x;  d/dx = -1",
)


def _pow_partials(node, xs, out):
    """PyTorch's conventions at the edges: d/da = 0 where b == 0 (also at a = 0), and
    d/db = 0 where a == 0 and b >= 0 (the limit of a^b log a); a < 0 gives nan."""
    a, b = xs
    base_needs, exponent_needs = _needs(node)
    da = zero_where(data_of(b) == 0, b * power(a, b - 1.0)) if base_needs else None
    db = zero_where((data_of(a) == 0) & (data_of(b) >= 0), out * log(a)) if exponent_needs else None
    return da, db


POW = register(
    "pow",
    _over_workers(np.power, lambda a, b: namespace(a).power(a, b)),
    partials=_pow_partials,
    values=True,
    quiet=True,
    arity=2,
    symbol="**",
    domain="positive",
    doc="a ** b;  d/da = b a^(b-1), d/db = a^b log a",
)


def _pow_const_partials(node, xs, out):
    c = node._saved["exponent"]
    if c == 0:  # x ** 0 is constant: zero slope, even at x = 0
        return (0.0,)
    return (c * power(xs[0], c - 1),)


def _pow_const_name(node):
    c = node._saved["exponent"]
    return f"**{int(c) if float(c).is_integer() else c}"


POW_CONST = register(
    "pow_const",
    _over_workers(np.power, lambda x, exponent: namespace(x).power(x, exponent)),
    partials=_pow_const_partials,
    values=True,
    quiet=True,
    symbol="**c",
    micrograd=_pow_const_name,
    domain="positive",
    doc="x ** c for a constant c;  d/dx = c x^(c-1)",
)

# --- smooth functions -------------------------------------------------------------------

EXP = register(
    "exp",
    _over_workers(np.exp, lambda x: namespace(x).exp(x)),
    partials=lambda node, xs, out: (out,),
    values=True,
    quiet=True,
    doc="e^x;  d/dx = e^x = out",
)

LOG = register(
    "log",
    _over_workers(np.log, lambda x: namespace(x).log(x)),
    partials=lambda node, xs, out: (reciprocal(xs[0]),),
    values=True,
    quiet=True,
    domain="positive",
    doc="ln x;  d/dx = 1/x",
)


def _log_in_base(name, base):
    """log10 / log2: numpy's own function (exact at powers of the base, where
    log(x) / ln(base) is not); d/dx = 1 / (x ln base)."""
    return register(
        name,
        lambda x: getattr(namespace(x), name)(x),
        partials=lambda node, xs, out: (reciprocal(xs[0]) * (1.0 / math.log(base)),),
        quiet=True,
        domain="positive",
        doc=f"{name} x;  d/dx = 1/(x ln {base:g})",
    )


LOG10 = _log_in_base("log10", 10.0)
LOG2 = _log_in_base("log2", 2.0)

EXPM1 = register(
    "expm1",
    lambda x: namespace(x).expm1(x),
    partials=lambda node, xs, out: (EXP(xs[0]),),
    quiet=True,
    doc="e^x - 1, exact near 0 (ELU's negative side);  d/dx = e^x",
)

LOG1P = register(
    "log1p",
    lambda x: namespace(x).log1p(x),
    partials=lambda node, xs, out: (reciprocal(1.0 + xs[0]),),
    quiet=True,
    domain="positive",
    doc="log(1 + x), exact near 0;  d/dx = 1/(1 + x)",
)

ERF = register(
    "erf",
    erf,
    partials=lambda node, xs, out: (EXP(-(xs[0] * xs[0])) * (2.0 / math.sqrt(math.pi)),),
    quiet=True,
    doc="the error function;  d/dx = 2/sqrt(pi) e^(-x^2)",
)

SQRT = register(
    "sqrt",
    _over_workers(np.sqrt, lambda x: namespace(x).sqrt(x)),
    partials=lambda node, xs, out: (0.5 * reciprocal(out),),
    values=True,
    quiet=True,
    domain="positive",
    doc="sqrt x;  d/dx = 1 / (2 sqrt x)  (inf at 0, as PyTorch)",
)

TANH = register(
    "tanh",
    _over_workers(np.tanh, lambda x: namespace(x).tanh(x)),
    partials=lambda node, xs, out: (1.0 - out * out,),
    values=True,
    quiet=True,
    doc="tanh x;  d/dx = 1 - tanh^2 x",
)


def sigmoid(x):
    """1 / (1 + e^-x), as PyTorch computes it: for x < -709 e^-x overflows to inf and the
    result is 0. (0.5 (1 + tanh(x/2)) never overflows but rounds every sigmoid below
    about e^-37 to exactly 0, which zeroes the gradients of saturated units.)"""
    if isinstance(x, float):  # the stable two-branch form: no overflow error
        if x >= 0.0:
            return 1.0 / (1.0 + floatmath.exp(-x))
        e = floatmath.exp(x)
        return e / (1.0 + e)
    return 1.0 / (1.0 + namespace(x).exp(-x))


SIGMOID = register(
    "sigmoid",
    sigmoid,
    partials=lambda node, xs, out: (out * (1.0 - out),),
    values=True,
    quiet=True,
    doc="1 / (1 + e^-x);  d/dx = s (1 - s)",
)

SIN = register(
    "sin",
    _over_workers(np.sin, lambda x: namespace(x).sin(x)),
    partials=lambda node, xs, out: (COS(xs[0]),),
    values=True,
    quiet=True,
    doc="sin x;  d/dx = cos x",
)

COS: Op = register(
    "cos",
    _over_workers(np.cos, lambda x: namespace(x).cos(x)),
    partials=lambda node, xs, out: (-SIN(xs[0]),),
    values=True,
    quiet=True,
    doc="cos x;  d/dx = -sin x",
)

# --- piecewise-linear functions: their masks are constants ------------------------------
# At NaN they follow PyTorch: relu passes the gradient (nan <= 0 is false), |x| gives 0.


def _relu(x):
    if isinstance(x, float):
        return 0.0 if x <= 0.0 else x
    if threads.splits(x) and x.dtype.kind == "f":  # a big float array: over the workers
        return threads.ufunc(np.maximum, x, 0, out=np.empty_like(x))
    return namespace(x).maximum(x, 0)


def _passes_gradient(mask, x):
    """mask = not (x <= 0): the gradient passes where x > 0 or x is NaN."""
    np.less_equal(x, 0, out=mask)
    np.logical_not(mask, out=mask)


def _relu_partials(node, xs, out):
    x = data_of(xs[0])
    if isinstance(x, float):
        return (0.0 if x <= 0.0 else 1.0,)
    if threads.splits(x):
        return (threads.elementwise(_passes_gradient, np.empty(x.shape, bool), x),)
    return (~(x <= 0),)


def _passed_part(out, g, x):
    """out = g where the gradient passes (x > 0 or NaN), else 0 (also where g is inf,
    as PyTorch's: see `selected`): one slice's work."""
    mask = np.empty(x.shape, bool)
    _passes_gradient(mask, x)
    with np.errstate(invalid="ignore", over="ignore"):  # (a worker thread's own state)
        np.multiply(g, mask, out=out)
        flat = out.reshape(-1)
        if not np.isfinite(np.dot(flat, flat)):  # (BLAS's dot: the cheapest full check;
            out[~mask] = 0  #                       a huge finite g only costs this fix)


def _relu_vjp(node, g, xs, out):
    """g * mask, as `partials` gives it, with 0 where the mask is 0 even for an infinite
    g (`selected`); for a big numpy gradient, each worker makes its slice's mask and
    product in one go: one hand-off to the workers instead of two, and no whole-size
    mask (on 2 threads a (100, 30, 24, 24) float32 backward went from 0.96 to 0.77 ms;
    one thread unchanged). The check for an infinite g is a dot product of each slice's
    result (pieces in cache on one thread). SimpleConvNet's step, alternating runs on
    the 2-core box, before / after: 1 thread 17.5-18.1 / 17.8-19.1 ms, 2 threads
    11.7-13.6 / 12.0-13.0 ms (a sum instead of the dot cost 0.9 ms at 2 threads)."""
    x = data_of(xs[0])
    if (  # (a node g, under create_graph, takes the recorded path below)
        x.__class__ is np.ndarray
        and g.__class__ is np.ndarray
        and (threads.splits(g) or g.size >= threads.PIECES_FROM)
    ):
        # (in cache-sized pieces on one thread too: the check of each piece's product
        # then reads cache, where a check of the whole array is one more pass)
        passed = buffers.empty(g.shape, g.dtype)
        one = threads.get_num_threads() == 1
        return (threads.elementwise(_passed_part, passed, g, x, multi_pass=one),)
    return (selected(g, _relu_partials(node, xs, out)[0]),)


RELU = register(
    "relu",
    _relu,
    _relu_vjp,
    partials=_relu_partials,
    scalar_vjp=lambda node, g: (0.0 if node._parents[0].data <= 0.0 else g,),
    values=True,
    quiet=True,
    micrograd="ReLU",
    kinks=(0.0,),
    smooth=False,
    piecewise=True,
    doc="max(x, 0);  d/dx = 1 if x > 0 else 0",
)

ABS = register(
    "abs",
    _over_workers(np.abs, lambda x: namespace(x).abs(x)),
    partials=lambda node, xs, out: (sign(data_of(xs[0])),),
    values=True,
    quiet=True,
    kinks=(0.0,),
    smooth=False,
    piecewise=True,
    doc="|x|;  d/dx = sign x",
)


SOFTSIGN = register(
    "softsign",
    lambda x: x / (1.0 + namespace(x).abs(x)),
    partials=lambda node, xs, out: ((1.0 - ABS(out)) ** 2,),
    values=True,
    quiet=True,
    kinks=(0.0,),  # (its second derivative jumps at 0)
    doc="x / (1 + |x|);  d/dx = 1 / (1 + |x|)^2 = (1 - |out|)^2",
)


def _first_share(pick_first, node, xs):
    """1 where the first input wins, 0 where the second does, 0.5 on ties."""
    a, b = data_of(xs[0]), data_of(xs[1])
    xp = namespace(a)
    first = xp.where(pick_first(a, b), 1.0, xp.where(a == b, 0.5, 0.0))
    return first.astype(xp.result_type(a, b), copy=False)


MAXIMUM = register(
    "maximum",
    _over_workers(np.maximum, lambda a, b: namespace(a).maximum(a, b)),
    partials=lambda node, xs, out: (lambda s: (s, 1 - s))(
        _first_share(lambda a, b: a > b, node, xs)
    ),
    quiet=True,
    arity=2,
    smooth=False,
    selects=True,
    doc="elementwise max; ties split the gradient in half",
)

MINIMUM = register(
    "minimum",
    _over_workers(np.minimum, lambda a, b: namespace(a).minimum(a, b)),
    partials=lambda node, xs, out: (lambda s: (s, 1 - s))(
        _first_share(lambda a, b: a < b, node, xs)
    ),
    quiet=True,
    arity=2,
    smooth=False,
    selects=True,
    doc="elementwise min; ties split the gradient in half",
)
