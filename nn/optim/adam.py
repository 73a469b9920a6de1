"""Adam and AdamW (torch.optim.Adam / AdamW): momentum plus RMS scaling, bias-corrected.

g = grad (+ weight_decay * p for Adam);  AdamW instead first does p *= 1 - lr * wd
m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
(amsgrad: v_max = max(v_max, v), used in place of v below)
p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""

import math
from typing import Any

from ...autograd.backend import Array, namespace
from .optimizer import Optimizer, ParamGroup, Params, ParamState, check_range, in_slices, lerp_


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: running means m of g and v of g^2 (g = grad +
    weight_decay * p), bias-corrected, give p -= lr * m_hat / (sqrt(v_hat) + eps)."""

    _decoupled = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool = False,
        check_finite: bool = True,
        **torch_options: Any,
    ) -> None:
        if decoupled_weight_decay not in (False, True):
            raise TypeError(
                f"decoupled_weight_decay must be True or False, got {decoupled_weight_decay!r}"
            )
        # PyTorch 2's Adam(decoupled_weight_decay=True) is AdamW's update
        self._decoupled = type(self)._decoupled or bool(decoupled_weight_decay)
        if not isinstance(betas, (tuple, list)):
            raise ValueError(
                f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {betas!r}"
            )
        super().__init__(
            params,
            dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad),
            check_finite,
            torch_options,
        )

    def _validate(self, group: ParamGroup) -> None:
        super()._validate(group)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_range(name, "betas[0]", betas[0], high=1.0, high_open=True)
        check_range(name, "betas[1]", betas[1], high=1.0, high_open=True)
        check_range(name, "eps", group["eps"])
        check_range(name, "weight_decay", group["weight_decay"])

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """What `_update` reads back, so load_state_dict can refuse a state lacking it."""
        required = {"step", "exp_avg", "exp_avg_sq"}
        if group["amsgrad"]:
            required.add("max_exp_avg_sq")
        return required, required | {"max_exp_avg_sq"}

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = namespace(data).zeros_like(data)
            state["exp_avg_sq"] = namespace(data).zeros_like(data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = namespace(data).zeros_like(data)
        state["step"] += 1
        moments = [state["exp_avg"], state["exp_avg_sq"]]
        if group["amsgrad"]:
            moments.append(state["max_exp_avg_sq"])
        in_slices(self._moves, data, grad, *moments, t=state["step"], group=group)

    def _moves(
        self, data: Array, grad: Array, m: Array, v: Array, *v_max: Array, t: int, group: ParamGroup
    ) -> None:
        """Step t's update of data and the moments (whole arrays or matching slices)."""
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if self._decoupled:
            data *= 1.0 - lr * wd
            g = grad
        else:
            g = grad + wd * data if wd else grad
        lerp_(m, g, 1.0 - beta1)
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        if v_max:
            v = namespace(data).maximum(v_max[0], v, out=v_max[0])
        step_size = lr / (1.0 - beta1**t)
        denom = namespace(data).sqrt(v) / math.sqrt(1.0 - beta2**t)
        denom += group["eps"]
        data -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the decay shrinks the
    weights directly instead of being added to the gradient. Default weight_decay=1e-2."""

    _decoupled = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        check_finite: bool = True,
        **torch_options: Any,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            check_finite=check_finite,
            **torch_options,
        )
