"""Fashion-MNIST: MNIST's four-file format from its own mirrors and checksums, as
torchvision's `datasets.FashionMNIST` (the dataset of PyTorch's "Learn the Basics")."""

import dataclasses
import gzip
import importlib

import numpy as np
import pytest

from scratchgrad.nn.datasets import DownloadError, fashion_mnist
from scratchgrad.vision import datasets

# the module (nn.datasets.mnist, the attribute, is the reader function of that name)
mnist_format = importlib.import_module("scratchgrad.nn.datasets.mnist")


@pytest.fixture
def fashion_source(monkeypatch, server, checksums):
    """Fashion-MNIST's files served from the local test server, with their checksums
    (the fake set's); nothing reaches the real mirrors."""
    files = dataclasses.replace(
        mnist_format.FASHION_MNIST_FILES, mirrors=(server.url("good"),), checksums=checksums
    )
    monkeypatch.setattr(mnist_format, "FASHION_MNIST_FILES", files)
    monkeypatch.setattr(datasets.FashionMNIST, "_files", files)
    return files


def test_torchvisions_class_downloads_into_its_layout_and_reads(tmp_path, fashion_source, site):
    data = datasets.FashionMNIST(tmp_path, train=False, download=True)
    raw = tmp_path / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    image, label = data[0]
    assert image.dtype == np.uint8 and image.shape == (28, 28) and isinstance(label, int)
    assert data.classes[0] == "T-shirt/top" and len(data.classes) == 10
    assert repr(data).startswith("Dataset FashionMNIST")
    again = datasets.FashionMNIST(tmp_path, train=False)  # found in its layout: no download
    assert len(again) == len(data)
    expected = np.frombuffer(gzip.decompress(site["t10k-labels-idx1-ubyte.gz"])[8:], np.uint8)
    np.testing.assert_array_equal(again.targets.data, expected)


def test_the_reader_takes_the_same_folder(tmp_path, fashion_source):
    X, y = fashion_mnist(tmp_path, "test", download=True)
    assert X.shape[1] == 784 and 0.0 <= X.min() and X.max() <= 1.0 and y.dtype == np.int64


def test_missing_files_name_fashion_mnist_not_mnist(tmp_path, monkeypatch, closed_port_url):
    with pytest.raises(FileNotFoundError, match=r"Fashion-MNIST not found.*FashionMNIST/raw"):
        datasets.FashionMNIST(tmp_path)
    files = dataclasses.replace(mnist_format.FASHION_MNIST_FILES, mirrors=(closed_port_url,))
    monkeypatch.setattr(datasets.FashionMNIST, "_files", files)
    with pytest.raises(DownloadError, match="could not download Fashion-MNIST") as err:
        datasets.FashionMNIST(tmp_path, download=True)
    assert "SCRATCHGRAD_MNIST" not in str(err.value)


def test_files_that_fail_the_checksums_are_fetched_again(tmp_path, fashion_source, server):
    """A folder holding other data under Fashion-MNIST's names is not read as clothes."""
    from mnist_fakes import idx_gz

    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(idx_gz(np.zeros((3, 28, 28), np.uint8)))
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(idx_gz(np.zeros(3, np.uint8)))
    data = datasets.FashionMNIST(tmp_path, train=False, download=True)
    assert server.asked("good") == 2 and len(data) != 3
