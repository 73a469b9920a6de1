"""The discrete distributions: `Bernoulli`, `Categorical` and `OneHotCategorical`, each
given `probs` or `logits` (one of them); the other is computed on first use.

As PyTorch's: Categorical normalises `probs` to sum to 1 over the last axis and `logits`
to `logits - logsumexp(logits)`; its samples are int64 class indices, Bernoulli's are
floats (0. and 1.) of the parameter's dtype. `log_prob` of a sampled action is what
REINFORCE differentiates: `loss = -m.log_prob(a) * reward; loss.backward()`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..autograd import Tensor, get_default_dtype, no_grad, tensor
from ..autograd.devices import on_host
from ..autograd.factories import arange, eye, full, rand
from ..autograd.random import default_generator
from ..nn import functional as F
from . import constraints
from .distribution import (
    Distribution,
    Shape,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical"]


def _one_of(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _as_tensor(value: Any) -> Tensor:
    """A Tensor as it is; a list or array as a Tensor of the default float dtype."""
    return value if isinstance(value, Tensor) else tensor(value, dtype=get_default_dtype())


def _bce_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    """PyTorch's binary_cross_entropy_with_logits, reduction='none':
    (1 - target) logits - logsigmoid(logits); differentiable in both."""
    return (1 - target) * logits - F.logsigmoid(logits)


def _one_hot(indices: Tensor, num_classes: int, dtype: Any) -> Tensor:
    classes = arange(num_classes, device=indices.device)
    return (indices.unsqueeze(-1) == classes).astype(dtype)


def _draw_categories(probs: Tensor, n: int) -> np.ndarray:
    """`n` class indices per row of the 2-D `probs`, by the inverse of each row's CDF
    (uniform draws from scratchgrad's generator); shape (rows, n), int64."""
    cdf = np.cumsum(on_host(probs).astype(np.float64), axis=-1)
    cdf = cdf / cdf[:, -1:]  # the last entry exactly 1: every draw u < 1 finds a class
    u = default_generator().random((cdf.shape[0], n))
    drawn = [np.searchsorted(c, row, side="right") for c, row in zip(cdf, u)]
    return np.stack(drawn).astype(np.int64) if drawn else np.zeros((0, n), np.int64)


def _expand_parameters(source: Any, new: Any, shape: tuple[int, ...]) -> None:
    """Whichever of probs and logits `source` holds, expanded to `shape` onto `new`."""
    for name in ("probs", "logits"):
        if name in source.__dict__:
            new.__dict__[name] = new._param = source.__dict__[name].expand(shape)


class BinaryTrial:
    """probs and logits of a yes/no trial, each computed from the other when first
    asked (Bernoulli, Geometric and Binomial take either)."""

    _param: Tensor

    def __init__(
        self,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        _one_of(probs, logits)
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        assert given is not None
        (self._param,) = broadcast_all(given)
        self.__dict__[name] = self._param
        batch_shape = () if isinstance(given, numbers.Number) else self._param.shape
        super().__init__(batch_shape, validate_args=validate_args)  # type: ignore[call-arg]

    @lazy_property
    def logits(self) -> Tensor:
        """log(p) - log(1 - p), of p clamped to [eps, 1 - eps]."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """sigmoid(logits)."""
        return logits_to_probs(self.logits, is_binary=True)


class Bernoulli(BinaryTrial, Distribution):
    """1 with probability `probs` (or sigmoid(`logits`)), else 0; numbers or Tensors."""

    has_enumerate_support = True

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """probs in [0, 1]; logits real."""
        return {"probs": constraints.unit_interval, "logits": constraints.real}

    @property
    def support(self) -> constraints.Constraint:
        """{0, 1}."""
        return constraints.boolean

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given."""
        return self._param.shape

    def expand(self, batch_shape: Shape, _instance: Bernoulli | None = None) -> Bernoulli:
        """The distribution with its parameter expanded to `batch_shape`."""
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = tuple(batch_shape)
        _expand_parameters(self, new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """probs."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where below, NaN at exactly 1/2."""
        probs = self.probs
        with no_grad():
            return (probs >= 0.5).astype(probs.dtype).masked_fill(probs == 0.5, math.nan)

    @property
    def variance(self) -> Tensor:
        """p (1 - p)."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """0. or 1. per entry (u < p, u uniform from scratchgrad's generator)."""
        shape = self._extended_shape(sample_shape)
        probs = self.probs
        with no_grad():
            u = rand(shape, dtype=probs.dtype, device=probs.device)
            return (u < probs.expand(shape)).astype(probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """-binary_cross_entropy_with_logits(logits, value)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self) -> Tensor:
        """binary_cross_entropy_with_logits(logits, probs)."""
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """[0., 1.] along a new first axis (expanded over the batch if `expand`)."""
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((2,) + self._batch_shape) if expand else values


class Categorical(Distribution):
    """One of K classes, with probabilities `probs` (normalised over the last axis) or
    softmax(`logits`); the axes before the last are the batch."""

    has_enumerate_support = True

    def __init__(
        self,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        _one_of(probs, logits)
        if probs is not None:
            probs = _as_tensor(probs)
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self._param = self.__dict__["probs"] = probs / probs.sum(-1, keepdim=True)
        else:
            logits = _as_tensor(logits)
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            normalised = logits - logits.logsumexp(-1, keepdim=True)
            self._param = self.__dict__["logits"] = normalised
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.ndim > 1 else ()
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """probs on the simplex; logits real vectors."""
        return {"probs": constraints.simplex, "logits": constraints.real_vector}

    @property
    def support(self) -> constraints.Constraint:
        """The integers 0 .. K-1."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """log(probs), of probs clamped to [eps, 1 - eps]."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """softmax(logits) over the last axis."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """batch_shape + (K,)."""
        return self._param.shape

    def expand(self, batch_shape: Shape, _instance: Categorical | None = None) -> Categorical:
        """The distribution with its parameter expanded to `batch_shape` + (K,)."""
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = tuple(batch_shape)
        _expand_parameters(self, new, batch_shape + (self._num_events,))
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """NaN (class indices have no mean), of probs' dtype."""
        probs = self.probs
        return full(self._extended_shape(), math.nan, dtype=probs.dtype, device=probs.device)

    @property
    def mode(self) -> Tensor:
        """The most likely class (int64)."""
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        """NaN, as the mean."""
        return self.mean

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """Class indices (int64) of shape sample_shape + batch_shape."""
        shape = self._extended_shape(sample_shape)
        n = math.prod(shape[: len(shape) - len(self._batch_shape)])
        probs = self.probs
        drawn = _draw_categories(probs.detach().reshape(-1, self._num_events), n)
        return tensor(drawn.T.reshape(shape), device=probs.device)

    def log_prob(self, value: Tensor) -> Tensor:
        """log(probs[value]): the normalised logits gathered at the class indices."""
        if self._validate_args:
            self._validate_sample(value)
        index = _as_tensor(value).long().unsqueeze(-1)
        logits = self.logits
        shape = tuple(np.broadcast_shapes(index.shape, logits.shape))
        index = index.expand(shape[:-1] + (1,))
        log_pmf = logits if logits.shape == shape else logits.expand(shape)
        return log_pmf.gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum(p log p) over the classes (logits clamped to the dtype's lowest number)."""
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. K-1 (int64) along a new first axis (expanded over the batch if `expand`)."""
        values = arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((self._num_events,) + self._batch_shape) if expand else values


class OneHotCategorical(Distribution):
    """`Categorical` whose values are one-hot vectors of length K (event_shape (K,))."""

    has_enumerate_support = True

    def __init__(
        self,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """probs on the simplex; logits real vectors (checked by the Categorical inside)."""
        return {"probs": constraints.simplex, "logits": constraints.real_vector}

    @property
    def support(self) -> constraints.Constraint:
        """One-hot vectors."""
        return constraints.one_hot

    def expand(
        self, batch_shape: Shape, _instance: OneHotCategorical | None = None
    ) -> OneHotCategorical:
        """The distribution with its parameter expanded to `batch_shape` + (K,)."""
        new = self._get_checked_instance(OneHotCategorical, _instance)
        batch_shape = tuple(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        """The Categorical's normalised probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The Categorical's normalised logits."""
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        """batch_shape + (K,)."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        """probs."""
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """The most likely class, one-hot, in probs' dtype."""
        probs = self._categorical.probs
        return _one_hot(probs.argmax(-1), probs.shape[-1], probs.dtype)

    @property
    def variance(self) -> Tensor:
        """p (1 - p) per class."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """One-hot vectors, in probs' dtype."""
        indices = self._categorical.sample(sample_shape)
        return _one_hot(indices, self._categorical._num_events, self._categorical.probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """The Categorical's log_prob at each vector's hot index."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(_as_tensor(value).argmax(-1))

    def entropy(self) -> Tensor:
        """The Categorical's entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The K one-hot vectors along a new first axis (expanded over the batch)."""
        n = self._event_shape[0]
        values = eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + self._batch_shape + (n,)) if expand else values
