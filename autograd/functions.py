"""PyTorch's free functions over tensors (`torch.exp(x)`, `torch.cat([...], dim=1)`, ...).

Each is the Tensor method of the same name called on its first argument, so the two
spellings cannot disagree; numbers and arrays are made tensors first.
"""

import numpy as np

from .node import Node
from .tensor import Tensor, concatenate, maximum, minimum, stack, tensor_sum, where
from .value import value_sum


def _t(x):
    return x if isinstance(x, Node) else Tensor(x)


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing axis (`concatenate`)."""
    return concatenate(tensors, dim if axis is None else axis)


def flatten(x, start_dim=0, end_dim=-1):
    return _t(x).flatten(start_dim, end_dim)


def reshape(x, *shape):
    return _t(x).reshape(*shape)


def transpose(x, dim0, dim1):
    return _t(x).transpose(dim0, dim1)


def squeeze(x, dim=None):
    return _t(x).squeeze(dim)


def unsqueeze(x, dim):
    return _t(x).unsqueeze(dim)


def matmul(a, b):
    return _t(a).matmul(b)


def mm(a, b):
    return _t(a).mm(b)


def exp(x):
    return _t(x).exp()


def log(x):
    return _t(x).log()


def sqrt(x):
    return _t(x).sqrt()


def tanh(x):
    return _t(x).tanh()


def sigmoid(x):
    return _t(x).sigmoid()


def relu(x):
    return _t(x).relu()


def abs(x):
    return _t(x).abs()


def sin(x):
    return _t(x).sin()


def cos(x):
    return _t(x).cos()


def clamp(x, min=None, max=None):
    return _t(x).clamp(min, max)


clip = clamp


def softmax(x, dim):
    return _t(x).softmax(dim)


def log_softmax(x, dim):
    return _t(x).log_softmax(dim)


def mean(x, dim=None, keepdim=False):
    return _t(x).mean(dim, keepdim)


def max(x, dim=None, keepdim=False):
    """`max(x)`, `max(x, dim)` -> (values, indices), or `max(a, b)` elementwise."""
    return _t(x).max(dim, keepdim)


def min(x, dim=None, keepdim=False):
    return _t(x).min(dim, keepdim)


def argmax(x, dim=None, keepdim=False):
    return _t(x).argmax(dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return _t(x).argmin(dim, keepdim)


def eq(a, b):
    return _t(a) == b


def numel(x):
    return _t(x).numel()


def is_tensor(x):
    return isinstance(x, Tensor)


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    raw = [v._data if isinstance(v, Tensor) else v for v in (a, b)]
    return bool(np.allclose(*raw, rtol=rtol, atol=atol, equal_nan=equal_nan))


def sum(items, dim=None, keepdim=False, start=None):
    """PyTorch's `sum(x, dim)` for a tensor; for a list of Values or Tensors, their total as
    one n-ary node (`scratchgrad.sum([a, b, c])`, micrograd-friendly)."""
    if isinstance(items, Tensor):
        return items.sum(dim, keepdim)
    items = list(items)
    if any(isinstance(x, Tensor) for x in items):
        if start is not None:
            items.append(start)
        return tensor_sum(items)
    return value_sum(items, start)


__all__ = [
    "cat",
    "stack",
    "where",
    "maximum",
    "minimum",
    "flatten",
    "reshape",
    "transpose",
    "squeeze",
    "unsqueeze",
    "matmul",
    "mm",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sin",
    "cos",
    "clamp",
    "clip",
    "softmax",
    "log_softmax",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "eq",
    "numel",
    "is_tensor",
    "allclose",
    "sum",
]
