"""Python operators and elementwise methods, written once for `Value` and `Tensor`.

Each method applies an op from the table: the node type's `_lift` turns numbers into
constant leaves and its `_apply` runs the op's forward and records the node. `Value`
overrides the arithmetic operators with float fast paths (value.py) over the same ops.
"""

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


class Operators(Node):
    __slots__ = ()

    def __add__(self, other):
        return self._apply(ADD, (self, self._lift(other)))

    def __radd__(self, other):
        return self._apply(ADD, (self._lift(other), self))

    def __sub__(self, other):
        return self._apply(SUB, (self, self._lift(other)))

    def __rsub__(self, other):
        return self._apply(SUB, (self._lift(other), self))

    def __mul__(self, other):
        return self._apply(MUL, (self, self._lift(other)))

    def __rmul__(self, other):
        return self._apply(MUL, (self._lift(other), self))

    def __truediv__(self, other):
        return self._apply(DIV, (self, self._lift(other)))

    def __rtruediv__(self, other):
        return self._apply(DIV, (self._lift(other), self))

    def __neg__(self):
        return self._apply(NEG, (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return self._apply(ABS, (self,))

    def exp(self):
        """e^x, elementwise."""
        return self._apply(EXP, (self,))

    def log(self):
        """Natural logarithm, elementwise."""
        return self._apply(LOG, (self,))

    def sqrt(self):
        """Square root, elementwise."""
        return self._apply(SQRT, (self,))

    def tanh(self):
        """Hyperbolic tangent, elementwise."""
        return self._apply(TANH, (self,))

    def sigmoid(self):
        """1 / (1 + e^-x), elementwise."""
        return self._apply(SIGMOID, (self,))

    def relu(self):
        """max(x, 0), elementwise."""
        return self._apply(RELU, (self,))

    def abs(self):
        """|x|, elementwise."""
        return self._apply(ABS, (self,))

    def sin(self):
        """Sine, elementwise."""
        return self._apply(SIN, (self,))

    def cos(self):
        """Cosine, elementwise."""
        return self._apply(COS, (self,))

    def softsign(self):
        """x / (1 + |x|), elementwise."""
        return self._apply(SOFTSIGN, (self,))
