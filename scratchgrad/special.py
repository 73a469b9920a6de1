"""PyTorch's `torch.special`: the special functions that compose from scratchgrad's ops,
each differentiable (its gradient is its ops' gradients; PyTorch's at the special points
unless the function says otherwise).

    erf, erfc, ndtr                  the error function and the normal CDF
    erfinv, ndtri                    their inverses
    gammaln, digamma / psi,          log |Γ(x)| and its derivatives (table ops: lgamma,
    polygamma, multigammaln          digamma, polygamma), the multivariate log-gamma
    expit, logit                     the sigmoid and its inverse (eps clamps, as PyTorch)
    xlogy, xlog1py, entr             x log y, x log(1 + y) (0 where x = 0), -x log x
    exp2, expm1, log1p               2^x, e^x - 1, log(1 + x)
    logsumexp, softmax, log_softmax  along a dim (softmax's dtype= casts first)
    sinc, spherical_bessel_j0, round

Not here (each needs an op of its own, not a composition): erfcx, log_ndtr, gammainc,
gammaincc, zeta, the
Bessel functions i0, i0e, i1, i1e, bessel_j0/j1/y0/y1 and their modified forms, airy_ai,
and the orthogonal polynomials.
"""

from __future__ import annotations

import math
from typing import Any

from .autograd import Tensor
from .autograd.backend import namespace
from .autograd.dtypes import get_default_dtype as sg_default_dtype
from .autograd.node import Node
from .autograd.tensor import tensor, where
from .autograd.tensor_methods import Axis, Operand

__all__ = [
    "erf",
    "erfc",
    "ndtr",
    "erfinv",
    "ndtri",
    "gammaln",
    "digamma",
    "psi",
    "polygamma",
    "multigammaln",
    "expit",
    "logit",
    "xlogy",
    "xlog1py",
    "entr",
    "exp2",
    "expm1",
    "log1p",
    "logsumexp",
    "softmax",
    "log_softmax",
    "sinc",
    "spherical_bessel_j0",
    "round",
]


def _t(x: Operand) -> Tensor:
    """`x` itself when it is a tensor, else a tensor of it."""
    return x if isinstance(x, Tensor) else tensor(x)


def _pair(x: Operand, y: Operand) -> tuple[Tensor, Tensor]:
    """Two operands as tensors, a number taking the other's dtype (`xlogy(2, t)`)."""
    if isinstance(x, Node) and isinstance(y, Node):
        return _t(x), _t(y)
    if isinstance(y, Tensor):
        return y._lift(x), y
    x = _t(x)
    return x, x._lift(y)


def erf(input: Operand) -> Tensor:
    """As torch.special.erf: the error function, 2/sqrt(pi) ∫_0^x e^(-t^2) dt."""
    return _t(input).erf()


def erfc(input: Operand) -> Tensor:
    """As torch.special.erfc: 1 - erf(x), computed as that difference, so exact to
    float64's absolute precision but not relative: for x > 3 the small result keeps fewer
    digits (erfc(6) ≈ 2.2e-17 has about one), and beyond x ≈ 6 it is 0 (PyTorch's own
    kernel keeps full relative precision there)."""
    return 1.0 - _t(input).erf()


def ndtr(input: Operand) -> Tensor:
    """As torch.special.ndtr: the standard normal CDF, (1 + erf(x / sqrt 2)) / 2. Like
    `erfc`, exact to absolute, not relative, precision far in the left tail (x < -4)."""
    x = _t(input)
    return 0.5 * (1.0 + (x * (1.0 / math.sqrt(2.0))).erf())


def erfinv(input: Operand) -> Tensor:
    """As torch.special.erfinv: the inverse of erf on (-1, 1), ±inf at ±1."""
    return _t(input).erfinv()


def ndtri(input: Operand) -> Tensor:
    """As torch.special.ndtri: the standard normal quantile, the inverse of ndtr (a table
    op: exact in the tails down to the smallest p, where sqrt 2 erfinv(2p - 1) is not)."""
    from .autograd.ops_special import NDTRI

    x = _t(input)
    if x.dtype.kind not in "fc":
        x = x.to(sg_default_dtype())
    return x._apply(NDTRI, (x,))


def gammaln(input: Operand) -> Tensor:
    """As torch.special.gammaln: log |Γ(x)| (torch.lgamma)."""
    return _t(input).lgamma()


def digamma(input: Operand) -> Tensor:
    """As torch.special.digamma: ψ(x) = d/dx log Γ(x)."""
    return _t(input).digamma()


