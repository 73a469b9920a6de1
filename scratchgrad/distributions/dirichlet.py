"""Distributions on the simplex: `Dirichlet(concentration)` over probability vectors (the
last axis is the event) and `Beta(concentration1, concentration0)` on [0, 1], the
two-category Dirichlet's first coordinate. Each formula is PyTorch's (Beta's are its
Dirichlet's with K = 2, written out), so values and gradients agree to rounding.

No rsample: PyTorch differentiates Dirichlet and Beta draws through the gamma sampler
(implicit reparameterisation, `_Dirichlet_backward`), which scratchgrad does not have.
`sample()` draws without gradient and `rsample()` raises NotImplementedError.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Tensor, get_default_dtype, no_grad, stack, tensor, where
from ..autograd.factories import arange
from . import constraints
from .distribution import Distribution, Shape, broadcast_all
from .draws import drawn, host
from .gamma_family import no_implicit_rsample

__all__ = ["Beta", "Dirichlet"]


def _draw_dirichlet(rng: np.random.Generator, concentration: np.ndarray) -> np.ndarray:
    """Dirichlet draws of the float64 `concentration` (last axis the K categories):
    gammas G_k normalised, in logs (log G = log Gamma(a + 1) + log(U) / a, Marsaglia and
    Tsang's boost) so that small concentrations, whose gammas underflow to 0, still give
    a point on the simplex."""
    u = 1.0 - rng.random(concentration.shape)  # in (0, 1]
    log_gamma = np.log(rng.standard_gamma(concentration + 1)) + np.log(u) / concentration
    log_gamma -= log_gamma.max(-1, keepdims=True)
    draws = np.exp(log_gamma)
    return draws / draws.sum(-1, keepdims=True)


def _on_simplex(value: Tensor) -> Tensor:
    """Draws kept inside [tiny, 1 - eps], as PyTorch's sampler keeps them, so that
    log_prob of a draw stays finite."""
    finfo = np.finfo(value.dtype)
    return value.clamp(min=float(finfo.tiny), max=float(1 - finfo.eps))


def _concentration_mode(concentration: Tensor) -> Tensor:
    """PyTorch's Dirichlet mode: (a - 1)+ / sum (a - 1)+, and where every a < 1 (the
    density is highest at the vertices) the one-hot of the NaN row's argmax, the first
    category. NaN where the sum is 0 otherwise, as PyTorch's."""
    concentrationm1 = (concentration - 1).clamp(min=0.0)
    total = concentrationm1.sum(-1, keepdim=True)
    corner = (concentration < 1).all(-1).unsqueeze(-1)
    mode = concentrationm1 / where(corner, 1.0, total)  # no 0/0 in what is replaced
    first = (arange(concentration.shape[-1], device=concentration.device) == 0).astype(
        concentration.dtype
    )
    return where(corner, first, mode)


class Dirichlet(Distribution):
    """The Dirichlet distribution over vectors on the probability simplex, with
    `concentration` (alpha, positive; the last axis is the event, the axes before it the
    batch): density prod x_k^(alpha_k - 1) Gamma(sum alpha) / prod Gamma(alpha_k).
    No rsample (see the module's docstring): `sample()` draws without gradient."""

    has_rsample = False

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor):
            concentration = tensor(concentration, dtype=get_default_dtype())
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """concentration: positive, every entry of each vector."""
        return {"concentration": constraints.independent(constraints.positive, 1)}

    @property
    def support(self) -> constraints.Constraint:
        """The simplex: non-negative vectors summing to 1."""
        return constraints.simplex

    def expand(self, batch_shape: Shape, _instance: Dirichlet | None = None) -> Dirichlet:
        """The distribution with concentration expanded to `batch_shape` + (K,)."""
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self._event_shape)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """concentration / its sum."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(concentration - 1) / its sum where every concentration > 1; see
        `_concentration_mode` for PyTorch's other cases."""
        return _concentration_mode(self.concentration)

    @property
    def variance(self) -> Tensor:
        """a_k (a0 - a_k) / (a0^2 (a0 + 1)), a0 the sum."""
        con0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """Normalised gamma draws from scratchgrad's generator, no gradient."""
        concentration = host(self.concentration, self._extended_shape(sample_shape))
        with no_grad():
            value = drawn(self.concentration, lambda rng: _draw_dirichlet(rng, concentration))
            return _on_simplex(value)

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """Not implemented: raises NotImplementedError (see the class's docstring)."""
        raise no_implicit_rsample(type(self).__name__)

    def log_prob(self, value: Tensor) -> Tensor:
        """sum xlogy(a - 1, value) + lgamma(sum a) - sum lgamma(a)."""
        if self._validate_args:
            self._validate_sample(value)
        return (
            (self.concentration - 1.0).xlogy(value).sum(-1)
            + self.concentration.sum(-1).lgamma()
            - self.concentration.lgamma().sum(-1)
        )

    def entropy(self) -> Tensor:
        """sum lgamma(a) - lgamma(a0) - (K - a0) digamma(a0) - sum (a - 1) digamma(a)."""
        k = self.concentration.shape[-1]
        a0 = self.concentration.sum(-1)
        return (
            self.concentration.lgamma().sum(-1)
            - a0.lgamma()
            - (k - a0) * a0.digamma()
            - ((self.concentration - 1.0) * self.concentration.digamma()).sum(-1)
        )


