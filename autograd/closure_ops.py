"""micrograd's way of adding an op, kept working: `out = Value(data, (x, y), 'op')`,
then `out._backward = closure`, a function that adds into its inputs' `.grad` from
`out.grad`.

Karpathy's lecture builds `exp` and `tanh` this way, and learners write their own ops
(sigmoid, softplus, ...) the same. Such a node records its inputs and the closure, and
the walker calls the closure where it would run a table op's VJP: a learner's op sits
in one graph with the table's ops. Its derivative is the learner's own code, so it is
not in the op table (whose tests check every entry against central differences; check
yours with `autograd.gradcheck`), and it cannot be differentiated twice or in forward
mode: both say so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .grad_mode import STATE
from .op_table import Op


class ClosureSaved:
    """What a closure node keeps: micrograd's op string and the learner's closure."""

    __slots__ = ("op", "backward")

    def __init__(self, op: str) -> None:
        self.op = op
        self.backward: Callable[[], Any] | None = None


def _backprop(node: Any, g: Any) -> None:
    """The walker's fast path: the closure adds into the inputs' .grad itself. Inputs
    that need no gradient (constants) keep theirs, as the table's ops leave them."""
    closure = node._saved.backward
    if closure is None:
        return
    constants = [(x, x.grad) for x in node._parents if not x.requires_grad]
    closure()
    for x, grad in constants:
        x.grad = grad


def _gradients(node: Any, g: Any) -> list[Any]:
    """The closure's contributions as one gradient per input (the walker's path with
    hooks and anomaly checks wants them so): run it on zeroed input grads, read what it
    added, put the grads back. An input used twice gets its whole gradient once."""
    parents = list(dict.fromkeys(node._parents))
    before = [p.grad for p in parents]
    for p in parents:
        p.grad = 0.0
    try:
        _backprop(node, g)
        added = {id(p): p.grad for p in parents}
    finally:
        for p, grad in zip(parents, before):
            p.grad = grad
    grads, seen = [], set()
    for p in node._parents:
        grads.append(None if id(p) in seen else added[id(p)])
        seen.add(id(p))
    return grads


def _no_graph(node: Any, g: Any, xs: Any, out: Any) -> Any:
    raise RuntimeError(
        f"the op {node._saved.op!r} was made micrograd's way (Value(data, inputs, op) and a "
        "_backward closure), so its derivative is Python code the engine cannot record: "
        "create_graph=True (a gradient of a gradient) needs it written with Value's "
        "operators (+, *, **, exp, tanh, ...) or as a table op (autograd.register)"
    )


def _no_tangent(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    raise NotImplementedError(
        f"the op {node._saved.op!r} was made micrograd's way, with a _backward closure "
        "only: forward mode (jvp, hessian, hvp) needs its derivative as a table op "
        "(autograd.register with partials=) or written with Value's operators"
    )


def _forward_unused(*inputs: Any, **params: Any) -> Any:
    raise TypeError("a closure op is made by Value(data, inputs, op), not called")


_OPS: dict[str, Op] = {}


def closure_op(name: str) -> Op:
    """The Op of every closure node named `name` (one per name, made on first use), so
    drawings and anomaly messages name the learner's op, not a generic one."""
    op = _OPS.get(name)
    if op is None:
        op = _OPS[name] = Op(
            f"{name or 'op'} (own _backward)",
            _forward_unused,
            vjp=_no_graph,
            jvp=_no_tangent,
            scalar_vjp=_gradients,
            scalar_backprop=_backprop,
            values=True,
            tensors=False,
            arity=None,
            symbol=name or "op",
            micrograd=lambda node: node._saved.op,
            doc=f"{name or 'op'}: your own op, Value(data, inputs, op) with a _backward closure",
        )
    return op


def record_inputs(out: Any, inputs: tuple[Any, ...], op: str) -> None:
    """Make `out` a closure node over `inputs`, as the table's ops record theirs: it
    requires grad when grad mode is on and an input does (else it is a leaf that needs
    no gradient, which still takes its closure); anomaly mode checks it the same way."""
    out._saved = ClosureSaved(op)
    out.requires_grad = STATE.enabled and any(x.requires_grad for x in inputs)
    if out.requires_grad:
        out._fn, out._parents = closure_op(op), inputs
        if STATE.anomaly:
            from .anomaly import check_forward

            check_forward(out)


def backward_of(node: Any) -> Callable[[], Any]:
    """`node._backward` as micrograd has it: a call that adds node.grad's share into
    its inputs' .grad (the lecture calls them by hand, node by node)."""
    if isinstance(node._saved, ClosureSaved):
        return node._saved.backward or _nothing
    op = node._fn
    if op is None:
        return _nothing
    return lambda: op.scalar_backprop(node, node.grad)


def set_backward(node: Any, closure: Callable[[], Any]) -> None:
    """`node._backward = closure`: kept on a closure node; any other node's derivative
    is the op table's, and replacing it silently would give wrong gradients."""
    if not callable(closure):
        raise TypeError(f"_backward must be a function of no arguments, got {closure!r}")
    if isinstance(node._saved, ClosureSaved):
        node._saved.backward = closure
        return
    made_by = "was made without inputs" if node._fn is None else f"was made by {node._op!r}"
    raise AttributeError(
        f"this Value {made_by}, so it takes no _backward closure: make your op's output "
        "as Value(data, (inputs...), 'name'), then set its _backward"
    )


def _nothing() -> None:
    return None
