"""RMSprop (torch.optim.RMSprop): divide by a running root-mean-square of gradients.

g = grad + weight_decay * p;   s = alpha * s + (1 - alpha) * g^2
centered:  a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps
otherwise: d = sqrt(s) + eps
momentum > 0:  b = momentum * b + g / d;  p -= lr * b      else:  p -= lr * g / d
"""

from typing import Any

from ...autograd.backend import Array, namespace
from .optimizer import Optimizer, ParamGroup, Params, ParamState, check_range, in_slices, lerp_


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop: a running mean s = alpha * s + (1 - alpha) * g^2
    scales the step, p -= lr * g / (sqrt(s) + eps) (centered: subtract the mean of g
    squared inside the root; momentum: step along a buffer of g / denominator)."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        check_finite: bool = True,
        **torch_options: Any,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
            ),
            check_finite,
            torch_options,
        )

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        check_range("RMSprop", "alpha", group["alpha"], high=1.0)
        for name in ("eps", "weight_decay", "momentum"):
            check_range("RMSprop", name, group[name])

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """What `_update` reads back, so load_state_dict can refuse a state lacking it."""
        required = {"step", "square_avg"}
        if group["momentum"] > 0:
            required.add("momentum_buffer")
        if group["centered"]:
            required.add("grad_avg")
        return required, {"step", "square_avg", "momentum_buffer", "grad_avg"}

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        momentum = group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = namespace(data).zeros_like(data)
            if momentum > 0:
                state["momentum_buffer"] = namespace(data).zeros_like(data)
            if group["centered"]:
                state["grad_avg"] = namespace(data).zeros_like(data)
        state["step"] += 1
        a = state["grad_avg"] if group["centered"] else None
        b = state["momentum_buffer"] if momentum > 0 else None
        in_slices(self._moves, data, grad, state["square_avg"], a, b, group=group)

    def _moves(
        self,
        data: Array,
        grad: Array,
        s: Array,
        a: Array | None,
        b: Array | None,
        *,
        group: ParamGroup,
    ) -> None:
        """One update of data, the square average s, the gradient average a (centered)
        and the momentum buffer b (whole arrays or matching slices)."""
        alpha, wd = group["alpha"], group["weight_decay"]
        g = grad + wd * data if wd else grad
        s *= alpha
        s += (1.0 - alpha) * (g * g)
        if a is not None:  # centered
            lerp_(a, g, 1.0 - alpha)
            denom = namespace(data).sqrt(s - a * a)
        else:
            denom = namespace(data).sqrt(s)
        denom += group["eps"]
        if b is not None:  # momentum > 0
            b *= group["momentum"]
            b += g / denom
            data -= group["lr"] * b
        else:
            data -= group["lr"] * (g / denom)
