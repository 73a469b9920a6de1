"""`torch.linalg`: inv, det, slogdet, logdet, solve, cholesky and the vector and matrix
norms (autograd/matrix_functions.py has them and says how they are built), and the
decompositions and what builds on them: eigh, eigvalsh, svd, svdvals, qr, pinv, lstsq,
matrix_rank, cond, multi_dot, cross (autograd/decomposition_functions.py)."""

from .autograd.decomposition_functions import (
    cond,
    cross,
    eigh,
    eigvalsh,
    lstsq,
    matrix_rank,
    multi_dot,
    pinv,
    qr,
    svd,
    svdvals,
)
from .autograd.errors import LinAlgError
from .autograd.matrix_functions import (
    cholesky,
    det,
    inv,
    inverse,
    logdet,
    matrix_norm,
    norm,
    slogdet,
    solve,
    solve_triangular,
    vector_norm,
)
from .autograd.more_linalg import cholesky_ex, diagonal, matrix_exp, matrix_power, vander, vecdot

__all__ = [
    "inv",
    "det",
    "slogdet",
    "logdet",
    "solve",
    "solve_triangular",
    "cholesky",
    "norm",
    "vector_norm",
    "matrix_norm",
    "inverse",
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
    "LinAlgError",
    "matrix_power",
    "matrix_exp",
    "cholesky_ex",
    "vecdot",
    "diagonal",
    "vander",
]
