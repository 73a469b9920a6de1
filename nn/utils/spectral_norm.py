"""Spectral normalisation, w = W / sigma(W) (Miyato et al., 2018; GAN discriminators): the
older `torch.nn.utils.spectral_norm` / `remove_spectral_norm`, and the power iteration
that `nn.utils.parametrizations.spectral_norm` shares.

    spectral_norm(conv)   # conv.weight_orig trains; buffers conv.weight_u, conv.weight_v
                          # hold the singular-vector estimates; conv.weight = W / sigma

sigma = u . (W v), with u and v the estimates of W's first singular vectors (W reshaped
to a matrix with `dim` first). In training mode each forward first improves them by
`n_power_iterations` steps of the power method (in place, outside the graph); in eval
mode they stay. Gradients reach `weight_orig` through W / sigma, with u and v held
constant, as PyTorch's. Names are PyTorch's, so `state_dict` keys and checkpoints match.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from ...autograd import Tensor
from ...autograd.backend import namespace
from ..conv_transpose import ConvTranspose2d
from ..module import Module, Parameter
from ..seeding import default_generator

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]

T_module = TypeVar("T_module", bound=Module)


def _normalize(x: Any, eps: float) -> Any:
    """x / max(||x||, eps) of a 1-D array (F.normalize(x, dim=0, eps=eps))."""
    xp = namespace(x)
    return x / xp.maximum(xp.linalg.norm(x), eps)


def _as_matrix(weight: Any, dim: int) -> Any:
    """The weight (a Tensor or an array) with `dim` first, flattened to (size of dim, -1)."""
    if dim != 0:
        order = (dim,) + tuple(d for d in range(weight.ndim) if d != dim)
        weight = weight.permute(*order) if isinstance(weight, Tensor) else weight.transpose(order)
    return weight.reshape(weight.shape[0], -1)


def _random_unit(xp: Any, size: int, dtype: Any, eps: float) -> Any:
    """A random direction of `size` numbers (from the generator `manual_seed` seeds)."""
    return _normalize(xp.asarray(default_generator().standard_normal(size), dtype=dtype), eps)


def _sigma_divided(weight: Tensor, matrix: Tensor, u: Any, v: Any) -> Tensor:
    """weight / (u . (W v)), u and v copied as constants (a later power iteration writes
    into the buffers, which must not change this graph's numbers)."""
    sigma = (matrix @ v.copy() * u.copy()).sum()
    return weight / sigma


class SpectralNorm:
    """The forward pre-hook of the old `spectral_norm`: it sets `module.<name>` to
    `<name>_orig` / sigma before each forward."""

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """The weight with `dim` first, flattened to a matrix (a graph node)."""
        return cast(Tensor, _as_matrix(weight, self.dim))

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """weight_orig / sigma, after `n_power_iterations` steps on weight_u and weight_v
        (written in place) when `do_power_iteration`."""
        weight: Tensor = getattr(module, self.name + "_orig")
        u: Tensor = getattr(module, self.name + "_u")
        v: Tensor = getattr(module, self.name + "_v")
        matrix = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            numbers = matrix._data
            for _ in range(self.n_power_iterations):
                v.copy_(_normalize(numbers.T @ u._data, self.eps))
                u.copy_(_normalize(numbers @ v._data, self.eps))
        return _sigma_divided(weight, matrix, u._data, v._data)

    def remove(self, module: Module) -> None:
        """Put a plain Parameter holding the current weight / sigma back under `name`."""
        weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        del module._buffers[self.name + "_u"]
        del module._buffers[self.name + "_v"]
        del module._parameters[self.name + "_orig"]
        module.register_parameter(self.name, Parameter(weight._data.copy(), dtype=weight.dtype))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(
        module: Module, name: str, n_power_iterations: int, dim: int, eps: float
    ) -> SpectralNorm:
        """Move the parameter `name` to `<name>_orig`, add the u and v buffers (random unit
        vectors) and register the hook (what `spectral_norm` does)."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        height, width = fn.reshape_weight_to_matrix(weight).shape
        xp = namespace(weight._data)
        u = _random_unit(xp, height, weight.dtype, eps)
        v = _random_unit(xp, width, weight.dtype, eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        # `module.weight` exists before the first forward too (PyTorch: weight.data)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", Tensor(u))
        module.register_buffer(name + "_v", Tensor(v))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: T_module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> T_module:
    """PyTorch's `nn.utils.spectral_norm` (the hook version): `module.<name>` becomes
    `<name>_orig` / sigma, sigma estimated by power iteration on buffers `<name>_u` and
    `<name>_v` (one step per training-mode forward by default). `dim`: the output axis
    (None: 1 for ConvTranspose, else 0). Returns the module."""
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo `spectral_norm`: `module.<name>` is a plain Parameter again (holding the
    current weight / sigma). Returns the module."""
    hooks = cast("dict[int, Any]", module._forward_pre_hooks)
    for key, hook in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
