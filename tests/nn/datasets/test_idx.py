"""The IDX reader refuses crafted files cleanly: one-line IDXFormatError naming the file."""

import gzip
import tracemalloc
import zlib

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.nn.datasets.mnist import MAX_IDX_BYTES

IDXFormatError = nn.datasets.IDXFormatError


def idx_bytes(array, type_code=0x08, shape=None, dtype=np.uint8):
    shape = array.shape if shape is None else shape
    header = bytes([0, 0, type_code, len(shape)])
    header += b"".join(int(n).to_bytes(4, "big") for n in shape)
    return header + np.asarray(array).astype(dtype).tobytes()


def write(path, raw, compress=None):
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def mnist_folder(tmp_path, labels_raw, n=3, compress=False):
    gz = ".gz" if compress else ""
    images = np.zeros((n, 28, 28), np.uint8)
    write(tmp_path / f"train-images-idx3-ubyte{gz}", idx_bytes(images))
    return write(tmp_path / f"train-labels-idx1-ubyte{gz}", labels_raw)


def assert_one_line(err, path):
    message = str(err.value)
    assert "\n" not in message and str(path) in message


# --- gzip damage -----------------------------------------------------------------------


def corrupt_deflate(raw):
    """A gzip member whose first deflate block has the reserved type 11: zlib.error."""
    packed = bytearray(gzip.compress(raw, mtime=0))
    packed[10] = 0b111  # BFINAL=1, BTYPE=11 (invalid)
    return bytes(packed)


def test_corrupt_deflate_fixture_really_raises_zlib_error():
    with pytest.raises(zlib.error):
        gzip.decompress(corrupt_deflate(b"\0" * 100))


@pytest.mark.parametrize("damage", ["deflate", "truncated", "crc", "not-gzip-tail"])
def test_damaged_gzip_is_an_idx_format_error(tmp_path, damage):
    raw = idx_bytes(np.random.default_rng(0).integers(0, 256, (20, 28, 28)))
    packed = gzip.compress(raw)
    data = {
        "deflate": corrupt_deflate(raw),
        "truncated": packed[: len(packed) // 2],
        "crc": packed[:-8] + bytes(8),
        "not-gzip-tail": packed + b"garbage!",
    }[damage]
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data)
    with pytest.raises(IDXFormatError) as err:
        nn.datasets.read_idx(path)
    assert_one_line(err, path)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = write(tmp_path / "plain-name-idx2-ubyte", idx_bytes(array), compress=True)
    assert np.array_equal(nn.datasets.read_idx(path), array)


# --- byte budget from the header --------------------------------------------------------


def test_gzip_bomb_is_refused_after_the_promised_bytes(tmp_path):
    """~1 MB of gzip members inflating to 1 GiB behind a header promising one image."""
    header = idx_bytes(np.zeros((1, 28, 28)))
    zeros = gzip.compress(bytes(1 << 20), 9)  # one member: 1 MiB of zeros
    path = tmp_path / "bomb-images-idx3-ubyte.gz"
    with open(path, "wb") as out:
        out.write(gzip.compress(header))
        out.write(zeros * 1024)  # 1 GiB once inflated
    assert path.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match="more data than that") as err:
            nn.datasets.read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # read the promised bytes, no more
    assert_one_line(err, path)


@pytest.mark.parametrize("shape", [(0xFFFFFFFF,) * 3, (0xFFFFFFFF,) * 255, (2, 1 << 30)])
def test_header_promising_too_much_is_refused_before_reading(tmp_path, shape):
    path = write(tmp_path / "huge-idx3-ubyte", idx_bytes(np.zeros(0), shape=shape))
    with pytest.raises(IDXFormatError, match="more than the limit") as err:
        nn.datasets.read_idx(path)
    assert_one_line(err, path)
    assert len(str(err.value)) < 400


def test_overflowing_header_is_called_out(tmp_path):
    path = write(tmp_path / "huge-idx3-ubyte", idx_bytes(np.zeros(0), shape=(0xFFFFFFFF,) * 3))
    with pytest.raises(IDXFormatError, match=r"more than 2\*\*64 bytes"):
        nn.datasets.read_idx(path)


def test_limit_is_a_documented_constant_and_adjustable(tmp_path):
    assert MAX_IDX_BYTES == 1 << 30
    path = write(tmp_path / "x-idx1-ubyte", idx_bytes(np.arange(100)))
    with pytest.raises(IDXFormatError, match="promises 100 bytes"):
        nn.datasets.read_idx(path, max_bytes=99)
    assert nn.datasets.read_idx(path, max_bytes=100).tolist() == list(range(100))


