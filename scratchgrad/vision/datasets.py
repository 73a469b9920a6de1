"""torchvision's `datasets.MNIST`, reading the four IDX files with `nn.datasets.mnist`.

    dataset = datasets.MNIST("../data", train=True, download=True, transform=transform)
    image, label = dataset[0]          # transform(uint8 (28, 28) image), int label

Where the files are: `root` itself, `root/MNIST/raw` (torchvision's layout), else
scratchgrad's MNIST folder ($SCRATCHGRAD_MNIST or ~/.scratchgrad/mnist). Missing
everywhere, `download=True` fetches them into `root/MNIST/raw`.
"""

from pathlib import Path

import numpy as np

from ..autograd import from_numpy
from ..nn import datasets as _datasets


def _folder_with_mnist(root, train):
    stem = "train" if train else "t10k"
    for folder in (
        Path(root).expanduser(),
        Path(root).expanduser() / "MNIST" / "raw",
        Path(_datasets.default_mnist_root()),
    ):
        if folder.is_dir() and any(folder.glob(f"{stem}-images*")):
            return folder
    return None


class MNIST:
    """MNIST as (image, label) pairs, like torchvision's class of the same name."""

    classes = [
        f"{d} - {name}"
        for d, name in enumerate(
            ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        )
    ]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        folder = _folder_with_mnist(root, train)
        if folder is None:
            if not download:
                raise FileNotFoundError(
                    f"MNIST not found in {root} (nor in {root}/MNIST/raw or "
                    f"{_datasets.default_mnist_root()}); pass download=True"
                )
            folder = Path(root).expanduser() / "MNIST" / "raw"
        images, labels = _datasets.mnist(
            folder, "train" if train else "test", flatten=False, scale=False, download=download
        )
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = np.asarray(labels, dtype=np.int64)

    @property
    def data(self):
        """All images as a uint8 tensor (N, 28, 28)."""
        return from_numpy(self.images)

    @property
    def targets(self):
        """All labels as an int64 tensor (N,)."""
        return from_numpy(self.labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image, label = self.images[index], int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return f"Dataset MNIST\n    Number of datapoints: {len(self)}\n    Split: {split}"
