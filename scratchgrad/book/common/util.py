"""The book's `common/util.py`: im2col/col2im for its convolution layers (chapter 7), and
the small helpers its training scripts use (smooth_curve, shuffle_dataset, ...).

im2col and col2im are scratchgrad's `nn.functional.unfold` and `fold`, whose columns
(N, C*fh*fw, L) are the book's rows transposed: (N*L, C*fh*fw), one row per window, in
the order (image, output row, output column). Like the book's, both return float64.
"""

import numpy as np

from ... import no_grad
from ...autograd import from_numpy
from ...nn import functional as F


def smooth_curve(x):
    """A loss curve smoothed by an 11-point Kaiser window (beta 2), reflected at both ends
    so it keeps its length: for the plots of chapter 6, where raw losses are too noisy."""
    width = 11
    padded = np.concatenate([x[width - 1 : 0 : -1], x, x[-1:-width:-1]])
    window = np.kaiser(width, 2)
    smoothed = np.convolve(window / window.sum(), padded, mode="valid")
    return smoothed[5 : len(smoothed) - 5]


def shuffle_dataset(x, t):
    """(x, t) in one random order shared by both (numpy's global generator, as the book's,
    so np.random.seed reproduces it): the book shuffles before splitting off validation."""
    order = np.random.permutation(x.shape[0])
    return x[order], t[order]


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """(input_size + 2 pad - filter_size) / stride + 1: the output length of a
    convolution. A true division, as the book's, so a stride that does not fit shows up
    as a fraction."""
    return (input_size + 2 * pad - filter_size) / stride + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """Images (N, C, H, W) -> columns (N*out_h*out_w, C*filter_h*filter_w): one row per
    window, so that convolution becomes one matrix product (the book's Convolution)."""
    n = input_data.shape[0]
    images = np.ascontiguousarray(input_data, dtype=np.float64)
    with no_grad():
        cols = F.unfold(from_numpy(images), (filter_h, filter_w), stride=stride, padding=pad)
    cols = cols.data.view(np.ndarray)  # (N, C*fh*fw, L)
    return cols.transpose(0, 2, 1).reshape(n * cols.shape[2], -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The inverse direction of im2col: rows (N*out_h*out_w, C*filter_h*filter_w) added
    back into images of `input_shape` (overlapping windows sum) - the gradient of the
    input in the book's Convolution and Pooling backward."""
    n, c, h, w = input_shape
    rows = np.asarray(col, dtype=np.float64).reshape(n, -1, c * filter_h * filter_w)
    cols = np.ascontiguousarray(rows.transpose(0, 2, 1))  # (N, C*fh*fw, L)
    with no_grad():
        images = F.fold(from_numpy(cols), (h, w), (filter_h, filter_w), stride=stride, padding=pad)
    return images.data.view(np.ndarray)
