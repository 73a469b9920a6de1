"""Elementwise ops for both node types: forward on floats and on arrays, one VJP.

`Value` follows Python's float rules made explicit: `log(0)`, `sqrt(-1)`, `x / 0` and
`exp` overflow raise an error naming the op and the input. `Tensor` follows numpy and
PyTorch: those give inf/nan (numpy's warnings silenced); `detect_anomaly()` finds them.
"""
import math
import operator

import numpy as np

from .op_table import register
from .vjp_math import (cos, data_of, fit_to, log, shape_of, sin, tangent_sum, unbroadcast,
                       zero_where)


def _arr(fn):
    """Adapt a numpy function to the array-forward protocol `(out, saved=None)`."""
    def forward(*xs):
        with np.errstate(all="ignore"):
            return fn(*xs), None
    forward.__name__ = getattr(fn, "__name__", "forward")
    return forward


# --- scalar forwards with clear errors -------------------------------------------------

def _scalar_div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"Value division by zero: {a!r} / 0.0. "
                                "Add a small epsilon to the denominator.") from None


def _scalar_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp({x!r}) overflows a float (limit is about exp(709.78)). "
                            "Scale the input down or use a max-subtracted form.") from None


def _scalar_log(x):
    if x <= 0.0:
        raise ValueError(f"log of a non-positive number: log({x!r}). "
                         "log is defined for x > 0; clip the input or add an epsilon.")
    return math.log(x)


def _scalar_sqrt(x):
    if x < 0.0:
        raise ValueError(f"sqrt of a negative number: sqrt({x!r}).")
    return math.sqrt(x)


def _scalar_pow(a, b):
    try:
        out = a ** b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"Value power: 0.0 ** {b!r} divides by zero.") from None
    except OverflowError:
        raise OverflowError(f"Value power {a!r} ** {b!r} overflows a float.") from None
    if isinstance(out, complex):
        raise ValueError(f"Value power {a!r} ** {b!r} is not a real number "
                         "(negative base with a non-integer exponent).")
    return out


def _scalar_sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _array_sigmoid(x):
    # 1 / (1 + e^-x), as PyTorch: for x < -709 e^-x overflows to inf and the result is 0
    # (numpy's warning is silenced by _arr). 0.5 (1 + tanh(x/2)) would never overflow
    # but rounds every sigmoid below about e^-37 to exactly 0 (tanh rounds to -1), which
    # zeroes the gradients of saturated units that PyTorch still trains.
    return 1.0 / (1.0 + np.exp(-x))


# --- float helpers for the scalar VJPs: IEEE results (inf/nan) instead of exceptions,
# so a Value's backward gives the number a Tensor's (and PyTorch's) would ---------------

def _fdiv(a, b):
    if b:
        return a / b
    return math.copysign(math.inf, a) if a else math.nan


def _fpow(a, b):
    try:
        out = a ** b
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        return math.inf
    return math.nan if isinstance(out, complex) else out


def _flog(x):
    return math.log(x) if x > 0.0 else (-math.inf if x == 0.0 else math.nan)


def _needs(node):
    return [p.requires_grad for p in node._parents]


def _scaled(t, factor):
    return None if t is None else t * factor


# --- arithmetic -------------------------------------------------------------------------

ADD = register(
    "add", lambda node, g, xs, out: (unbroadcast(g, shape_of(xs[0])),
                                     unbroadcast(g, shape_of(xs[1]))),
    scalar=operator.add, array=_arr(np.add), arity=2, symbol="+",
    scalar_vjp=lambda node, g: (g, g),
    doc="a + b;  d/da = 1, d/db = 1",
    jvp=lambda node, ts, xs, out: fit_to(tangent_sum(*ts), out))

SUB = register(
    "sub", lambda node, g, xs, out: (unbroadcast(g, shape_of(xs[0])),
                                     unbroadcast(-g, shape_of(xs[1]))),
    scalar=operator.sub, array=_arr(np.subtract), arity=2, symbol="-",
    scalar_vjp=lambda node, g: (g, -g),
    doc="a - b;  d/da = 1, d/db = -1",
    jvp=lambda node, ts, xs, out: fit_to(tangent_sum(ts[0], _scaled(ts[1], -1.0)), out))

