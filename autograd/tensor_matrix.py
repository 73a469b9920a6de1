"""The Tensor methods of torch.linalg's functions (`x.det()`, `x.inverse()`, ...): each
calls autograd/matrix_functions.py, imported when first used (it builds on Tensor)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tensor import Tensor


def _functions() -> Any:
    from . import matrix_functions

    return matrix_functions


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