class Beta(Distribution):
    """The beta distribution on [0, 1] with `concentration1` (alpha, the weight of 1) and
    `concentration0` (beta, the weight of 0), numbers or Tensors broadcast together:
    density x^(alpha-1) (1-x)^(beta-1) / B(alpha, beta). No rsample (see the module's
    docstring): `sample()` draws without gradient."""

    has_rsample = False

    def __init__(
        self,
        concentration1: Tensor | float,
        concentration0: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        numbers_only = isinstance(concentration1, numbers.Number) and isinstance(
            concentration0, numbers.Number
        )
        batch_shape = () if numbers_only else self.concentration1.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """concentration1 and concentration0: positive."""
        return {
            "concentration1": constraints.positive,
            "concentration0": constraints.positive,
        }

    @property
    def support(self) -> constraints.Constraint:
        """[0, 1]."""
        return constraints.unit_interval

    def expand(self, batch_shape: Shape, _instance: Beta | None = None) -> Beta:
        """The distribution with both concentrations expanded to `batch_shape`."""
        return self._expanded(Beta, batch_shape, _instance, "concentration1", "concentration0")

    @property
    def mean(self) -> Tensor:
        """alpha / (alpha + beta)."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """(alpha - 1) / (alpha + beta - 2) when both exceed 1; PyTorch's Dirichlet rule
        otherwise (1 when both are below 1; NaN where (alpha - 1)+ + (beta - 1)+ is 0)."""
        return _concentration_mode(self._pair())[..., 0]

    @property
    def variance(self) -> Tensor:
        """alpha beta / ((alpha + beta)^2 (alpha + beta + 1))."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def _pair(self) -> Tensor:
        """(alpha, beta) stacked on a last axis: the two-category Dirichlet's parameter."""
        return stack([self.concentration1, self.concentration0], -1)

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """The first coordinate of two-category Dirichlet draws (PyTorch's way), no
        gradient."""
        shape = self._extended_shape(sample_shape) + (2,)
        pair = host(self._pair(), shape)
        with no_grad():
            value = drawn(self.concentration1, lambda rng: _draw_dirichlet(rng, pair)[..., 0])
            return _on_simplex(value)

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """Not implemented: raises NotImplementedError (see the class's docstring)."""
        raise no_implicit_rsample(type(self).__name__)

    def log_prob(self, value: Tensor) -> Tensor:
        """xlogy(alpha - 1, value) + xlogy(beta - 1, 1 - value) + lgamma(alpha + beta)
        - lgamma(alpha) - lgamma(beta)."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return (
            ((a - 1.0).xlogy(value) + (b - 1.0).xlogy(1.0 - value))
            + (a + b).lgamma()
            - (a.lgamma() + b.lgamma())
        )

    def entropy(self) -> Tensor:
        """The two-category Dirichlet's entropy."""
        a, b = self.concentration1, self.concentration0
        a0 = a + b
        return (
            (a.lgamma() + b.lgamma())
            - a0.lgamma()
            - (2 - a0) * a0.digamma()
            - ((a - 1.0) * a.digamma() + (b - 1.0) * b.digamma())
        )
