"""The symmetric eigendecomposition, the SVD, QR and the pseudo-inverse as table ops
(batched over leading axes, as numpy's linalg), one op per output, each with its own
derivative. An op of one output recomputes the decomposition (a second LAPACK call when
two outputs are used): so every op stays a one-output table op, and second derivatives
and forward mode come with them. Where two outputs are used their gradients add, since
each op is a function of A.

    A = V diag(w) V^T (A symmetric; the op factors (A + A^T)/2, so the symmetric
    gradients below are exact derivatives, as `ops_matrix.py`'s Cholesky):
    eigvalsh:  dw = diag(V^T dA V)                     d/dA = V diag(g) V^T
    eigh's V:  dV = V (F ∘ V^T dA V)                   d/dA = sym(V (F ∘ V^T G) V^T)
               F_ij = 1 / (w_j - w_i), 0 on the diagonal

    A = U diag(s) V^T (thin: U m x k, V n x k, k = min(m, n)), dP = U^T dA V:
    svdvals:   ds = diag(dP)                           d/dA = U diag(g) V^T
    svd's U:   dU = U (F ∘ (dP S + S dP^T)) + (I - U U^T) dA V S^-1
               d/dA = U (F ∘ (U^T G - G^T U)) S V^T + (I - U U^T) G S^-1 V^T
    svd's Vh:  dV = V (F ∘ (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1
               d/dA = U S (F ∘ (V^T G' - G'^T V)) V^T + U S^-1 G'^T (I - V V^T),  G' = G^T
               F_ij = 1 / (s_j^2 - s_i^2), 0 on the diagonal

    A = Q R (m >= n, reduced), C = Q^T dA R^-1, Ω = tril(C, -1) - tril(C, -1)^T:
    dR = (C - Ω) R,  dQ = dA R^-1 - Q (C - Ω)
    d/dA = (G_Q + Q copyltu(M)) R^-T,  M = R G_R^T - G_Q^T Q,
    copyltu(M) the symmetric matrix of M's lower triangle (Walter and Lehmann, 2018)

    P = pinv(A) (constant rank; Golub and Pereyra, 1973):
    dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
    d/dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)

Repeated eigenvalues or singular values make F infinite: the gradients of the vectors
are then not defined (PyTorch's are inf or NaN there too); those of the values are.
"""

from __future__ import annotations

from typing import Any, cast

from .backend import namespace
from .node import Node
from .op_table import register
from .ops_linalg import MATMUL
from .ops_matrix import INV, _tril
from .vjp_math import data_of, matrix_transpose


def _eye_like(x: Any, n: int) -> Any:
    """The n x n identity, as a constant of x's kind (node or array) and dtype."""
    xp = namespace(data_of(x))
    eye = xp.eye(n, dtype=data_of(x).dtype)
    return cast(Any, x)._lift(eye) if isinstance(x, Node) else eye


def _sym(x: Any) -> Any:
    return 0.5 * (x + matrix_transpose(x))


def _rows(v: Any) -> Any:
    """A stack of vectors (..., k) as (..., 1, k): to scale a matrix's columns."""
    return v.reshape(tuple(v.shape[:-1]) + (1, v.shape[-1]))


def _columns(v: Any) -> Any:
    """A stack of vectors (..., k) as (..., k, 1): to scale a matrix's rows."""
    return v.reshape(tuple(v.shape) + (1,))


def _off_diagonal_reciprocal(values: Any, squared: bool) -> Any:
    """F_ij = 1 / (v_j - v_i) (of the squares when `squared`), 0 on the diagonal."""
    v = values * values if squared else values
    k = v.shape[-1]
    eye = _eye_like(v, k)
    difference = _rows(v) - _columns(v)
    return (1.0 - eye) / (difference + eye)


# --- the symmetric eigendecomposition --------------------------------------------------


def _eigh(a: Any) -> Any:
    return namespace(a).linalg.eigh(_sym(a))


def _eigvalsh_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    v = EIGH_VECTORS(xs[0])
    return (MATMUL(v * _rows(g), matrix_transpose(v)),)


def _eigvalsh_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    v = EIGH_VECTORS(xs[0])
    return (MATMUL(_sym(ts[0]), v) * v).sum(axis=-2)


EIGVALSH = register(
    "eigvalsh",
    lambda a: namespace(a).linalg.eigvalsh(_sym(a)),
    _eigvalsh_vjp,
    _eigvalsh_jvp,
    symbol="eigvalsh",
    doc="the eigenvalues of a symmetric A, ascending;  d/dA = V diag(g) V^T",
)


def _eigh_vectors_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    f = _off_diagonal_reciprocal(EIGVALSH(xs[0]), squared=False)
    inner = f * MATMUL(matrix_transpose(out), g)
    return (_sym(MATMUL(MATMUL(out, inner), matrix_transpose(out))),)


def _eigh_vectors_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    f = _off_diagonal_reciprocal(EIGVALSH(xs[0]), squared=False)
    projected = MATMUL(MATMUL(matrix_transpose(out), _sym(ts[0])), out)
    return MATMUL(out, f * projected)