MUL = register(
    "mul", lambda node, g, xs, out: (unbroadcast(g * xs[1], shape_of(xs[0])),
                                     unbroadcast(g * xs[0], shape_of(xs[1]))),
    scalar=operator.mul, array=_arr(np.multiply), arity=2, symbol="*",
    scalar_vjp=lambda node, g: (g * node._parents[1].data, g * node._parents[0].data),
    doc="a * b;  d/da = b, d/db = a",
    jvp=lambda node, ts, xs, out: fit_to(tangent_sum(_scaled(ts[0], xs[1]), _scaled(ts[1], xs[0])), out))

DIV = register(
    "div", lambda node, g, xs, out: (unbroadcast(g / xs[1], shape_of(xs[0])),
                                     unbroadcast(-g * out / xs[1], shape_of(xs[1]))),
    scalar=_scalar_div, array=_arr(np.divide), arity=2, symbol="/",
    scalar_vjp=lambda node, g: (g / node._parents[1].data,
                                -g * node.data / node._parents[1].data),
    doc="a / b;  d/da = 1/b, d/db = -a/b^2 = -out/b",
    jvp=lambda node, ts, xs, out: fit_to(tangent_sum(ts[0], _scaled(ts[1], -out)) / xs[1], out))

NEG = register(
    "neg", lambda node, g, xs, out: (-g,),
    scalar=operator.neg, array=_arr(np.negative), symbol="-x",
    scalar_vjp=lambda node, g: (-g,), doc="-x;  d/dx = -1",
    jvp=lambda node, ts, xs, out: -ts[0])


def _pow_vjp(node, g, xs, out):
    """PyTorch's conventions at the edges: d/da = 0 where b == 0 (also at a = 0), and
    d/db = 0 where a == 0 and b >= 0 (the limit of a^b log a); a < 0 gives nan."""
    a, b = xs
    base_needs, exp_needs = _needs(node)
    ga = gb = None
    with np.errstate(all="ignore"):
        if base_needs:
            ga = unbroadcast(g * zero_where(data_of(b) == 0, b * a ** (b - 1)), shape_of(a))
        if exp_needs:
            at_zero = (data_of(a) == 0) & (data_of(b) >= 0)
            gb = unbroadcast(g * zero_where(at_zero, out * log(a)), shape_of(b))
    return ga, gb


def _pow_jvp(node, ts, xs, out):
    a, b = xs
    with np.errstate(all="ignore"):
        ta = None if ts[0] is None else \
            ts[0] * zero_where(data_of(b) == 0, b * a ** (b - 1))
        tb = None if ts[1] is None else \
            ts[1] * zero_where((data_of(a) == 0) & (data_of(b) >= 0), out * log(a))
    return fit_to(tangent_sum(ta, tb), out)


def _pow_scalar_vjp(node, g):
    base, exponent = node._parents
    a, b = base.data, exponent.data
    ga = (0.0 if b == 0.0 else g * b * _fpow(a, b - 1.0)) if base.requires_grad else None
    gb = (0.0 if a == 0.0 and b >= 0.0 else g * node.data * _flog(a)) \
        if exponent.requires_grad else None
    return ga, gb


POW = register(
    "pow", _pow_vjp, scalar=_scalar_pow, array=_arr(np.power), arity=2, symbol="**",
    domain="positive", scalar_vjp=_pow_scalar_vjp,
    doc="a ** b;  d/da = b a^(b-1), d/db = a^b log a",
    jvp=_pow_jvp)


def _pow_const_array(x, exponent):
    with np.errstate(all="ignore"):
        return np.power(x, exponent), exponent


def _pow_const_vjp(node, g, xs, out):
    c = node._saved
    if c == 0:                       # x ** 0 is constant: zero slope, even at x = 0
        return (g * 0.0,)
    with np.errstate(all="ignore"):
        return (g * c * xs[0] ** (c - 1),)


