"""The bundled datasets (moons, circles, spiral, gates, the 8x8 digits) and the MNIST IDX
reader, on files the tests write: both file spellings, gzip, and clear errors for
truncated files, a bad magic number and missing files."""

import gzip

import numpy as np
import pytest

from scratchgrad import nn


def test_datasets_shapes_and_labels():
    for make in (nn.datasets.moons, nn.datasets.circles, nn.datasets.spiral):
        X, y = make(n=90, seed=0)
        assert X.shape == (90, 2) and y.shape == (90,) and y.dtype.kind == "i"
        assert np.array_equal(make(n=90, seed=0)[0], X)
    X, y = nn.datasets.gates("xor")
    assert y.tolist() == [0, 1, 1, 0]
    X, y = nn.datasets.digits()
    assert X.shape == (1797, 64) and 0 <= X.min() and X.max() == 1.0
    assert np.bincount(y).min() > 170


def test_digits_shapes_dtypes_and_range():
    X, y = nn.datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y).tolist()) == set(range(10))
    raw, _ = nn.datasets.digits(scale=False)
    assert raw.max() == 16.0


def test_digits_images_and_split():
    Xi, _ = nn.datasets.digits(images=True)
    assert Xi.shape == (1797, 8, 8)
    np.testing.assert_array_equal(Xi.reshape(-1, 64), nn.datasets.digits()[0])
    parts = nn.datasets.digits(split=True, images=True)
    assert [p.shape for p in parts] == [(1438, 8, 8), (359, 8, 8), (1438,), (359,)]


def test_digits_returns_fresh_arrays():
    X, _ = nn.datasets.digits()
    X[0, 0] = 99.0
    assert nn.datasets.digits()[0][0, 0] != 99.0


# --- MNIST's IDX files --------------------------------------------------------------------


def write_idx(path, array, magic_type=0x08, truncate=0, compress=False):
    header = bytes([0, 0, magic_type, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    raw = header + array.astype(np.uint8).tobytes()
    raw = raw[: len(raw) - truncate]
    (gzip.open if compress else open)(path, "wb").write(raw)


@pytest.mark.parametrize("compress, dotted", [(False, False), (True, True)])
def test_mnist_reads_both_file_spellings(tmp_path, compress, dotted):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28))
    labels = np.array([3, 1, 4, 1, 5])
    sep = "." if dotted else "-"
    gz = ".gz" if compress else ""
    write_idx(tmp_path / f"train-images{sep}idx3-ubyte{gz}", images, compress=compress)
    write_idx(tmp_path / f"train-labels{sep}idx1-ubyte{gz}", labels, compress=compress)
    X, y = nn.datasets.mnist(tmp_path)
    assert X.shape == (5, 784) and y.tolist() == [3, 1, 4, 1, 5]
    assert np.allclose(X[0], images[0].reshape(-1) / 255)


def test_mnist_rejects_truncated_wrong_magic_and_missing(tmp_path):
    images = np.zeros((2, 28, 28))
    write_idx(tmp_path / "train-images-idx3-ubyte", images, truncate=10)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 2]))
    with pytest.raises(nn.datasets.IDXFormatError, match="truncated or corrupt"):
        nn.datasets.mnist(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", images, magic_type=0x42)
    with pytest.raises(nn.datasets.IDXFormatError, match="bad magic"):
        nn.datasets.mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="t10k-images"):
        nn.datasets.mnist(tmp_path, kind="test")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.datasets.mnist(tmp_path / "nowhere")
