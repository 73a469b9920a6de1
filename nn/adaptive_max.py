"""Adaptive max pooling, PyTorch's `F.adaptive_max_pool2d`, `F.adaptive_max_pool1d`,
`nn.AdaptiveMaxPool2d` and `nn.AdaptiveMaxPool1d`: the max over windows chosen so that
the output has `output_size` whatever the input's size (the head of detectors that
take images of any size, and SPP-style pooling).

Output cell (i, j) of (oh, ow) takes rows floor(i*H/oh) .. ceil((i+1)*H/oh) - 1 and the
columns alike: windows of unequal lengths that may overlap, so neither max_pool2d nor
one reshape fits. Where each max is found does not need a gradient, so it is computed
on the arrays: every window's cells gathered (shorter windows repeat their last row or
column, which changes no max), the first maximum in row-major order taken, as PyTorch's
kernel does (a NaN wins, and of several the last, as there). The values are then those
cells picked out of the input by one indexing op, whose gradient (a scatter-add, and its
gradient an indexing again) goes to exactly the cells PyTorch's does, to any order.
`return_indices=True` also returns them as int64 flat indices into each (H, W) plane
(max_unpool2d's).
"""

import numpy as np

from ..autograd import tensor
from ..autograd.backend import namespace
from ..autograd.errors import ShapeError
from .conv1d import _as_image, _as_sequence
from .convolution import unbatched_too
from .functional import _node
from .module import Module


def _sizes(output_size, hw, who):
    """(oh, ow) from an int, or a pair whose None entries keep the input's size."""
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != len(hw):
            raise ValueError(
                f"{who}: output_size must be an int or {len(hw)} of them, got {output_size!r}"
            )
        sizes = tuple(n if s is None else s for s, n in zip(output_size, hw))
    else:
        sizes = (output_size,) * len(hw)
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in sizes):
        raise ValueError(
            f"{who}: output_size must be whole numbers >= 0 (or None to keep an axis), "
            f"got {output_size!r}"
        )
    return tuple(int(s) for s in sizes)


def _windows(out, size):
    """(out, longest) positions of each output cell's window on an axis of `size`, the
    shorter windows padded with their last position."""
    bounds = [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]
    longest = max((stop - start for start, stop in bounds), default=1)
    return np.array(
        [[min(start + k, stop - 1) for k in range(longest)] for start, stop in bounds],
        dtype=np.int64,
    ).reshape(out, longest)


@unbatched_too
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The max of each adaptive window of (N, C, H, W) or (C, H, W); `output_size` an
    int or a pair (None keeps an axis). With return_indices, also where each max is:
    int64 flat indices into its (H, W) plane."""
    x = _node(input)
    if x.ndim != 4:
        raise ShapeError(
            f"adaptive_max_pool2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
            f"got shape {tuple(x.shape)}"
        )
    n, c, h, w = x.shape
    if not h or not w or not c:
        raise ValueError(
            f"adaptive_max_pool2d: the input {tuple(x.shape)} has an empty channel or "
            "spatial axis; there is nothing to take the max of"
        )
    oh, ow = _sizes(output_size, (h, w), "adaptive_max_pool2d")
    xp = namespace(x._data)
    rows, cols = _windows(oh, h), _windows(ow, w)
    cells = rows[:, None, :, None] * w + cols[None, :, None, :]
    cells = xp.asarray(cells.reshape(oh * ow, rows.shape[1] * cols.shape[1]))
    candidates = x._data.reshape(n, c, h * w)[:, :, cells]  # (N, C, oh*ow, window)
    best = xp.argmax(candidates, axis=-1)  # the first max in row-major order
    nan = xp.isnan(candidates)
    if nan.any():  # PyTorch's kernel keeps the last NaN
        last = nan.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1)
        best = xp.where(nan.any(axis=-1), last, best)
    indices = cells[xp.arange(oh * ow), best]  # (N, C, oh*ow)
    planes = xp.arange(n * c, dtype=np.int64).reshape(n, c, 1) * (h * w)
    out = x.reshape(-1)[planes + indices].reshape(n, c, oh, ow)
    if not return_indices:
        return out
    return out, tensor(indices.reshape(n, c, oh, ow))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """The max of each adaptive window of (N, C, L) or (C, L); `output_size` an int (or
    a one-element tuple). With return_indices, also each max's int64 index in L."""
    x, batched = _as_image(input, "adaptive_max_pool1d")
    size = output_size
    if isinstance(size, (tuple, list)):
        if len(size) != 1:
            raise ValueError(
                f"adaptive_max_pool1d: output_size must be an int or one of them, got {size!r}"
            )
        size = size[0]
    if size is None:
        raise ValueError("adaptive_max_pool1d: output_size must be an int, got None")
    y = adaptive_max_pool2d(x, (1, size), return_indices)
    return _as_sequence(y, batched)


class AdaptiveMaxPool2d(Module):
    """The max over adaptive windows that give an `output_size` output whatever the
    input's size (an int, or a pair with None to keep an axis); return_indices as
    MaxPool2d's."""

    def __init__(self, output_size, return_indices=False):
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """The max over adaptive windows of a sequence, (N, C, L) or (C, L) to length
    `output_size`."""

    def forward(self, input):
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)


__all__ = [
    "adaptive_max_pool2d",
    "adaptive_max_pool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool1d",
]
