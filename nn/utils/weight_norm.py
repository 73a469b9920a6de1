"""Weight normalisation, w = g * v / ||v|| (Salimans & Kingma, 2016): the older
`torch.nn.utils.weight_norm` / `remove_weight_norm`, and the formula that
`nn.utils.parametrizations.weight_norm` shares.

    weight_norm(linear)   # linear.weight_g (out, 1) and linear.weight_v (out, in) train;
                          # linear.weight is recomputed from them before every forward

The old API keeps PyTorch's names (`weight_g`, `weight_v`, so `state_dict` keys and
checkpoints match) and its mechanism: a forward pre-hook (`Module.register_forward_pre_hook`)
sets `module.weight`, a graph node, so gradients reach g and v.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar, cast

from ...autograd import Tensor
from ..module import Module, Parameter

__all__ = ["WeightNorm", "norm_except_dim", "remove_weight_norm", "weight_norm"]

T_module = TypeVar("T_module", bound=Module)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """PyTorch's `torch.norm_except_dim`: the `pow`-norm of `v` over every axis but `dim`,
    kept with size 1 (shape (n, 1, ...) for dim=0); dim=-1 means the norm of the whole
    tensor (a 0-d tensor), as PyTorch's."""
    if dim == -1:
        return v.norm(pow)
    axis = dim % v.ndim
    others = tuple(a for a in range(v.ndim) if a != axis)
    if not others:  # a 1-D tensor: each entry is its own norm
        return v.abs()
    return v.norm(pow, others, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """PyTorch's `torch._weight_norm`: v * (g / ||v||), the norm over all axes but `dim`."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook of the old `weight_norm`: it sets `module.<name>` from
    `<name>_g` and `<name>_v` before each forward."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        """g * v / ||v|| from the module's `<name>_g` and `<name>_v`."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Replace the parameter `name` by `<name>_g` and `<name>_v` and register the
        hook (what `weight_norm` does)."""
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated in favor of "
            "`torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if not isinstance(weight, Parameter):
            raise ValueError(f"weight_norm: {type(module).__name__}.{name} is not a Parameter")
        del module._parameters[name]
        g = norm_except_dim(weight, 2, fn.dim)
        module.register_parameter(name + "_g", Parameter(g._data.copy(), dtype=weight.dtype))
        module.register_parameter(name + "_v", Parameter(weight._data.copy(), dtype=weight.dtype))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Put a plain Parameter holding the current g * v / ||v|| back under `name`."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight._data.copy(), dtype=weight.dtype))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """PyTorch's (deprecated) `nn.utils.weight_norm`: `module.<name>` becomes
    g * v / ||v|| with parameters `<name>_g` (the norms over every axis but `dim`;
    dim=None: one norm of the whole tensor) and `<name>_v`, recomputed before every
    forward. Warns FutureWarning, as PyTorch does. Returns the module."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo `weight_norm`: `module.<name>` is a plain Parameter again. Returns the module."""
    hooks = cast("dict[int, Any]", module._forward_pre_hooks)
    for key, hook in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")
