"""PyTorch's way of adding an op to Tensors: a `Function` subclass with a static
`forward(ctx, ...)` and `backward(ctx, grad_output)`, used as `MyOp.apply(x, ...)`.

    class Exp(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y

"Learning PyTorch with Examples" writes its Legendre polynomial this way, and the
"Extending PyTorch" notes teach it. `apply` runs `forward` without recording (as
PyTorch does) and records one node over the Tensor arguments; the walker calls
`backward` where it would run a table op's VJP, so the op sits in one graph with the
table's. Its derivative is the learner's code, checked by nobody until they check it:
`autograd.gradcheck(MyOp.apply, [x])` does. Under create_graph=True `backward` runs with
recording on, so a backward written with Tensor ops can be differentiated again; a
static `jvp(ctx, *tangents)` gives forward mode. One output Tensor per Function (the
engine's nodes have one output).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import namespace
from .grad_mode import enable_grad, no_grad
from .op_table import Op
from .vjp_math import unbroadcast


class FunctionCtx:
    """What `forward` leaves for `backward`: `save_for_backward(*tensors)` and
    `saved_tensors`, `needs_input_grad` (one bool per argument of `apply`), and any
    attribute you set (`ctx.constant = 3`)."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep Tensors (inputs, outputs, intermediates) for backward: saved_tensors."""
        from .tensor import Tensor

        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward takes Tensors (or None), got {type(t).__name__}: "
                    "keep other values as attributes, ctx.name = value"
                )
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What forward passed to save_for_backward, in order."""
        return self._saved

    def set_materialize_grads(self, value: bool) -> None:
        """PyTorch's switch for None gradients: here an output's gradient always
        arrives as a Tensor (zeros included), as with PyTorch's default, True."""
        if not value:
            raise NotImplementedError(
                "set_materialize_grads(False): scratchgrad always passes backward a "
                "Tensor gradient (PyTorch's default, True)"
            )


class Function:
    """Subclass it with static `forward(ctx, *args)` and `backward(ctx, *grads)` (and
    optionally `jvp(ctx, *tangents)`); call `YourFunction.apply(*args)`."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """Your op's output from its arguments (run without recording); save what
        backward needs with ctx.save_for_backward."""
        raise NotImplementedError("a Function subclass defines a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """The gradient of the loss for each argument of forward, from the output's."""
        raise NotImplementedError(
            "a Function subclass defines a static backward(ctx, grad_output) that returns "
            "one gradient per argument of forward (None for those without one)"
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward and record one node whose VJP is your backward."""
        from .tensor import Tensor

        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {len(out)} outputs: a scratchgrad Function "
                "has one output Tensor (the engine's nodes have one); write one Function "
                "per output, or return them stacked in one Tensor"
            )
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__} "
                "(wrap an array as scratchgrad.tensor(array))"
            )
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        if not tensors:
            return out
        # one node over the Tensor arguments; its op knows where each sat among args
        places = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        saved = _Saved(ctx, places, len(args), out._data)
        return Tensor._apply(_op_of(cls), tensors, saved=saved)


class _Saved:
    """A Function node's `_saved`: the ctx, and where the Tensor inputs sat in `apply`'s
    arguments (backward returns one gradient per argument)."""

    __slots__ = ("ctx", "places", "count", "result")

    def __init__(self, ctx: FunctionCtx, places: tuple[int, ...], count: int, result: Any):
        self.ctx, self.places, self.count = ctx, places, count
        self.result = result  # forward's output, until the node takes it

    def take_result(self) -> Any:
        """forward's output, handed over once (the node keeps no second reference)."""
        result, self.result = self.result, None
        return result


def _forward(*arrays: Any, saved: _Saved) -> Any:
    """`apply` computed the output already: this hands it, and the ctx, to the node."""
    return saved.take_result(), saved


_OPS: dict[type, Op] = {}


def _op_of(cls: type) -> Op:
    """The Op of every node `cls.apply` makes (one per Function class, made on first
    use): drawings and messages name the learner's Function."""
    op = _OPS.get(cls)
    if op is None:
        op = _OPS[cls] = Op(
            f"{cls.__name__} (autograd.Function)",
            _forward,
            vjp=lambda node, g, xs, out: _vjp(cls, node, g, xs),
            jvp=lambda node, ts, xs, out: _jvp(cls, node, ts, xs),
            saves=True,
            arity=None,
            symbol=cls.__name__,
            doc=f"{cls.__name__}: your own op, an autograd.Function",
        )
    return op


def _vjp(cls: Any, node: Any, g: Any, xs: Any) -> tuple[Any, ...]:
    from .node import Node
    from .tensor import _constant

    saved: _Saved = node._saved
    graph = isinstance(g, Node)  # create_graph: record the backward's own ops
    with enable_grad() if graph else no_grad():
        grads = cls.backward(saved.ctx, g if graph else _constant(g))
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != saved.count:
        raise RuntimeError(
            f"{cls.__name__}.backward returned {len(grads)} gradient(s), but forward took "
            f"{saved.count} argument(s): return one per argument (None where there is none)"
        )
    for i, grad in enumerate(grads):
        if grad is not None and i not in saved.places:
            raise RuntimeError(
                f"{cls.__name__}.backward returned a gradient for argument {i}, which was "
                "not a Tensor: return None there"
            )
    return tuple(_checked(cls, grads[i], x, i, graph) for i, x in zip(saved.places, xs))


def _checked(cls: type, grad: Any, x: Any, place: int, graph: bool) -> Any:
    """A gradient from the learner's backward as the walker wants it: an array (a node
    under create_graph) of the input's shape."""
    from .tensor import Tensor

    if grad is None:
        return None
    if not graph and isinstance(grad, Tensor):
        grad = grad._data
    shape, want = tuple(getattr(grad, "shape", ())), tuple(getattr(x, "shape", ()))
    if shape != want:  # PyTorch sums a gradient the input broadcasts to back to its shape
        try:
            expandable = np.broadcast_shapes(want, shape) == shape
        except ValueError:
            expandable = False
        if not expandable:
            raise RuntimeError(
                f"{cls.__name__}.backward returned a gradient of shape {shape} for "
                f"argument {place}, whose shape is {want}: they must match (or the "
                "input's shape must broadcast to the gradient's, which is then summed)"
            )
        grad = unbroadcast(grad, want)
    if graph:
        return grad if isinstance(grad, Tensor) else x._lift(grad)
    data = getattr(x, "_data", x)
    return namespace(data).asarray(grad, dtype=data.dtype)


def _jvp(cls: Any, node: Any, ts: Any, xs: Any) -> Any:
    from .node import Node
    from .tensor import _constant

    saved: _Saved = node._saved
    if getattr(cls, "jvp", None) is None:
        raise NotImplementedError(
            f"{cls.__name__} has no forward-mode rule: give it a static "
            "jvp(ctx, *tangents) returning the output's tangent to use jvp, jacobian "
            "(mode='forward'), hessian or hvp through it"
        )
    if any(isinstance(t, Node) for t in ts):
        raise NotImplementedError(
            f"{cls.__name__}: forward mode over a recorded graph goes through Python "
            "code the engine cannot record"
        )
    tangents: list[Any] = [None] * saved.count
    for place, t, x in zip(saved.places, ts, xs):
        data = getattr(x, "_data", x)
        tangents[place] = _constant(namespace(data).zeros_like(data) if t is None else t)
    with no_grad():
        out = cls.jvp(saved.ctx, *tangents)
    return getattr(out, "_data", out)


__all__ = ["Function", "FunctionCtx"]