def _pow_const_jvp(node, ts, xs, out):
    c = node._saved
    if c == 0:
        return ts[0] * 0.0
    with np.errstate(all="ignore"):
        return ts[0] * (c * xs[0] ** (c - 1))


def _pow_const_scalar_vjp(node, g):
    c = node._saved
    return (0.0 if c == 0 else g * c * _fpow(node._parents[0].data, c - 1),)


def _pow_const_name(node):
    c = node._saved
    return f"**{int(c) if float(c).is_integer() else c}"


POW_CONST = register(
    "pow_const", _pow_const_vjp, scalar=_scalar_pow, array=_pow_const_array, symbol="**c",
    domain="positive", scalar_vjp=_pow_const_scalar_vjp, micrograd=_pow_const_name,
    doc="x ** c for a constant c;  d/dx = c x^(c-1)",
    jvp=_pow_const_jvp)

# --- smooth functions -------------------------------------------------------------------

EXP = register("exp", lambda node, g, xs, out: (g * out,),
               scalar=_scalar_exp, array=_arr(np.exp),
               scalar_vjp=lambda node, g: (g * node.data,), doc="e^x;  d/dx = e^x = out",
    jvp=lambda node, ts, xs, out: ts[0] * out)
LOG = register("log", lambda node, g, xs, out: (g / xs[0],),
               scalar=_scalar_log, array=_arr(np.log), domain="positive",
               scalar_vjp=lambda node, g: (g / node._parents[0].data,),
               doc="ln x;  d/dx = 1/x",
    jvp=lambda node, ts, xs, out: ts[0] / xs[0])
SQRT = register("sqrt", lambda node, g, xs, out: (g / (2.0 * out),),
                scalar=_scalar_sqrt, array=_arr(np.sqrt), domain="positive",
                scalar_vjp=lambda node, g: (_fdiv(g, 2.0 * node.data),),
                doc="sqrt x;  d/dx = 1 / (2 sqrt x)  (inf at 0, as PyTorch)",
    jvp=lambda node, ts, xs, out: ts[0] / (2.0 * out))
TANH = register("tanh", lambda node, g, xs, out: (g * (1.0 - out * out),),
                scalar=math.tanh, array=_arr(np.tanh),
                scalar_vjp=lambda node, g: (g * (1.0 - node.data * node.data),),
                doc="tanh x;  d/dx = 1 - tanh^2 x",
    jvp=lambda node, ts, xs, out: ts[0] * (1.0 - out * out))
SIGMOID = register("sigmoid", lambda node, g, xs, out: (g * out * (1.0 - out),),
                   scalar=_scalar_sigmoid, array=_arr(_array_sigmoid),
                   scalar_vjp=lambda node, g: (g * node.data * (1.0 - node.data),),
                   doc="1 / (1 + e^-x);  d/dx = s (1 - s)",
    jvp=lambda node, ts, xs, out: ts[0] * (out * (1.0 - out)))
SIN = register("sin", lambda node, g, xs, out: (g * cos(xs[0]),),
               scalar=math.sin, array=_arr(np.sin),
               scalar_vjp=lambda node, g: (g * math.cos(node._parents[0].data),),
               doc="sin x;  d/dx = cos x",
    jvp=lambda node, ts, xs, out: ts[0] * cos(xs[0]))
COS = register("cos", lambda node, g, xs, out: (-g * sin(xs[0]),),
               scalar=math.cos, array=_arr(np.cos),
               scalar_vjp=lambda node, g: (-g * math.sin(node._parents[0].data),),
               doc="cos x;  d/dx = -sin x",
    jvp=lambda node, ts, xs, out: -ts[0] * sin(xs[0]))

# --- piecewise-linear functions: their masks are constants ------------------------------
# At NaN they follow PyTorch: relu passes the gradient (nan <= 0 is false), |x| gives 0.


def _relu_vjp(node, g, xs, out):
    x = data_of(xs[0])
    if isinstance(x, float):
        return (0.0 * g if x <= 0.0 else g,)
    return (g * ~(x <= 0),)


