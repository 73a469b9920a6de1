"""PyTorch's remaining smooth elementwise functions, as table ops (Tensor only): the
trigonometric and hyperbolic functions and their inverses, two-argument ones (atan2,
hypot, logaddexp, xlogy, copysign), exp2 and sinc.

Each is numpy's (or CuPy's) function of the same meaning and its partial derivatives,
written with table ops so that second derivatives and forward mode come with them, and
checked, as every op, against central differences (`op_examples.py`). At the edges of a
domain the derivative is PyTorch's IEEE value (asin'(1) = inf), not an error.

    tan'  = 1 + tan^2           sinh' = cosh        asinh' = 1 / sqrt(x^2 + 1)
    asin' = 1 / sqrt(1 - x^2)   cosh' = sinh        acosh' = 1 / sqrt(x^2 - 1)
    acos' = -asin'              atan' = 1/(1+x^2)   atanh' = 1 / (1 - x^2)
    atan2(y, x): d/dy = x / (x^2 + y^2),  d/dx = -y / (x^2 + y^2)  (0 at the origin)
    hypot(a, b) = sqrt(a^2 + b^2): d/da = a / hypot,  d/db = b / hypot
    logaddexp(a, b) = log(e^a + e^b): d/da = sigmoid(a - b),  d/db = sigmoid(b - a)
    xlogy(x, y) = x log y (0 where x = 0): d/dx = log y (0 where x = 0 and y <= 0);
                  d/dy = x / y
    copysign(a, b) = |a| with b's sign: d/da = out / a (0 at a = 0);  d/db = 0
    exp2' = 2^x ln 2;  sinc(x) = sin(pi x) / (pi x), 1 at 0: sinc' = (cos(pi x) - sinc x) / x
"""

import math

from .backend import namespace
from .node import Node
from .op_table import Op, register
from .ops_elementwise import COS, LOG, SIGMOID, SQRT
from .ops_shape import WHERE
from .vjp_math import data_of, zero_where


def _mask(x, holds):
    """A constant boolean mask from x's values (an array on x's device)."""
    return namespace(data_of(x)).asarray(holds(data_of(x)))


def _replaced(mask, x, value):
    """x with `value` where `mask` holds (a node under create_graph)."""
    if isinstance(x, Node):
        return WHERE(x._lift(value), x, condition=mask)
    return namespace(x).where(mask, value, x).astype(x.dtype, copy=False)


def _unary(name, forward, derivative, doc, domain=None):
    return register(
        name,
        lambda x: getattr(namespace(x), forward)(x),
        partials=lambda node, xs, out: (derivative(xs[0], out),),
        quiet=True,
        domain=domain,
        doc=doc,
    )


TAN = _unary("tan", "tan", lambda x, out: 1.0 + out * out, "tan x;  d/dx = 1 + tan^2 x")
ASIN = _unary(
    "asin",
    "arcsin",
    lambda x, out: 1.0 / SQRT(1.0 - x * x),
    "arcsine;  d/dx = 1 / sqrt(1 - x^2)",
    domain="unit",
)
ACOS = _unary(
    "acos",
    "arccos",
    lambda x, out: -1.0 / SQRT(1.0 - x * x),
    "arccosine;  d/dx = -1 / sqrt(1 - x^2)",
    domain="unit",
)
ATAN = _unary("atan", "arctan", lambda x, out: 1.0 / (1.0 + x * x), "arctangent;  1/(1+x^2)")
SINH: Op = _unary("sinh", "sinh", lambda x, out: COSH(x), "sinh x;  d/dx = cosh x")
COSH: Op = _unary("cosh", "cosh", lambda x, out: SINH(x), "cosh x;  d/dx = sinh x")
ASINH = _unary(
    "asinh", "arcsinh", lambda x, out: 1.0 / SQRT(x * x + 1.0), "asinh;  1 / sqrt(x^2 + 1)"
)
ACOSH = _unary(
    "acosh",
    "arccosh",
    lambda x, out: 1.0 / SQRT(x * x - 1.0),
    "acosh (x >= 1);  d/dx = 1 / sqrt(x^2 - 1)",
    domain="above_one",
)
ATANH = _unary(
    "atanh",
    "arctanh",
    lambda x, out: 1.0 / (1.0 - x * x),
    "atanh (|x| < 1);  d/dx = 1 / (1 - x^2)",
    domain="unit",
)
EXP2 = _unary("exp2", "exp2", lambda x, out: out * math.log(2.0), "2^x;  d/dx = 2^x ln 2")


