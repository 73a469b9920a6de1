"""Convolution and pooling functions (PyTorch's `torch.nn.functional` names, NCHW).

    y = conv2d(x, weight, bias, stride=1, padding=0)   # weight (out, in, kh, kw)
    y = max_pool2d(x, 2)                                 # stride defaults to kernel_size
    cols = unfold(x, kernel_size=3)                      # im2col: (N, C*kh*kw, L)

Shapes are checked here, with messages that say what was expected and what came; the
ops themselves live in the op table (`autograd/ops_conv.py`). `avg_pool2d` is written
from table ops (unfold + mean), so it is differentiable to any order for free.
"""

import functools

import numpy as np

from ..autograd import OPS, Tensor
from ..autograd.backend import namespace
from ..autograd.ops_conv import output_size, pair


def _image(x, who):
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim != 4:
        hint = " (a single image? add the batch axis with x.unsqueeze(0))" if x.ndim == 3 else ""
        raise ValueError(f"{who} expects a 4-D input (N, C, H, W), got shape {x.shape}{hint}")
    return x


def unbatched_too(function):
    """`function` of an (N, C, H, W) batch, also taking one (C, H, W) image as PyTorch's
    functions do (its result then has no batch axis either)."""

    @functools.wraps(function)
    def taking_one_image(x, *args, **kwargs):
        if getattr(x, "ndim", None) == 3:
            x = x if isinstance(x, Tensor) else Tensor(x)
            return function(x.unsqueeze(0), *args, **kwargs).squeeze(0)
        return function(x, *args, **kwargs)

    return taking_one_image


def named_padding(padding, kernel, stride, who):
    """PyTorch's padding="valid" (none) and "same" (keeps H and W: stride 1 and odd
    kernels here), as a pair; numbers pass through `pair`."""
    if padding == "valid":
        return (0, 0)
    if padding != "same":
        return pair(padding, "padding")
    if tuple(pair(stride, "stride")) != (1, 1):
        raise ValueError(
            f"{who}: padding='same' needs stride=1 (as in PyTorch), got stride={stride}"
        )
    kernel = pair(kernel, "kernel_size")
    if kernel[0] % 2 == 0 or kernel[1] % 2 == 0:
        raise NotImplementedError(
            f"{who}(padding='same') is not supported for the even kernel {tuple(kernel)}: it "
            "would need more padding on one side; use an odd kernel_size or pass the "
            "padding as numbers"
        )
    return (kernel[0] // 2, kernel[1] // 2)


def check_geometry(kernel, stride, padding, who):
    """kernel and stride at least 1 and padding at least 0 on both axes, or a ValueError."""
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ValueError(
            f"{who}: kernel_size and stride must be >= 1 and padding >= 0, got "
            f"kernel_size={kernel}, stride={stride}, padding={padding}"
        )


def _geometry(x, kernel_size, stride, padding, who, pool=False):
    """(kernel, stride, padding) as checked pairs; a pool's stride defaults to its kernel."""
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None and pool else pair(stride, "stride")
    padding = pair(padding, "padding")
    check_geometry(kernel, stride, padding, who)
    if pool and (padding[0] * 2 > kernel[0] or padding[1] * 2 > kernel[1]):
        raise ValueError(
            f"{who}: padding {padding} must be at most half the kernel "
            f"{kernel} (a window of padding alone has no value)"
        )
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        raise ValueError(
            f"{who}: the input is {x.shape[2]}x{x.shape[3]} (with padding "
            f"{h}x{w}), smaller than the {kernel[0]}x{kernel[1]} kernel"
        )
    return kernel, stride, padding


@unbatched_too
def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in PyTorch): im2col and one matmul.
    `padding` may be numbers, "valid" or "same"."""
    x = _image(x, "conv2d")
    weight = weight if isinstance(weight, Tensor) else x._lift(weight)
    if isinstance(padding, str):
        padding = named_padding(padding, weight.shape[2:], stride, "conv2d")
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(
            f"conv2d weight must be 4-D (out, in, kh, kw) with no empty axis, got {weight.shape}"
        )
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"conv2d expected {weight.shape[1]} input channels, got "
            f"{x.shape[1]} (input shape {x.shape})"
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"conv2d: input is {x.dtype} but weight is {weight.dtype}; cast one "
            "(x.astype(np.float32) or model with dtype=np.float64)"
        )
    _, stride, padding = _geometry(x, weight.shape[2:], stride, padding, "conv2d")
    inputs = (x, weight)
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else x._lift(bias)
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"conv2d bias must have shape ({weight.shape[0]},), got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(
                f"conv2d: input is {x.dtype} but bias is {bias.dtype}; cast one "
                "so the output keeps the input's dtype"
            )
        inputs += (bias,)
    return Tensor._apply(OPS["conv2d"], inputs, stride=stride, padding=padding)


@unbatched_too
def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The max of each window (ties: the gradient goes to one of them, as PyTorch)."""
    x = _image(x, "max_pool2d")
    kernel, stride, padding = _geometry(x, kernel_size, stride, padding, "max_pool2d", pool=True)
    return Tensor._apply(OPS["max_pool2d"], (x,), kernel=kernel, stride=stride, padding=padding)


