"""Read MNIST from the standard IDX files in a folder (downloaded only if you ask).

The folder is `default_mnist_root()` unless you pass one: $SCRATCHGRAD_MNIST if set, else
~/.scratchgrad/mnist. With `download=True`, files that are missing or fail their checksum
are fetched there (`nn.datasets.download`); intact files, even in a read-only folder, are
only read.

IDX: a big-endian header — two zero bytes, a type code (0x08 = unsigned byte), the
number of dimensions — then one 4-byte size per dimension, then the data. Files may be
raw or gzip-compressed and named either `train-images-idx3-ubyte` or
`train-images.idx3-ubyte` (both spellings are common).

The reader trusts nothing in the file: it reads the header first, works out how many
bytes the data must have, and then reads at most one byte more than that, so a
truncated file, a corrupt gzip stream or a "zip bomb" (a small .gz that inflates to
gigabytes) is refused with an `IDXFormatError` instead of a crash or a full memory.
"""

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import download as download_module

KINDS = {"train": "train", "test": "t10k"}
TYPE_CODES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_IDX_BYTES = 1 << 30  # 1 GiB: all of MNIST is 55 MB; raise it for bigger IDX sets
NUM_CLASSES = 10  # MNIST labels are the digits 0..9
CHUNK_BYTES = 1 << 20  # decompress in 1 MiB steps so memory follows the real data
GZIP_MAGIC = b"\x1f\x8b"


class IDXFormatError(ValueError):
    """An IDX file is missing, truncated, or not an IDX file."""


