"""Convolution and pooling functions (PyTorch's `torch.nn.functional` names, NCHW).

    y = conv2d(x, weight, bias, stride=1, padding=0)   # weight (out, in, kh, kw)
    y = conv2d(x, weight, groups=x.shape[1])             # depthwise: weight (C, 1, kh, kw)
    y = max_pool2d(x, 2)                                 # stride defaults to kernel_size
    cols = unfold(x, kernel_size=3)                      # im2col: (N, C*kh*kw, L)

Shapes are checked here, with messages that say what was expected and what came; the
ops themselves live in the op table (`autograd/ops_conv.py`). `avg_pool2d` is written
from table ops (unfold + mean), so it is differentiable to any order for free.
"""

import functools

import numpy as np

from ..autograd import OPS, Tensor, stack, tensor
from ..autograd.backend import namespace
from ..autograd.errors import ArgumentError, ShapeError
from ..autograd.ops_conv import max_pool_indices, output_size, pair
from ..autograd.tensor import tensor_sum


def _image(x, who):
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim != 4:
        hint = " (a single image? add the batch axis with x.unsqueeze(0))" if x.ndim == 3 else ""
        raise ShapeError(f"{who} expects a 4-D input (N, C, H, W), got shape {x.shape}{hint}")
    return x


def unbatched_too(function):
    """`function` of an (N, C, H, W) batch, also taking one (C, H, W) image as PyTorch's
    functions do (its result then has no batch axis either)."""

    @functools.wraps(function)
    def taking_one_image(x, *args, **kwargs):
        if getattr(x, "ndim", None) != 3:
            return function(x, *args, **kwargs)
        x = x if isinstance(x, Tensor) else Tensor(x)
        if args and getattr(args[0], "ndim", None) == 3:  # max_unpool2d's indices
            args = (args[0][None],) + args[1:]
        out = function(x.unsqueeze(0), *args, **kwargs)
        if isinstance(out, tuple):  # (values, indices)
            return tuple(t.squeeze(0) for t in out)
        return out.squeeze(0)

    return taking_one_image


def named_padding(padding, kernel, stride, who):
    """PyTorch's padding="valid" (none) and "same" (keeps H and W: stride 1), as a pair;
    numbers pass through `pair`. For an even kernel "same" needs one more row and
    column at the bottom and right: `same_padding_extra` says which."""
    if padding == "valid":
        return (0, 0)
    if padding != "same":
        return pair(padding, "padding")
    if tuple(pair(stride, "stride")) != (1, 1):
        raise ValueError(
            f"{who}: padding='same' needs stride=1 (as in PyTorch), got stride={stride}"
        )
    kernel = pair(kernel, "kernel_size")
    return ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2)


def same_padding_extra(kernel):
    """(bottom, right): the row and column "same" padding adds on one side only, as
    PyTorch does for an even (spread) kernel."""
    return ((kernel[0] - 1) % 2, (kernel[1] - 1) % 2)


