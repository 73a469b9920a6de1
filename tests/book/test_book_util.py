"""scratchgrad.book.common.util against window-by-window loops written here, and
scratchgrad.book.dataset.mnist's arrays (real MNIST when it is at hand)."""

import os
from pathlib import Path

import numpy as np
import pytest

from scratchgrad.book.common import util as U
from scratchgrad.book.dataset import mnist as M

RNG = np.random.default_rng(0)
GEOMETRIES = [  # (N, C, H, W), filter (h, w), stride, pad
    ((2, 3, 7, 7), (3, 3), 1, 0),
    ((2, 3, 7, 8), (3, 2), 2, 1),
    ((1, 2, 6, 6), (2, 2), 2, 0),
    ((3, 2, 9, 7), (5, 3), 3, 2),
]


def out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def windows(shape, fh, fw, stride, pad):
    """(image, output row, output column, rows of the padded image, its columns)."""
    n, _, h, w = shape
    for i in range(n):
        for y in range(out_size(h, fh, stride, pad)):
            for x in range(out_size(w, fw, stride, pad)):
                rows = slice(y * stride, y * stride + fh)
                yield i, rows, slice(x * stride, x * stride + fw)


def loop_im2col(images, fh, fw, stride, pad):
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return np.array(
        [padded[i, :, r, c].reshape(-1) for i, r, c in windows(images.shape, fh, fw, stride, pad)]
    )


def loop_col2im(col, shape, fh, fw, stride, pad):
    n, c, h, w = shape
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for row, (i, r, cc) in zip(col, windows(shape, fh, fw, stride, pad)):
        padded[i, :, r, cc] += row.reshape(c, fh, fw)
    return padded[:, :, pad : pad + h, pad : pad + w]


@pytest.mark.parametrize("shape, kernel, stride, pad", GEOMETRIES)
def test_im2col_is_one_row_per_window(shape, kernel, stride, pad):
    images = RNG.standard_normal(shape)
    col = U.im2col(images, *kernel, stride, pad)
    n, c, h, w = shape
    rows = n * out_size(h, kernel[0], stride, pad) * out_size(w, kernel[1], stride, pad)
    assert type(col) is np.ndarray and col.shape == (rows, c * kernel[0] * kernel[1])
    assert np.array_equal(col, loop_im2col(images, *kernel, stride, pad))


@pytest.mark.parametrize("shape, kernel, stride, pad", GEOMETRIES)
def test_col2im_adds_overlapping_windows_back(shape, kernel, stride, pad):
    rows = len(loop_im2col(np.zeros(shape), *kernel, stride, pad))
    col = RNG.standard_normal((rows, shape[1] * kernel[0] * kernel[1]))
    images = U.col2im(col, shape, *kernel, stride, pad)
    assert type(images) is np.ndarray and images.shape == shape
    want = loop_col2im(col, shape, *kernel, stride, pad)  # summed in another order
    np.testing.assert_allclose(images, want, rtol=0, atol=1e-14)
    x = RNG.standard_normal(shape)  # col2im is im2col's transpose
    assert np.sum(U.im2col(x, *kernel, stride, pad) * col) == pytest.approx(np.sum(x * images))


def test_the_books_im2col_shapes_and_float64_out():
    assert U.im2col(RNG.random((1, 3, 7, 7)), 5, 5, stride=1, pad=0).shape == (9, 75)
    assert U.im2col(RNG.random((10, 3, 7, 7)), 5, 5, stride=1, pad=0).shape == (90, 75)
    x = RNG.random((2, 1, 4, 4)).astype(np.float32)
    col = U.im2col(x, 2, 2)
    assert col.dtype == np.float64 and np.array_equal(col, loop_im2col(x, 2, 2, 1, 0))
    back = U.col2im(col.astype(np.float32), x.shape, 2, 2)
    assert back.dtype == np.float64


def test_conv_output_size_divides_truly():
    assert U.conv_output_size(28, 5) == 24.0
    assert U.conv_output_size(7, 3, stride=2, pad=1) == 4.0
    assert U.conv_output_size(8, 3, stride=2) == 3.5


@pytest.mark.parametrize("x_shape", [(8, 3), (8, 1, 2, 2)])
def test_shuffle_dataset_keeps_pairs_and_numpys_seed(x_shape):
    x = np.arange(np.prod(x_shape)).reshape(x_shape)
    t = np.arange(8) * 10
    np.random.seed(3)
    xs, ts = U.shuffle_dataset(x, t)
    np.random.seed(3)
    order = np.random.permutation(8)
    assert np.array_equal(xs, x[order]) and np.array_equal(ts, t[order])
    assert sorted(ts.tolist()) == t.tolist()


def test_smooth_curve_is_a_reflected_kaiser_average():
    x = RNG.standard_normal(40)
    weights = np.kaiser(11, 2)
    weights /= weights.sum()
    # the book's padding: mirrored about x[0] at the start, x[-1] repeated at the end
    reflected = [x[abs(i)] if i < len(x) else x[2 * len(x) - 1 - i] for i in range(-5, len(x) + 5)]
    want = [np.dot(weights[::-1], reflected[i : i + 11]) for i in range(len(x))]
    out = U.smooth_curve(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out, want, rtol=1e-12)
    np.testing.assert_allclose(U.smooth_curve(np.full(30, 2.5)), 2.5, rtol=1e-12)


# --- load_mnist ---------------------------------------------------------------------------


def test_load_mnist_passes_the_books_arguments_and_gives_its_dtypes(monkeypatch):
    seen = []

    def fake(normalize, flatten, one_hot_label):  # scratchgrad's layout and dtypes
        seen.append((normalize, flatten, one_hot_label))
        t = np.arange(3, dtype=np.int64)
        t = np.eye(10, dtype=np.float32)[t] if one_hot_label else t
        return (np.zeros((3, 784), np.float32), t), (np.zeros((2, 784), np.float32), t[:2])

    monkeypatch.setattr(M.datasets, "load_mnist", fake)
    (x, t), (x_test, t_test) = M.load_mnist()
    assert seen == [(True, True, False)] and t.dtype == t_test.dtype == np.uint8
    (x, t), (x_test, t_test) = M.load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert seen[-1] == (False, False, True) and t.dtype == t_test.dtype == np.float64
    assert t.tolist() == np.eye(10)[:3].tolist()


def mnist_folder():
    folder = os.environ.get("SCRATCHGRAD_MNIST", "")
    if folder.strip() and Path(folder).expanduser().is_dir():
        return folder
    pytest.skip("MNIST is not at hand (set SCRATCHGRAD_MNIST to its folder)")


@pytest.mark.parametrize(
    "normalize, flatten, one_hot_label",
    [(True, True, False), (True, True, True), (True, False, True), (False, True, False)],
)
def test_load_mnist_as_the_book_uses_it(monkeypatch, normalize, flatten, one_hot_label):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", mnist_folder())
    (x, t), (x_test, t_test) = M.load_mnist(normalize, flatten, one_hot_label)
    image = (784,) if flatten else (1, 28, 28)
    assert x.shape == (60000, *image) and x_test.shape == (10000, *image)
    assert x.dtype == x_test.dtype == (np.float32 if normalize else np.uint8)
    assert x.min() == 0 and x.max() == (1.0 if normalize else 255)
    if one_hot_label:
        assert t.shape == (60000, 10) and t.dtype == np.float64
        assert np.array_equal(t.sum(axis=1), np.ones(60000))
    else:
        assert t.shape == (60000,) and t.dtype == t_test.dtype == np.uint8
        assert set(np.unique(t_test)) == set(range(10))
    assert len(t_test) == 10000
