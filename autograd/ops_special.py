"""The gamma family, erfinv and ndtri as table ops (Tensor only): lgamma, digamma,
polygamma(n), erfinv and the normal quantile. Each derivative is the next op of the
family (or an exp of the output), so second derivatives and forward mode come with
them, and each is checked, as every op, against central differences (`op_examples.py`).
The array math is `special_math.py`'s.

    lgamma' = digamma      digamma' = polygamma(1)      polygamma(n)' = polygamma(n + 1)
    erfinv'(y) = sqrt(pi)/2 e^(erfinv(y)^2)      ndtri'(p) = sqrt(2 pi) e^(ndtri(p)^2 / 2)
"""

import math

from . import special_math
from .op_table import Op, register
from .ops_elementwise import EXP

DIGAMMA: Op = register(
    "digamma",
    special_math.digamma,
    partials=lambda node, xs, out: (POLYGAMMA(xs[0], n=1),),
    quiet=True,
    domain="positive",
    doc="the digamma function ψ = d/dx lgamma;  d/dx = polygamma(1, x)",
)

POLYGAMMA: Op = register(
    "polygamma",
    special_math.polygamma,
    partials=lambda node, xs, out: (POLYGAMMA(xs[0], n=node._saved["n"] + 1),),
    quiet=True,
    domain="positive",
    doc="the n-th derivative of digamma;  d/dx = polygamma(n + 1, x)",
)

LGAMMA = register(
    "lgamma",
    special_math.lgamma,
    partials=lambda node, xs, out: (DIGAMMA(xs[0]),),
    quiet=True,
    domain="positive",
    doc="log |Γ(x)|;  d/dx = digamma(x)",
)

ERFINV = register(
    "erfinv",
    special_math.erfinv,
    partials=lambda node, xs, out: (EXP(out * out) * (math.sqrt(math.pi) / 2.0),),
    quiet=True,
    domain="unit",
    doc="the inverse of erf on (-1, 1);  d/dy = sqrt(pi)/2 e^(erfinv(y)^2)",
)

NDTRI = register(
    "ndtri",
    special_math.ndtri,
    partials=lambda node, xs, out: (EXP(out * out * 0.5) * math.sqrt(2.0 * math.pi),),
    quiet=True,
    domain="probability",
    doc="the standard normal quantile on (0, 1);  d/dp = sqrt(2 pi) e^(ndtri(p)^2 / 2)",
)
