"""Adagrad (torch.optim.Adagrad): per-coordinate step sizes that shrink with the sum of
squared gradients, so rarely-updated coordinates keep large steps.

    g = grad + weight_decay * p;   h += g^2;   clr = lr / (1 + (t - 1) * lr_decay)
    p -= clr * g / (sqrt(h) + eps)
"""

from typing import Any

from ...autograd.backend import Array, namespace
from .optimizer import Optimizer, ParamGroup, Params, ParamState, check_range, in_slices


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad: h += g^2 per coordinate, then
    p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(h) + eps), with g = grad + weight_decay * p."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        check_finite: bool = True,
        **torch_options: Any,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
            ),
            check_finite,
            torch_options,
        )

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_range("Adagrad", name, group[name])

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """What `_update` reads back, so load_state_dict can refuse a state lacking it."""
        return {"step", "sum"}, {"step", "sum"}

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = namespace(data).full_like(data, group["initial_accumulator_value"])
        state["step"] += 1
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        in_slices(self._moves, data, grad, state["sum"], clr=clr, group=group)

    def _moves(self, data: Array, grad: Array, h: Array, *, clr: float, group: ParamGroup) -> None:
        """One update of data and the sum of squares h (whole arrays or matching slices)."""
        wd = group["weight_decay"]
        g = grad + wd * data if wd else grad
        h += g * g
        data -= clr * (g / (namespace(data).sqrt(h) + group["eps"]))
