"""Stochastic gradient descent, PyTorch's form, and the book's Momentum and Nesterov.

SGD (torch.optim.SGD), with g = grad + weight_decay * p:
    momentum = 0:  p -= lr * g
    otherwise:     b = g on the first step, then b = momentum * b + (1 - dampening) * g
                   p -= lr * (g + momentum * b)  if nesterov else  p -= lr * b
"""

from typing import Any

from ...autograd.backend import Array, namespace
from .optimizer import Optimizer, ParamGroup, Params, ParamState, check_range, in_slices


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD: p -= lr * g with
    g = grad + weight_decay * p, or with momentum a buffer b = momentum * b +
    (1 - dampening) * g stepped along (p -= lr * b; nesterov: p -= lr * (g + momentum * b))."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        check_finite: bool = True,
        **torch_options: Any,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
            ),
            check_finite,
            torch_options,
        )

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        check_range("SGD", "momentum", group["momentum"])
        check_range("SGD", "dampening", group["dampening"], high=1.0)
        check_range("SGD", "weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """The buffer is created on demand, so a state may lack it, but nothing else."""
        return set(), {"momentum_buffer"}

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        first = bool(group["momentum"]) and state.get("momentum_buffer") is None
        if first:  # filled with g by the first step
            state["momentum_buffer"] = namespace(data).empty_like(data)
        buf = state.get("momentum_buffer") if group["momentum"] else None
        in_slices(self._moves, data, grad, buf, first=first, group=group)

    def _moves(
        self, data: Array, grad: Array, buf: Array | None, *, first: bool, group: ParamGroup
    ) -> None:
        """One update of data and the momentum buffer (whole arrays or matching slices)."""
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        g = grad + wd * data if wd else grad
        if buf is not None:
            if first:
                buf[...] = g
            else:
                buf *= momentum
                buf += (1.0 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        data -= lr * g


class Momentum(Optimizer):
    """The book's Momentum ("Deep Learning from Scratch"): a velocity v, starting at 0,
        v = momentum * v - lr * grad;   p += v
    (SGD(momentum=m) takes the same path at a constant lr; its buffer holds v / -lr, so
    the two part ways once the lr changes.)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 0.01,
        momentum: float = 0.9,
        *,
        check_finite: bool = True,
        **torch_options: Any,
    ) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum), check_finite, torch_options)

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        check_range(type(self).__name__, "momentum", group["momentum"])

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """The velocity is created on demand, so a state may lack it, but nothing else."""
        return set(), {"velocity"}

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        if state.get("velocity") is None:
            state["velocity"] = namespace(data).zeros_like(data)
        in_slices(self._moves, data, grad, state["velocity"], m=group["momentum"], lr=group["lr"])

    def _moves(self, data: Array, grad: Array, v: Array, *, m: float, lr: float) -> None:
        """One update of data and the velocity v (whole arrays or matching slices)."""
        v *= m
        v -= lr * grad
        data += v


class Nesterov(Momentum):
    """The book's Nesterov accelerated gradient, as its code updates (so a learner's numbers
    match the book's): the velocity as in Momentum, then a step that looks ahead along it,
        v = momentum * v - lr * grad;   p += momentum**2 * v - (1 + momentum) * lr * grad
    The book applies momentum**2 to the velocity already updated; PyTorch's (Sutskever's)
    form, SGD(momentum=m, nesterov=True), takes p += m * v - lr * grad instead, a slightly
    different path.
    """

    def _moves(self, data: Array, grad: Array, v: Array, *, m: float, lr: float) -> None:
        """One update of data and the velocity v (whole arrays or matching slices)."""
        v *= m
        v -= lr * grad
        data += m * m * v
        data -= (1 + m) * lr * grad
