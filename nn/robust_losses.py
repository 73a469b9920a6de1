"""Smooth L1, Huber and KL divergence losses (`F.smooth_l1_loss`, `F.huber_loss`,
`F.kl_div`), PyTorch's definitions, composed of table ops.

    smooth_l1: 0.5 d^2 / beta where |d| < beta, else |d| - beta / 2   (d = input - target)
    huber:     0.5 d^2 where |d| <= delta, else delta (|d| - delta / 2)
    kl_div:    target (log target - input), input being log-probabilities (0 where the
               target is 0); log_target=True takes log-probabilities as targets too

Both regression losses are quadratic near 0 (a smooth gradient for small errors) and
linear far from it (an outlier pulls no harder than any other large error).
"""

import warnings

from .. import autograd
from .functional import _node, _same_shape
from .reduction import reduce as _reduce
from .reduction import reduction_of


def _quadratic_then_linear(input, target, width, quadratic_scale, linear_scale, who):
    x = _node(input)
    _same_shape(x, target, who)
    d = x - target
    size = d.abs()
    near = size.data < width
    return autograd.where(near, d * d * quadratic_scale, (size - 0.5 * width) * linear_scale)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """PyTorch's smooth L1: 0.5 d^2 / beta inside |d| < beta, |d| - beta/2 outside
    (beta=0: the L1 loss)."""
    reduction = reduction_of(reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        x = _node(input)
        _same_shape(x, target, "smooth_l1_loss")
        return _reduce((x - target).abs(), reduction)
    losses = _quadratic_then_linear(input, target, beta, 0.5 / beta, 1.0, "smooth_l1_loss")
    return _reduce(losses, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """PyTorch's Huber loss: 0.5 d^2 inside |d| <= delta, delta (|d| - delta/2) outside
    (smooth_l1 times delta)."""
    reduction = reduction_of(reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    if weight is not None:
        raise NotImplementedError(
            "huber_loss(weight=...) is not supported; weight the losses of reduction='none'"
        )
    losses = _quadratic_then_linear(input, target, delta, 0.5, delta, "huber_loss")
    return _reduce(losses, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise, summed as `reduction` says: "batchmean" (the
    sum over the batch's size: the true KL divergence per sample), "sum", "mean" (over
    every element, which PyTorch warns is not the KL divergence) or "none"."""
    if reduction != "batchmean":
        reduction = reduction_of(reduction, size_average, reduce)
    x = _node(input)
    _same_shape(x, target, "kl_div")
    t = (
        target
        if isinstance(target, autograd.Tensor)
        else autograd.tensor(target, dtype=x.dtype, device=x.device)
    )
    if log_target:
        pointwise = t.exp() * (t - x)
    else:  # 0 log 0 = 0: the log is taken of 1 where the target is 0
        positive = t.data > 0
        log_t = autograd.where(positive, t, 1.0).log()
        pointwise = t * (log_t - x)
    if reduction == "batchmean":
        return pointwise.sum() * (1.0 / (x.shape[0] if x.ndim else 1))
    if reduction == "mean":
        warnings.warn(
            "kl_div(reduction='mean') divides by every element, not the batch size: "
            "reduction='batchmean' is the KL divergence (PyTorch warns the same)",
            UserWarning,
            stacklevel=2,
        )
    return _reduce(pointwise, reduction)
