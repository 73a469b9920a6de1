"""Convolutional layers with PyTorch's names, layouts, defaults and `state_dict` keys.

    Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
           groups=1, bias=True, padding_mode="zeros", device=None, dtype=None)
    MaxPool2d(kernel_size, stride=None, padding=0); AvgPool2d(...)
    BatchNorm2d(num_features, eps=1e-5, momentum=0.1)

padding may also be "valid" (0) or "same" (stride 1; an even kernel gets PyTorch's
extra row and column at the bottom and right). `dilation`,
`groups` and `padding_mode` ("zeros", "reflect", "replicate", "circular") are PyTorch's
(weight (out, in/groups, kh, kw)).

`Conv2d`'s default init is PyTorch's: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
with fan_in = in_channels / groups * kh * kw (what kaiming_uniform_(a=sqrt(5)) gives).
"""

import math
from collections.abc import Callable
from typing import Any

from ..autograd.errors import ShapeError
from . import convolution as C
from . import functional as F
from .dtypes import float_dtype, layer_input
from .init import make_rng
from .layers import BatchNorm1d
from .module import Module, Parameter

_PADDING_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}


def _unsupported(who, option, value, instead):
    raise NotImplementedError(f"{who}({option}={value!r}) is not supported; {instead}")


def _compact(pair):
    """(2, 2) -> 2 for reprs, as PyTorch prints what was given."""
    return pair[0] if pair[0] == pair[1] else pair


class Conv2d(Module):
    """y = conv2d(x, weight, bias): weight (out_channels, in_channels, kh, kw)."""

    _output_padding = (0, 0)  # ConvTranspose2d's, for the repr

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
        *,
        rng=None,
        seed=None,
    ):
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"Conv2d needs positive channel counts, got in_channels="
                f"{in_channels}, out_channels={out_channels}"
            )
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"Conv2d: groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) "
                f"must both be divisible by groups ({groups})"
            )
        self.dilation, self.groups = C.pair(dilation, "dilation"), groups
        if min(self.dilation) < 1:
            raise ValueError(f"Conv2d: dilation must be >= 1, got {dilation}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{type(self).__name__}: padding_mode must be one of "
                f"{', '.join(map(repr, _PADDING_MODES))}, got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = C.pair(kernel_size, "kernel_size")
        self.stride = C.pair(stride, "stride")
        self._padding_name = padding if isinstance(padding, str) else None
        self.padding = self._padding(padding)
        C.check_geometry(self.kernel_size, self.stride, self.padding, "Conv2d")
        dtype = float_dtype(dtype, "Conv2d")
        gen = make_rng(rng, seed)
        shape = self._weight_shape()
        fan_in = shape[1] * self.kernel_size[0] * self.kernel_size[1]  # PyTorch's: axis 1
        bound = 1.0 / math.sqrt(fan_in)
        self.weight = Parameter(gen.uniform(-bound, bound, shape), dtype=dtype)
        self.bias = (
            Parameter(gen.uniform(-bound, bound, self.out_channels), dtype=dtype) if bias else None
        )
        if device is not None:
            self._to_device(device)

    def _weight_shape(self):
        """(out_channels, in_channels / groups, kh, kw)."""
        return (self.out_channels, self.in_channels // self.groups) + self.kernel_size

    def _padding(self, padding):
        """A pair; "valid" is 0 and "same" keeps H and W (stride 1; the forward adds
        the extra row and column an even kernel, as spread by the dilation, needs)."""
        spread = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation))
        return C.named_padding(padding, spread, self.stride, "Conv2d")

    def forward(self, x):
        x = layer_input(x, self.weight.dtype, "Conv2d")
        if x.ndim == 3 and x.shape[0] == self.in_channels:  # one (C, H, W) image, as PyTorch
            return self.forward(x.unsqueeze(0)).squeeze(0)
        self._check_layout(x)
        padding = "same" if self._padding_name == "same" else self.padding  # even kernels
        if self.padding_mode != "zeros":  # padded here by reflection, copies or wrapping
            x, padding = self._padded(x), (0, 0)
        return C.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def _padded(self, x):
        """x padded as padding_mode says (F.pad's modes), with "same"'s extra row and
        column of an even kernel at the bottom and right, as PyTorch."""
        (ph, pw), extra = self.padding, (0, 0)
        if self._padding_name == "same":
            spread = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation)]
            extra = C.same_padding_extra(spread)
        mode = _PADDING_MODES[self.padding_mode]
        return F.pad(x, (pw, pw + extra[1], ph, ph + extra[0]), mode=mode)

    def _check_layout(self, x):
        """(N, C, H, W) with C = in_channels, or an error that says how to get there."""
        c = self.in_channels
        if x.ndim == 4 and x.shape[1] == c:
            return
        if x.ndim == 4:
            hint = (
                "; channels-last images (N, H, W, C)? use x.permute(0, 3, 1, 2)"
                if x.shape[3] == c
                else ""
            )
            raise ShapeError(
                f"{type(self).__name__} expected {c} input channels, got {x.shape[1]} (input "
                f"shape {x.shape}){hint}"
            )
        who = type(self).__name__
        got = f"{who} expects a 4-D input (N, C, H, W) with C = {c}, got shape {x.shape}"
        if x.ndim == 3:
            n, h, w = x.shape
            if c == 1:
                hint = (
                    f"images without a channel axis? add it: x[:, None] or "
                    f"x.reshape({n}, 1, {h}, {w})"
                )
            else:
                hint = (
                    f"add the missing axis so the channels ({c}) are axis 1, e.g. "
                    f"x.reshape(-1, {c}, H, W)"
                )
            raise ValueError(f"{got}: {hint}")
        if x.ndim == 2:
            side = math.isqrt(x.shape[1] // c) if x.shape[1] % c == 0 else 0
            if side * side * c == x.shape[1] and side:
                raise ShapeError(
                    f"{got}: flattened images? reshape them: "
                    f"x.reshape({x.shape[0]}, {c}, {side}, {side})"
                )
        raise ShapeError(got)

    def extra_repr(self):
        padding = self._padding_name or (self.padding if self.padding != (0, 0) else None)
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
            + (f", padding={padding}" if padding else "")
            + (f", dilation={self.dilation}" if self.dilation != (1, 1) else "")
            + (f", output_padding={extra}" if any(extra := self._output_padding) else "")
            + (f", groups={self.groups}" if self.groups != 1 else "")
            + ("" if self.bias is not None else ", bias=False")
            + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")
        )


