"""Matrix functions as table ops (batched over leading axes, as numpy's linalg): the
inverse, the log of |det|, and the Cholesky factor. `scratchgrad.linalg` builds det,
slogdet, solve and the norms from these and the existing ops.

    inv:        d/dA = -A^-T G A^-T               (G the gradient of the output)
    det:        d/dA = g adj(A)^T                 (an SVD gives adj(A) where A^-1 is not)
    logabsdet:  d/dA = g A^-T                     (g one number per matrix)
    cholesky:   A = L L^T;  d/dA = sym(L^-T Phi(L^T G) L^-1), Phi: the lower triangle
                with its diagonal halved, sym(X) = (X + X^T) / 2  (Murray, 2016); the
                factor is of sym(A), so that gradient is exact

Each rule is written with table ops (matmul, these ops, transposes), so second
derivatives and forward mode come with them.
"""

from __future__ import annotations

from typing import Any, cast

from .backend import namespace
from .node import Node
from .op_table import register
from .ops_linalg import MATMUL
from .vjp_math import data_of, matrix_transpose


def _inv(a: Any) -> Any:
    return namespace(a).linalg.inv(a)


INV = register(
    "inv",
    _inv,
    vjp=lambda node, g, xs, out: (
        -MATMUL(MATMUL(matrix_transpose(out), g), matrix_transpose(out)),
    ),
    jvp=lambda node, ts, xs, out: -MATMUL(MATMUL(out, ts[0]), out),
    symbol="inv",
    doc="the matrix inverse;  d/dA = -A^-T G A^-T",
)


def _logabsdet(a: Any) -> Any:
    return namespace(a).linalg.slogdet(a)[1]


def _per_matrix(g: Any) -> Any:
    """One number per matrix, shaped to multiply a stack of matrices."""
    return g.reshape(tuple(g.shape) + (1, 1))


LOGABSDET = register(
    "logabsdet",
    _logabsdet,
    vjp=lambda node, g, xs, out: (_per_matrix(g) * matrix_transpose(INV(xs[0])),),
    jvp=lambda node, ts, xs, out: (matrix_transpose(INV(xs[0])) * ts[0]).sum(axis=(-2, -1)),
    symbol="log|det|",
    doc="log |det A|;  d/dA = g A^-T",
)


def _adjugate_transposed(a: Any) -> Any:
    """adj(A)^T, which is det(A) A^-T where A is invertible, and well defined where it is
    not: from A = U S V^T, adj(A)^T = det(U) det(V) U diag(prod of the other s) V^T."""
    xp = namespace(a)
    u, s, vt = xp.linalg.svd(a)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = xp.concatenate([ones, xp.cumprod(s, axis=-1)[..., :-1]], axis=-1)
    after = xp.flip(
        xp.concatenate([ones, xp.cumprod(xp.flip(s, -1), axis=-1)[..., :-1]], axis=-1), -1
    )
    sign = xp.linalg.det(u) * xp.linalg.det(vt)
    return sign[..., None, None] * xp.matmul(u * (before * after)[..., None, :], vt)


def _det_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    if isinstance(g, Node):  # create_graph: det A^-T as nodes (an invertible A)
        return (_per_matrix(g * out) * matrix_transpose(INV(xs[0])),)
    return (_per_matrix(g) * _adjugate_transposed(xs[0]),)


def _det_jvp(a: Any, t: Any, out: Any) -> Any:
    """trace(adj(A) dA): by the SVD on arrays, as det A A^-T on nodes."""
    if isinstance(a, Node):
        return out * (matrix_transpose(INV(a)) * t).sum(axis=(-2, -1))
    return (_adjugate_transposed(a) * data_of(t)).sum(axis=(-2, -1))


DET = register(
    "det",
    lambda a: namespace(a).linalg.det(a),
    _det_vjp,
    jvp=lambda node, ts, xs, out: _det_jvp(xs[0], ts[0], out),
    symbol="det",
    doc="the determinant;  d/dA = g adj(A)^T (det A A^-T where A is invertible; by the "
    "SVD where it is not, as PyTorch)",
)


def _tril(x: Any, k: int = 0) -> Any:
    """The lower triangle (below diagonal k) of a stack of matrices, as a node or array."""
    xp = namespace(data_of(x))
    n = x.shape[-1]
    mask = xp.tril(xp.ones((n, n), dtype=bool), k)
    if isinstance(x, Node):
        node = cast(Any, x)
        return node * node._lift(mask.astype(node.dtype))
    return x * mask


def _phi(x: Any) -> Any:
    """The lower triangle with the diagonal halved."""
    return 0.5 * (_tril(x, 0) + _tril(x, -1))


def _cholesky(a: Any) -> Any:
    """Of (A + A^T) / 2, which is A itself for the symmetric A this is defined for: the
    symmetric gradient below (PyTorch's) is then the exact derivative, so central
    differences check it, where LAPACK alone reads only A's lower triangle."""
    return namespace(a).linalg.cholesky(0.5 * (a + matrix_transpose(a)))


def _cholesky_vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any]:
    inverse = INV(out)
    inner = _phi(MATMUL(matrix_transpose(out), g))
    grad = MATMUL(MATMUL(matrix_transpose(inverse), inner), inverse)
    return (0.5 * (grad + matrix_transpose(grad)),)


def _cholesky_jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    """dL = L Phi(L^-1 dS L^-T), dS = sym(dA) (the factor is of sym(A))."""
    inverse = INV(out)
    sym = 0.5 * (ts[0] + matrix_transpose(ts[0]))
    return MATMUL(out, _phi(MATMUL(MATMUL(inverse, sym), matrix_transpose(inverse))))


CHOLESKY = register(
    "cholesky",
    _cholesky,
    _cholesky_vjp,
    _cholesky_jvp,
    symbol="chol",
    doc="the lower Cholesky factor L of a symmetric positive-definite A = L L^T;  "
    "d/dA = sym(L^-T Phi(L^T G) L^-1)",
)
