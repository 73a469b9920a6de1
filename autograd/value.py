"""`Value`: a scalar node on Python floats, micrograd's API on the shared engine.

Slotted and cycle-free: a node holds its parents and its op, never a closure over
itself, so a dropped graph is freed at once by reference counting (micrograd's
self-referencing `_backward` closures send 90% of its time to the garbage collector).
The one exception is yours: an op you write micrograd's way (`closure_ops.py`) keeps
your closure, which refers to its node, so such a node waits for the collector.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, SupportsFloat

import numpy as np

from . import closure_ops
from .grad_mode import STATE
from .operators import Operators
from .ops_elementwise import ADD, DIV, MUL, POW, POW_CONST, RELU, SUB, TANH
from .ops_reduce import DOT, SUM_N, dot_of_values

if TYPE_CHECKING:
    from .node import Node
    from .op_table import Op


def _to_float(data: Any, what: str = "Value") -> float:
    if type(data) is float:
        return data
    if isinstance(data, (bool, np.bool_)):
        return float(data)
    if isinstance(data, (numbers.Real, np.floating, np.integer)):
        return float(data)  # np.float64 too: numpy scalars are slow in a scalar graph
    if isinstance(data, np.ndarray) and data.ndim == 0 and data.dtype.kind in "fiub":
        return float(data)
    raise TypeError(
        f"{what} needs a real number (int, float or numpy scalar), got "
        f"{type(data).__name__}: {data!r}"
        + (
            "; use autograd.Tensor for arrays"
            if hasattr(data, "shape") or isinstance(data, (list, tuple))
            else ""
        )
    )


def _record(
    data: float, op: Op, parents: tuple[Value, ...], saved: dict[str, Any] | None = None
) -> Value:
    """The one place a `Value` is made by an op: the hot path of the scalar engine."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if STATE.enabled:
        for parent in parents:
            if parent.requires_grad:
                out.requires_grad = True
                out._fn = op
                out._parents = parents
                out._saved = saved
                if STATE.anomaly:
                    from .anomaly import check_forward

                    check_forward(out)
                return out
    out.requires_grad = False
    out._fn = None
    out._parents = ()
    out._saved = None
    return out


def _constant(x: Any) -> Value:
    """A number as a leaf that needs no gradient."""
    out = _new(Value)
    out.data = x if type(x) is float else _to_float(x, "an operand of a Value op")
    out.grad = 0.0
    out.label = ""
    out.requires_grad = False
    out._fn = None
    out._parents = ()
    out._saved = None
    return out


