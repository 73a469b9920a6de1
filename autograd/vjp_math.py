"""Helpers that VJPs call: each works on floats, ndarrays and nodes alike.

On raw data they compute; on a `Value`/`Tensor` they apply a recorded op, so a VJP
written with them is differentiable again under `create_graph=True`.
"""
import math

import numpy as np

from .node import Node


def data_of(x):
    """The raw float/array behind `x` (constants for masks: a mask has no derivative)."""
    return x._data if isinstance(x, Node) else x


def shape_of(x):
    return getattr(x, "shape", None)


def unbroadcast(g, shape):
    """Sum `g` back to `shape`: the VJP of numpy broadcasting (one helper for all ops)."""
    gshape = getattr(g, "shape", None)
    if gshape is None or shape is None or gshape == shape:
        return g
    if isinstance(g, Node):
        return g._apply_op("sum_to", (g,), shape=tuple(shape))
    return sum_to_array(g, shape)


def sum_to(g, shape):
    """Sum `g` down to `shape` (the tangent of `sum_to`, the VJP of `expand`)."""
    return unbroadcast(g, tuple(shape))


def sum_to_array(g, shape):
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


def zero_where(mask, x):
    """`x` with 0 where `mask` holds (a `where`, not `x * ~mask`: inf * 0 would be nan).
    PyTorch's gradients use this at the edges of an op's domain (pow at 0, std of a
    constant)."""
    if not np.any(mask):
        return x
    if isinstance(x, Node) and x._is_scalar:   # one number: the masked value is 0
        return x._lift(0.0)
    if isinstance(x, Node):
        return x._apply_op("where", (x._lift(0.0), x), condition=np.asarray(mask))
    return np.where(mask, 0.0, x).astype(x.dtype, copy=False)


def tangent_sum(*terms):
    """Add the tangent terms that exist (None means zero, and is never materialised)."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def fit_to(t, like):
    """A tangent `t` broadcast to the shape of the output `like` (a no-op for floats)."""
    shape = getattr(like, "shape", None)
    if t is None or shape is None or getattr(t, "shape", None) == shape:
        return t
    return broadcast_to(t, shape)


def broadcast_to(g, shape):
    if isinstance(g, Node):
        return g._apply_op("expand", (g,), shape=tuple(shape))
    return np.broadcast_to(g, shape)


def _unary(name, scalar_fn, array_fn):
    def fn(x):
        if isinstance(x, Node):
            return x._apply_op(name, (x,))
        if isinstance(x, np.ndarray):
            return array_fn(x)
        return scalar_fn(x)
    fn.__name__ = name
    return fn


cos = _unary("cos", math.cos, np.cos)
sin = _unary("sin", math.sin, np.sin)
exp = _unary("exp", math.exp, np.exp)
log = _unary("log", math.log, np.log)


def matrix_transpose(x):
    """Swap the last two axes (the `.mT` of PyTorch)."""
    if isinstance(x, Node):
        axes = list(range(x.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return x.transpose(axes)
    return np.swapaxes(x, -1, -2)


def softmax(x, axis=-1):
    if isinstance(x, Node):
        return x._apply_op("softmax", (x,), axis=axis)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def scatter_add(g, shape, index):
    """Zeros of `shape` with `g` added at `index` (repeated indices accumulate)."""
    if isinstance(g, Node):
        return g._apply_op("scatter_add", (g,), shape=tuple(shape), index=index)
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def expand_reduced(g, shape, axis, keepdims):
    """Broadcast the gradient of a reduction over `axis` back to the input's `shape`."""
    if axis is None:
        axis = tuple(range(len(shape)))
    if not keepdims:
        kept = list(shape)
        for a in axis:
            kept[a] = 1
        g = g.reshape(tuple(kept))
    return broadcast_to(g, shape)