def read_idx(path, max_bytes=None):
    """An IDX file (raw or .gz) as a numpy array, with its header checked.

    Reads at most header + expected + 1 bytes, where `expected` comes from the header, and
    refuses headers that promise more than `max_bytes` (default `MAX_IDX_BYTES`).
    """
    path = Path(path)
    limit = MAX_IDX_BYTES if max_bytes is None else max_bytes
    try:
        with _open(path) as handle:
            dtype, shape = _read_header(path, handle)
            expected = _data_bytes(path, shape, dtype, limit)
            data = _read_at_most(handle, expected + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise IDXFormatError(
            f"{path}: cannot read ({_one_line(err)}); the file is "
            "corrupt or not gzip data, download it again"
        ) from None
    if len(data) != expected:
        found = f"{len(data)} data bytes" if len(data) < expected else "more data than that"
        raise IDXFormatError(
            f"{path}: header says shape {shape} ({expected} data bytes) but "
            f"the file has {found}; it is truncated or corrupt"
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _open(path):
    """gzip or plain, by the first two bytes: a misnamed file still reads."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _read_header(path, handle):
    """(dtype, shape) from the magic number and the dimension sizes."""
    magic = _read_at_most(handle, 4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in TYPE_CODES:
        raise IDXFormatError(
            f"{path}: not an IDX file (bad magic number "
            f"{bytes(magic).hex() or 'empty'}; expected 0000 08 0n)"
        )
    ndim = magic[3]
    dims = _read_at_most(handle, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise IDXFormatError(
            f"{path}: truncated header ({4 + len(dims)} bytes, "
            f"{ndim} dimensions need {4 + 4 * ndim})"
        )
    shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
    return np.dtype(TYPE_CODES[magic[2]]), shape


def _data_bytes(path, shape, dtype, limit):
    """Bytes the header promises, in Python ints so huge dimensions cannot overflow."""
    total = dtype.itemsize
    for n in shape:
        total *= n
    if total > limit:
        size = f"{total} bytes" if total.bit_length() <= 64 else "more than 2**64 bytes"
        raise IDXFormatError(
            f"{path}: header shape {_short(shape)} promises {size}, more "
            f"than the limit of {limit} bytes (MAX_IDX_BYTES); the header "
            "is corrupt, or use read_idx(path, max_bytes=...) for big sets"
        )
    return total


def _read_at_most(handle, budget):
    """Up to `budget` bytes, read in chunks so a lying stream cannot fill memory."""
    data = bytearray()
    while len(data) < budget:
        chunk = handle.read(min(CHUNK_BYTES, budget - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _short(shape):
    return (
        str(shape)
        if len(shape) <= 8
        else f"({', '.join(map(str, shape[:4]))}, ... {len(shape)} dimensions)"
    )


def _one_line(err):
    return " ".join(str(err).split()) or type(err).__name__


def _names(stem):
    """The two common spellings: images are 3-D (idx3), labels 1-D (idx1)."""
    part = "idx1-ubyte" if stem.endswith("labels") else "idx3-ubyte"
    return [f"{stem}-{part}", f"{stem}.{part}"]


def _find(folder, stem, what="MNIST"):
    names = _names(stem)
    for name in names:
        for suffix in ("", ".gz"):
            path = folder / (name + suffix)
            if path.is_file():
                return path
    raise FileNotFoundError(
        f"no {stem} IDX file in {folder} (looked for {names[0]}[.gz] "
        f"and {names[1]}[.gz]); pass download=True (--download on the "
        f"command line) to fetch {what}, or put the four {what} files into "
        "that folder"
    )


def _check_images(path, images):
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXFormatError(
            f"{path}: MNIST images must be a 3-D array of unsigned bytes "
            f"(N, H, W), got shape {images.shape} of {images.dtype}"
        )
    if len(images) == 0:
        raise IDXFormatError(f"{path} holds no images; the file is damaged or not MNIST's")


def _check_labels(path, labels, classes=NUM_CLASSES):
    """Labels index the classes: integers in 0..classes-1, nothing else."""
    if labels.ndim != 1:
        raise IDXFormatError(f"{path}: MNIST labels must be 1-D, got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise IDXFormatError(
            f"{path}: labels must be integers, got {labels.dtype} (IDX type code 0x08 for MNIST)"
        )
    bad = np.flatnonzero((labels < 0) | (labels >= classes))
    if bad.size:
        i = int(bad[0])
        raise IDXFormatError(
            f"{path}: label {int(labels[i])} at index {i} is outside "
            f"0..{classes - 1} ({bad.size} bad labels); the file is corrupt"
        )


@dataclass(frozen=True)
class IDXFiles:
    """A data set in MNIST's four-file IDX format: its name, and where its files come
    from (None: `nn.datasets.download`'s MNIST settings, read at call time)."""

    name: str
    mirrors: tuple[str, ...] | None = None
    checksums: dict[str, str] | None = None
    content_checksums: dict[str, str] | None = None


MNIST_FILES = IDXFiles("MNIST")
FASHION_MNIST_FILES = IDXFiles(  # Zalando's clothes in MNIST's format (torchvision's MD5s)
    "Fashion-MNIST",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    checksums={
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    content_checksums={},  # not published: only the .gz files as served are recognised
)


def _locate(folder, stem, download, mirrors, timeout, files=MNIST_FILES):
    """(images, labels) paths for `stem`; with `download`, missing or damaged ones are
    fetched first (an intact file in any spelling is used as it is, never rewritten)."""
    if not download:
        return (
            _find(folder, f"{stem}-images", files.name),
            _find(folder, f"{stem}-labels", files.name),
        )
    sums = download_module.CHECKSUMS if files.checksums is None else files.checksums
    contents = files.content_checksums
    paths, todo = [], []
    for part in (f"{stem}-images", f"{stem}-labels"):
        name = _names(part)[0] + ".gz"  # the spelling the mirrors use
        try:
            path = _find(folder, part, files.name)
        except FileNotFoundError:
            path = None
        if path is None or not download_module.file_is_intact(path, name, sums, contents):
            todo.append((name, path))
            path = folder / name
        paths.append(path)
    if todo:
        download_module.fetch_mnist(
            folder,
            mirrors=files.mirrors if mirrors is None else mirrors,
            timeout=timeout,
            checksums={name: sums[name] for name, _ in todo},
            content_checksums=contents,
            what=files.name,
        )
        for name, damaged in todo:  # `_find` would read it first next time: set it aside
            if damaged is not None and damaged != folder / name:
                damaged.replace(damaged.with_name(damaged.name + ".damaged"))
    return tuple(paths)


def default_mnist_root():
    """Where MNIST is looked for and downloaded to when no folder is given:
    $SCRATCHGRAD_MNIST if set, else ~/.scratchgrad/mnist."""
    folder = os.environ.get("SCRATCHGRAD_MNIST", "")
    return Path(folder if folder.strip() else "~/.scratchgrad/mnist").expanduser()


def fashion_mnist(
    root=None, kind="train", flatten=True, scale=True, download=False, mirrors=None, timeout=None
):
    """(X, y) of Fashion-MNIST (ten kinds of clothes, MNIST's format and sizes) from
    folder `root` (default ~/.scratchgrad/fashion-mnist); as `mnist` otherwise."""
    root = Path("~/.scratchgrad/fashion-mnist") if root is None else root
    return mnist(root, kind, flatten, scale, download, mirrors, timeout, FASHION_MNIST_FILES)


def mnist(
    root=None,
    kind="train",
    flatten=True,
    scale=True,
    download=False,
    mirrors=None,
    timeout=None,
    files=MNIST_FILES,
):
    """(X, y) from the MNIST IDX files in folder `root`; kind is "train" or "test"
    (`files`: another data set in MNIST's format, e.g. FASHION_MNIST_FILES).

    X is (N, 784) floats in [0, 1] (or (N, 28, 28) with `flatten=False`; uint8 0..255 with
    `scale=False`), y (N,) int64. `root=None` is `default_mnist_root()`. With
    `download=True`, files that are missing or fail their checksum are fetched into `root`
    from `mirrors` with `timeout` (None: the defaults of `nn.datasets.download` at call
    time); a folder with intact files is only read. Without it, nothing touches the
    network (and `mirrors` and `timeout` are not used).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}")
    if download:
        download_module.check_options(mirrors, timeout)
    folder = default_mnist_root() if root is None else Path(root).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"{files.name} folder {folder} is a file, not a folder; pass the "
            "folder that holds train-images-idx3-ubyte(.gz) and friends"
        )
    if not download and not folder.exists():
        where = " (the default: set SCRATCHGRAD_MNIST or pass root=...)" if root is None else ""
        raise FileNotFoundError(
            f"{files.name} folder {folder}{where} does not exist; pass the "
            "folder that holds train-images-idx3-ubyte(.gz) and friends, "
            "or download=True (--download on the command line) to fetch "
            "them there"
        )
    images_path, labels_path = _locate(folder, KINDS[kind], download, mirrors, timeout, files)
    images, labels = read_idx(images_path), read_idx(labels_path)
    _check_images(images_path, images)
    _check_labels(labels_path, labels)
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{len(images)} images in {images_path.name} but {len(labels)} "
            f"labels in {labels_path.name} ({folder})"
        )
    X = images.astype(np.float64) / 255.0 if scale else images
    return (X.reshape(len(X), -1) if flatten else X), labels.astype(np.int64)
