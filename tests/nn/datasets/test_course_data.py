"""default_mnist_root, the book's load_mnist, and course_mnist with its honest fallback."""

import gzip
import importlib
from pathlib import Path

import numpy as np
import pytest
from mnist_fakes import FILES, N, idx_gz

from scratchgrad import nn
from scratchgrad.nn.datasets import (
    CourseData,
    course_mnist,
    default_mnist_root,
    download,
    load_mnist,
)

course = importlib.import_module("scratchgrad.nn.datasets.course")
SHARED = Path("/work/shared/data/mnist")


@pytest.fixture(autouse=True)
def empty_cache():
    course._CACHE.clear()
    yield
    course._CACHE.clear()


@pytest.fixture
def folder(tmp_path, site, checksums, monkeypatch):
    """The fake MNIST (5 images per split) in a folder; its checksums are the official."""
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    for name, data in site.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def raw(folder, name):
    return nn.datasets.read_idx(folder / name)


# --- where MNIST lives ------------------------------------------------------------------


def test_default_root_is_the_environment_variable_or_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SCRATCHGRAD_MNIST", raising=False)
    assert default_mnist_root() == tmp_path / ".scratchgrad" / "mnist"
    monkeypatch.setenv("SCRATCHGRAD_MNIST", "")
    assert default_mnist_root() == tmp_path / ".scratchgrad" / "mnist"
    monkeypatch.setenv("SCRATCHGRAD_MNIST", "~/data/mnist")
    assert default_mnist_root() == tmp_path / "data" / "mnist"


def test_mnist_reads_the_default_root(monkeypatch, folder):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", str(folder))
    X, y = nn.datasets.mnist(kind="test")
    assert X.shape == (N, 784) and np.array_equal(y, raw(folder, FILES[3]))


def test_a_missing_default_root_says_how_to_set_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="the default: set SCRATCHGRAD_MNIST"):
        nn.datasets.mnist()


# --- the book's load_mnist ---------------------------------------------------------------


def test_load_mnist_default_layout(folder):
    (x_train, t_train), (x_test, t_test) = load_mnist(root=folder)
    images = raw(folder, FILES[0])
    assert x_train.shape == (N, 784) and x_train.dtype == np.float32
    assert np.array_equal(x_train, images.reshape(N, -1).astype(np.float32) / 255)
    assert 0 <= x_train.min() and x_train.max() <= 1 and x_test.shape == (N, 784)
    assert t_train.shape == (N,) and t_train.dtype == np.int64
    assert np.array_equal(t_train, raw(folder, FILES[1]))
    assert np.array_equal(t_test, raw(folder, FILES[3]))


def test_load_mnist_raw_images_one_hot_labels_not_flat(folder):
    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=False, flatten=False, one_hot_label=True, root=folder
    )
    assert x_train.shape == (N, 1, 28, 28) and x_train.dtype == np.uint8
    assert np.array_equal(x_train[:, 0], raw(folder, FILES[0]))
    assert t_test.shape == (N, 10) and t_test.dtype == np.float32
    assert np.array_equal(t_test.sum(1), np.ones(N))
    assert np.array_equal(t_test.argmax(1), raw(folder, FILES[3]))


def test_load_mnist_downloads_into_the_default_root(monkeypatch, tmp_path, server, checksums):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", str(tmp_path / "fresh"))
    monkeypatch.setattr(download, "MIRRORS", (server.url("good"),))
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    (x_train, _), (x_test, _) = load_mnist()
    assert len(x_train) == len(x_test) == N and len(server.requests) == 4
    assert sorted(p.name for p in (tmp_path / "fresh").iterdir()) == sorted(FILES)


def test_load_mnist_without_download_does_not_fetch(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "fetch_mnist", pytest.fail)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(root=tmp_path / "none", download=False)


# --- in-memory cache --------------------------------------------------------------------


def test_second_call_reuses_the_arrays_but_hands_out_copies(folder, monkeypatch):
    reads = []
    real = course.mnist
    monkeypatch.setattr(course, "mnist", lambda *a, **k: reads.append(a) or real(*a, **k))
    for normalize in (True, False):
        (x_train, t_train), _ = load_mnist(normalize=normalize, root=folder)
        x_train[...] = 7  # a learner edits what they got
        t_train[...] = 3
    (x_train, t_train), _ = load_mnist(normalize=False, root=folder)
    assert len(reads) == 2  # train and test, read once
    assert np.array_equal(x_train.reshape(N, 28, 28), raw(folder, FILES[0]))
    assert np.array_equal(t_train, raw(folder, FILES[1]))
    assert not any(a.flags.writeable for a in course._CACHE["arrays"])