def test_truncated_header_and_empty_file(tmp_path):
    path = write(tmp_path / "a-idx3-ubyte", bytes([0, 0, 8, 3, 0, 0, 0, 1]))
    with pytest.raises(IDXFormatError, match="truncated header"):
        nn.datasets.read_idx(path)
    path = write(tmp_path / "empty-idx3-ubyte.gz", b"")
    with pytest.raises(IDXFormatError, match="bad magic number empty"):
        nn.datasets.read_idx(path)


def test_too_long_raw_file_is_refused(tmp_path):
    path = write(tmp_path / "a-idx1-ubyte", idx_bytes(np.arange(5)) + b"\0")
    with pytest.raises(IDXFormatError, match="truncated or corrupt"):
        nn.datasets.read_idx(path)


# --- labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_label_255_is_refused(tmp_path, compress):
    path = mnist_folder(tmp_path, idx_bytes(np.array([1, 255, 2])), compress=compress)
    with pytest.raises(IDXFormatError, match="label 255 at index 1 is outside 0..9") as err:
        nn.datasets.mnist(tmp_path)
    assert_one_line(err, path)


def test_label_10_is_refused(tmp_path):
    mnist_folder(tmp_path, idx_bytes(np.array([1, 2, 10])))
    with pytest.raises(IDXFormatError, match="label 10 at index 2"):
        nn.datasets.mnist(tmp_path)


def test_negative_int8_label_is_refused(tmp_path):
    raw = idx_bytes(np.array([0, -1, 3]), type_code=0x09, dtype=np.int8)
    path = mnist_folder(tmp_path, raw)
    with pytest.raises(IDXFormatError, match="label -1 at index 1") as err:
        nn.datasets.mnist(tmp_path)
    assert_one_line(err, path)


def test_float_labels_are_refused(tmp_path):
    raw = idx_bytes(np.array([0.0, 1.0, 2.0]), type_code=0x0D, dtype=">f4")
    path = mnist_folder(tmp_path, raw)
    with pytest.raises(IDXFormatError, match="labels must be integers") as err:
        nn.datasets.mnist(tmp_path)
    assert_one_line(err, path)


def test_valid_int8_labels_are_accepted(tmp_path):
    mnist_folder(tmp_path, idx_bytes(np.array([0, 9, 3]), type_code=0x09, dtype=np.int8))
    X, y = nn.datasets.mnist(tmp_path)
    assert y.tolist() == [0, 9, 3] and y.dtype == np.int64


# --- images ------------------------------------------------------------------------------


def test_images_must_be_3d(tmp_path):
    path = write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((3, 784))))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 2, 3])))
    with pytest.raises(IDXFormatError, match="must be a 3-D array") as err:
        nn.datasets.mnist(tmp_path)
    assert_one_line(err, path)


def test_images_must_be_bytes(tmp_path):
    raw = idx_bytes(np.zeros((3, 28, 28)), type_code=0x0D, dtype=">f4")
    write(tmp_path / "train-images-idx3-ubyte", raw)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 2, 3])))
    with pytest.raises(IDXFormatError, match="unsigned bytes"):
        nn.datasets.mnist(tmp_path)


def test_any_image_size_is_accepted(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.full((2, 8, 5), 255)))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([4, 2])))
    X, y = nn.datasets.mnist(tmp_path, flatten=False)
    assert X.shape == (2, 8, 5) and X.max() == 1.0


def test_count_mismatch_names_both_files(tmp_path):
    mnist_folder(tmp_path, idx_bytes(np.array([1, 2])), n=3)
    with pytest.raises(
        IDXFormatError,
        match="3 images in train-images-idx3-ubyte but 2 labels in train-labels-idx1-ubyte",
    ):
        nn.datasets.mnist(tmp_path)


# --- missing files -----------------------------------------------------------------------


def test_missing_labels_message_names_idx1(tmp_path):
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((1, 28, 28))))
    with pytest.raises(FileNotFoundError) as err:
        nn.datasets.mnist(tmp_path, kind="test")
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte[.gz]" in message and "t10k-labels.idx1-ubyte" in message
    assert "idx3" not in message and "download=True" in message


def test_missing_images_message_names_idx3(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"train-images-idx3-ubyte\[\.gz\].*"
        r"download=True",
    ):
        nn.datasets.mnist(tmp_path)


def test_labels_named_idx3_are_not_picked_up(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((1, 28, 28))))
    write(tmp_path / "train-labels-idx3-ubyte", idx_bytes(np.array([1])))
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        nn.datasets.mnist(tmp_path)


def test_missing_folder_suggests_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*download=True"):
        nn.datasets.mnist(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_a_file_with_no_images_is_an_idx_format_error(tmp_path):
    """Zero images (a header that says 0) is a damaged MNIST, not a crash further on."""
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((0, 28, 28), np.uint8)))
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(0, np.uint8)))
    with pytest.raises(IDXFormatError, match="holds no images"):
        nn.datasets.mnist(tmp_path, "test")
