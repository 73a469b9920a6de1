"""The sets a distribution's parameters and values must lie in (PyTorch's
`torch.distributions.constraints`, the few the distributions here use).

`constraint.check(value)` gives a bool Tensor, True where `value` is inside (one entry per
event: the last `event_dim` axes are reduced). `Distribution` calls it when validating.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad, tensor
from ..autograd.devices import on_host
from ..autograd.factories import full

__all__ = [
    "Constraint",
    "boolean",
    "greater_than",
    "greater_than_eq",
    "independent",
    "integer_interval",
    "interval",
    "less_than",
    "lower_cholesky",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "real",
    "real_vector",
    "simplex",
    "unit_interval",
]


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else tensor(value)


class Constraint:
    """A set of values; `check(value)` says, per event, whether `value` is in it."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Any) -> Tensor:
        """A bool Tensor: True where `value` satisfies the constraint."""
        with no_grad():
            return self._check(_as_tensor(value))

    def _check(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Real(Constraint):
    """The extended real line: anything but NaN."""

    def _check(self, value: Tensor) -> Tensor:
        return value == value


class _GreaterThan(Constraint):
    """(lower_bound, inf]."""

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _check(self, value: Tensor) -> Tensor:
        return value > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(Constraint):
    """[lower_bound, inf]."""

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _check(self, value: Tensor) -> Tensor:
        return value >= self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _IntegerGreaterThan(Constraint):
    """The whole numbers from lower_bound up (counts: Poisson's, Geometric's)."""

    is_discrete = True

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    """[-inf, upper_bound)."""

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def _check(self, value: Tensor) -> Tensor:
        return value < self.upper_bound

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """[lower_bound, upper_bound], both ends in."""

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, value: Tensor) -> Tensor:
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(_Interval):
    """The whole numbers in [lower_bound, upper_bound]."""

    is_discrete = True

    def _check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & super()._check(value)

    def __repr__(self) -> str:
        return "Integer" + super().__repr__()


class _Boolean(Constraint):
    """The two values {0, 1}."""

    is_discrete = True

    def _check(self, value: Tensor) -> Tensor:
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    """Vectors of zeros with a single one (along the last axis)."""

    is_discrete = True
    event_dim = 1

    def _check(self, value: Tensor) -> Tensor:
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _Simplex(Constraint):
    """Vectors of non-negative numbers summing to 1 (within 1e-6), along the last axis."""

    event_dim = 1

    def _check(self, value: Tensor) -> Tensor:
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _Independent(Constraint):
    """`base` over whole events: its check, all-reduced over `reinterpreted_batch_ndims`
    more axes."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base = base
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def _check(self, value: Tensor) -> Tensor:
        result = self.base._check(value)
        n = self.reinterpreted_batch_ndims
        if n == 0:
            return result
        return result.reshape(result.shape[: result.ndim - n] + (-1,)).all(-1)

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base!r}, {self.reinterpreted_batch_ndims})"


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal: the Cholesky factors
    (MultivariateNormal's scale_tril)."""

    event_dim = 2

    def _check(self, value: Tensor) -> Tensor:
        lower = (value.tril() == value).reshape(value.shape[:-2] + (-1,)).all(-1)
        return lower & (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)


class _Symmetric(Constraint):
    """Square matrices equal to their transpose (PyTorch's isclose test: within
    1e-6 + 1e-5 |entry|); all False for matrices that are not square."""

    event_dim = 2

    def _check(self, value: Tensor) -> Tensor:
        square = value.shape[-2] == value.shape[-1]
        if not square:
            return full(value.shape[:-2], False, dtype=bool, device=value.device)
        close = (value - value.mT).abs() <= 1e-6 + 1e-5 * value.mT.abs()
        return close.reshape(value.shape[:-2] + (-1,)).all(-1)


class _PositiveDefinite(_Symmetric):
    """Symmetric matrices whose Cholesky factorisation succeeds (PyTorch's test, by
    `cholesky_ex`'s info), checked one matrix at a time on the host. Each matrix gets its
    own answer: PyTorch's gives only the symmetry test's when any of a batch is not
    symmetric (so -I reads True beside a non-symmetric one)."""

    def _check(self, value: Tensor) -> Tensor:
        symmetric = super()._check(value)
        if not bool(symmetric.any()):
            return symmetric
        matrices = on_host(value)
        flat = matrices.reshape((-1,) + matrices.shape[-2:])
        factorised = np.array([_factorises(m) for m in flat], dtype=bool)
        return symmetric & tensor(factorised.reshape(matrices.shape[:-2]), device=value.device)


def _factorises(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def greater_than(lower_bound: Any) -> Constraint:
    """The values above `lower_bound` (a number or a Tensor)."""
    return _GreaterThan(lower_bound)


def greater_than_eq(lower_bound: Any) -> Constraint:
    """The values from `lower_bound` up, `lower_bound` included."""
    return _GreaterThanEq(lower_bound)


def less_than(upper_bound: Any) -> Constraint:
    """The values below `upper_bound` (a number or a Tensor)."""
    return _LessThan(upper_bound)


def interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """The closed interval [lower_bound, upper_bound]."""
    return _Interval(lower_bound, upper_bound)


def integer_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """The whole numbers from `lower_bound` to `upper_bound`, both included."""
    return _IntegerInterval(lower_bound, upper_bound)


def independent(base: Constraint, reinterpreted_batch_ndims: int) -> Constraint:
    """`base` applied to whole events of `reinterpreted_batch_ndims` more axes."""
    return _Independent(base, reinterpreted_batch_ndims)


real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
nonnegative_integer = _IntegerGreaterThan(0)
unit_interval = _Interval(0.0, 1.0)
boolean = _Boolean()
one_hot = _OneHot()
simplex = _Simplex()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
