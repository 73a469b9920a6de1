"""Tensor gradient hooks (PyTorch's `Tensor.register_hook`): see, or replace, the
gradient a backward computes for one tensor.

    h = x.register_hook(lambda grad: print(grad.norm()))    # look at it
    y.register_hook(lambda grad: grad.clamp(-1, 1))          # or return a new one
    h.remove()

The engine calls a tensor's hooks once per backward with its whole gradient: for an
intermediate before its op passes the gradient on (what it returns is what flows down,
and what retain_grad() keeps), for a leaf before it is added to `.grad`. A hook sees a
Tensor (without a graph; under create_graph=True the recorded gradient itself) and may
return None or a Tensor or array of the same shape. Why here and not in the engine: the
walker only asks `tensor._hooks`; what a hook may return is this module's business.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .node import Node

_ids = itertools.count()


class RemovableHandle:
    """What `register_hook` returns: `remove()` takes the hook off again."""

    def __init__(self, tensor: Any, key: int) -> None:
        self._tensor, self.id = tensor, key

    def remove(self) -> None:
        """Take the hook off (nothing happens if it is gone already)."""
        hooks = self._tensor._hooks
        if hooks and self.id in hooks:
            rest = dict(hooks)
            del rest[self.id]
            self._tensor._hooks = rest or None

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register(tensor: Any, hook: Callable[[Any], Any]) -> RemovableHandle:
    """Add `hook` to the tensor's hooks (a new dict: a backward running them keeps its own)."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "cannot register a hook on a tensor that doesn't require gradient (as "
            "PyTorch): make it a leaf with requires_grad=True, or a result of one"
        )
    if not callable(hook):
        raise TypeError(f"register_hook takes a function of the gradient, got {hook!r}")
    key = next(_ids)
    tensor._hooks = {**(tensor._hooks or {}), key: hook}
    return RemovableHandle(tensor, key)


def run(tensor: Any, grad: Any) -> Any:
    """`grad` through each of the tensor's hooks in turn (each may replace it)."""
    from .tensor import Tensor, _constant

    for hook in list(tensor._hooks.values()):
        recorded = isinstance(grad, Node)
        shown = grad if recorded else _constant(grad)
        result = hook(shown)
        if result is None:
            continue
        if recorded:
            new = result if isinstance(result, Node) else grad._lift(result)
        else:
            new = result._data if isinstance(result, Tensor) else result
        if tuple(getattr(new, "shape", ())) != tuple(grad.shape):
            name = getattr(hook, "__name__", repr(hook))
            raise RuntimeError(
                f"hook {name!r} has changed the size of the gradient: it returned shape "
                f"{tuple(getattr(new, 'shape', ()))} for a tensor of shape "
                f"{tuple(grad.shape)} (as PyTorch, a hook may return a new gradient of "
                "the same shape, or None)"
            )
        grad = new
    return grad