EIGH_VECTORS = register(
    "eigh_vectors",
    lambda a: _eigh(a)[1],
    _eigh_vectors_vjp,
    _eigh_vectors_jvp,
    symbol="eigh V",
    doc="the orthonormal eigenvectors of a symmetric A (columns);  "
    "d/dA = sym(V (F ∘ V^T G) V^T), F_ij = 1/(w_j - w_i)",
)


# --- the singular value decomposition --------------------------------------------------


def _svd(a: Any) -> Any:
    return namespace(a).linalg.svd(a, full_matrices=False)


def _svdvals_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    return (MATMUL(SVD_U(xs[0]) * _rows(g), SVD_VH(xs[0])),)


def _svdvals_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    u, vh = SVD_U(xs[0]), SVD_VH(xs[0])
    return (MATMUL(matrix_transpose(u), ts[0]) * vh).sum(axis=-1)


SVDVALS = register(
    "svdvals",
    lambda a: namespace(a).linalg.svd(a, compute_uv=False),
    _svdvals_vjp,
    _svdvals_jvp,
    symbol="svdvals",
    doc="the singular values, descending;  d/dA = U diag(g) V^T",
)


def _projected(a: Any, t: Any) -> tuple[Any, Any, Any, Any, Any]:
    """U, s, Vh, F and dP = U^T dA V for a tangent (or gradient) t of A."""
    u, s, vh = SVD_U(a), SVDVALS(a), SVD_VH(a)
    f = _off_diagonal_reciprocal(s, squared=True)
    return u, s, vh, f, MATMUL(MATMUL(matrix_transpose(u), t), matrix_transpose(vh))


def _svd_u_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    u, s, vh = out, SVDVALS(xs[0]), SVD_VH(xs[0])
    f = _off_diagonal_reciprocal(s, squared=True)
    utg = MATMUL(matrix_transpose(u), g)
    inner = f * (utg - matrix_transpose(utg)) * _rows(s)
    grad = MATMUL(MATMUL(u, inner), vh)
    if u.shape[-2] == u.shape[-1]:  # U square: I - U U^T is 0 (and S^-1 may not exist)
        return (grad,)
    outside = g - MATMUL(u, utg)  # (I - U U^T) G
    return (grad + MATMUL(outside, vh / _columns(s)),)


def _svd_u_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    u, s, vh, f, dp = _projected(xs[0], ts[0])
    inner = f * (dp * _rows(s) + _columns(s) * matrix_transpose(dp))
    if u.shape[-2] == u.shape[-1]:
        return MATMUL(u, inner)
    outside = MATMUL(ts[0], matrix_transpose(vh)) - MATMUL(u, dp)
    return MATMUL(u, inner) + outside / _rows(s)


SVD_U = register(
    "svd_u",
    lambda a: _svd(a)[0],
    _svd_u_vjp,
    _svd_u_jvp,
    symbol="svd U",
    doc="the left singular vectors (thin: m x min(m, n));  d/dA = U (F ∘ (U^T G - G^T U)) "
    "S V^T + (I - U U^T) G S^-1 V^T, F_ij = 1/(s_j^2 - s_i^2)",
)


def _svd_vh_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    vh, s, u = out, SVDVALS(xs[0]), SVD_U(xs[0])
    f = _off_diagonal_reciprocal(s, squared=True)
    vtg = MATMUL(vh, matrix_transpose(g))  # V^T G', G' = G^T the gradient of V
    inner = _columns(s) * (f * (vtg - matrix_transpose(vtg)))
    grad = MATMUL(MATMUL(u, inner), vh)
    if vh.shape[-2] == vh.shape[-1]:  # V square: I - V V^T is 0
        return (grad,)
    outside = g - MATMUL(MATMUL(g, matrix_transpose(vh)), vh)  # G'^T (I - V V^T)
    return (grad + MATMUL(u / _rows(s), outside),)


def _svd_vh_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    u, s, vh, f, dp = _projected(xs[0], ts[0])
    v = matrix_transpose(vh)
    inner = f * (_columns(s) * dp + matrix_transpose(dp) * _rows(s))
    if vh.shape[-2] == vh.shape[-1]:
        return matrix_transpose(MATMUL(v, inner))
    outside = MATMUL(matrix_transpose(ts[0]), u) - MATMUL(v, matrix_transpose(dp))
    return matrix_transpose(MATMUL(v, inner) + outside / _rows(s))


SVD_VH = register(
    "svd_vh",
    lambda a: _svd(a)[2],
    _svd_vh_vjp,
    _svd_vh_jvp,
    symbol="svd Vh",
    doc="the right singular vectors as rows (thin: min(m, n) x n);  d/dA = U S (F ∘ "
    "(V^T G' - G'^T V)) V^T + U S^-1 G'^T (I - V V^T), G' = G^T",
)


# --- QR (m >= n; the functions in matrix_functions.py compose the wide case) ----------


