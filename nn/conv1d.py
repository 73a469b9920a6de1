"""One-dimensional convolution and pooling (`F.conv1d`, `F.max_pool1d`, `F.avg_pool1d`,
`F.max_unpool1d`, `nn.Conv1d`, `nn.MaxPool1d`, `nn.AvgPool1d`, `nn.MaxUnpool1d`):
sequences (N, C, L) as images one pixel high, (N, C, 1, L), through the 2-D ops. Same
numbers, gradients and options as the 2-D versions (stride, padding and "same",
dilation, groups; pooling's ceil_mode, count_include_pad, return_indices), in
PyTorch's 1-D layouts, parameter names and printed forms.
"""

import functools
import re

from ..autograd import Tensor
from ..autograd.errors import ShapeError
from . import convolution as C
from .conv_layers import Conv2d, _Pool
from .dtypes import layer_input
from .functional import _node
from .module import Module

_ONE = 1  # the added image height


def _single(value, name):
    """An int or a one-element tuple/list, as PyTorch's 1-D layers take."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} for a 1-D layer needs one number, got {value}")
        value = value[0]
    return value


def _as_image(x, who):
    """(N, C, L) -> (N, C, 1, L); one unbatched (C, L) sequence -> (1, C, 1, L)."""
    x = _node(x)
    if x.ndim not in (2, 3):
        raise ShapeError(f"{who} expects (N, C, L) or (C, L) input, got shape {x.shape}")
    return x.unsqueeze(-2) if x.ndim == 3 else x.unsqueeze(0).unsqueeze(-2), x.ndim == 3


def _as_sequence(y, batched):
    if isinstance(y, tuple):  # (values, indices)
        return tuple(_as_sequence(t, batched) for t in y)
    y = y.squeeze(-2)
    return y if batched else y.squeeze(0)


def _errors_in_one_dimension(function):
    """`function` (a 1-D function run through the 2-D one) with the 2-D one's errors told
    in 1-D: its own name, and "(3,)" / "10" where the 2-D one says "(1, 3)" / "1x10"."""
    two_d = function.__name__.replace("1d", "2d")

    @functools.wraps(function)
    def told_in_one_dimension(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (ValueError, TypeError, RuntimeError, NotImplementedError) as err:
            text = str(err).replace(two_d, function.__name__)
            text = re.sub(r"\((?:0|1), (-?\d+)\)", r"(\1,)", text)  # (1, k), (0, p) pairs
            text = re.sub(r"\b1x(\d+)\b", r"length \1", text)  # 1xL sizes and kernels
            if text == str(err):
                raise
            raise type(err)(text) from None

    return told_in_one_dimension


@_errors_in_one_dimension
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x (N, C, L) and weight (out, C / groups, k) -> (N, out, L_out)."""
    x, batched = _as_image(input, "conv1d")
    weight = weight if isinstance(weight, Tensor) else x._lift(weight)
    if weight.ndim != 3:
        raise ValueError(f"conv1d weight must be 3-D (out, in/groups, k), got {weight.shape}")
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding"))
    y = C.conv2d(
        x,
        weight.unsqueeze(-2),
        bias,
        (1, _single(stride, "stride")),
        pad,
        (1, _single(dilation, "dilation")),
        groups,
    )
    return _as_sequence(y, batched)


@_errors_in_one_dimension
def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """The max of each window of the sequence."""
    x, batched = _as_image(input, "max_pool1d")
    k = _single(kernel_size, "kernel_size")
    s = k if stride is None else _single(stride, "stride")
    y = C.max_pool2d(
        x,
        (1, k),
        (1, s),
        (0, _single(padding, "padding")),
        (1, _single(dilation, "dilation")),
        ceil_mode,
        return_indices,
    )
    return _as_sequence(y, batched)


