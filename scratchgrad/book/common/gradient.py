"""The book's `common/gradient.py`: central differences with h = 1e-4 (chapter 4).

The book's networks call `numerical_gradient(lambda W: self.loss(x, t), self.params['W1'])`:
f ignores its argument and reads the weights through the network, so x is nudged IN
PLACE, one element at a time, and put back. The loop is the book's arithmetic, rounding
included (`float(x) + h`: a float32 x is nudged once, in float64, then stored), so its
numbers are the book's bit for bit. scratchgrad's own checks (`autograd.numerical_grad`,
`gradcheck`) work on Tensors and Values instead of a function of a bare array.
"""

import numpy as np

from ...autograd import no_grad

H = 1e-4  # the book's step


def numerical_gradient(f, x):
    """(f(x + h) - f(x - h)) / 2h for every element of x (any shape), h = 1e-4, nudging x
    in place; an array like np.zeros_like(x). The check the book's backprop is tested by."""
    grad = np.zeros_like(x)
    with no_grad():  # f's forwards need no graph: the book's layers then record none
        for idx in np.ndindex(x.shape):
            kept = x[idx]
            x[idx] = float(kept) + H
            plus = f(x)
            x[idx] = kept - H
            minus = f(x)
            grad[idx] = (plus - minus) / (2 * H)
            x[idx] = kept
    return grad


def _numerical_gradient_1d(f, x):
    """The book's helper for 1-D x: numerical_gradient(f, x) (kept under its name)."""
    return numerical_gradient(f, x)


def numerical_gradient_2d(f, X):
    """Chapter 4's gradient of f at each row of X on its own (f sees one row at a time),
    or of X itself when it is 1-D: the book's gradient_2d.py draws it as arrows."""
    if X.ndim == 1:
        return _numerical_gradient_1d(f, X)
    grad = np.zeros_like(X)
    for i, row in enumerate(X):
        grad[i] = _numerical_gradient_1d(f, row)
    return grad
