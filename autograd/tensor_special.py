"""The Tensor methods and torch functions of `ops_special.py`'s ops (lgamma, digamma,
polygamma, erfinv) and mvlgamma, the multivariate log-gamma, a sum of lgammas."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

from .dtypes import get_default_dtype
from .errors import ArgumentError
from .node import Node
from .ops_special import DIGAMMA, ERFINV, LGAMMA, POLYGAMMA

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_methods import Operand


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _floating(x: Tensor) -> Tensor:
    """Integer input computes in the default float dtype, as PyTorch's lgamma(int)."""
    return x if x.dtype.kind in "fc" else x.to(get_default_dtype())


def _check_order(who: str, name: str, value: Any, least: int) -> None:
    """n or p: an int (TypeError otherwise, as PyTorch) of at least `least`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{who}: {name} must be an int, got {type(value).__name__}")
    if value < least:
        raise ArgumentError(f"{who}: {name} must be at least {least}, got {value}")


class TensorSpecial:
    """Mixed into Tensor: the gamma family and erfinv."""

    def lgamma(self) -> Tensor:
        """log |Γ(x)| (inf at 0 and the negative integers), elementwise."""
        x = _floating(_me(self))
        return x._apply(LGAMMA, (x,))

    def digamma(self) -> Tensor:
        """ψ(x) = d/dx lgamma(x), elementwise (PyTorch's values at the poles: -inf at
        +0, +inf at -0, nan at the negative integers)."""
        x = _floating(_me(self))
        return x._apply(DIGAMMA, (x,))

    def polygamma(self, n: int) -> Tensor:
        """The n-th derivative of digamma (n = 0 is digamma itself), elementwise."""
        _check_order("polygamma", "n", n, 0)
        x = _floating(_me(self))
        if n == 0:
            return x.digamma()
        return x._apply(POLYGAMMA, (x,), n=n)

    def erfinv(self) -> Tensor:
        """The inverse of erf: erfinv(erf(x)) = x on (-1, 1); ±inf at ±1, nan beyond."""
        x = _floating(_me(self))
        return x._apply(ERFINV, (x,))

    def mvlgamma(self, p: int) -> Tensor:
        """The multivariate log-gamma of dimension p: p(p-1)/4 log π + Σ_j lgamma(x -
        j/2), j = 0..p-1 (defined for x > (p - 1)/2; as PyTorch 2.13, other x are not
        refused: some lgamma term is then inf or of a negative argument)."""
        _check_order("mvlgamma", "p", p, 1)
        x = _floating(_me(self))
        total = x.lgamma()
        for j in range(1, p):
            total = total + (x - j / 2).lgamma()
        return total + p * (p - 1) / 4 * math.log(math.pi)

    def lgamma_(self) -> Tensor:
        """lgamma in place (PyTorch's `lgamma_`): counted as an edit."""
        return _me(self)._replace("lgamma_", lambda x: x.lgamma())

    def digamma_(self) -> Tensor:
        """digamma in place (PyTorch's `digamma_`): counted as an edit."""
        return _me(self)._replace("digamma_", lambda x: x.digamma())

    def polygamma_(self, n: int) -> Tensor:
        """polygamma(n) in place (PyTorch's `polygamma_`): counted as an edit."""
        return _me(self)._replace("polygamma_", lambda x: x.polygamma(n))

    def erfinv_(self) -> Tensor:
        """erfinv in place (PyTorch's `erfinv_`): counted as an edit."""
        return _me(self)._replace("erfinv_", lambda x: x.erfinv())


def _t(x: Operand) -> Tensor:
    from .tensor import tensor

    return _me(x) if isinstance(x, Node) else tensor(x)


def lgamma(input: Operand) -> Tensor:
    """As torch.lgamma: log |Γ(x)|."""
    return _t(input).lgamma()


def digamma(input: Operand) -> Tensor:
    """As torch.digamma: ψ(x), the derivative of lgamma."""
    return _t(input).digamma()


def polygamma(n: int, input: Operand) -> Tensor:
    """As torch.polygamma(n, input): the n-th derivative of digamma."""
    return _t(input).polygamma(n)


def erfinv(input: Operand) -> Tensor:
    """As torch.erfinv: the inverse error function."""
    return _t(input).erfinv()


def mvlgamma(input: Operand, p: int) -> Tensor:
    """As torch.mvlgamma: the multivariate log-gamma of dimension p."""
    return _t(input).mvlgamma(p)


FUNCTIONS = ["lgamma", "digamma", "polygamma", "erfinv", "mvlgamma"]