psi = digamma


def polygamma(n: int, input: Operand) -> Tensor:
    """As torch.special.polygamma(n, input): the n-th derivative of digamma."""
    return _t(input).polygamma(n)


def multigammaln(input: Operand, p: int) -> Tensor:
    """As torch.special.multigammaln: the multivariate log-gamma of dimension p."""
    return _t(input).mvlgamma(p)


def expit(input: Operand) -> Tensor:
    """As torch.special.expit: the logistic sigmoid 1 / (1 + e^-x)."""
    return _t(input).sigmoid()


def logit(input: Operand, eps: float | None = None) -> Tensor:
    """As torch.special.logit: log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is
    given (gradient 0 outside, as PyTorch's)."""
    return _t(input).logit(eps)


def xlogy(input: Operand, other: Operand) -> Tensor:
    """As torch.special.xlogy: x log y, and 0 where x is 0 (unless y is NaN): an
    entropy's or a cross-entropy's terms without 0 * log 0 = NaN."""
    x, y = _pair(input, other)
    return x.xlogy(y)


def xlog1py(input: Operand, other: Operand) -> Tensor:
    """As torch.special.xlog1py: x log(1 + y), and 0 where x is 0 (unless y is NaN), with
    PyTorch's gradients (for x at x = 0: log(1 + y), or 0 where y <= -1). Composed as
    x * log1p(y) with y replaced by 0 where x is 0 and log1p(y) is infinite (y <= -1 or
    y = inf), so no 0 * inf is made; there the gradient for y is 0 (PyTorch's is NaN at
    y = -1). Where y is inf and x is not 0, x's gradient is NaN even when nothing
    downstream uses the term (0 * inf), where PyTorch's is 0."""
    x, y = _pair(input, other)
    xp = namespace(y._data)
    infinite = (y._data <= -1) | xp.isposinf(y._data)
    zeroed = (x._data == 0) & infinite  # the term is 0; log1p(y) never meets 0 * inf
    if not zeroed.any():
        return x * y.log1p()
    return x * where(zeroed, 0.0, y).log1p()


def entr(input: Operand) -> Tensor:
    """As torch.special.entr: -x log x for x > 0, 0 at 0, -inf for x < 0 (NaN stays
    NaN). The gradient is PyTorch's, -(1 + log x), for x > 0; at x <= 0 it is 0 here
    (PyTorch's is inf at 0 and NaN below)."""
    x = _t(input)
    negative = x._data < 0
    if not negative.any():
        return -x.xlogy(x)
    inside = where(negative, 1.0, x)  # log of a negative number never computed
    return where(negative, -math.inf, -inside.xlogy(inside))


def exp2(input: Operand) -> Tensor:
    """As torch.special.exp2: 2^x."""
    return _t(input).exp2()


def expm1(input: Operand) -> Tensor:
    """As torch.special.expm1: e^x - 1, exact near 0."""
    return _t(input).expm1()


def log1p(input: Operand) -> Tensor:
    """As torch.special.log1p: log(1 + x), exact near 0."""
    return _t(input).log1p()


def logsumexp(input: Operand, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
    """As torch.special.logsumexp: log Σ e^x along `dim`, without overflow."""
    return _t(input).logsumexp(dim, keepdim)


def softmax(input: Operand, dim: Axis, *, dtype: Any = None) -> Tensor:
    """As torch.special.softmax: e^x / Σ e^x along `dim` (`dtype=` casts the input
    first, as PyTorch's)."""
    x = _t(input)
    return (x if dtype is None else x.astype(dtype)).softmax(dim)


def log_softmax(input: Operand, dim: Axis, *, dtype: Any = None) -> Tensor:
    """As torch.special.log_softmax: x - log Σ e^x along `dim` (`dtype=` casts the input
    first, as PyTorch's)."""
    x = _t(input)
    return (x if dtype is None else x.astype(dtype)).log_softmax(dim)


def sinc(input: Operand) -> Tensor:
    """As torch.special.sinc: the normalised sinc, sin(pi x) / (pi x), 1 at 0."""
    return _t(input).sinc()


def spherical_bessel_j0(input: Operand) -> Tensor:
    """As torch.special.spherical_bessel_j0: sin(x) / x, 1 at 0 (sinc(x / pi))."""
    return (_t(input) * (1.0 / math.pi)).sinc()


def round(input: Operand, *, decimals: int = 0) -> Tensor:
    """As torch.special.round: rounded half to even (gradient 0)."""
    return _t(input).round(decimals)
