"""MNIST the way the course uses it: the book's `load_mnist`, and `course_mnist`, which
falls back to the bundled 8x8 digits (and says so) when MNIST cannot be had.

    from scratchgrad.nn.datasets import load_mnist      # was: from dataset.mnist import ...
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)

    data = nn.datasets.course_mnist(flatten=False)      # prints one line: which data, why
    data.x_train.shape                                  # (60000, 1, 28, 28) or (1438, 1, 8, 8)

The decoded MNIST arrays are kept in memory (one folder at a time, dropped when its files
change), so calling these in every notebook cell costs a copy, not a second read; each
call hands out new arrays, so editing them never changes what the next call returns.
"""

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..data import one_hot
from .digits import digits
from .download import DownloadError
from .mnist import KINDS, NUM_CLASSES, IDXFormatError, _find, default_mnist_root, mnist

MNIST_TOP = 255  # largest pixel value: MNIST grey levels are 0..255
DIGITS_TOP = 16  # the 8x8 digits count pixels in 0..16
_CACHE: dict[str, Any] = {}  # {"stamp": _stamp(folder), "arrays": the 4 arrays, read-only}


class CourseData(NamedTuple):
    """What `course_mnist` returns: the arrays, and which data they are."""

    x_train: np.ndarray
    t_train: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray
    name: str  # "MNIST" or "8x8 digits"
    image_shape: tuple  # (28, 28) or (8, 8)
    source: str  # the MNIST folder, or "bundled"


def load_mnist(normalize=True, flatten=True, one_hot_label=False, root=None, download=True):
    """((x_train, t_train), (x_test, t_test)) from MNIST, as in "Deep Learning from Scratch".

    normalize: images as float32 in [0, 1], else uint8 0..255. flatten: images as
    (N, 784), else (N, 1, 28, 28). one_hot_label: labels as (N, 10) float32 one-hot rows,
    else (N,) int64. `root=None` is `default_mnist_root()`; with `download=True` missing or
    damaged files are fetched there first (see `nn.datasets.mnist`).
    """
    arrays = _mnist_arrays(_folder(root), download)
    return _book_layout(arrays, MNIST_TOP, normalize, flatten, one_hot_label)


def course_mnist(flatten=True, normalize=True, one_hot_label=False, root=None, download=True):
    """MNIST from `root` (default `default_mnist_root()`, downloading what is missing), or,
    when that fails, the bundled 8x8 digits in the same layout; prints one line saying which.

    The layout follows `load_mnist` (flatten=False gives (N, 1, 28, 28) or (N, 1, 8, 8));
    the digits are split 80/20 as `digits(split=True)` does. Returns a `CourseData`.
    Images are float32, as in the book, while scratchgrad's layers default to float64:
    call `model.float()` (fast) or convert the images with `.astype(np.float64)`.
    """
    folder = _folder(root)
    try:
        arrays = _mnist_arrays(folder, download)
        name, top, source = "MNIST", MNIST_TOP, str(folder)
        print(
            f"data: MNIST from {_shown(folder)} ({len(arrays[0]):,} train / "
            f"{len(arrays[2]):,} test)",
            flush=True,
        )
    except (OSError, IDXFormatError) as err:
        X_train, X_test, y_train, y_test = digits(split=True, scale=False, images=True)
        arrays = (X_train.astype(np.uint8), y_train, X_test.astype(np.uint8), y_test)
        name, top, source = "8x8 digits", DIGITS_TOP, "bundled"
        print(
            f"data: the bundled 8x8 digits ({len(X_train) + len(X_test):,} images) — "
            f"{_why(folder, err, download)}; put the four MNIST files there or set "
            "SCRATCHGRAD_MNIST to a folder that has them",
            flush=True,
        )
    (x_train, t_train), (x_test, t_test) = _book_layout(
        arrays, top, normalize, flatten, one_hot_label
    )
    return CourseData(x_train, t_train, x_test, t_test, name, arrays[0].shape[1:], source)


def _folder(root):
    return default_mnist_root() if root is None else Path(root).expanduser()


def _mnist_arrays(folder, download):
    """uint8 images (N, H, W) and int64 labels of both splits; read-only, kept in memory."""
    stamp = _stamp(folder)
    if stamp is not None and _CACHE.get("stamp") == stamp:
        return _CACHE["arrays"]
    arrays = []
    for kind in KINDS:
        arrays += mnist(folder, kind, flatten=False, scale=False, download=download)
    for array in arrays:
        array.flags.writeable = False  # the cache's own: hand out copies only
    _CACHE.clear()  # one folder at a time: MNIST is 55 MB
    _CACHE.update(stamp=_stamp(folder), arrays=tuple(arrays))
    return _CACHE["arrays"]


def _stamp(folder):
    """(path, inode, size, mtime) of the four files `mnist` reads; None if one is missing."""
    try:
        paths = [
            _find(folder, f"{stem}-{part}")
            for stem in KINDS.values()
            for part in ("images", "labels")
        ]
        stats = [(str(p), p.stat()) for p in paths]
    except OSError:
        return None
    return tuple((p, s.st_ino, s.st_size, s.st_mtime_ns) for p, s in stats)


def _book_layout(arrays, top, normalize, flatten, one_hot_label):
    """((x_train, t_train), (x_test, t_test)) as new arrays in the book's layout, from
    uint8 images (N, H, W) with pixels 0..top and int labels of both splits."""
    x_train, t_train, x_test, t_test = arrays
    return (
        _layout(x_train, t_train, top, normalize, flatten, one_hot_label),
        _layout(x_test, t_test, top, normalize, flatten, one_hot_label),
    )


def _layout(images, labels, top, normalize, flatten, one_hot_label):
    if normalize:
        x = images.astype(np.float32)
        x /= np.float32(top)
    else:
        x = images.copy()
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *x.shape[1:])
    t = one_hot(labels, NUM_CLASSES, dtype=np.float32) if one_hot_label else labels.copy()
    return x, t


def _why(folder, err, download):
    """Why MNIST is not used, in a few words."""
    shown = _shown(folder)
    if isinstance(err, DownloadError):
        return f"MNIST is not in {shown} and could not be downloaded ({err.reason})"
    if isinstance(err, FileNotFoundError) and not download:
        return f"MNIST is not in {shown} (download=False)"
    return f"MNIST in {shown} could not be read ({' '.join(str(err).split())})"


def _shown(folder):
    """The folder as a person would type it: ~/... for the home folder."""
    home = Path.home()
    try:
        return str(Path("~") / folder.relative_to(home)) if folder != home else "~"
    except ValueError:
        return str(folder)