def _sinc(x):
    xp = namespace(x)
    return xp.sinc(x)  # numpy's sinc is the normalised one, PyTorch's: sin(pi x) / (pi x)


def _sinc_partial(node, xs, out):
    x = xs[0]
    at_zero = _mask(x, lambda v: v == 0)
    safe = _replaced(at_zero, x, 1.0)  # 1 where x = 0: no 0/0 anywhere
    slope = (COS(math.pi * safe) - SINC(safe)) / safe
    return (zero_where(at_zero, slope),)


SINC = register(
    "sinc",
    _sinc,
    partials=_sinc_partial,
    quiet=True,
    doc="sin(pi x) / (pi x), 1 at 0;  d/dx = (cos(pi x) - sinc x) / x, 0 at 0",
)


def _atan2_partials(node, xs, out):
    y, x = xs
    squared = y * y + x * x
    origin = _mask(squared, lambda v: v == 0)  # PyTorch's: no gradient at the origin
    recip = zero_where(origin, 1.0 / _replaced(origin, squared, 1.0))
    return (x * recip, -y * recip)


ATAN2 = register(
    "atan2",
    lambda y, x: namespace(y).arctan2(y, x),
    partials=_atan2_partials,
    quiet=True,
    doc="the angle of (x, y);  d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2), 0 at 0",
)

HYPOT = register(
    "hypot",
    lambda a, b: namespace(a).hypot(a, b),
    partials=lambda node, xs, out: (xs[0] / out, xs[1] / out),
    quiet=True,
    doc="sqrt(a^2 + b^2) without overflow;  d/da = a / out, d/db = b / out",
)

LOGADDEXP = register(
    "logaddexp",
    lambda a, b: namespace(a).logaddexp(a, b),
    partials=lambda node, xs, out: (SIGMOID(xs[0] - xs[1]), SIGMOID(xs[1] - xs[0])),
    quiet=True,
    doc="log(e^a + e^b) without overflow;  d/da = sigmoid(a - b), d/db = sigmoid(b - a)",
)


def _xlogy(x, y):
    xp = namespace(x)
    product = x * xp.log(y)
    return xp.where((x == 0) & ~xp.isnan(y), xp.zeros_like(product), product)  # NaN y: NaN


def _xlogy_partials(node, xs, out):
    x, y = xs
    undefined = _mask(x, lambda v: v == 0) & _mask(y, lambda v: v <= 0)  # log y has no value
    return (zero_where(undefined, LOG(_replaced(undefined, y, 1.0))), x / y)


XLOGY = register(
    "xlogy",
    _xlogy,
    partials=_xlogy_partials,
    quiet=True,
    doc="x log y, 0 where x = 0 (entropy terms);  d/dx = log y (0 where x = 0 and y <= 0), "
    "d/dy = x / y",
)


def _copysign_partials(node, xs, out):
    a, everywhere = xs[0], _mask(out, lambda v: (v == v) | (v != v))
    return (zero_where(_mask(a, lambda v: v == 0), out / a), zero_where(everywhere, out))


COPYSIGN = register(
    "copysign",
    lambda a, b: namespace(a).copysign(a, b),
    partials=_copysign_partials,
    quiet=True,
    doc="|a| with b's sign;  d/da = out / a (0 at 0), d/db = 0",
)

__all__ = [
    "TAN",
    "ASIN",
    "ACOS",
    "ATAN",
    "SINH",
    "COSH",
    "ASINH",
    "ACOSH",
    "ATANH",
    "EXP2",
    "SINC",
    "ATAN2",
    "HYPOT",
    "LOGADDEXP",
    "XLOGY",
    "COPYSIGN",
]
