"""torchvision's `datasets.MNIST` and `datasets.FashionMNIST`, reading the four IDX
files with `nn.datasets.mnist`.

    dataset = datasets.MNIST("../data", train=True, download=True, transform=transform)
    image, label = dataset[0]          # transform(uint8 (28, 28) image), int label

Where the files are: `root` itself, `root/MNIST/raw` (torchvision's layout; for
Fashion-MNIST `root/FashionMNIST/raw`), else, for MNIST, scratchgrad's MNIST folder
($SCRATCHGRAD_MNIST or ~/.scratchgrad/mnist). Missing everywhere, `download=True`
fetches them into `root/MNIST/raw` (`root/FashionMNIST/raw`).
"""

from pathlib import Path

import numpy as np

from ..autograd import from_numpy
from ..nn import datasets as _datasets
from ..nn.datasets.mnist import FASHION_MNIST_FILES, MNIST_FILES


def _folder_with(root, train, layout, fallback):
    stem = "train" if train else "t10k"
    places = [Path(root).expanduser(), Path(root).expanduser() / layout / "raw"]
    for folder in places + ([Path(fallback)] if fallback else []):
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
    _files = MNIST_FILES
    _layout = "MNIST"  # torchvision's root/MNIST/raw

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        fallback = _datasets.default_mnist_root() if self._layout == "MNIST" else None
        folder = _folder_with(root, train, self._layout, fallback)
        if folder is None:
            if not download:
                elsewhere = f", or {fallback}" if fallback else ""
                raise FileNotFoundError(
                    f"{self._files.name} not found in {root} (nor in "
                    f"{root}/{self._layout}/raw{elsewhere}); pass download=True"
                )
            folder = Path(root).expanduser() / self._layout / "raw"
        images, labels = _datasets.mnist(
            folder,
            "train" if train else "test",
            flatten=False,
            scale=False,
            download=download,
            files=self._files,
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
        return (
            f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
            f"    Split: {split}"
        )


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's clothes, MNIST's format and sizes) as (image, label)
    pairs, like torchvision's class of the same name (PyTorch's tutorials use it)."""

    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    _files = FASHION_MNIST_FILES
    _layout = "FashionMNIST"
