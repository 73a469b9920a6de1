"""The book's `common/functions.py`: activations and losses on plain numpy arrays.

Chapters 3 and 4 build a network from these before any layer exists, so they take and
give numpy arrays (not Tensors) and round exactly as the book's formulas do: the same
operations in the same order, so a learner's printed numbers match the book's.
"""

import numpy as np


def identity_function(x):
    """The output layer's activation for regression (chapter 3): x itself, unchanged."""
    return x


def step_function(x):
    """The perceptron's activation (chapter 3): 1 where x > 0, else 0, as ints."""
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    """1 / (1 + exp(-x)): the smooth activation chapter 3 puts in place of the step."""
    return 1 / (1 + np.exp(-x))


def sigmoid_grad(x):
    """The sigmoid's derivative (1 - s) s, for the hand-written backward of two_layer_net."""
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x):
    """max(0, x) elementwise: the activation the book's deeper networks use."""
    return np.maximum(0, x)


def relu_grad(x):
    """ReLU's derivative as the book takes it: 1 where x >= 0 (zero included), else 0."""
    grad = np.zeros_like(x)
    grad[x >= 0] = 1
    return grad


def softmax(x):
    """exp(x) normalised over the last axis (one row per sample for 2-D x); the row's
    maximum is subtracted first so that exp cannot overflow."""
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(shifted) / np.sum(np.exp(shifted), axis=-1, keepdims=True)


def mean_squared_error(y, t):
    """Half the summed squared error, 0.5 * sum((y - t)**2), over every element (the book
    calls it "sum of squares error"; its code names it both ways)."""
    return 0.5 * np.sum((y - t) ** 2)


sum_squared_error = mean_squared_error


def cross_entropy_error(y, t):
    """-sum(log(y[correct] + 1e-7)) / batch size: the classification loss of chapter 4.

    A 1-D y is one sample (a batch of 1). t is labels, or one-hot rows (same size as y),
    which are turned into labels by argmax; the 1e-7 keeps log away from log(0)."""
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, t.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch = y.shape[0]
    picked = y[np.arange(batch), t]
    return -np.sum(np.log(picked + 1e-7)) / batch


def softmax_loss(X, t):
    """cross_entropy_error(softmax(X), t): the loss of raw scores X in one call."""
    return cross_entropy_error(softmax(X), t)
