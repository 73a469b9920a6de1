"""The 8x8 handwritten digits (UCI, CC BY 4.0), bundled: 1,797 samples, 10 classes.

Pixels are counts 0..16; `digits()` scales them to 0..1. See data/DIGITS_LICENSE.txt.
"""

import gzip
from importlib import resources

import numpy as np


def _load_raw():
    with resources.files(__package__).joinpath("data/digits.csv.gz").open("rb") as handle:
        table = np.loadtxt(gzip.open(handle), delimiter=",", dtype=np.float64)
    return table[:, :64], table[:, 64].astype(np.int64)


def digits(split=False, test_size=0.2, seed=0, scale=True, images=False):
    """X (1797, 64) in [0, 1] and y (1797,) of ints 0..9.

    `split=True` returns (X_train, X_test, y_train, y_test), stratified and seeded.
    `images=True` shapes X as (N, 8, 8).
    """
    X, y = _load_raw()
    if scale:
        X = X / 16.0
    if images:
        X = X.reshape(-1, 8, 8)
    if not split:
        return X, y
    from ..data import train_test_split

    return train_test_split(X, y, test_size=test_size, seed=seed)
