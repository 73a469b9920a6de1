"""Negative log-likelihood losses of two distributions (`F.gaussian_nll_loss`,
`F.poisson_nll_loss`): PyTorch's definitions, composed of table ops.

    gaussian: 0.5 (log max(var, eps) + (input - target)^2 / max(var, eps))  [+ 0.5 log 2 pi]
    poisson:  exp(input) - target input          (log_input=True: input is log rate)
              input - target log(input + eps)    (log_input=False: input is the rate)
              [+ Stirling's target log target - target + 0.5 log(2 pi target), target > 1]

As in PyTorch, the variance is clamped at eps without cutting its gradient: the
gradient is the formula's at the clamped value, passed to var unchanged.
"""

import math

from .. import autograd
from ..autograd.backend import namespace
from .margin_losses import _input, _operand, broadcast_shape
from .reduction import reduce as _reduce
from .reduction import reduction_of


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The Gaussian negative log-likelihood of `target` under mean `input` and variance
    `var`: a tensor of the input's shape (one variance each), of the input's shape with
    the last axis dropped or one axis of size 1 (shared along that axis), or a number."""
    who = "gaussian_nll_loss"
    x = _input(input, who)
    t = _operand(target, x, "target", who)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        v = x._constant_like(namespace(x._data).full(x.shape, float(var), dtype=x.dtype))
    else:
        v = _operand(var, x, "var", who)
        if (v.data < 0).any():
            raise ValueError("var has negative entry/entries")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:  # one variance per row: shared along the last axis
            v = v.unsqueeze(-1)
        elif not (
            x.ndim == v.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1
        ):  # (else one axis of size 1, shared along it)
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    broadcast_shape(who, x.shape, t.shape, v.shape)
    low = v.data < eps
    if low.any():  # clamped, the gradient passing straight through (PyTorch's no_grad clamp)
        v = autograd.where(low, v - v.detach() + eps, v)
    losses = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(losses, reduction)


def poisson_nll_loss(
    input,
    target,
    log_input=True,
    full=False,
    size_average=None,
    eps=1e-8,
    reduce=None,
    reduction="mean",
):
    """The Poisson negative log-likelihood of counts `target` (see the module's
    docstring); `full` adds Stirling's approximation of log(target!) where target > 1."""
    who = "poisson_nll_loss"
    reduction = reduction_of(reduction, size_average, reduce)
    x = _input(input, who)
    t = _operand(target, x, "target", who)
    broadcast_shape(who, x.shape, t.shape)
    losses = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        counted = t.data > 1
        # the term is 0 where target <= 1; there it is taken of 1, so no log(0) reaches
        # the gradient (PyTorch's is NaN at target 0 when the target requires grad)
        safe = autograd.where(counted, t, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        losses = losses + autograd.where(counted, stirling, 0.0)
    return _reduce(losses, reduction)
