"""`Distribution`, the base of every distribution here (PyTorch's
`torch.distributions.Distribution`), and the helpers the distributions share.

Shapes are PyTorch's: a sample has shape `sample_shape + batch_shape + event_shape`;
`log_prob` and `entropy` give one number per batch entry. Validation is PyTorch's too:
on unless Python runs with -O (`Distribution.set_default_validate_args(False)`, or
`validate_args=False` for one distribution), it raises ValueError for a parameter or a
`log_prob` value outside its constraint. Every quantity is a composition of Tensor ops,
so gradients flow to the parameters; draws take from scratchgrad's generator
(`scratchgrad.manual_seed`), so they are other numbers than PyTorch's.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np

from ..autograd import Tensor, enable_grad, get_default_dtype, no_grad, tensor
from .constraints import Constraint

__all__ = ["Distribution", "broadcast_all"]

Shape = Sequence[int]
T = TypeVar("T")
D = TypeVar("D", bound="Distribution")


class lazy_property(Generic[T]):
    """A parameter computed from the other on first use (`probs` from `logits` or back),
    with gradient tracking on, then kept on the instance (PyTorch's `lazy_property`)."""

    def __init__(self, wrapped: Callable[[Any], T]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    @overload
    def __get__(self, instance: None, owner: Any = None) -> lazy_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: Any = None) -> T: ...

    def __get__(self, instance: object | None, owner: Any = None) -> T | lazy_property[T]:
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        instance.__dict__[self.__name__] = value
        return value


def _resolved_init(klass: type) -> Any:
    """The __init__ a class's instances run (its own or the first base's that has one)."""
    return next(vars(k)["__init__"] for k in klass.__mro__ if "__init__" in vars(k))


def broadcast_all(*values: Tensor | float) -> tuple[Tensor, ...]:
    """The values as Tensors of one broadcast shape (PyTorch's `broadcast_all`): numbers
    take the first Tensor's dtype and device (the default dtype if all are numbers)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number or scratchgrad.Tensor, got "
            + ", ".join(type(v).__name__ for v in values)
        )
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None else get_default_dtype()
    device = like.device if like is not None else None
    tensors = [
        v if isinstance(v, Tensor) else tensor(v, dtype=dtype, device=device) for v in values
    ]
    shape = tuple(np.broadcast_shapes(*(t.shape for t in tensors)))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """`value` summed over its `dim` last axes."""
    if dim == 0:
        return value
    return value.reshape(value.shape[: value.ndim - dim] + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept in [eps, 1 - eps] (eps of their dtype), so logs stay finite."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (binary) or log-probabilities of (clamped) probabilities."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid of log-odds (binary), or softmax over the last axis."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


class Distribution:
    """The base of the distributions: shapes, validation, `sample` from `rsample`, and
    the names each distribution fills in (`log_prob`, `entropy`, `mean`, ...)."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for every distribution made afterwards."""
        if value not in (True, False):
            raise ValueError(f"validate_args must be True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(
        self,
        batch_shape: Shape = (),
        event_shape: Shape = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if not self._validate_args:
            return
        for param, constraint in self.arg_constraints.items():
            if param not in self.__dict__:
                continue  # a lazily computed parameter: the one given was checked
            value = self.__dict__[param]
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {constraint!r}, but found invalid values:\n{value}"
                )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of one sample (without batching)."""
        return self._event_shape

    @property
    def arg_constraints(self) -> dict[str, Constraint]:
        """Each parameter's constraint, checked when validating."""
        return {}

    @property
    def support(self) -> Constraint:
        """The set the values lie in, checked by `log_prob` when validating."""
        raise NotImplementedError(f"{type(self).__name__} does not define support")

    @property
    def mean(self) -> Tensor:
        """The mean, per batch entry."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """The most likely value, per batch entry."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance, per batch entry."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: the variance's square root."""
        return self.variance.sqrt()

    def expand(self: D, batch_shape: Shape, _instance: D | None = None) -> D:
        """The distribution with its parameters expanded to `batch_shape` (no copies, no
        new validation)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    def sample(self, sample_shape: Shape = ()) -> Tensor:
        """A draw of shape `sample_shape + batch_shape + event_shape`, without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Shape = ()) -> Tensor:
        """A reparameterised draw: gradients flow from it to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no rsample (has_rsample=False)")

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at `value`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at `value`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of the cdf (the quantile function) at `value` in [0, 1]."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        """The entropy, per batch entry."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete distribution, along a new first axis."""
        raise NotImplementedError(f"{type(self).__name__} does not enumerate its support")

    def perplexity(self) -> Tensor:
        """exp(entropy)."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape: Shape | int = ()) -> tuple[int, ...]:
        """sample_shape + batch_shape + event_shape (a sample_shape of n means (n,))."""
        if isinstance(sample_shape, (int, np.integer)):
            sample_shape = (int(sample_shape),)
        return tuple(int(n) for n in sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value: Any) -> None:
        """PyTorch's checks of a `log_prob` value: a Tensor, whose last axes match
        event_shape, that broadcasts with batch_shape, and that lies in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        start = value.ndim - len(self._event_shape)
        if value.shape[start:] != self._event_shape:
            raise ValueError(
                "The right-most size of value must match event_shape: "
                f"{value.shape} vs {self._event_shape}."
            )
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(value.shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    "Value is not broadcastable with batch_shape+event_shape: "
                    f"{value.shape} vs {expected}."
                )
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(
                f"{type(self).__name__} does not define `support` to enable sample "
                "validation; give validate_args=False to turn validation off",
                stacklevel=3,
            )
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) to be within the support ({support!r}) of the "
                f"distribution {self!r}, but found invalid values:\n{value}"
            )

    def _expanded(self: D, cls: type, batch_shape: Shape, _instance: D | None, *names: str) -> D:
        """expand's common body: a new `cls` (or `_instance`) whose parameters `names`
        are this one's, expanded (views, no copies) to `batch_shape`."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = tuple(batch_shape)
        for name in names:
            setattr(new, name, getattr(self, name).expand(batch_shape))
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self: D, cls: type, _instance: D | None = None) -> D:
        if _instance is None and _resolved_init(type(self)) is not _resolved_init(cls):
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom "
                "__init__ method must also define a custom .expand() method."
            )
        return type(self).__new__(type(self)) if _instance is None else _instance

    def __repr__(self) -> str:
        shown = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(
            f"{k}: {v if v.numel() == 1 else tuple(v.shape)}"
            for k, v in ((k, self.__dict__[k]) for k in shown)
        )
        return f"{type(self).__name__}({args})"
