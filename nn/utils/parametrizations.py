"""`torch.nn.utils.parametrizations`: `weight_norm` and `spectral_norm` as
parametrizations (`nn.utils.parametrize`), PyTorch's current API.

    weight_norm(linear)     # linear.parametrizations.weight.original0 (g, (out, 1)) and
                            # .original1 (v, (out, in)) train; linear.weight = g v / ||v||
    spectral_norm(linear)   # .original trains; buffers .0._u and .0._v; weight = W / sigma

The module becomes a `ParametrizedLinear` (`ParametrizedConv2d`, ...) whose `weight` is
computed at each read, so gradients reach the originals; the names, `state_dict` keys
and printed module are PyTorch's.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ...autograd import Tensor, no_grad
from ...autograd.backend import namespace
from ..conv_transpose import ConvTranspose2d
from ..module import Module
from ..tensor_functions import normalize
from . import parametrize
from .spectral_norm import _as_matrix, _normalize, _random_unit, _sigma_divided
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["spectral_norm", "weight_norm"]

T_module = TypeVar("T_module", bound=Module)


class _WeightNorm(Module):
    """g * v / ||v|| of (g, v) = (original0, original1), the norm over all axes but `dim`
    (None or -1: the whole tensor)."""

    def __init__(self, dim: int | None = 0) -> None:
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        """(g, v) that give `weight`: its norms, and itself."""
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """PyTorch's `nn.utils.parametrizations.weight_norm`: `module.<name>` becomes
    g * v / ||v||, with g = `parametrizations.<name>.original0` (the norms over every
    axis but `dim`) and v = `parametrizations.<name>.original1`. Returns the module."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """weight / sigma, sigma from the power iteration on buffers `_u` and `_v` (15 steps
    at creation, `n_power_iterations` per training-mode use); a 1-D weight is simply
    normalised."""

    _u: Tensor  # buffers (of a weight with two axes or more)
    _v: Tensor

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = _as_matrix(weight._data, self.dim)
            xp = namespace(matrix)
            height, width = matrix.shape
            self.register_buffer("_u", Tensor(_random_unit(xp, height, weight.dtype, eps)))
            self.register_buffer("_v", Tensor(_random_unit(xp, width, weight.dtype, eps)))
            self._power_method(matrix, 15)

    def _power_method(self, matrix: Any, n_power_iterations: int) -> None:
        """Improve the estimates of the first singular vectors in place (u first, from v:
        PyTorch's order here, the reverse of the old hook's)."""
        u, v = self._u, self._v
        for _ in range(n_power_iterations):
            u.copy_(_normalize(matrix @ v._data, self.eps))
            v.copy_(_normalize(matrix.T @ u._data, self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        matrix = _as_matrix(weight, self.dim)
        if self.training:
            with no_grad():
                self._power_method(matrix._data, self.n_power_iterations)
        return _sigma_divided(weight, matrix, self._u._data, self._v._data)

    def right_inverse(self, value: Tensor) -> Tensor:
        """The weight itself: the original is stored unnormalised."""
        return value


def spectral_norm(
    module: T_module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> T_module:
    """PyTorch's `nn.utils.parametrizations.spectral_norm`: `module.<name>` becomes
    original / sigma (original = `parametrizations.<name>.original`, the buffers
    `parametrizations.<name>.0._u` and `._v` estimate the singular vectors). `dim`: the
    output axis (None: 1 for ConvTranspose, else 0). Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"Module '{type(module).__name__}' has no parameter or buffer with name '{name}'"
        )
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
