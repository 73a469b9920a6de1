"""Distributions of counts (0, 1, 2, ...): `Poisson(rate)`, `Geometric(probs or logits)`
(the failures before the first success) and `Binomial(total_count, probs or logits)`.
Samples are whole numbers in the parameter's float dtype, as PyTorch's; there is no
rsample (a count has no gradient), so `log_prob` is what a score-function estimator
differentiates. Each formula is PyTorch's, written with the same operations, so values
and gradients agree to rounding.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad, where
from ..autograd.factories import arange, zeros_like
from . import constraints
from .discrete import BinaryTrial, _bce_with_logits, _expand_parameters, _one_of
from .distribution import (
    Distribution,
    Shape,
    broadcast_all,
)
from .draws import drawn, host

__all__ = ["Binomial", "Geometric", "Poisson"]


class Poisson(Distribution):
    """The Poisson distribution of mean `rate` (non-negative; a number or a Tensor):
    P(k) = rate^k e^-rate / k!. No entropy (nor has PyTorch's), no cdf."""

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = () if isinstance(rate, numbers.Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """rate: non-negative (0 gives the count 0 for sure)."""
        return {"rate": constraints.nonnegative}

    @property
    def support(self) -> constraints.Constraint:
        """The whole numbers 0, 1, 2, ..."""
        return constraints.nonnegative_integer

    def expand(self, batch_shape: Shape, _instance: Poisson | None = None) -> Poisson:
        """The distribution with rate expanded to `batch_shape`."""
        return self._expanded(Poisson, batch_shape, _instance, "rate")

    @property
    def mean(self) -> Tensor:
        """rate."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """floor(rate)."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """rate."""
        return self.rate

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """numpy's Poisson draws, as floats of rate's dtype; no gradient."""
        rate = host(self.rate, self._extended_shape(sample_shape))
        with no_grad():
            return drawn(self.rate, lambda rng: rng.poisson(rate))

    def log_prob(self, value: Tensor) -> Tensor:
        """xlogy(value, rate) - rate - lgamma(value + 1)."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()


class Geometric(BinaryTrial, Distribution):
    """The number of failures before the first success of Bernoulli trials of success
    probability `probs` (in (0, 1]) or sigmoid(`logits`), one of them given:
    P(k) = (1 - p)^k p, k = 0, 1, ..."""

    def __init__(
        self,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        super().__init__(probs, logits, validate_args)
        if self._validate_args and probs is not None:
            if not bool((self._param > 0).all()):
                raise ValueError(
                    f"Expected parameter probs ({type(self._param).__name__} of shape "
                    f"{tuple(self._param.shape)}) of distribution {self!r} to be positive "
                    f"but found invalid values:\n{self._param}"
                )

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """probs in [0, 1] (and, checked apart, above 0); logits real."""
        return {"probs": constraints.unit_interval, "logits": constraints.real}

    @property
    def support(self) -> constraints.Constraint:
        """The whole numbers 0, 1, 2, ..."""
        return constraints.nonnegative_integer

    def expand(self, batch_shape: Shape, _instance: Geometric | None = None) -> Geometric:
        """The distribution with its parameter expanded to `batch_shape`."""
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = tuple(batch_shape)
        _expand_parameters(self, new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """1/p - 1."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0 (no gradient)."""
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """(1/p - 1) / p."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """floor(log(u) / log1p(-p)), u uniform in [tiny, 1) from scratchgrad's generator
        (PyTorch's inversion); floats of probs' dtype, no gradient."""
        shape = self._extended_shape(sample_shape)
        probs = host(self.probs, shape)
        tiny = float(np.finfo(self.probs.dtype).tiny)

        def draw(rng: np.random.Generator) -> Any:
            with np.errstate(divide="ignore"):  # p = 1: log1p(-1) = -inf, the count 0
                return np.floor(np.log(rng.uniform(tiny, 1, shape)) / np.log1p(-probs))

        with no_grad():
            return drawn(self.probs, draw)

    def log_prob(self, value: Tensor) -> Tensor:
        """value log1p(-p) + log(p) (0 at p = 1, value = 0, where 0 * -inf would be
        NaN)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """binary_cross_entropy_with_logits(logits, p) / p."""
        return _bce_with_logits(self.logits, self.probs) / self.probs


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0), written as PyTorch's Binomial writes it (its gradient at 0 is 1/2)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryTrial, Distribution):
    """The number of successes in `total_count` (a whole number or a Tensor of them)
    Bernoulli trials of success probability `probs` or sigmoid(`logits`), one of them
    given: P(k) = C(n, k) p^k (1 - p)^(n - k), k = 0 .. n. No cdf (nor has PyTorch's);
    entropy and enumerate_support need one total_count for the whole batch."""

    has_enumerate_support = True

    def __init__(
        self,
        total_count: Tensor | int = 1,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        _one_of(probs, logits)
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        assert given is not None
        total, self._param = broadcast_all(total_count, given)
        self.total_count = total.type_as(self._param)
        self.__dict__[name] = self._param
        Distribution.__init__(self, self._param.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """total_count: a whole number >= 0; probs in [0, 1]; logits real."""
        return {
            "total_count": constraints.nonnegative_integer,
            "probs": constraints.unit_interval,
            "logits": constraints.real,
        }

    @property
    def support(self) -> constraints.Constraint:
        """The whole numbers 0 .. total_count."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given."""
        return self._param.shape

    def expand(self, batch_shape: Shape, _instance: Binomial | None = None) -> Binomial:
        """The distribution with total_count and its parameter expanded to `batch_shape`."""
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = tuple(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        _expand_parameters(self, new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """n p."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """floor((n + 1) p), at most n."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        """n p (1 - p)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """numpy's binomial draws, as floats of the parameter's dtype; no gradient."""
        shape = self._extended_shape(sample_shape)
        count = host(self.total_count, shape).astype(np.int64)
        probs = host(self.probs, shape)
        with no_grad():
            return drawn(self._param, lambda rng: rng.binomial(count, probs))

    def log_prob(self, value: Tensor) -> Tensor:
        """value logits - lgamma(value + 1) - lgamma(n - value + 1) - (n max(logits, 0)
        + n log1p(exp(-|logits|)) - lgamma(n + 1)), the log-odds form that stays finite."""
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = (self.total_count + 1).lgamma()
        log_factorial_k = (value + 1).lgamma()
        log_factorial_nmk = (self.total_count - value + 1).lgamma()
        normalize_term = (
            self.total_count * _clamp_by_zero(self.logits)
            + self.total_count * (-self.logits.abs()).exp().log1p()
            - log_factorial_n
        )
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def _homogeneous_count(self, what: str) -> int:
        total_count = int(self.total_count.max().item())
        if float(self.total_count.min().item()) != total_count:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total_count

    def entropy(self) -> Tensor:
        """-sum p(k) log p(k) over k = 0 .. n (one n for the whole batch)."""
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. n along a new first axis, in the parameter's dtype (expanded over the
        batch if `expand`; one n for the whole batch)."""
        total_count = self._homogeneous_count("enumerate_support")
        values = arange(1 + total_count, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((1 + total_count,) + self._batch_shape) if expand else values
