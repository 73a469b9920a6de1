"""`torch.linalg`'s decompositions and what builds on them: eigh, eigvalsh, svd,
svdvals, qr, pinv, lstsq, matrix_rank, cond, multi_dot, cross, and the spectral matrix
norms (ord 2, -2, "nuc"); `torch.svd`, `torch.qr` and `torch.pinverse` too.

eigh, the SVD, QR and pinv are table ops, one per output (autograd/ops_decompositions.py
has their derivative rules); the rest compose them. As PyTorch's, the gradients of
eigenvectors and singular vectors are defined where the eigen- or singular values are
distinct, and a loss should not depend on the vectors' signs (any sign is a valid
answer; these are LAPACK's, as numpy's and PyTorch's CPU results).
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from .backend import namespace
from .errors import ArgumentError, DtypeError, LinAlgError, ShapeError
from .functions import cat, stack
from .grad_mode import is_grad_enabled
from .ops_decompositions import (
    EIGH_VECTORS,
    EIGVALSH,
    PINV,
    QR_Q,
    QR_R,
    SVD_U,
    SVD_VH,
    SVDVALS,
    pinv_cutoff,
)
from .tensor import Tensor, tensor

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])  # torch.return_types
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
SvdResult = namedtuple("SvdResult", ["U", "S", "V"])  # the old torch.svd
QRResult = namedtuple("QRResult", ["Q", "R"])
LstsqResult = namedtuple("LstsqResult", ["solution", "residuals", "rank", "singular_values"])


def _matrix(A: Any, who: str, square: bool = False) -> Tensor:
    t = A if isinstance(A, Tensor) else tensor(A)
    if t.ndim < 2 or (square and t.shape[-1] != t.shape[-2]):
        kind = (
            "a square matrix or a batch of them (..., n, n)"
            if square
            else ("a matrix or a batch of them (..., m, n)")
        )
        raise ShapeError(f"linalg.{who}: A must be {kind}, got shape {tuple(t.shape)}")
    if t.dtype.kind != "f":
        raise DtypeError(f"linalg.{who}: A must be floating point, got {t.dtype}")
    return t


def _lower_triangle_of(t: Tensor, UPLO: str) -> Tensor:
    """The symmetric matrix LAPACK would read (its lower ("L") or upper ("U") triangle)
    with A's gradient: as PyTorch, the gradient is the symmetric one whichever
    triangle was read (the ops factor (A + A^T)/2: given that matrix, the gradient
    flows to A unchanged)."""
    if UPLO not in ("L", "U", "l", "u"):
        raise ArgumentError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    xp = namespace(t._data)
    data = t._data
    if bool(xp.all(data == xp.swapaxes(data, -1, -2))):  # the common case
        return t
    part = xp.tril(data) if UPLO in ("L", "l") else xp.triu(data)
    diagonal = xp.tril(xp.triu(data))
    read = part + xp.swapaxes(part, -1, -2) - diagonal
    return t - t.detach() + t._constant_like(read)


def eigh(A: Any, UPLO: str = "L") -> EighResult:
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix; as
    PyTorch's and LAPACK's, only the `UPLO` triangle is read."""
    t = _lower_triangle_of(_matrix(A, "eigh", square=True), UPLO)
    return EighResult(Tensor._apply(EIGVALSH, (t,)), Tensor._apply(EIGH_VECTORS, (t,)))


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues of each symmetric matrix, ascending (only `UPLO` is read)."""
    t = _lower_triangle_of(_matrix(A, "eigvalsh", square=True), UPLO)
    return Tensor._apply(EIGVALSH, (t,))


def _needs_grad(t: Tensor) -> bool:
    return t.requires_grad and is_grad_enabled()


def svd(A: Any, full_matrices: bool = True) -> SVDResult:
    """A = U diag(S) Vh (S descending). With full_matrices (PyTorch's default) and a
    non-square A, U or Vh gets orthonormal columns or rows past min(m, n) that no loss
    should use: as PyTorch, gradients ignore them."""
    t = _matrix(A, "svd")
    u, s, vh = (Tensor._apply(op, (t,)) for op in (SVD_U, SVDVALS, SVD_VH))
    m, n = t.shape[-2:]
    if full_matrices and m != n:
        xp = namespace(t._data)
        full_u, _, full_vh = xp.linalg.svd(t._data, full_matrices=True)
        if m > n:
            u = cat([u, t._constant_like(full_u[..., :, n:])], dim=-1)
        else:
            vh = cat([vh, t._constant_like(full_vh[..., m:, :])], dim=-2)
    return SVDResult(u, s, vh)


def svdvals(A: Any) -> Tensor:
    """The singular values of each matrix, descending."""
    return Tensor._apply(SVDVALS, (_matrix(A, "svdvals"),))


def svd_old(input: Any, some: bool = True, compute_uv: bool = True) -> SvdResult:
    """The old `torch.svd`: (U, S, V) with V, not V^T; `some=False` for full matrices;
    compute_uv=False gives zero U and V of the full shapes, as PyTorch's."""
    t = _matrix(input, "svd")
    if not compute_uv:
        m, n = t.shape[-2:]
        batch = tuple(t.shape[:-2])
        xp = namespace(t._data)
        zeros_u = t._constant_like(xp.zeros(batch + (m, m), dtype=t.dtype))
        zeros_v = t._constant_like(xp.zeros(batch + (n, n), dtype=t.dtype))
        return SvdResult(zeros_u, svdvals(t), zeros_v)
    u, s, vh = svd(t, full_matrices=not some)
    return SvdResult(u, s, vh.transpose(-2, -1))


def qr(A: Any, mode: str = "reduced") -> QRResult:
    """A = QR, Q with orthonormal columns, R upper triangular. mode "reduced" (Q m x k,
    R k x n, k = min(m, n)), "complete" (Q m x m) or "r" (R only; Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise ArgumentError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    t = _matrix(A, "qr")
    m, n = t.shape[-2:]
    if mode == "complete" and m > n:
        if _needs_grad(t):
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when "
                "mode='complete' and nrows > ncols (Q's last columns are not unique); "
                "use mode='reduced'"
            )
        q, r = namespace(t._data).linalg.qr(t._data, mode="complete")
        return QRResult(t._constant_like(q), t._constant_like(r))
    if m >= n:
        q, r = Tensor._apply(QR_Q, (t,)), Tensor._apply(QR_R, (t,))
    else:  # A = [X Y], X square: Q R_X = X, R = [R_X  Q^T Y]
        x, y = t[..., :, :m], t[..., :, m:]
        q, r_x = Tensor._apply(QR_Q, (x,)), Tensor._apply(QR_R, (x,))
        r = cat([r_x, q.transpose(-2, -1) @ y], dim=-1)
    if mode == "r":
        return QRResult(t._constant_like(namespace(t._data).zeros((0,), dtype=t.dtype)), r)
    return QRResult(q, r)


def qr_old(input: Any, some: bool = True) -> QRResult:
    """The old `torch.qr`: `some=False` for the complete Q."""
    return qr(input, "reduced" if some else "complete")


def _tolerance_arrays(t: Tensor, atol: Any, rtol: Any) -> tuple[Any, Any]:
    """atol and rtol as numbers or arrays on t's device (a Tensor gives its numbers)."""
    return tuple(
        None if v is None else (v._data if isinstance(v, Tensor) else v) for v in (atol, rtol)
    )  # type: ignore[return-value]


def pinv(
    A: Any,
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    rcond: Any = None,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix: singular values at or below
    max(atol, rtol * the largest) count as 0 (atol and rtol numbers, or tensors over the
    batch; `rcond` is rtol's old name). `hermitian` picks no other method here (the
    SVD serves both). Its gradient assumes the rank stays the same nearby, as PyTorch's."""
    t = _matrix(A, "pinv")
    if rcond is not None:
        rtol = rcond
    atol, rtol = _tolerance_arrays(t, atol, rtol)
    return Tensor._apply(PINV, (t,), atol=atol, rtol=rtol)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """The old `torch.pinverse(input, rcond)`: pinv with rtol = rcond."""
    return pinv(input, rtol=rcond)


def matrix_rank(
    A: Any,
    tol: Any = None,
    hermitian: bool = False,
    *,
    atol: Any = None,
    rtol: Any = None,
) -> Tensor:
    """The number of singular values above max(atol, rtol * the largest), per matrix
    (int64, no gradient); `tol` is atol's old name (with rtol 0)."""
    t = _matrix(A, "matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerance_arrays(t, atol, rtol)
    xp = namespace(t._data)
    s = xp.linalg.svd(t._data, compute_uv=False)
    count = (s > pinv_cutoff(t._data, s, atol, rtol)).sum(axis=-1).astype(xp.int64)
    return t._constant_like(count)


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution X of A X = B, as pinv(A) B, differentiable in A and B:
    B (..., m, k), or (..., m) for vectors (one axis fewer than A), batches broadcast.
    As PyTorch's CPU default driver ("gelsy"), residuals and singular_values are empty;
    rank is given. (With rcond, the cut is pinv's, gelsd's minimum-norm answer; gelsy's
    column-pivoted QR cuts differently.)"""
    if driver not in (None, "gelsy", "gelsd", "gelss", "gels"):
        raise ArgumentError(f"linalg.lstsq: unknown driver {driver!r}")
    a = _matrix(A, "lstsq")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.lstsq: B must be a Tensor, got {type(B).__name__}")
    if B.dtype != a.dtype:
        raise DtypeError(
            f"linalg.lstsq: A is {a.dtype} but B {B.dtype}; convert one (B.to(A.dtype))"
        )
    vector = B.ndim == a.ndim - 1
    b = B.unsqueeze(-1) if vector else B
    if b.ndim != a.ndim or b.shape[-2] != a.shape[-2]:
        raise ShapeError(
            f"linalg.lstsq: B must be (..., m, k) or (..., m) with A's m = {a.shape[-2]} "
            f"rows and as many dimensions as A (or one fewer), got A {tuple(a.shape)} and "
            f"B {tuple(B.shape)}"
        )
    solution = pinv(a, rtol=rcond) @ b
    if vector:
        solution = solution.squeeze(-1)
    empty = a._constant_like(namespace(a._data).zeros((0,), dtype=a.dtype))
    return LstsqResult(solution, empty, matrix_rank(a, rtol=rcond), empty)


def cond(A: Any, p: Any = None) -> Tensor:
    """The condition number: the largest over the smallest singular value (p None or 2),
    the reverse for -2, or norm(A, p) norm(A^-1, p) for the other matrix norms (inf for
    a singular matrix, as PyTorch)."""
    t = _matrix(A, "cond")
    if min(t.shape[-2:]) == 0:
        return t.sum(dim=(-2, -1)) * 0.0
    if p in (None, 2, -2):
        s = svdvals(t)
        ratio = s[..., 0] / s[..., -1]
        return ratio if p != -2 else 1.0 / ratio
    from .matrix_functions import inv, matrix_norm

    try:
        return matrix_norm(t, p) * matrix_norm(inv(t), p)
    except LinAlgError:  # some matrix is singular: inf for those, matrix by matrix
        if t.ndim == 2:
            return t.sum() * 0.0 + math.inf
        flat = t.reshape((-1,) + tuple(t.shape[-2:]))
        parts = [cond(flat[i], p) for i in range(flat.shape[0])]
        return stack(parts).reshape(tuple(t.shape[:-2]))


def spectral_norm(t: Tensor, ord: Any, dim: tuple[int, int], keepdim: bool) -> Tensor:
    """matrix_norm for ord 2 (largest singular value), -2 (smallest), "nuc" (their sum);
    0 for empty matrices (ord 2 and "nuc"), as PyTorch."""
    rows, cols = (d % t.ndim for d in dim)
    moved = t.movedim((rows, cols), (-2, -1))
    if min(moved.shape[-2:]) == 0:
        if ord == -2:
            raise ShapeError(
                f"linalg.matrix_norm(ord=-2) of empty matrices (shape {tuple(t.shape)}) "
                "has no smallest singular value"
            )
        out = moved.sum(dim=(-2, -1)) * 0.0
    else:
        s = svdvals(moved)
        out = s.sum(-1) if ord == "nuc" else (s[..., 0] if ord == 2 else s[..., -1])
    if keepdim:
        for axis in sorted((rows, cols)):
            out = out.unsqueeze(axis)
    return out


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """A chain of matrix products, the first may be a vector (1-D, as a row) and the last
    a vector (as a column), multiplied in the order that needs the fewest operations."""
    mats = [x if isinstance(x, Tensor) else tensor(x) for x in tensors]
    if len(mats) < 2:
        raise ArgumentError(f"linalg.multi_dot expects at least two tensors, got {len(mats)}")
    first_vector, last_vector = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_vector:
        mats[0] = mats[0].unsqueeze(0)
    if last_vector:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise ShapeError(
                f"linalg.multi_dot: tensor {i} must be 2-D (the first and last may be 1-D), "
                f"got shape {tuple(tensors[i].shape)}"
            )
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ShapeError(
                f"linalg.multi_dot: tensors {i} and {i + 1} cannot be multiplied: shapes "
                f"{tuple(mats[i].shape)} and {tuple(mats[i + 1].shape)}"
            )
    out = _chain(mats, _order([m.shape[0] for m in mats] + [mats[-1].shape[1]]), 0, len(mats) - 1)
    if first_vector:
        out = out.squeeze(0)
    if last_vector:
        out = out.squeeze(-1)
    return out


def _order(sizes: list[int]) -> list[list[int]]:
    """The classic dynamic programme over chain lengths: split[i][j] is where the
    cheapest product of matrices i..j splits."""
    n = len(sizes) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf  # type: ignore[call-overload]
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain(mats, split, i, k) @ _chain(mats, split, k + 1, j)


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: the cross product of 3-vectors along `dim` (default the last,
    where torch.cross's default is the first axis of size 3), broadcasting."""
    x = input if isinstance(input, Tensor) else tensor(input)
    return x.cross(other, dim=dim)


__all__ = [
    "eigh",
    "eigvalsh",
    "svd",
    "svdvals",
    "qr",
    "pinv",
    "lstsq",
    "matrix_rank",
    "cond",
    "multi_dot",
    "cross",
]
