"""The book's `dataset/mnist.py`: `load_mnist` with the book's arguments and dtypes.

The files are read by scratchgrad's `nn.datasets.load_mnist` from $SCRATCHGRAD_MNIST or
~/.scratchgrad/mnist (downloaded there when missing), instead of a pickle beside this
module. The arrays are the book's: images float32 in [0, 1] (uint8 0..255 with
normalize=False), (N, 784) or (N, 1, 28, 28); labels uint8, or float64 one-hot rows.
"""

import numpy as np

from ...nn import datasets

train_num = 60000
test_num = 10000
img_dim = (1, 28, 28)
img_size = 784


def init_mnist():
    """Fetch the four MNIST files now (those missing) and check they read, as the book's
    `python mnist.py` does before the first chapter that needs them."""
    datasets.load_mnist()


def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    """((x_train, t_train), (x_test, t_test)): the 60,000 training and 10,000 test digits
    every chapter from 3 on trains and tests with, in the layout the arguments ask for."""
    train, test = datasets.load_mnist(
        normalize=normalize, flatten=flatten, one_hot_label=one_hot_label
    )
    return _as_book(*train, one_hot_label), _as_book(*test, one_hot_label)


def _as_book(x, t, one_hot_label):
    """The book's label dtypes: its labels are the file's bytes (uint8), its one-hot rows
    np.zeros (float64); scratchgrad's are int64 and float32. Images match already."""
    return x, t.astype(np.float64 if one_hot_label else np.uint8)