@unbatched_too
def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of each window (zero padding counts, PyTorch's count_include_pad=True)."""
    x = _image(x, "avg_pool2d")
    kernel, stride, padding = _geometry(x, kernel_size, stride, padding, "avg_pool2d", pool=True)
    n, c, h, w = x.shape
    oh, ow = (
        output_size(h, kernel[0], stride[0], padding[0]),
        output_size(w, kernel[1], stride[1], padding[1]),
    )
    cols = unfold(x.reshape(n * c, 1, h, w), kernel, stride=stride, padding=padding)
    return cols.mean(axis=1).reshape(n, c, oh, ow)


@unbatched_too
def adaptive_avg_pool2d(x, output_size):
    """The mean over PyTorch's adaptive windows: output cell i of oh averages input rows
    floor(i*H/oh) to ceil((i+1)*H/oh) - 1 (columns alike); `output_size` an int, a
    pair, or None on an axis to keep its size. Where the sizes divide, that is
    avg_pool2d with kernel = stride = H // oh; otherwise (windows of unequal lengths,
    maybe overlapping) A_h @ x @ A_w^T, with A's rows the windows' averaging weights:
    table ops both ways, so differentiable to any order."""
    x = _image(x, "adaptive_avg_pool2d")
    h, w = x.shape[2:]
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2:
        raise ValueError(
            f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}"
        )
    oh, ow = (h if sizes[0] is None else sizes[0]), (w if sizes[1] is None else sizes[1])
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in (oh, ow)):
        raise ValueError(
            f"adaptive_avg_pool2d: output_size must be whole numbers >= 1 (or None), "
            f"got {output_size!r}"
        )
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow))
    xp = namespace(x._data)

    def averaging(out, size):  # (out, size): row i averages its window
        rows = np.zeros((out, size))
        for i in range(out):
            start, stop = (i * size) // out, -(-((i + 1) * size) // out)
            rows[i, start:stop] = 1.0 / (stop - start)
        return x._lift(xp.asarray(rows, dtype=x.dtype))

    return averaging(oh, h) @ x @ averaging(ow, w).T


def unfold(x, kernel_size, stride=1, padding=0):
    """im2col (PyTorch's F.unfold): (N, C, H, W) -> (N, C*kh*kw, L), one column per
    window, L = oh*ow windows; rows run over channels, then kernel rows and columns."""
    x = _image(x, "unfold")
    kernel, stride, padding = _geometry(x, kernel_size, stride, padding, "unfold")
    return Tensor._apply(OPS["unfold"], (x,), kernel=kernel, stride=stride, padding=padding)


def fold(cols, output_size, kernel_size, stride=1, padding=0):
    """col2im (PyTorch's F.fold): columns (N, C*kh*kw, L) back into (N, C, H, W) with
    H, W = output_size; entries of overlapping windows are added."""
    cols = cols if isinstance(cols, Tensor) else Tensor(cols)
    h, w = pair(output_size, "output_size")
    kernel, stride, padding = (
        pair(kernel_size, "kernel_size"),
        pair(stride, "stride"),
        pair(padding, "padding"),
    )
    check_geometry(kernel, stride, padding, "fold")
    k = kernel[0] * kernel[1]
    oh, ow = conv_output_shape((h, w), kernel, stride, padding, who="fold")
    if cols.ndim != 3 or cols.shape[1] % k or cols.shape[2] != oh * ow:
        raise ValueError(
            f"fold: columns of shape {cols.shape} do not fit output_size "
            f"{(h, w)} with kernel {kernel}, stride {stride}, padding {padding}: "
            f"expected (N, C*{k}, {oh * ow})"
        )
    shape = (cols.shape[0], cols.shape[1] // k, h, w)
    return Tensor._apply(
        OPS["fold"], (cols,), shape=shape, kernel=kernel, stride=stride, padding=padding
    )


def conv_output_shape(input_hw, kernel_size, stride=1, padding=0, *, who="conv_output_shape"):
    """(oh, ow) of a convolution or pooling: (H + 2p - k) // s + 1 on each axis."""
    (h, w), (kh, kw) = pair(input_hw, "input_hw"), pair(kernel_size, "kernel_size")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    check_geometry((kh, kw), (sh, sw), (ph, pw), who)
    oh, ow = output_size(h, kh, sh, ph), output_size(w, kw, sw, pw)
    if min(h, w) < 1 or oh < 1 or ow < 1:
        raise ValueError(
            f"{who}: a {h}x{w} input (padded {h + 2 * ph}x{w + 2 * pw}) has "
            f"no {kh}x{kw} window; the output would be {oh}x{ow}"
        )
    return oh, ow


__all__ = [
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "unfold",
    "fold",
    "conv_output_shape",
]
