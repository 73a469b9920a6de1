"""The Tensor methods and torch functions of `ops_trigonometric.py`'s ops (tan, asin /
arcsin, ..., atan2, hypot, logaddexp, xlogy, copysign, exp2, sinc), with PyTorch's
spellings (numpy's arc- names too), and `logit`, a composition of log ops."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .node import Node
from .ops_trigonometric import (
    ACOS,
    ACOSH,
    ASIN,
    ASINH,
    ATAN,
    ATAN2,
    ATANH,
    COPYSIGN,
    COSH,
    EXP2,
    HYPOT,
    LOGADDEXP,
    SINC,
    SINH,
    TAN,
    XLOGY,
)

if TYPE_CHECKING:
    from .op_table import Op
    from .tensor import Tensor
    from .tensor_methods import Operand


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


class TensorTrigonometric:
    """Mixed into Tensor: one table op per method."""

    def _unary(self, op: Op) -> Tensor:
        me = _me(self)
        return me._apply(op, (me,))

    def _binary(self, op: Op, other: Operand) -> Tensor:
        me = _me(self)
        return me._apply(op, (me, me._lift(other)))

    def tan(self) -> Tensor:
        """tan x, elementwise."""
        return self._unary(TAN)

    def asin(self) -> Tensor:
        """arcsin x (|x| <= 1), elementwise."""
        return self._unary(ASIN)

    def acos(self) -> Tensor:
        """arccos x (|x| <= 1), elementwise."""
        return self._unary(ACOS)

    def atan(self) -> Tensor:
        """arctan x, elementwise."""
        return self._unary(ATAN)

    def sinh(self) -> Tensor:
        """sinh x, elementwise."""
        return self._unary(SINH)

    def cosh(self) -> Tensor:
        """cosh x, elementwise."""
        return self._unary(COSH)

    def asinh(self) -> Tensor:
        """arsinh x, elementwise."""
        return self._unary(ASINH)

    def acosh(self) -> Tensor:
        """arcosh x (x >= 1), elementwise."""
        return self._unary(ACOSH)

    def atanh(self) -> Tensor:
        """artanh x (|x| < 1), elementwise."""
        return self._unary(ATANH)

    def exp2(self) -> Tensor:
        """2 ** x, elementwise."""
        return self._unary(EXP2)

    def sinc(self) -> Tensor:
        """sin(pi x) / (pi x), 1 at 0 (PyTorch's normalised sinc)."""
        return self._unary(SINC)

    def atan2(self, other: Operand) -> Tensor:
        """The angle of the point (other, self): arctan(self / other) in the right
        quadrant (PyTorch's atan2(input, other), input the y)."""
        return self._binary(ATAN2, other)

    def hypot(self, other: Operand) -> Tensor:
        """sqrt(self^2 + other^2), without overflow."""
        return self._binary(HYPOT, other)

    def logaddexp(self, other: Operand) -> Tensor:
        """log(e^self + e^other), without overflow."""
        return self._binary(LOGADDEXP, other)

    def xlogy(self, other: Operand) -> Tensor:
        """self * log(other), 0 where self is 0 (an entropy's terms)."""
        return self._binary(XLOGY, other)

    def copysign(self, other: Operand) -> Tensor:
        """|self| with other's sign."""
        return self._binary(COPYSIGN, other)

    def logit(self, eps: float | None = None) -> Tensor:
        """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (PyTorch's)."""
        p = _me(self) if eps is None else _me(self).clamp(eps, 1.0 - eps)
        return p.log() - (1.0 - p).log()

    def sgn(self) -> Tensor:
        """The sign (PyTorch's sgn; for real numbers the same as sign)."""
        return _me(self).sign()

    arcsin = asin
    arccos = acos
    arctan = atan
    arcsinh = asinh
    arccosh = acosh
    arctanh = atanh
    arctan2 = atan2


def _t(x: Operand) -> Tensor:
    from .tensor import tensor

    return _me(x) if isinstance(x, Node) else tensor(x)


def tan(input: Operand) -> Tensor:
    """As torch.tan."""
    return _t(input).tan()


def asin(input: Operand) -> Tensor:
    """As torch.asin (arcsin)."""
    return _t(input).asin()


def acos(input: Operand) -> Tensor:
    """As torch.acos (arccos)."""
    return _t(input).acos()


def atan(input: Operand) -> Tensor:
    """As torch.atan (arctan)."""
    return _t(input).atan()


def sinh(input: Operand) -> Tensor:
    """As torch.sinh."""
    return _t(input).sinh()


def cosh(input: Operand) -> Tensor:
    """As torch.cosh."""
    return _t(input).cosh()


def asinh(input: Operand) -> Tensor:
    """As torch.asinh (arcsinh)."""
    return _t(input).asinh()


def acosh(input: Operand) -> Tensor:
    """As torch.acosh (arccosh)."""
    return _t(input).acosh()


def atanh(input: Operand) -> Tensor:
    """As torch.atanh (arctanh)."""
    return _t(input).atanh()


def exp2(input: Operand) -> Tensor:
    """As torch.exp2: 2 ** input."""
    return _t(input).exp2()


def sinc(input: Operand) -> Tensor:
    """As torch.sinc: sin(pi x) / (pi x)."""
    return _t(input).sinc()


def atan2(input: Operand, other: Operand) -> Tensor:
    """As torch.atan2(input, other): the angle of the point (other, input)."""
    return _t(input).atan2(other)


def hypot(input: Operand, other: Operand) -> Tensor:
    """As torch.hypot."""
    return _t(input).hypot(other)


def logaddexp(input: Operand, other: Operand) -> Tensor:
    """As torch.logaddexp."""
    return _t(input).logaddexp(other)


def xlogy(input: Operand, other: Operand) -> Tensor:
    """As torch.xlogy: input * log(other), 0 where input is 0 (input may be a number)."""
    if not isinstance(input, Node) and isinstance(other, Node):
        return _me(other)._lift(input).xlogy(other)
    return _t(input).xlogy(other)


def copysign(input: Operand, other: Operand) -> Tensor:
    """As torch.copysign."""
    return _t(input).copysign(other)


def sgn(input: Operand) -> Tensor:
    """As torch.sgn: the sign (for real numbers, torch.sign)."""
    return _t(input).sgn()


def logit(input: Operand, eps: float | None = None) -> Tensor:
    """As torch.logit."""
    return _t(input).logit(eps)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = (
    asin,
    acos,
    atan,
    asinh,
    acosh,
    atanh,
    atan2,
)

FUNCTIONS = [
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "exp2",
    "sinc",
    "atan2",
    "hypot",
    "logaddexp",
    "xlogy",
    "copysign",
    "logit",
    "sgn",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "arccosh",
    "arctanh",
    "arctan2",
]
