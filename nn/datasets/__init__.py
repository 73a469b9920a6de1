"""Small data sets that ship with scratchgrad or are generated, and MNIST from IDX files.

    X, y = nn.datasets.moons(n=100, noise=0.1, seed=1)
    X_train, X_test, y_train, y_test = nn.datasets.digits(split=True)
    X, y = nn.datasets.mnist("~/mnist", download=True)   # the only one that downloads
"""
from .digits import digits
from .download import DownloadError, fetch_mnist
from .mnist import IDXFormatError, mnist, read_idx
from .synthetic import GATES, circles, gates, moons, spiral

__all__ = ["gates", "GATES", "moons", "circles", "spiral", "digits", "mnist", "read_idx",
           "IDXFormatError", "fetch_mnist", "DownloadError"]
