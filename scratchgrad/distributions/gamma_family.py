"""The gamma family on [0, inf): `Exponential(rate)`, `Gamma(concentration, rate)` and
`Chi2(df)` (a Gamma of concentration df/2, rate 1/2). Each formula is PyTorch's, written
with the same operations, so values and gradients agree to rounding.

Only Exponential has `rsample` (rate-scaled standard exponential noise). PyTorch's Gamma
and Chi2 rsample differentiate the draw through the gamma sampler itself (implicit
reparameterisation, `torch._standard_gamma`'s backward), which scratchgrad does not have:
here they have `has_rsample = False`, `sample()` draws (numpy's gamma, no gradient), and
`rsample()` raises NotImplementedError saying so.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Tensor, no_grad, tensor
from ..autograd.factories import zeros_like
from . import constraints
from .distribution import Distribution, Shape, broadcast_all
from .draws import drawn, host
from .incomplete_gamma import gammainc

__all__ = ["Chi2", "Exponential", "Gamma"]


def no_implicit_rsample(name: str) -> NotImplementedError:
    """The error of rsample for the distributions whose PyTorch rsample differentiates the
    sampler itself (Gamma, Chi2, Beta, Dirichlet, StudentT)."""
    return NotImplementedError(
        f"{name}.rsample is not implemented (has_rsample=False): PyTorch reparameterises "
        f"{name} with implicit gradients through its gamma sampler, which scratchgrad does "
        "not have. Use sample() for draws without gradient (with log_prob for a "
        "score-function estimator)."
    )


class Exponential(Distribution):
    """The exponential distribution of rate `rate` (1 / its mean; a number or a Tensor):
    density rate e^(-rate x) on [0, inf); reparameterisable."""

    has_rsample = True

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = () if isinstance(rate, numbers.Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """rate: positive."""
        return {"rate": constraints.positive}

    @property
    def support(self) -> constraints.Constraint:
        """[0, inf)."""
        return constraints.nonnegative

    def expand(self, batch_shape: Shape, _instance: Exponential | None = None) -> Exponential:
        """The distribution with rate expanded to `batch_shape`."""
        return self._expanded(Exponential, batch_shape, _instance, "rate")

    @property
    def mean(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """0 (no gradient)."""
        return zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """rate^-2."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """e / rate, e standard exponential draws from scratchgrad's generator."""
        shape = self._extended_shape(sample_shape)
        noise = drawn(self.rate, lambda rng: rng.standard_exponential(shape))
        return noise / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        """log(rate) - rate value."""
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        """1 - exp(-rate value)."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """The quantile: -log1p(-value) / rate."""
        return -(-value).log1p() / self.rate

    def entropy(self) -> Tensor:
        """1 - log(rate)."""
        return 1.0 - self.rate.log()


class Gamma(Distribution):
    """The gamma distribution of shape `concentration` (alpha) and `rate` (beta, 1 /
    scale), numbers or Tensors broadcast together: density x^(alpha-1) e^(-beta x)
    beta^alpha / Gamma(alpha) on [0, inf). No rsample (see the module's docstring):
    `sample()` draws without gradient."""

    has_rsample = False

    def __init__(
        self,
        concentration: Tensor | float,
        rate: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        numbers_only = isinstance(concentration, numbers.Number) and isinstance(
            rate, numbers.Number
        )
        batch_shape = () if numbers_only else self.concentration.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """concentration and rate: positive."""
        return {"concentration": constraints.positive, "rate": constraints.positive}

    @property
    def support(self) -> constraints.Constraint:
        """[0, inf)."""
        return constraints.nonnegative

    def expand(self, batch_shape: Shape, _instance: Gamma | None = None) -> Gamma:
        """The distribution with concentration and rate expanded to `batch_shape`."""
        return self._expanded(Gamma, batch_shape, _instance, "concentration", "rate")

    @property
    def mean(self) -> Tensor:
        """concentration / rate."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """(concentration - 1) / rate, or 0 when concentration < 1."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """concentration / rate^2."""
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """numpy's standard gamma draws / rate, at least the dtype's smallest normal number
        (as PyTorch's, so that log_prob of a draw stays finite); no gradient."""
        shape = self._extended_shape(sample_shape)
        concentration, rate = host(self.concentration, shape), host(self.rate, shape)
        with no_grad():
            value = drawn(self.rate, lambda rng: rng.standard_gamma(concentration) / rate)
            return value.clamp(min=float(np.finfo(value.dtype).tiny))

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """Not implemented: raises NotImplementedError (see the class's docstring)."""
        raise no_implicit_rsample(type(self).__name__)

    def log_prob(self, value: Tensor | float) -> Tensor:
        """xlogy(concentration, rate) + xlogy(concentration - 1, value) - rate value
        - lgamma(concentration); a number is taken as a Tensor (as PyTorch's)."""
        if not isinstance(value, Tensor):
            value = tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (
            self.concentration.xlogy(self.rate)
            + (self.concentration - 1).xlogy(value)
            - self.rate * value
            - self.concentration.lgamma()
        )

    def cdf(self, value: Tensor) -> Tensor:
        """gammainc(concentration, rate value), the regularised incomplete gamma function:
        differentiable in rate and value; in concentration it raises, as PyTorch's."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """concentration - log(rate) + lgamma(concentration)
        + (1 - concentration) digamma(concentration)."""
        return (
            self.concentration
            - self.rate.log()
            + self.concentration.lgamma()
            + (1.0 - self.concentration) * self.concentration.digamma()
        )


class Chi2(Gamma):
    """The chi-squared distribution with `df` degrees of freedom (a number or a Tensor):
    exactly Gamma(df / 2, 1 / 2). No rsample, as Gamma."""

    def __init__(self, df: Tensor | float, validate_args: bool | None = None) -> None:
        (self.df,) = broadcast_all(df)  # validated as df (PyTorch's name in the message)
        half = 0.5 * df if isinstance(df, numbers.Number) else 0.5 * self.df
        super().__init__(half, 0.5, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """df: positive."""
        return {"df": constraints.positive}

    def expand(self, batch_shape: Shape, _instance: Chi2 | None = None) -> Chi2:  # type: ignore[override]
        """The distribution with df (and Gamma's parameters) expanded to `batch_shape`."""
        new = self._get_checked_instance(Chi2, _instance)
        new.df = self.df.expand(tuple(batch_shape))
        result = super().expand(batch_shape, new)
        assert isinstance(result, Chi2)
        return result
