"""The regularised lower incomplete gamma function P(a, x) (PyTorch's
`torch.special.gammainc`), for `Gamma.cdf` and `Chi2.cdf`: scratchgrad has no such op, so
it is an `autograd.Function` here, private to the distributions.

    P(a, x) = γ(a, x) / Γ(a) = x^a e^-x / Γ(a) Σ_n x^n / (a (a+1) ... (a+n))   (x < a + 1)
            = 1 - x^a e^-x / Γ(a) · 1/(x + 1 - a - 1(1 - a)/(x + 3 - a - ...))  (otherwise)

(the series and the continued fraction of Numerical Recipes §6.2, the fraction evaluated
by Lentz's method), in float64 on the host: about 1e-14 relative for a below ~10, 1e-11 for
a in the thousands (x^a e^-x / Γ(a) cancels), closer to mpmath than PyTorch's (1e-9 there).
Each entry needs O(sqrt(a)) terms, so very large `a` are slow and, past ~1e8, stop short
(PyTorch switches to Temme's asymptotic expansion for large a). The derivative in x is
the density x^(a-1) e^-x / Γ(a); the one in `a` PyTorch does not implement either, so
asking for it raises NotImplementedError (a RuntimeError, as PyTorch's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, FunctionCtx, Tensor, tensor
from ..autograd.devices import on_host
from ..autograd.special_math import lgamma as _array_lgamma

__all__ = ["gammainc"]

MAX_TERMS = 100_000
EPS = float(np.finfo(np.float64).eps)
TINY = 1e-300  # Lentz's stand-in for a zero denominator


def _series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ_n x^n / (a (a+1) ... (a+n)), each entry summed until its term is below eps of
    its sum (the entries still summing are the only ones computed)."""
    ap, term = a.copy(), 1 / a
    total = term.copy()
    active = np.arange(a.size)
    for _ in range(MAX_TERMS):
        ap[active] += 1
        term[active] *= x[active] / ap[active]
        total[active] += term[active]
        active = active[np.abs(term[active]) >= np.abs(total[active]) * EPS]
        if active.size == 0:
            break
    return total


def _continued_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """1 / (x + 1 - a - 1(1-a) / (x + 3 - a - 2(2-a) / ...)) by Lentz's method, each
    entry until its last factor is within 2 eps of 1."""
    b = x + 1 - a
    c = np.full_like(x, 1 / TINY)
    d = 1 / b
    h = d.copy()
    active = np.arange(a.size)
    for i in range(1, MAX_TERMS):
        an = -i * (i - a[active])
        b[active] += 2
        da = an * d[active] + b[active]
        da = 1 / np.where(np.abs(da) < TINY, TINY, da)
        ca = b[active] + an / c[active]
        ca = np.where(np.abs(ca) < TINY, TINY, ca)
        delta = da * ca
        d[active], c[active] = da, ca
        h[active] *= delta
        active = active[np.abs(delta - 1) > 2 * EPS]
        if active.size == 0:
            break
    return h


def regularized_lower_gamma(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) of float64 arrays (broadcast): 0 at x = 0, 1 at x = inf, NaN where a <= 0,
    x < 0 or either is NaN (PyTorch's igamma)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (x >= 0) & np.isfinite(a)
    out[valid & (x == 0)] = 0.0
    out[valid & np.isposinf(x)] = 1.0
    inside = valid & (x > 0) & np.isfinite(x)
    with np.errstate(all="ignore"):
        for use_series in (True, False):
            where = inside & ((x < a + 1) == use_series)
            if not where.any():
                continue
            aw, xw = a[where], x[where]
            prefactor = np.exp(aw * np.log(xw) - xw - _array_lgamma(aw))
            if use_series:
                out[where] = prefactor * _series(aw, xw)
            else:
                out[where] = 1 - prefactor * _continued_fraction(aw, xw)
    return np.clip(out, 0.0, 1.0)  # NaN stays NaN


class _GammaInc(Function):
    """P(a, x) as one node: forward in numpy, backward the density in x."""

    @staticmethod
    def forward(ctx: FunctionCtx, a: Tensor, x: Tensor) -> Tensor:
        ctx.save_for_backward(a, x)
        dtype = np.result_type(a.dtype, x.dtype)
        values = regularized_lower_gamma(on_host(a), on_host(x))
        return tensor(values.astype(dtype), device=x.device)

    @staticmethod
    def backward(ctx: FunctionCtx, grad_output: Tensor) -> Any:
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(
                "the derivative of the regularised incomplete gamma function gammainc(a, x) "
                "in a (Gamma.cdf's in concentration) is not implemented, as in PyTorch: "
                "detach the concentration, or differentiate log_prob instead"
            )
        density = (a - 1).xlogy(x) - x - a.lgamma()
        return None, grad_output * density.exp()


def gammainc(a: Tensor, x: Tensor) -> Tensor:
    """P(a, x), the regularised lower incomplete gamma function (torch.special.gammainc):
    differentiable in x; in a it raises NotImplementedError, as PyTorch's."""
    result: Tensor = _GammaInc.apply(a, x)
    return result
