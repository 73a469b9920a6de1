"""Small data sets that ship with scratchgrad or are generated, and MNIST.

MNIST lives in one folder, `default_mnist_root()`: $SCRATCHGRAD_MNIST if set, else
~/.scratchgrad/mnist. Three ways in:

    X, y = nn.datasets.mnist(kind="train", download=True)      # (60000, 784) float64, int64
    (x_train, t_train), (x_test, t_test) = nn.datasets.load_mnist(one_hot_label=True)
    data = nn.datasets.course_mnist()    # MNIST, or the bundled 8x8 digits if it cannot be had

`mnist` is the plain reader (download only if asked); `load_mnist` is the book's function
("Deep Learning from Scratch", dataset/mnist.py); `course_mnist` is what the notebooks use:
it prints one line saying which data it uses and never fails. The rest:

    X, y = nn.datasets.moons(n=100, noise=0.1, seed=1)
    X_train, X_test, y_train, y_test = nn.datasets.digits(split=True)
"""

from .course import CourseData, course_mnist, load_mnist
from .digits import digits
from .download import DownloadError, fetch_mnist
from .mnist import IDXFormatError, default_mnist_root, fashion_mnist, mnist, read_idx
from .synthetic import GATES, circles, gates, moons, spiral

__all__ = [
    "gates",
    "GATES",
    "moons",
    "circles",
    "spiral",
    "digits",
    "mnist",
    "fashion_mnist",
    "read_idx",
    "IDXFormatError",
    "fetch_mnist",
    "DownloadError",
    "default_mnist_root",
    "load_mnist",
    "course_mnist",
    "CourseData",
]
