"""`MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril)`: the
Gaussian over vectors (the last axis of loc is the event), given one of the three
matrices. As PyTorch's, everything is computed from the lower Cholesky factor L of the
covariance (the given scale_tril, or the factor of the given matrix), kept unbroadcast
so that a batch of values against one matrix solves with that one matrix; log_prob and
kl_divergence use triangular solves with L, never an inverse of the covariance. Each
formula is PyTorch's, so values and gradients (in loc and the matrix) agree to rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Tensor, get_default_dtype, tensor
from ..autograd.errors import ShapeError
from ..autograd.factories import eye, randn
from ..autograd.matrix_functions import cholesky, inv, solve_triangular
from . import constraints
from .distribution import Distribution, Shape, lazy_property

__all__ = ["MultivariateNormal"]

_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


def _as_tensor(value: Any) -> Tensor:
    """A Tensor as it is; a list or array as a Tensor of the default float dtype."""
    return value if isinstance(value, Tensor) else tensor(value, dtype=get_default_dtype())


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """Matrix times vector over broadcast batches: (..., n, n) @ (..., n) -> (..., n)."""
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:
    """x^T (L L^T)^-1 x per vector of `bx`: |L^-1 x|^2 by a triangular solve, `bL`'s batch
    broadcast against `bx`'s (a batch of values solves with the one L)."""
    solved = solve_triangular(bL, bx.unsqueeze(-1), upper=False).squeeze(-1)
    return solved.pow(2).sum(-1)


def _batch_trace_XXT(bmat: Tensor) -> Tensor:
    """trace(X X^T) per matrix: the sum of its squared entries."""
    return bmat.pow(2).reshape(bmat.shape[:-2] + (-1,)).sum(-1)


def _half_log_det(scale_tril: Tensor) -> Tensor:
    """log det(L L^T) / 2 = the sum of log L_ii."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    """The lower factor L of P^-1 without inverting P (PyTorch's: the Cholesky factor of
    P with its rows and columns reversed, flipped back, is L^-T; one triangular solve)."""
    Lf = cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).transpose(-2, -1)
    Id = eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return solve_triangular(L_inv, Id, upper=False)


class MultivariateNormal(Distribution):
    """The multivariate normal distribution of mean vector `loc` and covariance given by
    exactly one of `covariance_matrix` (positive definite), `precision_matrix` (its
    inverse, positive definite) or `scale_tril` (its lower Cholesky factor, positive
    diagonal). loc's batch axes (all but the last) broadcast with the matrix's (all but
    the last two); reparameterisable."""

    has_rsample = True

    def __init__(
        self,
        loc: Tensor,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        loc = _as_tensor(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {
            name: matrix
            for name, matrix in zip(_MATRICES, (covariance_matrix, precision_matrix, scale_tril))
            if matrix is not None
        }
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        ((name, matrix),) = given.items()
        matrix = _as_tensor(matrix)
        if matrix.ndim < 2:
            raise ValueError(
                f"{name} must be at least two-dimensional, with optional leading batch dimensions"
            )
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(
                f"{name} must be a batch of ({n}, {n}) matrices, {n} the size of loc's "
                f"last axis, got {name} of shape {tuple(matrix.shape)} and loc of shape "
                f"{tuple(loc.shape)}"
            )
        try:
            batch_shape = tuple(np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1]))
        except ValueError:
            raise ShapeError(
                f"The batch shapes of loc {tuple(loc.shape[:-1])} and {name} "
                f"{tuple(matrix.shape[:-2])} do not broadcast"
            ) from None
        self.__dict__[name] = matrix.expand(batch_shape + (n, n))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """loc: real vectors; covariance_matrix and precision_matrix: positive definite;
        scale_tril: lower triangular with a positive diagonal."""
        return {
            "loc": constraints.real_vector,
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
        }

    @property
    def support(self) -> constraints.Constraint:
        """Real vectors."""
        return constraints.real_vector

    def expand(
        self, batch_shape: Shape, _instance: MultivariateNormal | None = None
    ) -> MultivariateNormal:
        """The distribution with loc and whichever matrices are known expanded to
        `batch_shape` (+ the event axes); the factor L stays unbroadcast."""
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        new.loc = self.loc.expand(batch_shape + self._event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in _MATRICES:
            if name in self.__dict__:
                matrix = self.__dict__[name]
                new.__dict__[name] = matrix.expand(batch_shape + self._event_shape * 2)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of the covariance, per batch entry."""
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape * 2)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """L L^T."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._batch_shape + self._event_shape * 2)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """(L L^T)^-1 = L^-T L^-1. PyTorch's cholesky_inverse passes a gradient to all of
        L, its upper triangle included (that of (L L^T)^-1 read as a full matrix), where
        scratchgrad's, made of triangular solves, passes only the lower; L^-1 by `inv`
        differentiates as PyTorch's."""
        L_inv = inv(self._unbroadcasted_scale_tril)
        return (L_inv.mT @ L_inv).expand(self._batch_shape + self._event_shape * 2)

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
        """The covariance's diagonal: each row of L's squares summed."""
        variance = self._unbroadcasted_scale_tril.pow(2).sum(-1)
        return variance.expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """loc + L eps, eps standard normal vectors from scratchgrad's generator."""
        shape = self._extended_shape(sample_shape)
        eps = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value: Tensor) -> Tensor:
        """-(n log(2 pi) + M) / 2 - log det(L), M the Mahalanobis term |L^-1 (value -
        loc)|^2 (a triangular solve)."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self) -> Tensor:
        """n (1 + log(2 pi)) / 2 + log det(L)."""
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return H if not self._batch_shape else H.expand(self._batch_shape)
