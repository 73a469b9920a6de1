"""Python operators and elementwise methods, written once for `Value` and `Tensor`.

Each method names an op from the table; the node type's `_lift` turns numbers into
constant leaves and its `_apply` runs the forward and records the node. `Value`
generates faster versions of the same methods from the same two tables.
"""
from .node import Node
from .ops_elementwise import (ABS, ADD, COS, DIV, EXP, LOG, MUL, NEG, RELU, SIGMOID, SIN,
                              SQRT, SUB, TANH)

BINARY_METHODS = {"add": ADD, "sub": SUB, "mul": MUL, "truediv": DIV}
UNARY_METHODS = {"__neg__": NEG, "exp": EXP, "log": LOG, "sqrt": SQRT, "tanh": TANH,
                 "sigmoid": SIGMOID, "relu": RELU, "abs": ABS, "sin": SIN, "cos": COS}


def _binary(op, reflected):
    if reflected:
        def method(self, other):
            return self._apply(op, (self._lift(other), self))
    else:
        def method(self, other):
            return self._apply(op, (self, self._lift(other)))
    return method


def _unary(op):
    def method(self):
        return self._apply(op, (self,))
    return method


def install_operators(cls, binary=_binary, unary=_unary):
    """Give `cls` every method of the two tables, made by the given factories."""
    for name, op in BINARY_METHODS.items():
        setattr(cls, f"__{name}__", binary(op, reflected=False))
        setattr(cls, f"__r{name}__", binary(op, reflected=True))
    for name, op in UNARY_METHODS.items():
        setattr(cls, name, unary(op))
    cls.__abs__ = cls.abs


class Operators(Node):
    __slots__ = ()

    def __pos__(self):
        return self


install_operators(Operators)
