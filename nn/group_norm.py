"""Group and instance normalisation (Wu & He 2018; Ulyanov et al. 2016), PyTorch's
`F.group_norm`, `F.instance_norm`, `nn.GroupNorm` and `nn.InstanceNorm1d/2d`.

Both normalise each sample on its own, over groups of its channels (one group: all of
them; a group per channel: instance norm) and all positions, then scale and shift per
channel. That is batch norm of the input folded to (1, N*groups, rest): each "channel"
of the fold is one sample's group, so both run as the one fused `batch_norm` op
(`autograd/ops_norm.py`), not as a dozen reductions.

    F.group_norm(x, 4, weight, bias)            # x (N, C, ...), C divisible by 4
    F.instance_norm(x, running_mean, running_var, weight, bias, use_input_stats=True)
"""

import warnings

import numpy as np

from ..autograd.errors import ShapeError
from ..autograd.vjp_math import data_of
from .dtypes import float_dtype, layer_input
from .functional import _node, batch_norm
from .layers import BatchNorm1d
from .module import Module, Parameter


def _per_channel(out, weight, bias):
    """out * weight + bias, each (C,) broadcast over axis 1."""
    shape = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * _node(weight).reshape(shape)
    if bias is not None:
        out = out + _node(bias).reshape(shape)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Per sample, (x - mean) / sqrt(var + eps) over each group of C / num_groups
    channels and all positions (biased variance), then weight and bias per channel."""
    x = _node(input)
    if x.ndim < 2:
        raise ShapeError(f"group_norm expects input of shape (N, C, ...), got {x.shape}")
    n, c = x.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise ShapeError(
            f"group_norm: {c} channels do not split into num_groups={num_groups} equal "
            f"groups; pick a divisor of {c}"
        )
    if n == 0:
        return _per_channel(x * 1.0, weight, bias)
    if x.data.size == n * num_groups:  # one value per group: it is its own mean
        return _per_channel(x * 0.0, weight, bias)
    folded = x.reshape(1, n * num_groups, -1)
    out = batch_norm(folded, None, None, training=True, eps=eps).reshape(x.shape)
    return _per_channel(out, weight, bias)


def instance_norm(
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-5,
):
    """Per sample and channel, (x - mean) / sqrt(var + eps) over the positions. With
    running statistics and use_input_stats, they move toward the batch's average of the
    instances' means and unbiased variances (in place); use_input_stats=False
    normalises by them instead."""
    x = _node(input)
    if x.ndim < 3:
        raise ShapeError(
            f"instance_norm expects input of shape (N, C, L) or (N, C, H, W), got {x.shape}"
        )
    if not use_input_stats:
        out = batch_norm(x, running_mean, running_var, training=False, eps=eps)
        return _per_channel(out, weight, bias)
    n, c = x.shape[:2]
    if x.data.size // max(1, n * c) < 2:
        raise ShapeError(
            f"instance_norm needs more than one position per channel, got input of shape {x.shape}"
        )
    tracked = running_mean is not None and running_var is not None
    tiled = [np.tile(data_of(r), n) for r in (running_mean, running_var)] if tracked else None
    folded = x.reshape((1, n * c) + x.shape[2:])
    out = batch_norm(
        folded,
        tiled[0] if tracked else None,
        tiled[1] if tracked else None,
        training=True,
        momentum=momentum,
        eps=eps,
    ).reshape(x.shape)
    if tracked:  # each instance moved its copy; the running values are their average
        for running, moved in zip((running_mean, running_var), tiled):
            data_of(running)[...] = moved.reshape(n, c).mean(axis=0)
    return _per_channel(out, weight, bias)


class GroupNorm(Module):
    """Normalise each sample over groups of channels: num_channels / num_groups channels
    and all positions per group; weight 1 and bias 0 per channel (affine=True). The same
    in training and eval, and a batch of one is fine. Input: (N, C, ...)."""

    def __init__(
        self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True
    ):
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels={num_channels} must be divisible by "
                f"num_groups={num_groups}"
            )
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = eps, affine
        dtype = float_dtype(dtype, "GroupNorm")
        self.weight = Parameter(np.ones(num_channels), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_channels), dtype=dtype) if affine and bias else None
        if device is not None:
            self._to_device(device)

    def forward(self, x):
        if self.weight is not None:
            x = layer_input(x, self.weight.dtype, "GroupNorm")
        x = _node(x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(
                f"GroupNorm({self.num_groups}, {self.num_channels}) expects input of "
                f"shape (N, {self.num_channels}, ...), got {x.shape}"
            )
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(BatchNorm1d):
    """PyTorch's defaults: no affine parameters and no running statistics. With
    track_running_stats=True, eval mode normalises by the running statistics."""

    _positions = 1  # position axes after (N, C)

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=False,
        track_running_stats=False,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def forward(self, x):
        x = self._input(x)
        batched = x.ndim == self._positions + 2
        if not batched and x.ndim != self._positions + 1:
            raise ShapeError(
                f"{type(self).__name__} expects input with {self._positions + 2} axes "
                f"(N, C, ...) or {self._positions + 1} (C, ...), got {x.shape}"
            )
        x = x if batched else x.reshape((1,) + x.shape)
        if x.shape[1] != self.num_features:
            message = (
                f"{type(self).__name__}({self.num_features}) expects {self.num_features} "
                f"channels on axis {1 if batched else 0}, got input of shape {x.shape}"
            )
            if self.affine or self.running_mean is not None:
                raise ValueError(message)
            warnings.warn(message + " (unused without affine or running stats)", stacklevel=2)
        # PyTorch's rules: the running statistics move in training (momentum None keeps
        # them), are used in eval, and num_batches_tracked stays 0
        out = instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_input_stats=self.training or self.running_mean is None,
            momentum=self.momentum if self.momentum is not None else 0.0,
            eps=self.eps,
        )
        return out if batched else out.reshape(out.shape[1:])


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L) input: each sample's channel over its length."""


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W) input: each sample's channel over its
    image (style transfer's normalisation)."""

    _positions = 2