class _Pool(Module):
    _function: Callable[..., Any] | None = None  # the pooling function (subclasses)
    _defaults: dict[str, Any] = {}  # PyTorch's other options, each supported only at its default
    _options: tuple[str, ...] = ()  # the options passed on to the function

    def __init__(self, kernel_size, stride=None, padding=0, **options):
        who = type(self).__name__
        for name, value in options.items():
            if name in self._defaults and value != self._defaults[name]:
                _unsupported(who, name, value, f"only {name}={self._defaults[name]!r} is")
        self.kernel_size = C.pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else C.pair(stride, "stride")
        self.padding = C.pair(padding, "padding")
        C.check_geometry(self.kernel_size, self.stride, self.padding, who)
        for name in self._options:
            setattr(self, name, options[name])

    def forward(self, x):
        options = {name: getattr(self, name) for name in self._options}
        return type(self)._function(x, self.kernel_size, self.stride, self.padding, **options)

    def extra_repr(self):
        return (
            f"kernel_size={_compact(self.kernel_size)}, stride={_compact(self.stride)}, "
            f"padding={_compact(self.padding)}"
        )


class MaxPool2d(_Pool):
    """The max of each kernel_size window (stride defaults to kernel_size); ceil_mode
    adds the partial windows at the bottom and right, as PyTorch."""

    _function = staticmethod(C.max_pool2d)
    _options = ("dilation", "ceil_mode", "return_indices")

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__(
            kernel_size,
            stride,
            padding,
            dilation=dilation,
            return_indices=bool(return_indices),
            ceil_mode=bool(ceil_mode),
        )

    def extra_repr(self):
        return super().extra_repr() + f", dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class MaxUnpool2d(Module):
    """MaxPool2d(return_indices=True) undone: `unpool(y, indices)` puts each value back
    where it was pooled from, zeros elsewhere (SegNet's decoder)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = C.pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else C.pair(stride, "stride")
        self.padding = C.pair(padding, "padding")

    def forward(self, input, indices, output_size=None):
        return C.max_unpool2d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_Pool):
    """The mean of each kernel_size window (stride defaults to kernel_size), with
    PyTorch's ceil_mode, count_include_pad and divisor_override."""

    _function = staticmethod(C.avg_pool2d)
    _options = ("ceil_mode", "count_include_pad", "divisor_override")

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        super().__init__(
            kernel_size,
            stride,
            padding,
            ceil_mode=bool(ceil_mode),
            count_include_pad=bool(count_include_pad),
            divisor_override=divisor_override,
        )


class AdaptiveAvgPool2d(Module):
    """The mean over adaptive windows that give an `output_size` output whatever the
    input's size (an int, a pair, or None on an axis to keep it): `AdaptiveAvgPool2d(1)`
    is global average pooling, the head of most modern CNNs."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return C.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size!r}"


class BatchNorm2d(BatchNorm1d):
    """Batch norm per channel over (N, H, W): PyTorch's semantics and state_dict names."""

    def forward(self, x):
        x = self._input(x)
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm2d({self.num_features}) expects input of shape "
                f"(N, {self.num_features}, H, W), got {x.shape}"
            )
        return self._normalize(x)
