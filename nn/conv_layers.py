"""Convolutional layers with PyTorch's names, layouts, defaults and `state_dict` keys.

    Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True)
    MaxPool2d(kernel_size, stride=None, padding=0); AvgPool2d(...)
    BatchNorm2d(num_features, eps=1e-5, momentum=0.1)

`Conv2d`'s default init is PyTorch's: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
with fan_in = in_channels * kh * kw (what kaiming_uniform_(a=sqrt(5)) gives).
"""
import math

import numpy as np

from ..autograd import Tensor

from . import convolution as C
from .init import make_rng
from .layers import BatchNorm1d
from .module import Module, Parameter


class Conv2d(Module):
    """y = conv2d(x, weight, bias): weight (out_channels, in_channels, kh, kw)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 bias=True, *, dtype=np.float64, rng=None, seed=None):
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"Conv2d needs positive channel counts, got in_channels="
                             f"{in_channels}, out_channels={out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = C.pair(kernel_size, "kernel_size")
        self.stride, self.padding = C.pair(stride, "stride"), C.pair(padding, "padding")
        C.check_geometry(self.kernel_size, self.stride, self.padding, "Conv2d")
        gen = make_rng(rng, seed)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(fan_in)
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.weight = Parameter(gen.uniform(-bound, bound, shape), dtype=dtype)
        self.bias = Parameter(gen.uniform(-bound, bound, self.out_channels), dtype=dtype) \
            if bias else None

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x, dtype=self.weight.dtype)
        if x.ndim == 4 and x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2d expected {self.in_channels} input channels, got "
                             f"{x.shape[1]} (input shape {x.shape})")
        return C.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class _Pool(Module):
    _function = None

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = C.pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else C.pair(stride, "stride")
        self.padding = C.pair(padding, "padding")
        C.check_geometry(self.kernel_size, self.stride, self.padding, type(self).__name__)

    def forward(self, x):
        return type(self)._function(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    """The max of each kernel_size window (stride defaults to kernel_size)."""
    _function = staticmethod(C.max_pool2d)


class AvgPool2d(_Pool):
    """The mean of each kernel_size window (stride defaults to kernel_size)."""
    _function = staticmethod(C.avg_pool2d)


class BatchNorm2d(BatchNorm1d):
    """Batch norm per channel over (N, H, W): PyTorch's semantics and state_dict names."""

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x, dtype=self.running_mean.dtype)
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm2d({self.num_features}) expects input of shape "
                             f"(N, {self.num_features}, H, W), got {x.shape}")
        return self._normalize(x, axes=(0, 2, 3))
