"""Transposed convolution, PyTorch's `F.conv_transpose2d` and `nn.ConvTranspose2d` (the
upsampling layer of DCGAN's generator and of autoencoders' decoders).

A transposed convolution is the gradient of a convolution with respect to its input:
each input pixel scatters its channel vector, times the kernel, into a kh x kw window
of the output, windows `stride` apart, overlaps added. So it is written from two table
ops: a matmul makes every pixel's window, W^T x, and `fold` (col2im) adds the windows
into place. Its gradients are theirs: dx a convolution of the output gradient, dW the
products of x and the output gradient's windows.

    H_out = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1
"""

import numpy as np

from ..autograd import Tensor
from ..autograd.errors import ShapeError
from .conv_layers import Conv2d
from .convolution import _image, _spread, fold, pair, unbatched_too
from .dtypes import layer_input
from .tensor_functions import pad


@unbatched_too
def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """x (N, C_in, H, W) and weight (C_in, C_out / groups, kh, kw) -> (N, C_out, H_out,
    W_out), PyTorch's argument order (groups before dilation)."""
    x = _image(input, "conv_transpose2d")
    weight = weight if isinstance(weight, Tensor) else x._lift(weight)
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(
            "conv_transpose2d weight must be 4-D (in, out/groups, kh, kw) with no empty "
            f"axis, got {weight.shape}"
        )
    if not isinstance(groups, (int, np.integer)) or groups < 1 or weight.shape[0] % groups:
        raise ShapeError(
            f"conv_transpose2d: groups must be a positive integer dividing the weight's "
            f"{weight.shape[0]} input channels, got {groups!r}"
        )
    if x.shape[1] != weight.shape[0]:
        raise ShapeError(
            f"conv_transpose2d expected {weight.shape[0]} input channels (the weight's "
            f"first axis: (in, out/groups, kh, kw)), got {x.shape[1]}"
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"conv_transpose2d: input is {x.dtype} but weight is {weight.dtype}; cast one"
        )
    stride, padding = pair(stride, "stride"), pair(padding, "padding")
    output_padding, dilation = pair(output_padding, "output_padding"), pair(dilation, "dilation")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(
            f"conv_transpose2d: stride and dilation must be >= 1 and padding >= 0, got "
            f"stride={stride}, dilation={dilation}, padding={padding}"
        )
    for extra, s, d in zip(output_padding, stride, dilation):
        if not 0 <= extra < max(s, d):
            raise ValueError(
                f"conv_transpose2d: output_padding {output_padding} must be smaller than "
                f"the stride {stride} or the dilation {dilation} (as in PyTorch)"
            )
    if dilation != (1, 1):
        weight = _spread(weight, dilation)
    n, c_in, h, w = x.shape
    per_group, kh, kw = weight.shape[1:]
    # every window added into place (no padding), then padding cropped off each side
    # and output_padding more kept at the bottom and right (zeros past the last window)
    full = ((h - 1) * stride[0] + kh, (w - 1) * stride[1] + kw)
    size = [f - 2 * p + e for f, p, e in zip(full, padding, output_padding)]
    if min(size) < 1:
        raise ValueError(
            f"conv_transpose2d: padding {padding} leaves no output for a {h}x{w} input "
            f"with a {kh}x{kw} kernel and stride {stride}"
        )
    k = per_group * kh * kw  # one pixel's window, per group of output channels
    if groups == 1:  # (K, C_in) @ (N, C_in, L)
        windows = weight.reshape(c_in, k).T @ x.reshape(n, c_in, h * w)
    else:  # (G, K, C_in/G) @ (N, G, C_in/G, L)
        columns = weight.reshape(groups, c_in // groups, k).permute(0, 2, 1)
        pixels = x.reshape(n, groups, c_in // groups, h * w)
        windows = (columns @ pixels).reshape(n, groups * k, h * w)
    out = fold(windows, full, (kh, kw), stride=stride)
    beyond = [max(0, e - p) for p, e in zip(padding, output_padding)]
    if any(beyond):
        out = pad(out, (0, beyond[1], 0, beyond[0]))
    if any(padding) or any(output_padding):
        out = out[:, :, padding[0] : padding[0] + size[0], padding[1] : padding[1] + size[1]]
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else x._lift(bias)
        if bias.shape != (out.shape[1],):
            raise ShapeError(
                f"conv_transpose2d bias must have shape ({out.shape[1]},), got {bias.shape}"
            )
        out = out + bias.reshape(1, -1, 1, 1)
    return out


class ConvTranspose2d(Conv2d):
    """y = conv_transpose2d(x, weight, bias): weight (in_channels, out_channels / groups,
    kh, kw), PyTorch's layout and init (fan_in = out_channels / groups * kh * kw)."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
        *,
        rng=None,
        seed=None,
    ):
        if isinstance(padding, str):
            raise ValueError(
                f"ConvTranspose2d takes padding as numbers (as PyTorch's), got {padding!r}"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"ConvTranspose2d: only padding_mode='zeros' is supported (as in PyTorch), "
                f"got {padding_mode!r}"
            )
        self._output_padding = pair(output_padding, "output_padding")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            rng=rng,
            seed=seed,
        )

    @property
    def output_padding(self):
        """Rows and columns added at the bottom and right of the output (PyTorch's name):
        strides above 1 map several output sizes to one input size; this picks one."""
        return self._output_padding

    def _weight_shape(self):
        """(in_channels, out_channels / groups, kh, kw): the transposed layout."""
        return (self.in_channels, self.out_channels // self.groups) + self.kernel_size

    def forward(self, x, output_size=None):
        x = layer_input(x, self.weight.dtype, "ConvTranspose2d")
        if not (x.ndim == 3 and x.shape[0] == self.in_channels):
            self._check_layout(x)
        extra = self._output_padding
        if output_size is not None:
            extra = self._output_padding_for(x, output_size)
        return conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, extra, self.groups, self.dilation
        )

    def _output_padding_for(self, x, output_size):
        """PyTorch's forward(x, output_size): the output_padding that gives that size."""
        wanted = tuple(output_size)[-2:]
        smallest = [
            (x.shape[-2 + i] - 1) * self.stride[i]
            - 2 * self.padding[i]
            + self.dilation[i] * (self.kernel_size[i] - 1)
            + 1
            for i in range(2)
        ]
        reach = [max(s, d) for s, d in zip(self.stride, self.dilation)]
        extra = tuple(int(want) - low for want, low in zip(wanted, smallest))
        if any(not 0 <= e < r for e, r in zip(extra, reach)):
            largest = tuple(low + r - 1 for low, r in zip(smallest, reach))
            raise ShapeError(
                f"ConvTranspose2d: output_size {tuple(wanted)} is not reachable from input "
                f"of shape {x.shape}: choose sizes from {tuple(smallest)} to {largest}"
            )
        return extra
