"""`StudentT(df, loc, scale)`: Student's t distribution, the heavy-tailed law of a
normal draw divided by an independent chi's. Its formulas are PyTorch's, written with the
same operations, so values and gradients agree to rounding.

No rsample: PyTorch's divides normal noise by the square root of a Chi2 rsample, whose
gradient in df is the gamma sampler's implicit one, which scratchgrad does not have.
`sample()` draws (numpy's standard_t) without gradient; `rsample()` raises
NotImplementedError.
"""

from __future__ import annotations

import math

from ..autograd import Tensor, no_grad, where
from ..autograd.factories import full_like
from . import constraints
from .distribution import Distribution, Shape, broadcast_all
from .draws import drawn, host
from .gamma_family import no_implicit_rsample

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with `df` degrees of freedom, location `loc` and scale `scale`
    (numbers or Tensors, broadcast together). The mean exists only for df > 1 and the
    variance only for df > 2 (NaN and inf elsewhere, as PyTorch's). No rsample (see the
    module's docstring)."""

    has_rsample = False

    def __init__(
        self,
        df: Tensor | float,
        loc: Tensor | float = 0.0,
        scale: Tensor | float = 1.0,
        validate_args: bool | None = None,
    ) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(self.df.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """df: positive; loc: real; scale: positive."""
        return {
            "df": constraints.positive,
            "loc": constraints.real,
            "scale": constraints.positive,
        }

    @property
    def support(self) -> constraints.Constraint:
        """The real line."""
        return constraints.real

    def expand(self, batch_shape: Shape, _instance: StudentT | None = None) -> StudentT:
        """The distribution with df, loc and scale expanded to `batch_shape`."""
        return self._expanded(StudentT, batch_shape, _instance, "df", "loc", "scale")

    @property
    def mean(self) -> Tensor:
        """loc where df > 1, else NaN (no gradient there)."""
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """scale^2 df / (df - 2) where df > 2; inf where 1 < df <= 2; NaN where df <= 1."""
        finite = self.df > 2
        df = where(finite, self.df, 3.0)  # the formula's gradient only where it is used
        formula = self.scale.pow(2) * df / (df - 2)
        beyond = full_like(self.df, math.nan).masked_fill(self.df > 1, math.inf)
        return where(finite, formula, beyond)

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """loc + scale t, t numpy's standard_t draws of df degrees of freedom; no
        gradient."""
        df = host(self.df, self._extended_shape(sample_shape))
        with no_grad():
            t = drawn(self.df, lambda rng: rng.standard_t(df))
            return self.loc + self.scale * t

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """Not implemented: raises NotImplementedError (see the class's docstring)."""
        raise no_implicit_rsample(type(self).__name__)

    def log_prob(self, value: Tensor) -> Tensor:
        """-(df + 1)/2 log1p(y^2 / df) - log(scale) - log(df)/2 - log(pi)/2
        - lgamma(df/2) + lgamma((df + 1)/2), y = (value - loc) / scale."""
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (
            self.scale.log()
            + 0.5 * self.df.log()
            + 0.5 * math.log(math.pi)
            + (0.5 * self.df).lgamma()
            - (0.5 * (self.df + 1.0)).lgamma()
        )
        return -0.5 * (self.df + 1.0) * (y**2.0 / self.df).log1p() - z

    def entropy(self) -> Tensor:
        """log(scale) + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2)) + log(df)/2
        + log B(df/2, 1/2)."""
        lbeta = (0.5 * self.df).lgamma() + math.lgamma(0.5) - (0.5 * (self.df + 1)).lgamma()
        return (
            self.scale.log()
            + 0.5 * (self.df + 1) * ((0.5 * (self.df + 1)).digamma() - (0.5 * self.df).digamma())
            + 0.5 * self.df.log()
            + lbeta
        )
