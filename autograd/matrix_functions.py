"""`torch.linalg` (re-exported as `scratchgrad.linalg`), `torch.inverse`, `torch.det`,
`torch.logdet`, `torch.slogdet` and the Tensor methods of the same names:
the matrix functions learners' and papers' code calls, batched over leading axes.

`inv`, `cholesky` and log|det| are table ops (autograd/ops_matrix.py, with their
derivative rules); `det`, `slogdet`, `solve` and the norms are compositions of them and
of the elementwise and reduction ops, so every result is differentiable, to any order.
The decompositions (eigh, svd, qr, pinv) and what builds on them, the spectral norms
included, are autograd/decomposition_functions.py's.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from .backend import namespace
from .errors import ArgumentError, DtypeError, ShapeError
from .ops_matrix import CHOLESKY, DET, INV, LOGABSDET
from .tensor import Tensor, tensor, where

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])  # torch.return_types


def _matrices(A: Any, who: str) -> Tensor:
    t = A if isinstance(A, Tensor) else tensor(A)
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ShapeError(
            f"linalg.{who}: A must be a square matrix or a batch of them (..., n, n), got "
            f"shape {tuple(t.shape)}"
        )
    if t.dtype.kind != "f":
        raise DtypeError(f"linalg.{who}: A must be floating point, got {t.dtype}")
    return t


def inv(A: Any) -> Tensor:
    """A^-1 for each square matrix (numpy's LinAlgError for a singular one)."""
    t = _matrices(A, "inv")
    return Tensor._apply(INV, (t,))


def slogdet(A: Any) -> SlogdetResult:
    """(sign, log|det A|): the determinant without overflow; sign is a constant."""
    t = _matrices(A, "slogdet")
    sign = t._constant_like(namespace(t._data).linalg.slogdet(t._data)[0])
    return SlogdetResult(sign, Tensor._apply(LOGABSDET, (t,)))


def det(A: Any) -> Tensor:
    """det A (its gradient, adj(A)^T, is defined for a singular A too, as PyTorch's)."""
    t = _matrices(A, "det")
    return Tensor._apply(DET, (t,))


def logdet(A: Any) -> Tensor:
    """log det A: NaN where det A < 0, -inf where it is 0 (PyTorch's)."""
    sign, logabs = slogdet(A)
    xp = namespace(logabs._data)
    nan = logabs._constant_like(xp.full(logabs.shape, math.nan, dtype=logabs.dtype))
    return where(sign._data < 0, nan, logabs)


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """X with A X = B (left=False: X A = B). B (..., n, k), or (..., n) for vectors."""
    t = _matrices(A, "solve")
    b = t._lift(B)
    vector = b.ndim == 1 or (b.ndim == t.ndim - 1 and tuple(b.shape) == tuple(t.shape[:-1]))
    if vector:
        b = b.unsqueeze(-1)
    if (b.shape[-2] if left else b.shape[-1]) != t.shape[-1]:
        side = "A X = B needs B's rows" if left else "X A = B needs B's columns"
        raise ShapeError(
            f"linalg.solve: A {tuple(t.shape)} and B {tuple(b.shape)} do not fit ({side} "
            "to be A's size)"
        )
    inverse = inv(t)
    x = inverse @ b if left else b @ inverse
    return x.squeeze(-1) if vector else x


def solve_triangular(
    A: Any, B: Any, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> Tensor:
    """X with A X = B (left=False: X A = B), A read as triangular: only its upper or
    lower triangle, with ones on the diagonal when `unitriangular`; so the gradient for
    A is triangular too, as PyTorch's. B must be (..., n, k), as PyTorch's."""
    t = _matrices(A, "solve_triangular")
    b = t._lift(B)
    if b.ndim < 2:
        raise ShapeError(
            f"linalg.solve_triangular: B must be a matrix or a batch of them (..., n, k), "
            f"got shape {tuple(b.shape)}; for a vector b use b.unsqueeze(-1)"
        )
    triangle = t.triu() if upper else t.tril()
    if unitriangular:
        eye = t._constant_like(namespace(t._data).eye(t.shape[-1], dtype=t.dtype))
        triangle = triangle * (1.0 - eye) + eye
    return solve(triangle, b, left=left)


def _from_factor(L: Any, upper: bool, who: str) -> Tensor:
    """L L^T (upper: U^T U) from the factor's triangle, with PyTorch's gradient: that of
    the product of the whole matrix (its backward treats L as full), at the triangle's
    numbers (its forward reads only the triangle)."""
    factor = _matrices(L, who)
    read = factor.detach().triu() if upper else factor.detach().tril()
    triangle = factor - factor.detach() + read  # the triangle's value, L's gradient
    return triangle.transpose(-2, -1) @ triangle if upper else triangle @ triangle.transpose(-2, -1)


def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:
    """X with (L L^T) X = B, from the Cholesky factor L (upper: U with A = U^T U),
    differentiable in B and L as PyTorch's."""
    return solve(_from_factor(L, upper, "cholesky_solve"), B)


def cholesky_inverse(L: Any, upper: bool = False) -> Tensor:
    """(L L^T)^-1 from the Cholesky factor L (upper: (U^T U)^-1)."""
    return inv(_from_factor(L, upper, "cholesky_inverse"))


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """The lower factor L of a symmetric positive-definite A = L L^T (upper: L^T)."""
    t = _matrices(A, "cholesky")
    lower = Tensor._apply(CHOLESKY, (t,))
    return lower.transpose(-2, -1) if upper else lower


def vector_norm(
    x: Any,
    ord: float = 2,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The ord-norm of x over `dim` (all of x when None), as a flat vector's."""
    t = x if isinstance(x, Tensor) else tensor(x)
    if dtype is not None:
        t = t.to(dtype)
    if dim is None:
        flat = t.reshape(-1)
        out = flat.norm(ord, 0)
        return out.reshape((1,) * t.ndim) if keepdim else out
    return t.norm(ord, dim, keepdim=keepdim)


def matrix_norm(
    A: Any, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False
) -> Tensor:
    """Frobenius ("fro"), the largest / smallest absolute column (1, -1) or row
    (inf, -inf) sum, the largest / smallest singular value (2, -2) or their sum ("nuc")
    of each matrix."""
    t = A if isinstance(A, Tensor) else tensor(A)
    if t.ndim < 2:
        raise ShapeError(
            f"linalg.matrix_norm: A must be a matrix or a batch of them, got shape {tuple(t.shape)}"
        )
    rows, cols = dim
    if ord == "fro":  # (Tensor.norm: the gradient of a zero matrix's norm is 0, not NaN)
        return t.norm(2, dim=dim, keepdim=keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed = cols if ord in (math.inf, -math.inf) else rows
        other = rows if summed == cols else cols
        sums = t.abs().sum(axis=summed, keepdims=True)
        out = (sums.amax if ord > 0 else sums.amin)(dim=other, keepdim=True)
        if keepdim:
            return out
        for axis in sorted((d % t.ndim for d in dim), reverse=True):
            out = out.squeeze(axis)
        return out
    if ord in (2, -2, "nuc"):
        from .decomposition_functions import spectral_norm

        return spectral_norm(t, ord, (rows, cols), keepdim)
    raise ArgumentError(
        f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got {ord!r}"
    )


def norm(
    A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """torch.linalg.norm: a vector norm (1-D, or an int dim) or a matrix norm (2-D, or a
    pair of dims); ord=None is the 2-norm / Frobenius norm."""
    t = A if isinstance(A, Tensor) else tensor(A)
    if dtype is not None:
        t = t.to(dtype)
    matrix = (isinstance(dim, (tuple, list)) and len(dim) == 2) or (dim is None and t.ndim == 2)
    if matrix and (ord is not None or dim is not None):
        return matrix_norm(t, "fro" if ord is None else ord, tuple(dim or (-2, -1)), keepdim)
    if dim is None and ord is not None and t.ndim != 1:
        raise ArgumentError(
            f"linalg.norm: with ord={ord!r} and no dim, A must be 1-D or 2-D, got {t.ndim}-D"
        )
    return vector_norm(t, 2 if ord is None else ord, dim, keepdim)


inverse = inv  # torch.inverse

__all__ = [
    "inverse",
    "inv",
    "det",
    "slogdet",
    "logdet",
    "solve",
    "cholesky",
    "solve_triangular",
    "cholesky_solve",
    "cholesky_inverse",
    "norm",
    "vector_norm",
    "matrix_norm",
]