def test_changed_files_are_read_again(folder):
    _, (_, t_test) = load_mnist(root=folder)
    labels = (raw(folder, FILES[3]) + 1) % 10
    (folder / "new.gz").write_bytes(idx_gz(labels))
    (folder / "new.gz").replace(folder / FILES[3])  # as a download does
    _, (_, t_again) = load_mnist(root=folder, download=False)
    assert np.array_equal(t_again, labels) and not np.array_equal(t_again, t_test)


# --- course_mnist -----------------------------------------------------------------------


def test_course_mnist_uses_mnist_and_says_so(folder, capsys):
    data = course_mnist(root=folder)
    assert isinstance(data, CourseData) and data.name == "MNIST"
    assert data.image_shape == (28, 28) and data.source == str(folder)
    assert data.x_train.shape == (N, 784) and data.x_train.dtype == np.float32
    assert np.array_equal(data.t_test, raw(folder, FILES[3]))
    out, err = capsys.readouterr()
    assert out == f"data: MNIST from {folder} ({N} train / {N} test)\n" and err == ""


def test_course_mnist_shows_the_home_folder_as_tilde(monkeypatch, folder, capsys):
    monkeypatch.setenv("HOME", str(folder.parent))
    monkeypatch.delenv("SCRATCHGRAD_MNIST", raising=False)
    course_mnist(root=folder)
    assert capsys.readouterr().out.startswith(f"data: MNIST from ~/{folder.name} (")


def test_course_mnist_falls_back_to_the_digits_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", str(tmp_path / "mnist"))
    data = course_mnist()
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and err == ""
    assert out.startswith(
        "data: the bundled 8x8 digits (1,797 images) — MNIST is not in "
        f"{tmp_path / 'mnist'} and could not be downloaded (127.0.0.1:"
    )
    assert "unreachable" in out and out.rstrip().endswith(
        "put the four MNIST files there or set SCRATCHGRAD_MNIST to a folder that has them"
    )
    X_train, X_test, y_train, y_test = nn.datasets.digits(split=True)
    assert (data.name, data.image_shape, data.source) == ("8x8 digits", (8, 8), "bundled")
    assert data.x_train.dtype == np.float32 and data.x_train.shape == X_train.shape
    assert np.array_equal(data.x_train.astype(np.float64), X_train)  # k/16 is exact
    assert np.array_equal(data.x_test.astype(np.float64), X_test)
    assert np.array_equal(data.t_train, y_train) and np.array_equal(data.t_test, y_test)


def test_digits_fallback_in_the_other_layouts(tmp_path, capsys):
    data = course_mnist(
        flatten=False, normalize=False, one_hot_label=True, root=tmp_path / "none", download=False
    )
    assert data.x_train.shape[1:] == (1, 8, 8) and data.x_train.dtype == np.uint8
    assert data.x_train.max() == 16 and data.t_train.shape[1:] == (10,)
    assert len(data.x_train) + len(data.x_test) == 1797
    assert f"MNIST is not in {tmp_path / 'none'} (download=False);" in capsys.readouterr().out


@pytest.mark.parametrize("damage", ["truncated", "a file"])
def test_unreadable_mnist_falls_back_and_names_the_problem(folder, capsys, damage):
    if damage == "truncated":
        (folder / FILES[0]).write_bytes((folder / FILES[0]).read_bytes()[:40])
        words = "could not be read ("
    else:
        folder = folder / FILES[0]
        words = "is a file, not a folder"
    data = course_mnist(root=folder, download=False)
    out = capsys.readouterr().out
    assert data.name == "8x8 digits" and out.count("\n") == 1 and words in out


def test_course_mnist_repairs_a_damaged_file_when_it_may_download(
    folder, server, checksums, monkeypatch, capsys
):
    monkeypatch.setattr(download, "MIRRORS", (server.url("good"),))
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    (folder / FILES[2]).write_bytes(gzip.compress(b"not idx"))
    data = course_mnist(root=folder)
    assert data.name == "MNIST" and server.requests == ["/good/" + FILES[2]]


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared MNIST folder here")
def test_real_mnist_from_the_shared_folder(monkeypatch, capsys):
    monkeypatch.setenv("SCRATCHGRAD_MNIST", str(SHARED))
    monkeypatch.setattr(download, "_prepare", pytest.fail)  # read-only: never written
    data = course_mnist(flatten=False)
    assert data.x_train.shape == (60_000, 1, 28, 28) and data.x_test.shape[0] == 10_000
    assert list(np.bincount(data.t_train)) == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]  # from its README
    assert round(float(data.x_train.mean(dtype=np.float64)) * 255, 3) == 33.318
    assert capsys.readouterr().out == f"data: MNIST from {SHARED} (60,000 train / 10,000 test)\n"