def _qr(a: Any) -> Any:
    return namespace(a).linalg.qr(a, mode="reduced")


def _copyltu(m: Any) -> Any:
    """The symmetric matrix whose lower triangle is M's."""
    strict = _tril(m, -1)
    return _tril(m, 0) + matrix_transpose(strict)


def _qr_grad(a: Any, q: Any, r: Any, m: Any, g_q: Any) -> Any:
    """(G_Q + Q copyltu(M)) R^-T."""
    left = MATMUL(q, _copyltu(m))
    if g_q is not None:
        left = left + g_q
    return MATMUL(left, matrix_transpose(INV(r)))


def _qr_q_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    r = QR_R(xs[0])
    return (_qr_grad(xs[0], out, r, -MATMUL(matrix_transpose(g), out), g),)


def _qr_r_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    q = QR_Q(xs[0])
    return (_qr_grad(xs[0], q, out, MATMUL(out, matrix_transpose(g)), None),)


def _qr_tangents(a: Any, t: Any) -> tuple[Any, Any, Any, Any]:
    """Q, R, R^-1 and C - Ω (the upper-triangular dR R^-1) for a tangent t of A."""
    q, r = QR_Q(a), QR_R(a)
    r_inv = INV(r)
    c = MATMUL(MATMUL(matrix_transpose(q), t), r_inv)
    strict = _tril(c, -1)
    return q, r, r_inv, c - (strict - matrix_transpose(strict))


def _qr_q_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    q, r, r_inv, upper = _qr_tangents(xs[0], ts[0])
    return MATMUL(ts[0], r_inv) - MATMUL(q, upper)


def _qr_r_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    q, r, r_inv, upper = _qr_tangents(xs[0], ts[0])
    return MATMUL(upper, r)


QR_Q = register(
    "qr_q",
    lambda a: _qr(a)[0],
    _qr_q_vjp,
    _qr_q_jvp,
    symbol="qr Q",
    doc="Q of A = QR (m >= n, reduced);  d/dA = (G + Q copyltu(-G^T Q)) R^-T",
)

QR_R = register(
    "qr_r",
    lambda a: _qr(a)[1],
    _qr_r_vjp,
    _qr_r_jvp,
    symbol="qr R",
    doc="R of A = QR (m >= n, reduced);  d/dA = Q copyltu(R G^T) R^-T",
)


# --- the pseudo-inverse ----------------------------------------------------------------


def pinv_cutoff(a: Any, s: Any, atol: Any = None, rtol: Any = None) -> Any:
    """Per matrix, max(atol, rtol * the largest singular value), shaped (..., 1):
    PyTorch's rule (atol and rtol numbers or arrays over the batch; rtol's default
    eps * max(m, n), or 0 when atol is given)."""
    xp = namespace(a)
    if rtol is None:
        rtol = 0.0 if atol is not None else max(a.shape[-2:]) * float(xp.finfo(a.dtype).eps)
    largest = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    atol = 0.0 if atol is None else xp.asarray(atol, dtype=s.dtype)[..., None]
    return xp.maximum(atol, xp.asarray(rtol, dtype=s.dtype)[..., None] * largest)


def _pinv(a: Any, atol: Any = None, rtol: Any = None) -> Any:
    """V diag(1/s) U^T, the singular values at or below the cutoff counted as 0."""
    xp = namespace(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    kept = s > pinv_cutoff(a, s, atol, rtol)
    inverse = xp.where(kept, 1.0 / xp.where(kept, s, 1.0), 0.0).astype(a.dtype, copy=False)
    return xp.matmul(xp.swapaxes(vh, -1, -2) * inverse[..., None, :], xp.swapaxes(u, -1, -2))


def _pinv_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    a, p = xs[0], out
    pt, gt = matrix_transpose(p), matrix_transpose(g)
    left = _eye_like(a, a.shape[-2]) - MATMUL(a, p)  # I - A P
    right = _eye_like(a, a.shape[-1]) - MATMUL(p, a)  # I - P A
    return (
        -MATMUL(MATMUL(pt, g), pt)
        + MATMUL(MATMUL(MATMUL(left, gt), p), pt)
        + MATMUL(MATMUL(MATMUL(pt, p), gt), right),
    )


def _pinv_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    a, p, t = xs[0], out, ts[0]
    tt = matrix_transpose(t)
    left = _eye_like(a, a.shape[-2]) - MATMUL(a, p)
    right = _eye_like(a, a.shape[-1]) - MATMUL(p, a)
    return (
        -MATMUL(MATMUL(p, t), p)
        + MATMUL(MATMUL(MATMUL(p, matrix_transpose(p)), tt), left)
        + MATMUL(MATMUL(MATMUL(right, tt), matrix_transpose(p)), p)
    )


PINV = register(
    "pinv",
    _pinv,
    _pinv_vjp,
    _pinv_jvp,
    symbol="pinv",
    doc="the Moore-Penrose pseudo-inverse (constant rank);  d/dA = -P^T G P^T + "
    "(I - A P) G^T P P^T + P^T P G^T (I - P A)",
)
