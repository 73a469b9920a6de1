"""DataLoader, splits, datasets and the MNIST IDX reader (on files the tests write)."""
import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad import nn
from scratchgrad.nn.data import DataLoader, TensorDataset, one_hot, random_split, train_test_split


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), batch=st.integers(1, 17), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.integers(0, 10))
def test_every_sample_once_per_epoch(n, batch, shuffle, drop_last, seed):
    X = np.arange(n, dtype=np.float64)[:, None]
    y = np.arange(n)
    loader = DataLoader(TensorDataset(X, y), batch, shuffle=shuffle, drop_last=drop_last,
                        seed=seed)
    seen = np.concatenate([yb for _, yb in loader]) if len(loader) else np.array([], int)
    expected = n - n % batch if drop_last else n
    assert len(seen) == expected == len(loader) * batch - (0 if drop_last or n % batch == 0
                                                           else batch - n % batch)
    assert len(set(seen.tolist())) == expected            # no repeats
    for xb, yb in loader:
        assert np.array_equal(xb.data[:, 0], yb)           # rows stay paired


def test_seeded_shuffles_repeat_and_epochs_differ():
    data = (np.arange(20.0)[:, None], np.arange(20))
    first = [yb.tolist() for _, yb in DataLoader(data, 5, shuffle=True, seed=3)]
    again = [yb.tolist() for _, yb in DataLoader(data, 5, shuffle=True, seed=3)]
    assert first == again
    loader = DataLoader(data, 20, shuffle=True, seed=3)
    assert next(iter(loader))[1].tolist() != next(iter(loader))[1].tolist()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader((np.ones((3, 1)), np.ones(3)), batch_size=0)
    with pytest.raises(ValueError, match="different lengths"):
        TensorDataset(np.ones((3, 1)), np.ones(4))
    with pytest.raises(ValueError, match="add up to"):
        random_split(TensorDataset(np.ones(5)), [2, 2])
    with pytest.raises(ValueError, match="unknown gate"):
        nn.datasets.gates("XNOR-ish")


def test_splits_partition_the_data():
    parts = random_split(TensorDataset(np.arange(10)), [0.7, 0.3], seed=0)
    assert sorted(np.concatenate([[p[i] for i in range(len(p))] for p in parts])) == \
        list(range(10))
    X = np.arange(100.0)[:, None]
    y = np.repeat([0, 1], 50)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=1)
    assert len(X_te) == 20 and np.bincount(y_te).tolist() == [10, 10]
    assert sorted(np.concatenate([X_tr, X_te])[:, 0]) == list(range(100))


def test_one_hot_and_standardize():
    assert one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(TypeError, match="integer labels"):
        one_hot(np.array([0.5]))
    a, b = nn.data.standardize(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 6.0]]))
    assert np.allclose(a.mean(0), 0) and np.isfinite(b).all()


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


def write_idx(path, array, magic_type=0x08, truncate=0, compress=False):
    header = bytes([0, 0, magic_type, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    raw = raw[:len(raw) - truncate]
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