class Value(Operators):
    """A scalar that remembers how it was computed.

    >>> a = Value(-4.0); b = Value(2.0)
    >>> c = (a * b + b ** 3).tanh(); c.backward(); a.grad   # dc/da
    """

    __slots__ = (
        "data",
        "grad",
        "label",
        "requires_grad",
        "_fn",
        "_parents",
        "_saved",
        "__weakref__",
    )
    _grad_init = 0.0  # what .grad is reset to
    _keeps_grad = True  # intermediates keep their grad after backward (for drawing)
    _frees_graph = False  # Value graphs are small and stay drawable after backward
    _retains = False
    _versions = None  # Values are not version-checked (see Tensor.data)
    _is_scalar = True  # the walker runs the table's float VJPs (`scalar_vjp`)
    __array_ufunc__ = None  # `ndarray * Value` asks Value (an error), never an object array

    def __init__(
        self,
        data: SupportsFloat,
        _children: Iterable[Any] = (),
        _op: str = "",
        label: str = "",
        requires_grad: bool = True,
    ) -> None:
        """micrograd's (and its lecture's) argument order: `Value(data, _children, _op,
        label)`. `_children` and `_op` are only for ops of your own (`closure_ops`):
        the engine's ops record their inputs themselves."""
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._fn = None
        self._parents = ()
        self._saved = None
        if isinstance(_children, str):
            raise TypeError(
                f"Value(data, _children, _op, label): the second argument is an op's "
                f"inputs (micrograd's order), got the string {_children!r}; give a "
                f"label by name: Value({self.data!r}, label={_children!r})"
            )
        if _children:  # micrograd's way of adding an op: its _backward closure follows
            inputs = tuple(_children)
            for x in inputs:
                if not isinstance(x, Value):
                    raise TypeError(
                        f"Value(data, _children, _op): the inputs must be Values, got "
                        f"{type(x).__name__} {x!r}"
                    )
            closure_ops.record_inputs(self, inputs, str(_op))

    @property
    def _data(self) -> float:
        """The float (the engine reads nodes' raw data as `_data`; Tensors keep arrays)."""
        return self.data

    # --- micrograd's names, so its `trace`/`draw_dot` code runs unchanged -------------------

    @property
    def _prev(self) -> set[Node]:
        """The set of this node's inputs (micrograd's `_prev`); `parents` keeps order."""
        return set(self._parents)

    @property
    def _op(self) -> str:
        """micrograd's op string: '+', '*', '**2', 'ReLU', 'tanh', 'exp'; '' for a leaf."""
        fn = self._fn
        if isinstance(self._saved, closure_ops.ClosureSaved):
            return self._saved.op
        if fn is None:
            return ""
        name = fn.micrograd
        return name(self) if callable(name) else name

    @property
    def _backward(self) -> Callable[[], Any]:
        """micrograd's per-node step: adds this node's .grad share into its inputs'
        .grad (the lecture calls it by hand, node by node; `backward()` walks them all)."""
        return closure_ops.backward_of(self)

    @_backward.setter
    def _backward(self, closure: Callable[[], Any]) -> None:
        """A learner's own op: `out = Value(data, (x,), 'op'); out._backward = fn`."""
        closure_ops.set_backward(self, closure)

    # --- the engine hooks -------------------------------------------------------------

    @staticmethod
    def _lift(x: Any) -> Value:
        """Numbers become constant leaves (no gradient); Values pass through."""
        if isinstance(x, Value):
            return x
        if hasattr(x, "shape") and not isinstance(x, (np.generic, np.ndarray)):
            raise TypeError(
                f"cannot combine a Value with a {type(x).__name__}: use "
                "Tensor for arrays, or .item() to get a number"
            )
        return _constant(x)

    @staticmethod
    def _apply(op: Op, inputs: Iterable[Value], **params: Any) -> Value:
        if not op.values:
            raise TypeError(f"op {op.name!r} works on Tensors, not on scalar Values")
        return _record(
            op.forward(*[x.data for x in inputs], **params), op, tuple(inputs), params or None
        )

    def _graph_seed(self, seed: Any) -> Value:
        """A create_graph backward from a scalar starts at 1: use the one constant that
        multiplication skips, so the gradient graph has no "1 *" nodes in it."""
        if isinstance(seed, Value) or seed != 1.0:
            return Value._lift(seed)
        return _ONE

    def _own_grad(self, grad: Any, upstream: Any) -> Any:
        return grad

    def _ones_seed(self) -> float:
        return 1.0

    def _check_seed(self, gradient: Any) -> float | Value:
        if isinstance(gradient, Value):
            return gradient
        return _to_float(gradient, "backward(gradient=...)")

    # --- the hot operators, straight from the table (no generic dispatch) --------------
    # A micrograd training step is mostly these; each is one float forward and one
    # `_record`. `0 + v` is `v` itself (Python's `sum(values)` starts from 0), and the
    # create_graph seed `_ONE` times v is v (no "1 *" nodes in a gradient graph).

    def __add__(self, other: Any) -> Value:
        if other.__class__ is not Value:
            other = Value._lift(other)
        return _record(self.data + other.data, ADD, (self, other))

    def __radd__(self, other: Any) -> Value:
        if other.__class__ is int and other == 0:
            return self
        other = Value._lift(other)
        return _record(other.data + self.data, ADD, (other, self))

    def __sub__(self, other: Any) -> Value:
        if other.__class__ is not Value:
            other = Value._lift(other)
        return _record(self.data - other.data, SUB, (self, other))

    def __rsub__(self, other: Any) -> Value:
        other = Value._lift(other)
        return _record(other.data - self.data, SUB, (other, self))

    def __mul__(self, other: Any) -> Value:
        if other.__class__ is not Value:
            other = Value._lift(other)
        elif other is _ONE:
            return self
        if self is _ONE:
            return other
        return _record(self.data * other.data, MUL, (self, other))

    def __rmul__(self, other: Any) -> Value:
        other = Value._lift(other)
        return _record(other.data * self.data, MUL, (other, self))

    def __truediv__(self, other: Any) -> Value:
        if other.__class__ is not Value:
            other = Value._lift(other)
        return _record(_divide(self.data, other.data), DIV, (self, other))

    def __rtruediv__(self, other: Any) -> Value:
        other = Value._lift(other)
        return _record(_divide(other.data, self.data), DIV, (other, self))

    def relu(self) -> Value:
        """max(x, 0) (micrograd's ReLU)."""
        return _record(0.0 if self.data <= 0.0 else self.data, RELU, (self,))

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _record(_tanh(self.data), TANH, (self,))

    def __pow__(self, exponent: Any) -> Value:
        if isinstance(exponent, Value):
            return _record(_power(self.data, exponent.data), POW, (self, exponent))
        c = _to_float(exponent, "an exponent")
        return _record(_power(self.data, c), POW_CONST, (self,), {"exponent": c})

    def __rpow__(self, base: Any) -> Value:
        base = Value._lift(base)
        return _record(_power(base.data, self.data), POW, (base, self))

    # --- Python protocol ----------------------------------------------------------------

    def item(self) -> float:
        """The number as a Python float (as torch's `item()`)."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_fmt(self.data)}, grad={_fmt(self.grad, zero='0')}{label})"

    __hash__ = object.__hash__  # nodes are identities; comparisons compare data

    def _compare(self, other: Any, fn: Callable[[Any, Any], Any]) -> bool:
        return fn(self.data, other.data if isinstance(other, Value) else other)

    def __lt__(self, other: Any) -> bool:
        return self._compare(other, operator.lt)

    def __le__(self, other: Any) -> bool:
        return self._compare(other, operator.le)

    def __gt__(self, other: Any) -> bool:
        return self._compare(other, operator.gt)

    def __ge__(self, other: Any) -> bool:
        return self._compare(other, operator.ge)


_new = object.__new__


_divide = DIV.forward
_tanh = TANH.forward
_power = POW.forward
_ONE = _constant(1.0)  # the seed of a create_graph backward (see _graph_seed)


def _fmt(number: Any, zero: str | None = None) -> str:
    """micrograd's look: a float at full precision (numpy's floats too, which an update
    like `p.data += -lr * p.grad` can leave), and an untouched grad as its int 0."""
    if zero is not None and isinstance(number, (float, np.floating)) and number == 0.0:
        return zero
    if isinstance(number, (float, np.floating)):
        return repr(float(number))
    return repr(number)


def value_sum(values: Iterable[Any], start: Any = None) -> Value:
    """Σ values as one n-ary node (not a chain of binary adds): half the nodes, shallow."""
    items = [v if isinstance(v, Value) else Value._lift(v) for v in values]
    if start is not None:
        items.append(Value._lift(start))
    if not items:
        return Value(0.0)
    if len(items) == 1:
        return items[0]
    return _record(SUM_N.forward(*[x.data for x in items]), SUM_N, tuple(items))


def dot(weights: Iterable[Value], inputs: Iterable[Any], bias: Any = None) -> Value:
    """w·x + b as one node: `neuron = dot(w, x, b).relu()`. Exact local derivatives,
    and still one input edge per weight, so drawings show every weight and its grad."""
    weights = tuple(weights)
    inputs = tuple([x if x.__class__ is Value else Value._lift(x) for x in inputs])
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot(): {len(weights)} weights but {len(inputs)} inputs; they must pair up one to one"
        )
    parents = weights + inputs
    if bias is not None:
        parents += (bias if bias.__class__ is Value else Value._lift(bias),)
    return _record(dot_of_values(parents), DOT, parents)


def dot_values(weights: tuple[Value, ...], inputs: tuple[Value, ...], bias: Value) -> Value:
    """`dot` for tuples that already hold Values and match in length (nn.scalar's hot
    path: a Layer lifts its inputs once for all its neurons)."""
    parents = weights + inputs + (bias,)
    return _record(dot_of_values(parents), DOT, parents)
