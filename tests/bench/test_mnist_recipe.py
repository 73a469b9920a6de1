"""bench.mnist_recipe end to end on an MNIST-shaped stand-in: the bundled 8x8 digits
blown up to 28x28 and written as the four IDX files. Real MNIST is not in CI; this
checks that the recipe runs, both sides learn, and a missing folder is one clear line."""

import gzip
import subprocess
import sys

import numpy as np
import pytest

from scratchgrad import nn

NAMES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0))


@pytest.fixture(scope="module")
def digits_as_mnist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist")
    X, y = nn.datasets.digits()
    images = np.kron(X.reshape(-1, 8, 8), np.ones((3, 3)))  # 24 x 24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2))) * 255  # 28 x 28 bytes
    for kind, part in (("train", slice(0, 1500)), ("test", slice(1500, None))):
        write_idx(folder / NAMES[kind][0], images[part])
        write_idx(folder / NAMES[kind][1], y[part])
    return folder


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "bench.mnist_recipe", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_the_recipe_trains_both_sides(digits_as_mnist):
    result = run(digits_as_mnist, "--epochs", 3, "--seeds", 0, "--threads", 1)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    accuracy = {
        side: float(line.split("epochs: ")[1].split("%")[0]) / 100 for side, line in lines.items()
    }
    assert accuracy["ours"] > 0.7 and "median epoch" in lines["ours"], lines["ours"]
    if "torch" in accuracy:  # 45 steps of Adam 1e-3 from different initial weights
        assert abs(accuracy["ours"] - accuracy["torch"]) < 0.1, lines


def test_no_data_is_one_clear_line(tmp_path):
    result = run(tmp_path / "nowhere")
    assert result.returncode == 2
    assert result.stderr.startswith(f"no MNIST in {tmp_path / 'nowhere'}")
    assert len(result.stderr.strip().splitlines()) == 1
