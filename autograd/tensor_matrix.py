"""The Tensor methods of torch.linalg's functions (`x.det()`, `x.inverse()`, ...): each
calls autograd/matrix_functions.py, imported when first used (it builds on Tensor)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tensor import Tensor


def _functions() -> Any:
    from . import matrix_functions

    return matrix_functions


def _more() -> Any:
    from . import more_linalg

    return more_linalg


def _decompositions() -> Any:
    from . import decomposition_functions

    return decomposition_functions


class TensorMatrix:
    """Mixed into Tensor: the matrix functions as methods, as PyTorch's."""

    def det(self) -> Tensor:
        """The determinant of each square matrix."""
        return _functions().det(self)

    def logdet(self) -> Tensor:
        """log det of each square matrix (NaN where it is negative)."""
        return _functions().logdet(self)

    def slogdet(self) -> Any:
        """(sign, log|det|) of each square matrix."""
        return _functions().slogdet(self)

    def inverse(self) -> Tensor:
        """The inverse of each square matrix."""
        return _functions().inv(self)

    def cholesky(self, upper: bool = False) -> Tensor:
        """The Cholesky factor of each symmetric positive-definite matrix."""
        return _functions().cholesky(self, upper=upper)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        """(U, S, V) of each matrix, as the old `torch.svd` (V, not V^T)."""
        return _decompositions().svd_old(self, some, compute_uv)

    def qr(self, some: bool = True) -> Any:
        """(Q, R) of each matrix, as the old `torch.qr`."""
        return _decompositions().qr_old(self, some)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """The pseudo-inverse of each matrix (singular values <= rcond * the largest
        count as 0)."""
        return _decompositions().pinverse(self, rcond)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> Tensor:
        """X with (L L^T) X = self, L = input2 the Cholesky factor (torch's order)."""
        return _functions().cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        """(L L^T)^-1 of this Cholesky factor L."""
        return _functions().cholesky_inverse(self, upper)

    def matrix_power(self, n: int) -> Tensor:
        """This matrix (or each of a batch) to the integer power n."""
        return _more().matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        """e^A of each square matrix."""
        return _more().matrix_exp(self)

    def isclose(
        self, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
    ) -> Tensor:
        """Elementwise closeness to `other`, as torch.isclose."""
        return _more().isclose(self, other, rtol, atol, equal_nan)

    def inner(self, other: Any) -> Tensor:
        """The sum of products over the last axes, as torch.inner."""
        return _more().inner(self, other)
