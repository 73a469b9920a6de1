"""Adadelta (torch.optim.Adadelta; Zeiler 2012): step sizes from two running averages,
of squared gradients and of squared updates, so the update has the parameter's units
and lr=1.0 works (PyTorch's MNIST example trains with it).

    g = grad + weight_decay * p
    s = rho * s + (1 - rho) * g^2
    d = sqrt(u + eps) / sqrt(s + eps) * g
    u = rho * u + (1 - rho) * d^2
    p -= lr * d
"""

from ...autograd.backend import Array, namespace
from .optimizer import (
    Optimizer,
    ParamGroup,
    Params,
    ParamState,
    check_range,
    in_slices,
)


class Adadelta(Optimizer):
    """Adadelta, as torch.optim.Adadelta: d = sqrt(u + eps) / sqrt(s + eps) * g from running
    means s of g^2 and u of d^2, then p -= lr * d.

    torch.optim.Adadelta's signature. Its kernel choices (foreach, capturable) change
    nothing a step computes, so any value is accepted; maximize and differentiable would,
    and only False is (as when loading torch's state_dicts)."""

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
        check_finite: bool = True,
    ) -> None:
        options = dict(
            foreach=foreach, capturable=capturable, maximize=maximize, differentiable=differentiable
        )
        super().__init__(
            params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay), check_finite, options
        )

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        check_range("Adadelta", "rho", group["rho"], high=1.0)
        check_range("Adadelta", "eps", group["eps"])
        check_range("Adadelta", "weight_decay", group["weight_decay"])

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """What `_update` reads back, so load_state_dict can refuse a state lacking it."""
        keys = {"step", "square_avg", "acc_delta"}
        return keys, keys

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = namespace(data).zeros_like(data)
            state["acc_delta"] = namespace(data).zeros_like(data)
        state["step"] += 1
        in_slices(self._moves, data, grad, state["square_avg"], state["acc_delta"], group=group)

    def _moves(
        self, data: Array, grad: Array, square_avg: Array, acc_delta: Array, *, group: ParamGroup
    ) -> None:
        """One update of data and both running averages (whole arrays or matching slices)."""
        rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
        g = grad + wd * data if wd else grad
        square_avg *= rho
        square_avg += (1.0 - rho) * (g * g)
        delta = namespace(data).sqrt(acc_delta + eps) / namespace(data).sqrt(square_avg + eps) * g
        acc_delta *= rho
        acc_delta += (1.0 - rho) * (delta * delta)
        data -= group["lr"] * delta