def _relu_jvp(node, ts, xs, out):
    x = data_of(xs[0])
    if isinstance(x, float):
        return ts[0] * (0.0 if x <= 0.0 else 1.0)
    return ts[0] * ~(x <= 0)


RELU = register("relu", _relu_vjp,
                scalar=lambda x: 0.0 if x <= 0.0 else x,
                array=_arr(lambda x: np.maximum(x, 0)),
                scalar_vjp=lambda node, g: (0.0 if node._parents[0].data <= 0.0 else g,),
                micrograd="ReLU",
                kinks=(0.0,), smooth=False, doc="max(x, 0);  d/dx = 1 if x > 0 else 0",
    jvp=_relu_jvp)


def _sign(x):
    """-1, 0 or +1 (0 at 0 and at NaN, as PyTorch's abs backward)."""
    if isinstance(x, float):
        return float((x > 0.0) - (x < 0.0))
    return (x > 0).astype(x.dtype) - (x < 0)


ABS = register("abs", lambda node, g, xs, out: (g * _sign(data_of(xs[0])),),
               scalar=abs, array=_arr(np.abs),
               scalar_vjp=lambda node, g: (g * _sign(node._parents[0].data),),
               kinks=(0.0,), smooth=False, doc="|x|;  d/dx = sign x",
    jvp=lambda node, ts, xs, out: ts[0] * _sign(data_of(xs[0])))


def _clip_array(x, low, high):
    return np.clip(x, low, high), (low, high)


def _inside(node, x):
    low, high = node._saved
    x = data_of(x)
    inside = np.ones(x.shape, dtype=bool)
    if low is not None:
        inside &= x >= low
    if high is not None:
        inside &= x <= high
    return inside


CLIP = register("clip", lambda node, g, xs, out: (g * _inside(node, xs[0]),),
                jvp=lambda node, ts, xs, out: ts[0] * _inside(node, xs[0]),
                array=_clip_array, smooth=False,
                doc="x limited to [low, high];  d/dx = 1 inside, 0 outside")


def _first_share(pick_first, xs):
    """1 where the first input wins, 0 where the second does, 0.5 on ties."""
    a, b = data_of(xs[0]), data_of(xs[1])
    first = np.where(pick_first(a, b), 1.0, np.where(a == b, 0.5, 0.0))
    return first.astype(np.result_type(a, b), copy=False)


def _extremum_vjp(pick_first):
    def vjp(node, g, xs, out):
        first = _first_share(pick_first, xs)
        return (unbroadcast(g * first, shape_of(xs[0])),
                unbroadcast(g * (1 - first), shape_of(xs[1])))
    return vjp


def _extremum_jvp(pick_first):
    def jvp(node, ts, xs, out):
        first = _first_share(pick_first, xs)
        return fit_to(tangent_sum(_scaled(ts[0], first), _scaled(ts[1], 1 - first)), out)
    return jvp


MAXIMUM = register("maximum", _extremum_vjp(np.greater), jvp=_extremum_jvp(np.greater),
                   array=_arr(np.maximum), arity=2,
                   smooth=False, doc="elementwise max; ties split the gradient in half")
MINIMUM = register("minimum", _extremum_vjp(np.less), jvp=_extremum_jvp(np.less),
                   array=_arr(np.minimum), arity=2,
                   smooth=False, doc="elementwise min; ties split the gradient in half")


def _where_array(a, b, condition):
    return np.where(condition, a, b), condition


def _where_vjp(node, g, xs, out):
    cond = node._saved
    return (unbroadcast(g * cond, shape_of(xs[0])), unbroadcast(g * ~cond, shape_of(xs[1])))


def _where_jvp(node, ts, xs, out):
    cond = node._saved
    return fit_to(tangent_sum(_scaled(ts[0], cond), _scaled(ts[1], ~cond)), out)


WHERE = register("where", _where_vjp, jvp=_where_jvp, array=_where_array, arity=2,
                 smooth=False,
                 doc="condition ? a : b (condition is a constant boolean array)")
