"""The rest of `torch.linalg` that composes from what is here: matrix_power, matrix_exp,
cholesky_ex, vecdot, diagonal, vander; and torch.isclose, torch.inner and the old
torch.cholesky. Each is differentiable through the ops it is made of.

    matrix_exp(A) = (e^(A / 2^s))^(2^s), e^B by the [13/13] Padé approximant
    r(B) = q(B)^-1 p(B), p(B) = Σ_k c_k B^k, q(B) = p(-B),
    c_k = (26 - k)! 13! / (26! k! (13 - k)!), for ||B||_1 <= 5.37 (Higham, 2005)
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np

from .backend import namespace
from .errors import ArgumentError, DtypeError, LinAlgError, ShapeError
from .matrix_functions import _matrices, cholesky, inv, solve
from .tensor import Tensor, tensor

CholeskyExResult = namedtuple("CholeskyExResult", ["L", "info"])  # torch.return_types

PADE_ORDER = 13
PADE_THETA = 5.371920351148152  # ||B||_1 below which the [13/13] approximant is exact
# to double precision (Higham's theta_13)


def _pade_coefficients(m: int) -> list[float]:
    """c_k = (2m - k)! m! / ((2m)! k! (m - k)!): p(B) = Σ c_k B^k, q(B) = p(-B)."""
    return [
        math.factorial(2 * m - k)
        * math.factorial(m)
        / (math.factorial(2 * m) * math.factorial(k) * math.factorial(m - k))
        for k in range(m + 1)
    ]


PADE = _pade_coefficients(PADE_ORDER)


def matrix_power(A: Any, n: int) -> Tensor:
    """A^n for each square matrix by repeated squaring (n < 0: of the inverse; n = 0:
    the identity)."""
    t = _matrices(A, "matrix_power")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        eye = namespace(t._data).eye(t.shape[-1], dtype=t.dtype)
        return t * 0.0 + t._constant_like(eye)
    base = inv(t) if n < 0 else t
    result: Tensor | None = None
    k = abs(int(n))
    while k:
        if k & 1:
            result = base if result is None else result @ base
        k >>= 1
        if k:
            base = base @ base
    assert result is not None
    return result


def matrix_exp(A: Any) -> Tensor:
    """e^A for each square matrix: scaling and squaring with the [13/13] Padé
    approximant (Higham 2005), differentiable through its matmuls and solve."""
    t = _matrices(A, "matrix_exp")
    n = t.shape[-1]
    if n == 0 or t.numel() == 0:
        return t * 1.0
    norm = float(namespace(t._data).abs(t._data).sum(axis=-2).max()) if t.numel() else 0.0
    if not math.isfinite(norm):  # inf or NaN entries: NaN out, as PyTorch
        return t * math.nan
    squarings = max(0, math.ceil(math.log2(norm / PADE_THETA))) if norm > PADE_THETA else 0
    b = t * (1.0 / 2**squarings)
    eye = t._constant_like(namespace(t._data).eye(n, dtype=t.dtype))
    powers = [eye, b]
    for _ in range(2, PADE_ORDER + 1):
        powers.append(powers[-1] @ b)
    even = sum((PADE[k] * powers[k] for k in range(0, PADE_ORDER + 1, 2)), t * 0.0)
    odd = sum((PADE[k] * powers[k] for k in range(1, PADE_ORDER + 1, 2)), t * 0.0)
    result = solve(even - odd, even + odd)  # q(B)^-1 p(B), q(B) = p(-B)
    for _ in range(squarings):
        result = result @ result
    return result


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """(L, info): the Cholesky factor and, per matrix, 0 or the order of the first
    leading minor that is not positive-definite (where L is then NaN here; PyTorch
    leaves it partly computed). check_errors=True raises as linalg.cholesky does."""
    t = _matrices(A, "cholesky_ex")
    try:
        return CholeskyExResult(cholesky(t, upper=upper), _info(t, np.zeros(t.shape[:-2])))
    except LinAlgError:
        if check_errors:
            raise
    flat = t.reshape((-1,) + tuple(t.shape[-2:]))
    factors, infos = [], []
    for i in range(flat.shape[0]):
        try:
            factors.append(cholesky(flat[i], upper=upper))
            infos.append(0)
        except LinAlgError:
            factors.append(flat[i] * math.nan)
            infos.append(_first_bad_minor(flat[i]))
    from .functions import stack

    factor = stack(factors).reshape(tuple(t.shape))
    return CholeskyExResult(factor, _info(t, np.array(infos).reshape(t.shape[:-2])))


def _info(t: Tensor, values: Any) -> Tensor:
    return t._constant_like(namespace(t._data).asarray(values, dtype=np.int32))


def _first_bad_minor(m: Tensor) -> int:
    """The order of the first leading minor of m that has no Cholesky factor."""
    xp = namespace(m._data)
    for k in range(1, m.shape[-1] + 1):
        try:
            xp.linalg.cholesky(m._data[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return m.shape[-1]


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along `dim`, broadcasting the rest."""
    a = x if isinstance(x, Tensor) else tensor(x)
    return (a * a._lift(y)).sum(dim)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the last two axes by default (torch.diagonal's are the first)."""
    t = A if isinstance(A, Tensor) else tensor(A)
    return t.diagonal(offset, dim1, dim2)


def vander(x: Any, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of increasing powers x^0, x^1, ..., x^(N-1) along a new
    last axis (torch.linalg.vander; torch.vander's default order is decreasing)."""
    t = x if isinstance(x, Tensor) else tensor(x)
    if t.ndim < 1:
        raise ShapeError(f"linalg.vander: x must have at least 1 dimension, got {t.shape}")
    n = t.shape[-1] if N is None else N
    if n < 1:
        raise ArgumentError(f"linalg.vander: N must be at least 1, got {N}")
    powers = [t * 0 + 1]  # ones of t's dtype (int stays int, as PyTorch)
    for _ in range(1, n):
        powers.append(powers[-1] * t)
    from .functions import stack

    return stack(powers, dim=-1)


def inner(input: Any, other: Any) -> Tensor:
    """torch.inner: the sum of products over the last axes of both (scalars multiply)."""
    a = input if isinstance(input, Tensor) else tensor(input)
    b = a._lift(other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(
            f"inner: the last dimensions must match, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    from .building_functions import tensordot

    return tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 1]))


def isclose(
    input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    """Elementwise |input - other| <= atol + rtol |other| (equal infinities close; NaN
    close to NaN only with equal_nan), as a bool tensor (no graph)."""
    a = input if isinstance(input, Tensor) else tensor(input)
    b = a._lift(other)
    if a.dtype != b.dtype and not (a.dtype.kind in "fc" and b.dtype.kind in "fc"):
        raise DtypeError(f"isclose: {a.dtype} and {b.dtype} differ; convert one first")
    xp = namespace(a._data)
    close = xp.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return a._constant_like(close)


def cholesky_old(input: Any, upper: bool = False) -> Tensor:
    """The old torch.cholesky(input, upper=False)."""
    return cholesky(input, upper=upper)


__all__ = ["matrix_power", "matrix_exp", "cholesky_ex", "vecdot", "diagonal", "vander"]
