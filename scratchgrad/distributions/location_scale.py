"""The location-scale distributions on the real line, `Laplace`, `Cauchy` and `Gumbel`,
and `LogNormal` (the exp of a Normal), all given `loc` and `scale` (numbers or Tensors,
broadcast together) and all reparameterisable: `rsample` is loc + scale * noise (its exp
for LogNormal), the noise a parameter-free draw from scratchgrad's generator, so
d(sample)/d(loc) = 1 and d(sample)/d(scale) = (sample - loc) / scale.

Each formula is PyTorch's, written with the same operations. PyTorch builds Gumbel and
LogNormal as TransformedDistributions; here they are written out directly, with the
closed forms PyTorch's transforms amount to (Gumbel's cdf and icdf differ by rounding:
PyTorch's pass through a Uniform on [tiny, 1 - eps], see Gumbel).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..autograd.factories import full
from . import constraints
from .continuous import Normal
from .distribution import Distribution, Shape, broadcast_all
from .draws import drawn

__all__ = ["Cauchy", "Gumbel", "Laplace", "LogNormal"]

EULER_GAMMA = 0.57721566490153286060  # PyTorch's euler_constant


class LocationScale(Distribution):
    """What the four share: `loc` (real) and `scale` (positive), their broadcasting,
    expand, and rsample as loc + scale * noise, the noise drawn by `_draw_noise`."""

    has_rsample = True

    def __init__(
        self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None
    ) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        numbers_only = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(() if numbers_only else self.loc.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """loc: real (not NaN); scale: positive."""
        return {"loc": constraints.real, "scale": constraints.positive}

    @property
    def support(self) -> constraints.Constraint:
        """The real line."""
        return constraints.real

    def expand(self, batch_shape: Shape, _instance: Any = None) -> Any:
        """The distribution with loc and scale expanded to `batch_shape`."""
        return self._expanded(LocationScale, batch_shape, _instance, "loc", "scale")

    def _draw_noise(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
        """The standard (loc 0, scale 1) draws of this distribution."""
        raise NotImplementedError

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """loc + noise * scale, the standard noise from scratchgrad's generator."""
        shape = self._extended_shape(sample_shape)
        noise = drawn(self.loc, lambda rng: self._draw_noise(rng, shape))
        return self.loc + noise * self.scale


