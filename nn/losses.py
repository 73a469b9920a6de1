"""Loss modules, PyTorch's: each keeps its options and calls its `nn.functional` function.

    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss = criterion(logits, labels)          # forward(input, target)

A class weight is kept as a buffer (so it is in the state_dict, as in PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from ..autograd import Tensor
from ..autograd.backend import Array, ArrayLike
from . import functional as F
from .module import Module
from .reduction import reduction_of


class _Loss(Module):
    _function: Callable[..., Any] | None = None  # the nn.functional loss (subclasses)

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        self.reduction: str = reduction_of(reduction, size_average, reduce)

    def forward(self, input: Any, target: Any) -> Any:
        """The loss of `input` (the model's output: a Tensor, or for MSELoss also
        micrograd Values) against `target`, reduced as the loss was set up to."""
        function = cast("Callable[..., Any]", type(self)._function)
        return function(input, target, reduction=self.reduction)


class _WeightedLoss(_Loss):
    weight: Array | Tensor | None  # a buffer (register_buffer): the class weights

    def __init__(
        self,
        weight: ArrayLike | Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)

    def forward(self, input: Any, target: Any) -> Any:
        function = cast("Callable[..., Any]", type(self)._function)
        return function(input, target, weight=self.weight, reduction=self.reduction)


class MSELoss(_Loss):
    """mean((input - target)^2)."""

    _function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """mean(|input - target|)."""

    _function = staticmethod(F.l1_loss)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (after a sigmoid)."""

    _function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of raw scores (the sigmoid inside, stable)."""

    pos_weight: Array | Tensor | None  # a buffer: the weight of positive examples

    def __init__(
        self,
        weight: ArrayLike | Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: ArrayLike | Tensor | None = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: ArrayLike | Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (classes on axis 1)."""

    def __init__(
        self,
        weight: ArrayLike | Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: ArrayLike | Tensor) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """log_softmax + NLL of raw scores (classes on axis 1), fused and stable."""

    def __init__(
        self,
        weight: ArrayLike | Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: ArrayLike | Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class SmoothL1Loss(_Loss):
    """Quadratic for errors under beta, linear beyond (Fast R-CNN's box loss)."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Any:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 for errors up to delta, delta (|d| - delta/2) beyond."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """KL(target || exp(input)) of log-probabilities; reduction="batchmean" is the
    divergence per sample."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        if reduction == "batchmean":
            super().__init__(size_average, reduce)
            self.reduction = "batchmean"
        else:
            super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Any, target: Any) -> Any:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
