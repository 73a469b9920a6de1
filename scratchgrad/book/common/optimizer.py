"""The book's `common/optimizer.py` (chapter 6): SGD, Momentum, Nesterov, AdaGrad,
RMSprop and Adam over dicts of numpy arrays, `update(params, grads)`.

Each update writes into the arrays of `params` in place, because the book's layers hold
those very arrays (`params['W1'] is self.layers['Affine1'].W`). Every rule runs through
scratchgrad's `in_slices`, which splits a big array's update over the worker threads
without changing a bit of it. SGD, Momentum and Nesterov are scratchgrad's own rules
(`nn.optim`'s, written for the book's formulas); AdaGrad, RMSprop and Adam are the
book's, written here, because nn.optim's versions are PyTorch's: another eps placement
(Adam) or another rounding order (AdaGrad's lr * (g / d), RMSprop's (1 - a) * (g * g)).
"""

from functools import partial

import numpy as np

from ...nn import optim
from ...nn.optim.optimizer import in_slices

EPS = 1e-7  # the book's, added to the root in AdaGrad, RMSprop and Adam


def _rule(optimizer_class):
    """An nn.optim class's elementwise update (`_moves`), which reads nothing from its
    optimizer object, as a plain function of (data, grad, *buffers)."""
    return partial(optimizer_class._moves, None)


class SGD:
    """Plain gradient descent, W -= lr * dW: the baseline the book compares the others with."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        """One step for every key of `params`, in place."""
        group = {"lr": self.lr, "momentum": 0.0, "weight_decay": 0.0}
        for key in params.keys():
            in_slices(_rule(optim.SGD), params[key], grads[key], None, first=False, group=group)


class Momentum:
    """Gradient descent with a velocity: v = momentum * v - lr * dW;  W += v."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """One step for every key of `params`, in place; `v` is created on the first."""
        if self.v is None:  # of the step's dtype: the book's v turns float64 on step 1
            self.v = {k: np.zeros(p.shape, np.result_type(p, grads[k])) for k, p in params.items()}
        for key in params.keys():
            in_slices(
                _rule(optim.Momentum),
                params[key],
                grads[key],
                self.v[key],
                m=self.momentum,
                lr=self.lr,
            )


class Nesterov:
    """Nesterov's accelerated gradient as the book's code steps it:
    v = momentum * v - lr * dW;  W += momentum**2 * v - (1 + momentum) * lr * dW."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """One step for every key of `params`, in place; `v` is created on the first."""
        if self.v is None:
            self.v = {key: np.zeros_like(p) for key, p in params.items()}
        for key in params.keys():
            in_slices(
                _rule(optim.Nesterov),
                params[key],
                grads[key],
                self.v[key],
                m=self.momentum,
                lr=self.lr,
            )


class AdaGrad:
    """Per-element step sizes that shrink with the gradients seen:
    h += dW * dW;  W -= lr * dW / (sqrt(h) + 1e-7)."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        """One step for every key of `params`, in place; `h` is created on the first."""
        if self.h is None:
            self.h = {key: np.zeros_like(p) for key, p in params.items()}
        for key in params.keys():
            in_slices(_adagrad, params[key], grads[key], self.h[key], lr=self.lr)


def _adagrad(w, g, h, *, lr):
    h += g * g
    w -= lr * g / (np.sqrt(h) + EPS)


class RMSprop:
    """AdaGrad with a forgetting sum of squares, so the steps do not die out:
    h = decay_rate * h + (1 - decay_rate) * dW * dW;  W -= lr * dW / (sqrt(h) + 1e-7)."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(self, params, grads):
        """One step for every key of `params`, in place; `h` is created on the first."""
        if self.h is None:
            self.h = {key: np.zeros_like(p) for key, p in params.items()}
        for key in params.keys():
            in_slices(
                _rmsprop, params[key], grads[key], self.h[key], lr=self.lr, decay=self.decay_rate
            )


def _rmsprop(w, g, h, *, lr, decay):
    h *= decay
    h += (1 - decay) * g * g
    w -= lr * g / (np.sqrt(h) + EPS)


class Adam:
    """Momentum plus RMSprop's scaling, bias-corrected in the step size as the book's:
    m += (1 - beta1)(dW - m);  v += (1 - beta2)(dW**2 - v);
    W -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + 1e-7)."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        """One step for every key of `params`, in place; `m` and `v` are created on the
        first, and `iter` counts the steps."""
        if self.m is None:
            self.m = {key: np.zeros_like(p) for key, p in params.items()}
            self.v = {key: np.zeros_like(p) for key, p in params.items()}
        self.iter += 1
        t = self.iter
        step = self.lr * np.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        for key in params.keys():
            in_slices(
                _adam,
                params[key],
                grads[key],
                self.m[key],
                self.v[key],
                step=step,
                beta1=self.beta1,
                beta2=self.beta2,
            )


def _adam(w, g, m, v, *, step, beta1, beta2):
    m += (1 - beta1) * (g - m)
    v += (1 - beta2) * (g**2 - v)
    w -= step * m / (np.sqrt(v) + EPS)