class Laplace(LocationScale):
    """The Laplace (double exponential) distribution: density exp(-|x - loc| / scale) /
    (2 scale); mean and median `loc`."""

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """2 scale^2."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        """sqrt(2) scale."""
        return (2**0.5) * self.scale

    def _draw_noise(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
        return rng.laplace(0.0, 1.0, shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(2 scale) - |value - loc| / scale."""
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        """1/2 - sign(value - loc) expm1(-|value - loc| / scale) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return (
            0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()
        )

    def icdf(self, value: Tensor) -> Tensor:
        """The quantile: loc - scale sign(value - 1/2) log1p(-2 |value - 1/2|)."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        """1 + log(2 scale)."""
        return 1 + (2 * self.scale).log()


class Cauchy(LocationScale):
    """The Cauchy (Lorentz) distribution: median and mode `loc`, half width at half
    maximum `scale`. It has no mean (NaN) and infinite variance, as PyTorch says."""

    @property
    def mean(self) -> Tensor:
        """NaN (undefined), of loc's dtype, without gradient."""
        return full(self._extended_shape(), math.nan, dtype=self.loc.dtype, device=self.loc.device)

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """inf, of loc's dtype, without gradient."""
        return full(self._extended_shape(), math.inf, dtype=self.loc.dtype, device=self.loc.device)

    def _draw_noise(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
        return rng.standard_cauchy(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(pi) - log(scale) - log1p(((value - loc) / scale)^2)."""
        if self._validate_args:
            self._validate_sample(value)
        return (
            -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()
        )

    def cdf(self, value: Tensor) -> Tensor:
        """atan((value - loc) / scale) / pi + 1/2."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """The quantile: tan(pi (value - 1/2)) scale + loc."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """log(4 pi) + log(scale)."""
        return math.log(4 * math.pi) + self.scale.log()


class Gumbel(LocationScale):
    """The Gumbel (type-I extreme value) distribution: cdf exp(-exp(-(x - loc) / scale)),
    the law of the maximum of many draws; mode `loc`.

    PyTorch's is loc - scale log(-log(u)) of a Uniform u on [tiny, 1 - eps], so its cdf
    and icdf carry that Uniform's (1 - eps - tiny) rescaling (differences of about 1e-16,
    and cdf 1 instead of 1 - 1e-16 far right); its cdf also raises, when validating, for a
    value so far left that u = exp(-exp(-z)) underflows below tiny. Here cdf and icdf are
    the exact closed forms, and every real value is valid."""

    @property
    def mean(self) -> Tensor:
        """loc + scale * Euler's constant."""
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """pi / sqrt(6) scale."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        """(pi scale)^2 / 6."""
        return self.stddev.pow(2)

    def _draw_noise(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
        return rng.gumbel(0.0, 1.0, shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """y - exp(y) - log(scale), y = (loc - value) / scale."""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    def cdf(self, value: Tensor) -> Tensor:
        """exp(-exp(-(value - loc) / scale))."""
        if self._validate_args:
            self._validate_sample(value)
        return (-((self.loc - value) / self.scale).exp()).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """The quantile: loc - scale log(-log(value))."""
        return self.loc - self.scale * (-value.log()).log()

    def entropy(self) -> Tensor:
        """log(scale) + 1 + Euler's constant."""
        return self.scale.log() + (1 + EULER_GAMMA)


class LogNormal(LocationScale):
    """exp(X) for X ~ Normal(loc, scale): `loc` and `scale` are the mean and standard
    deviation of the log. Written directly (PyTorch's is a TransformedDistribution of a
    Normal by exp); the Normal of the log is kept, as PyTorch's `base_dist`, for the
    formulas that are the Normal's at log(value)."""

    def __init__(
        self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None
    ) -> None:
        super().__init__(loc, scale, validate_args=validate_args)
        self.base_dist = self._normal_of_log()

    def _normal_of_log(self) -> Normal:
        normal = Normal(self.loc, self.scale, validate_args=False)
        normal._validate_args = self._validate_args  # its cdf checks log(value) is real
        return normal

    def expand(self, batch_shape: Shape, _instance: Any = None) -> Any:
        """The distribution with loc and scale expanded to `batch_shape`."""
        new = super().expand(batch_shape, self._get_checked_instance(LogNormal, _instance))
        new.base_dist = new._normal_of_log()
        return new

    @property
    def support(self) -> constraints.Constraint:
        """(0, inf)."""
        return constraints.positive

    @property
    def mean(self) -> Tensor:
        """exp(loc + scale^2 / 2)."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """exp(loc - scale^2)."""
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        """expm1(scale^2) exp(2 loc + scale^2)."""
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def _draw_noise(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
        return rng.standard_normal(shape)

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """exp(loc + eps * scale), eps standard normal draws from scratchgrad's generator."""
        return super().rsample(sample_shape).exp()

    def log_prob(self, value: Tensor) -> Tensor:
        """The Normal's log_prob at log(value), minus log(value) (the exp's Jacobian)."""
        if self._validate_args:
            self._validate_sample(value)
        x = value.log()
        return -x + self.base_dist.log_prob(x)

    def cdf(self, value: Tensor) -> Tensor:
        """The Normal's cdf at log(value) (0 at value 0; validation checks log(value),
        as PyTorch's, so value 0 is allowed and a negative one is not)."""
        return self.base_dist.cdf(value.log())

    def icdf(self, value: Tensor) -> Tensor:
        """The quantile: exp of the Normal's."""
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        """The Normal's entropy + loc."""
        return self.base_dist.entropy() + self.loc