def check_geometry(kernel, stride, padding, who):
    """kernel and stride at least 1 and padding at least 0 on both axes, or a ValueError."""
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ArgumentError(
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
        raise ArgumentError(
            f"{who}: padding {padding} must be at most half the kernel "
            f"{kernel} (a window of padding alone has no value)"
        )
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        raise ShapeError(
            f"{who}: the input is {x.shape[2]}x{x.shape[3]} (with padding "
            f"{h}x{w}), smaller than the {kernel[0]}x{kernel[1]} kernel"
        )
    return kernel, stride, padding


@unbatched_too
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as in PyTorch): one `conv2d` op (im2col and a
    GEMM, a few images at a time). `padding` may be numbers, "valid" or "same".

    `dilation` d spreads the kernel's taps d apart: the same as an ordinary convolution
    with the kernel's taps spread out and zeros between them, which is how it runs (so
    it costs the larger kernel's multiplications). `groups` g splits the channels into
    g independent convolutions (g = C: depthwise); weight (out, C/g, kh, kw). Those run
    as im2col (`unfold`) and one batched matmul over the groups."""
    x = _image(x, "conv2d")
    weight = weight if isinstance(weight, Tensor) else x._lift(weight)
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(
            f"conv2d weight must be 4-D (out, in, kh, kw) with no empty axis, got {weight.shape}"
        )
    dilation = pair(dilation, "dilation")
    groups = _groups(groups, x.shape[1], weight.shape, "conv2d")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"conv2d: input is {x.dtype} but weight is {weight.dtype}; cast one "
            "(x.astype(np.float32) or model with dtype=np.float64)"
        )
    if min(dilation) < 1:
        raise ValueError(f"conv2d: dilation must be >= 1, got {dilation}")
    spread = tuple((k - 1) * d + 1 for k, d in zip(weight.shape[2:], dilation))
    if isinstance(padding, str):
        extra = same_padding_extra(spread) if padding == "same" else (0, 0)
        padding = named_padding(padding, spread, stride, "conv2d")
        if any(extra):  # an even kernel: PyTorch's extra row and column, bottom and right
            from .tensor_functions import pad

            x = pad(x, (0, extra[1], 0, extra[0]))
    _, stride, padding = _geometry(x, spread, stride, padding, "conv2d")
    bias = _bias(bias, x, weight)
    if groups > 1 and weight.shape[1] == 1:  # depthwise
        return _depthwise(x, weight, bias, stride, padding, dilation)
    if dilation != (1, 1):
        weight = _spread(weight, dilation)
    if groups > 1:
        return _grouped(x, weight, bias, stride, padding, groups)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._apply(OPS["conv2d"], inputs, stride=stride, padding=padding)


def _bias(bias, x, weight):
    """The bias as a Tensor of shape (out,) in x's dtype, or None."""
    if bias is None:
        return None
    bias = bias if isinstance(bias, Tensor) else x._lift(bias)
    if bias.shape != (weight.shape[0],):
        raise ShapeError(f"conv2d bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if bias.dtype != x.dtype:
        raise TypeError(
            f"conv2d: input is {x.dtype} but bias is {bias.dtype}; cast one "
            "so the output keeps the input's dtype"
        )
    return bias


def _groups(groups, channels, weight_shape, who):
    """`groups` checked against the input's channels and the weight's (out, C/g) axes."""
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive integer, got {groups!r}")
    out_channels, per_group = weight_shape[:2]
    if per_group * groups != channels:
        split = f" (weight {tuple(weight_shape)} split into {groups} groups)" if groups > 1 else ""
        raise ShapeError(
            f"{who} expected {per_group * groups} input channels{split}, got {channels}"
        )
    if out_channels % groups:
        raise ValueError(
            f"{who}: out_channels ({out_channels}) must be divisible by groups ({groups})"
        )
    return int(groups)


def _spread(weight, dilation):
    """The kernel with d - 1 zeros between neighbouring taps on each axis: (k - 1) d + 1
    wide. Built from stack, reshape and slicing, so each tap's gradient is the op's."""
    for axis, d in ((2, dilation[0]), (3, dilation[1])):
        if d == 1:
            continue
        k = weight.shape[axis]
        zeros = weight.detach() * 0.0
        spread = stack([weight] + [zeros] * (d - 1), axis=axis + 1)  # (..., k, d, ...)
        shape = weight.shape[:axis] + (k * d,) + weight.shape[axis + 1 :]
        index = (slice(None),) * axis + (slice(0, (k - 1) * d + 1),)
        weight = spread.reshape(shape)[index]
    return weight


def _depthwise(x, weight, bias, stride, padding, dilation):
    """One filter (or m) per input channel, weight (m*C, 1, kh, kw). Stride 1 (MobileNet's
    usual case) is the depthwise_conv2d table op (autograd/ops_depthwise.py); otherwise
    the sum over the kh*kw taps of a strided window of the padded input times that
    tap's weights, as nodes: correct, about 4x slower."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = output_size(h, (kh - 1) * dh + 1, sh, ph)
    ow = output_size(w, (kw - 1) * dw + 1, sw, pw)
    if o != c:  # m filters per channel: channel k feeds outputs k*m ... k*m + m - 1
        x = x.repeat_interleave(o // c, dim=1)
    if stride == (1, 1) and ph <= (kh - 1) * dh and pw <= (kw - 1) * dw:  # its own op
        out = Tensor._apply(
            OPS["depthwise_conv2d"], (x, weight), padding=padding, dilation=dilation
        )
        return out if bias is None else out + bias.reshape(1, o, 1, 1)
    from .tensor_functions import pad  # (that module imports nn.functional, as this one)

    padded = pad(x, (pw, pw, ph, ph)) if ph or pw else x
    taps = weight.reshape(o, kh * kw).T.reshape(kh * kw, 1, o, 1, 1)
    terms = [
        padded[
            :,
            :,
            i * dh : i * dh + (oh - 1) * sh + 1 : sh,
            j * dw : j * dw + (ow - 1) * sw + 1 : sw,
        ]
        * taps[i * kw + j]
        for i in range(kh)
        for j in range(kw)
    ]
    if bias is not None:
        terms.append(bias.reshape(1, o, 1, 1))
    return tensor_sum(terms)


def _grouped(x, weight, bias, stride, padding, groups):
    """groups > 1: each group's columns times its own filters, as one batched matmul
    (G, O/G, K) @ (N, G, K, L) over unfold's columns (rows: channel, then tap)."""
    n, _, h, w = x.shape
    o, per_group, kh, kw = weight.shape
    oh = output_size(h, kh, stride[0], padding[0])
    ow = output_size(w, kw, stride[1], padding[1])
    cols = unfold(x, (kh, kw), padding=padding, stride=stride)
    cols = cols.reshape(n, groups, per_group * kh * kw, oh * ow)
    out = (weight.reshape(groups, o // groups, per_group * kh * kw) @ cols).reshape(n, o, oh, ow)
    return out if bias is None else out + bias.reshape(1, o, 1, 1)


@unbatched_too
def max_pool2d(
    x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """The max of each window (ties: the gradient goes to one of them, as PyTorch).
    `ceil_mode=True` adds the last, partial window of each axis (PyTorch's rule: one that
    starts inside the input or its left padding). `return_indices=True` also returns
    where each max is, as a flat index into its input's (H, W) plane (int64; what
    max_unpool2d takes)."""
    x = _image(x, "max_pool2d")
    kernel, stride, padding = _geometry(x, kernel_size, stride, padding, "max_pool2d", pool=True)
    dilation = pair(dilation, "dilation")
    if dilation != (1, 1):
        return _dilated_max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices)
    width = x.shape[3]
    extra = _ceil_extra(x.shape[2:], kernel, stride, padding) if ceil_mode else (0, 0)
    if any(extra):  # the partial windows read -inf beyond the input: the max ignores it
        from .tensor_functions import pad

        x = pad(x, (0, extra[1], 0, extra[0]), value=-np.inf)
    out = Tensor._apply(OPS["max_pool2d"], (x,), kernel=kernel, stride=stride, padding=padding)
    if not return_indices:
        return out
    winner = out._saved["winner"] if out._saved else None
    indices = max_pool_indices(x._data, kernel, stride, padding, width, winner)
    return out, tensor(indices)


def _dilated_max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    """Windows whose taps are `dilation` apart: the max over each window's column of
    unfold (the input padded with -inf), so the gradient goes, as max(dim)'s, to the
    first largest tap. Slower than the max_pool2d op (unfold copies every tap), and
    rare."""
    from .tensor_functions import pad

    if min(dilation) < 1:
        raise ValueError(f"max_pool2d: dilation must be >= 1, got {dilation}")
    spread = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))
    (h, w), (ph, pw) = x.shape[2:], padding
    if h + 2 * ph < spread[0] or w + 2 * pw < spread[1]:
        raise ShapeError(
            f"max_pool2d: the input is {h}x{w} (with padding {h + 2 * ph}x{w + 2 * pw}), "
            f"smaller than the {spread[0]}x{spread[1]} span of a {kernel} kernel at "
            f"dilation {dilation}"
        )
    extra = _ceil_extra((h, w), spread, stride, padding) if ceil_mode else (0, 0)
    padded = pad(x, (pw, pw + extra[1], ph, ph + extra[0]), value=-np.inf)
    n, c = x.shape[:2]
    oh = output_size(h + extra[0], spread[0], stride[0], ph)
    ow = output_size(w + extra[1], spread[1], stride[1], pw)
    cols = unfold(padded, kernel, dilation=dilation, stride=stride)
    windows = cols.reshape(n, c, kernel[0] * kernel[1], oh, ow)
    out, taps = windows.max(dim=2)
    if not return_indices:
        return out
    xp = namespace(taps._data)
    i, j = xp.divmod(taps._data, kernel[1])
    rows = (xp.arange(oh) * stride[0] - ph)[:, None] + i * dilation[0]
    cols_at = (xp.arange(ow) * stride[1] - pw)[None, :] + j * dilation[1]
    return out, tensor((rows * w + cols_at).astype(np.int64))


@unbatched_too
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_pool2d undone: zeros of the pooled input's size, each value put back where
    `indices` (max_pool2d's return_indices) says it came from. `output_size` picks the
    size where pooling had a choice (an input one larger pools to the same size)."""
    x = _image(input, "max_unpool2d")
    at = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if at.shape != x.shape or at.dtype.kind not in "iu":
        raise ShapeError(
            f"max_unpool2d: indices must be integers of the input's shape {tuple(x.shape)} "
            f"(max_pool2d(..., return_indices=True)'s second result); got {at.dtype} "
            f"{tuple(at.shape)}"
        )
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    padding = pair(padding, "padding")
    default = tuple(
        (n - 1) * s - 2 * p + k for n, k, s, p in zip(x.shape[2:], kernel, stride, padding)
    )
    if output_size is not None and len(output_size) not in (2, 4):
        raise ShapeError(
            f"max_unpool2d: output_size should hold 2 (H, W) or 4 (N, C, H, W) sizes, got "
            f"{tuple(output_size)}"
        )
    size = default if output_size is None else tuple(int(n) for n in tuple(output_size)[-2:])
    for n, d, s in zip(size, default, stride):
        if not d - s < n < d + s:
            raise ValueError(
                f"max_unpool2d: output_size {size} is not one pooling could have come "
                f"from: each side must be within (default - stride, default + stride), "
                f"default {default}, stride {stride}"
            )
    if at.size and (at.min() < 0 or at.max() >= size[0] * size[1]):
        raise RuntimeError(
            f"max_unpool2d: indices run from {int(at.min())} to {int(at.max())}, outside an "
            f"output of {size[0]}x{size[1]}; give the pooled input's size as output_size"
        )
    return Tensor._apply(OPS["max_unpool2d"], (x,), indices=at, size=size)


def _ceil_extra(hw, kernel, stride, padding):
    """(rows, columns) ceil_mode adds past the bottom and right padding for the last,
    partial windows; a window must start inside the input or its left padding."""
    extra = []
    for size, k, s, p in zip(hw, kernel, stride, padding):
        count = -(-(size + 2 * p - k) // s) + 1
        if (count - 1) * s >= size + p:
            count -= 1
        extra.append(max(0, (count - 1) * s + k - (size + 2 * p)))
    return tuple(extra)


@unbatched_too
def avg_pool2d(
    x,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """The mean of each window. As PyTorch: zero padding counts (count_include_pad=True)
    or not, ceil_mode's partial windows divide by the cells inside the padded input,
    divisor_override replaces every divisor."""
    x = _image(x, "avg_pool2d")
    kernel, stride, padding = _geometry(x, kernel_size, stride, padding, "avg_pool2d", pool=True)
    n, c, h, w = x.shape
    extra = _ceil_extra((h, w), kernel, stride, padding) if ceil_mode else (0, 0)
    oh, ow = (
        output_size(h + extra[0], kernel[0], stride[0], padding[0]),
        output_size(w + extra[1], kernel[1], stride[1], padding[1]),
    )
    plain = count_include_pad and not any(extra) and divisor_override is None
    if not plain or any(extra):
        from .tensor_functions import pad

        x = pad(x, (0, extra[1], 0, extra[0])) if any(extra) else x
    images = x.reshape(n * c, 1, h + extra[0], w + extra[1])
    cols = unfold(images, kernel, padding=padding, stride=stride)
    if plain:
        return cols.mean(axis=1).reshape(n, c, oh, ow)
    if divisor_override is not None:
        return (cols.sum(axis=1) * (1.0 / divisor_override)).reshape(n, c, oh, ow)
    counted = _window_counts((h, w), kernel, stride, padding, extra, count_include_pad)
    divisor = namespace(x._data).asarray(counted.reshape(-1).astype(x.dtype))
    return (cols.sum(axis=1) / divisor).reshape(n, c, oh, ow)


def _window_counts(hw, kernel, stride, padding, extra, count_include_pad):
    """How many cells each window averages: those inside the input, or (with
    count_include_pad) inside the input and its padding; never the ceil_mode extra."""
    (h, w), (ph, pw) = hw, padding
    inside = np.zeros((h + 2 * ph + extra[0], w + 2 * pw + extra[1]))
    if count_include_pad:
        inside[: h + 2 * ph, : w + 2 * pw] = 1
    else:
        inside[ph : ph + h, pw : pw + w] = 1
    windows = np.lib.stride_tricks.sliding_window_view(inside, kernel)
    return windows[:: stride[0], :: stride[1]].sum(axis=(-2, -1))


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


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col (PyTorch's F.unfold, in its argument order): (N, C, H, W) -> (N, C*kh*kw,
    L), one column per window, L = oh*ow windows; rows run over channels, then kernel
    rows and columns. A dilation is the spread kernel's columns, every d-th tap kept."""
    if pair(dilation, "dilation") != (1, 1):
        from .fold_layers import unfold_dilated  # (that module builds on this one)

        return unfold_dilated(input, kernel_size, dilation, padding, stride)
    x = _image(input, "unfold")
    kernel, stride, padding = _geometry(x, kernel_size, stride, padding, "unfold")
    return Tensor._apply(OPS["unfold"], (x,), kernel=kernel, stride=stride, padding=padding)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im (PyTorch's F.fold, in its argument order): columns (N, C*kh*kw, L) back
    into (N, C, H, W) with H, W = output_size; entries of overlapping windows are added.
    A dilation puts zero columns between the taps of the spread kernel first."""
    if pair(dilation, "dilation") != (1, 1):
        from .fold_layers import fold_dilated

        return fold_dilated(input, output_size, kernel_size, dilation, padding, stride)
    cols = input if isinstance(input, Tensor) else Tensor(input)
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
        raise ShapeError(
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
    "max_unpool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "unfold",
    "fold",
    "conv_output_shape",
]