@_errors_in_one_dimension
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_pool1d undone: each value put back at its index, zeros elsewhere."""
    x, batched = _as_image(input, "max_unpool1d")
    at, _ = _as_image(indices, "max_unpool1d")
    k = _single(kernel_size, "kernel_size")
    s = k if stride is None else _single(stride, "stride")
    if output_size is not None and len(output_size) not in (1, 3):
        raise ShapeError(
            f"max_unpool1d: output_size should hold 1 (L) or 3 (N, C, L) sizes, got "
            f"{tuple(output_size)}"
        )
    size = None if output_size is None else (_ONE, tuple(output_size)[-1])
    y = C.max_unpool2d(x, at, (1, k), (1, s), (0, _single(padding, "padding")), size)
    return _as_sequence(y, batched)


@_errors_in_one_dimension
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window of the sequence."""
    x, batched = _as_image(input, "avg_pool1d")
    k = _single(kernel_size, "kernel_size")
    s = k if stride is None else _single(stride, "stride")
    pad = (0, _single(padding, "padding"))
    y = C.avg_pool2d(x, (1, k), (1, s), pad, ceil_mode, count_include_pad)
    return _as_sequence(y, batched)


class Conv1d(Conv2d):
    """y = conv1d(x, weight, bias): weight (out_channels, in_channels / groups, k),
    PyTorch's layout, init and printed form."""

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
        super().__init__(
            in_channels,
            out_channels,
            (_ONE, _single(kernel_size, "kernel_size")),
            (1, _single(stride, "stride")),
            padding if isinstance(padding, str) else (0, _single(padding, "padding")),
            (1, _single(dilation, "dilation")),
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            rng=rng,
            seed=seed,
        )

    def _weight_shape(self):
        """(out_channels, in_channels / groups, k)."""
        return (self.out_channels, self.in_channels // self.groups, self.kernel_size[1])

    def forward(self, x):
        x = layer_input(x, self.weight.dtype, "Conv1d")
        if self.padding_mode != "zeros":  # the 2-D padding, on a one-pixel-high image
            image = x.unsqueeze(-2)
            return conv1d(
                self._padded(image).squeeze(-2),
                self.weight,
                self.bias,
                self.stride[1],
                0,
                self.dilation[1],
                self.groups,
            )
        padding = self._padding_name if self._padding_name == "same" else self.padding[1]
        return conv1d(
            x, self.weight, self.bias, self.stride[1], padding, self.dilation[1], self.groups
        )

    def extra_repr(self):
        padding = self._padding_name or (self.padding[1:] if any(self.padding) else None)
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size[1:]}, "
            f"stride={self.stride[1:]}"
            + (f", padding={padding}" if padding else "")
            + (f", dilation={self.dilation[1:]}" if self.dilation != (1, 1) else "")
            + (f", groups={self.groups}" if self.groups != 1 else "")
            + ("" if self.bias is not None else ", bias=False")
            + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")
        )


class MaxUnpool1d(Module):
    """MaxPool1d(return_indices=True) undone: each value put back at its index."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = (_single(kernel_size, "kernel_size"),)
        stride = self.kernel_size[0] if stride is None else _single(stride, "stride")
        self.stride, self.padding = (stride,), (_single(padding, "padding"),)

    def forward(self, input, indices, output_size=None):
        return max_unpool1d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool):
    """The max of each kernel_size window of a sequence (stride defaults to it)."""

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        k = _single(kernel_size, "kernel_size")
        s = k if stride is None else _single(stride, "stride")
        super().__init__((1, k), (1, s), (0, _single(padding, "padding")))
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x):
        return max_pool1d(
            x,
            self.kernel_size[1],
            self.stride[1],
            self.padding[1],
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size[1]}, stride={self.stride[1]}, "
            f"padding={self.padding[1]}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool1d(_Pool):
    """The mean of each kernel_size window of a sequence (stride defaults to it)."""

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ):
        k = _single(kernel_size, "kernel_size")
        s = k if stride is None else _single(stride, "stride")
        super().__init__((1, k), (1, s), (0, _single(padding, "padding")))
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return avg_pool1d(
            x,
            self.kernel_size[1],
            self.stride[1],
            self.padding[1],
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size[1:]}, stride={self.stride[1:]}, "
            f"padding={self.padding[1:]}"
        )
