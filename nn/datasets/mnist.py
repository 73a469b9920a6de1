"""Read MNIST from the standard IDX files in a folder you give (nothing is downloaded).

IDX: a big-endian header — two zero bytes, a type code (0x08 = unsigned byte), the
number of dimensions — then one 4-byte size per dimension, then the data. Files may be
raw or gzip-compressed and named either `train-images-idx3-ubyte` or
`train-images.idx3-ubyte` (both spellings are common).
"""
import gzip
from pathlib import Path

import numpy as np

KINDS = {"train": "train", "test": "t10k"}
TYPE_CODES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
              0x0E: ">f8"}


class IDXFormatError(ValueError):
    """An IDX file is missing, truncated, or not an IDX file."""


def read_idx(path):
    """An IDX file (raw or .gz) as a numpy array, with its header checked."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as err:
        raise IDXFormatError(f"{path}: cannot read ({err})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in TYPE_CODES:
        raise IDXFormatError(f"{path}: not an IDX file (bad magic number "
                             f"{raw[:4].hex() or 'empty'}; expected 0000 08 0n)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXFormatError(f"{path}: truncated header ({len(raw)} bytes)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(TYPE_CODES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise IDXFormatError(f"{path}: header says shape {shape} ({expected} bytes) but the "
                             f"file has {len(raw)} bytes; it is truncated or corrupt")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _find(folder, stem):
    candidates = [f"{stem}-{part}" for part in ("idx3-ubyte", "idx1-ubyte")]
    candidates += [f"{stem}.{part}" for part in ("idx3-ubyte", "idx1-ubyte")]
    for name in candidates:
        for suffix in ("", ".gz"):
            path = folder / (name + suffix)
            if path.is_file():
                return path
    raise FileNotFoundError(f"no {stem} IDX file in {folder} (looked for "
                            f"{candidates[0]}[.gz] and {candidates[2]}[.gz]); download "
                            "the four MNIST files into that folder")


def mnist(path, kind="train", flatten=True, scale=True):
    """(X, y) from the MNIST IDX files in folder `path`; kind is "train" or "test".

    X is (N, 784) floats in [0, 1] (or (N, 28, 28) with `flatten=False`), y (N,) ints.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} does not exist; pass the folder "
                                "that holds train-images-idx3-ubyte(.gz) and friends")
    if kind not in KINDS:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}")
    stem = KINDS[kind]
    images = read_idx(_find(folder, f"{stem}-images"))
    labels = read_idx(_find(folder, f"{stem}-labels"))
    if images.ndim != 3 or labels.ndim != 1:
        raise IDXFormatError(f"MNIST images must be 3-D and labels 1-D, got shapes "
                             f"{images.shape} and {labels.shape}")
    if len(images) != len(labels):
        raise IDXFormatError(f"{len(images)} images but {len(labels)} labels in {folder}")
    X = images.astype(np.float64) / 255.0 if scale else images
    return (X.reshape(len(X), -1) if flatten else X), labels.astype(np.int64)
