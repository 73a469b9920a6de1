"""`torch.linalg`: inv, det, slogdet, logdet, solve, cholesky and the vector and matrix
norms (autograd/matrix_functions.py has them and says how they are built)."""

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
    vector_norm,
)

__all__ = [
    "inv",
    "det",
    "slogdet",
    "logdet",
    "solve",
    "cholesky",
    "norm",
    "vector_norm",
    "matrix_norm",
    "inverse",
]
