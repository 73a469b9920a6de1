"""Python operators and elementwise methods, written once for `Value` and `Tensor`.

Each method applies an op from the table: the node type's `_lift` turns numbers into
constant leaves and its `_apply` runs the op's forward and records the node. `Value`
overrides the arithmetic operators with float fast paths (value.py) over the same ops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from .node import Node
from .ops_elementwise import (
    ABS,
    ADD,
    COS,
    DIV,
    EXP,
    LOG,
    MUL,
    NEG,
    RELU,
    SIGMOID,
    SIN,
    SOFTSIGN,
    SQRT,
    SUB,
    TANH,
)

if TYPE_CHECKING:
    from .op_table import Op

#: The node type an operator is applied to: `Value` ops give Values, `Tensor` ops Tensors.
_N = TypeVar("_N", bound="Operators")


class Operators(Node):
    """The arithmetic operators and elementwise math that `Value` and `Tensor` share;
    `other` may be a node of the same type or anything its `_lift` accepts (numbers,
    and arrays for a Tensor)."""

    __slots__ = ()

    if TYPE_CHECKING:  # provided by each node type (value.py, tensor.py)

        def _apply(self: _N, op: Op, inputs: Any, **params: Any) -> _N: ...

        def _lift(self: _N, x: Any) -> _N: ...

    def __add__(self: _N, other: Any) -> _N:
        return self._apply(ADD, (self, self._lift(other)))

    def __radd__(self: _N, other: Any) -> _N:
        return self._apply(ADD, (self._lift(other), self))

    def __sub__(self: _N, other: Any) -> _N:
        return self._apply(SUB, (self, self._lift(other)))

    def __rsub__(self: _N, other: Any) -> _N:
        return self._apply(SUB, (self._lift(other), self))

    def __mul__(self: _N, other: Any) -> _N:
        return self._apply(MUL, (self, self._lift(other)))

    def __rmul__(self: _N, other: Any) -> _N:
        return self._apply(MUL, (self._lift(other), self))

    def __truediv__(self: _N, other: Any) -> _N:
        return self._apply(DIV, (self, self._lift(other)))

    def __rtruediv__(self: _N, other: Any) -> _N:
        return self._apply(DIV, (self._lift(other), self))

    def __neg__(self: _N) -> _N:
        return self._apply(NEG, (self,))

    def __pos__(self: _N) -> _N:
        return self

    def __abs__(self: _N) -> _N:
        return self._apply(ABS, (self,))

    def exp(self: _N) -> _N:
        """e^x, elementwise."""
        return self._apply(EXP, (self,))

    def log(self: _N) -> _N:
        """Natural logarithm, elementwise."""
        return self._apply(LOG, (self,))

    def sqrt(self: _N) -> _N:
        """Square root, elementwise."""
        return self._apply(SQRT, (self,))

    def tanh(self: _N) -> _N:
        """Hyperbolic tangent, elementwise."""
        return self._apply(TANH, (self,))

    def sigmoid(self: _N) -> _N:
        """1 / (1 + e^-x), elementwise."""
        return self._apply(SIGMOID, (self,))

    def relu(self: _N) -> _N:
        """max(x, 0), elementwise."""
        return self._apply(RELU, (self,))

    def abs(self: _N) -> _N:
        """|x|, elementwise."""
        return self._apply(ABS, (self,))

    def sin(self: _N) -> _N:
        """Sine, elementwise."""
        return self._apply(SIN, (self,))

    def cos(self: _N) -> _N:
        """Cosine, elementwise."""
        return self._apply(COS, (self,))

    def softsign(self: _N) -> _N:
        """x / (1 + |x|), elementwise."""
        return self._apply(SOFTSIGN, (self,))
