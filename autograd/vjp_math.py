"""Helpers that derivative rules call: each works on floats, arrays and nodes alike.

On raw data they compute; on a `Value`/`Tensor` they apply recorded ops, so a rule
written with them is differentiable again under `create_graph=True`.
"""

from .backend import is_device_array, namespace
from .node import Node
from .ops_shape import EXPAND, SCATTER_ADD, SUM_TO, WHERE


def data_of(x):
    """The raw float/array behind `x` (constants for masks: a mask has no derivative)."""
    return x._data if isinstance(x, Node) else x


def shape_of(x):
    """`x`'s shape, or None for a float (a Value's data has no shape)."""
    return getattr(x, "shape", None)


def unbroadcast(g, shape):
    """Sum `g` back to `shape`: the VJP of broadcasting (one helper for every op)."""
    gshape = getattr(g, "shape", None)
    if gshape is None or shape is None or gshape == shape:
        return g
    return SUM_TO(g, shape=tuple(shape))


def broadcast_to(g, shape):
    """`g` expanded to `shape`: the VJP of a sum (recorded under create_graph)."""
    return EXPAND(g, shape=tuple(shape))


def scatter_add(g, shape, index):
    """Zeros of `shape` with `g` added at `index` (repeated indices accumulate)."""
    return SCATTER_ADD(g, shape=tuple(shape), index=index)


def zero_where(mask, x):
    """`x` with 0 where `mask` holds (a `where`, not `x * ~mask`: inf * 0 would be nan).
    PyTorch's gradients use this at the edges of an op's domain (pow at 0, std of a
    constant)."""
    if isinstance(x, float):  # a Value's derivative: one number
        return 0.0 if mask else x
    xp = namespace(mask)
    if not is_device_array(mask) and not xp.any(mask):  # (on a GPU, asking would make
        return x  # the host wait for the device: the where is cheaper)
    if isinstance(x, Node) and x._is_scalar:  # one number: the masked value is 0
        return x._lift(0.0)
    if isinstance(x, Node):
        return WHERE(x._lift(0.0), x, condition=mask)
    return xp.where(mask, 0.0, x).astype(x.dtype, copy=False)


def selected(g, d):
    """g * d for a partial that only selects (a 0/1 mask, or a tie's share): 0 wherever d
    is 0 even where g is inf or NaN, as PyTorch's where-based backward of relu, where,
    max and maximum gives (`relu(x).sqrt()` at x < 0: inf * 0 would be NaN). The usual
    finite case costs one sum to check."""
    from .buffers import multiply

    product = multiply(g, d)
    if product.__class__ is float:  # a Value's derivative
        return 0.0 if d == 0 else product
    if isinstance(product, Node):
        return zero_where(data_of(d) == 0, product)
    xp = namespace(product)
    if not is_device_array(product) and xp.isfinite(xp.sum(product)):
        return product  # (numpy's 0-d products are numpy scalars: kept as 0-d arrays)
    return zero_where(xp.asarray(d) == 0, xp.asarray(product))  # (a GPU: never asks)


def held_by_inputs(grads, inputs):
    """Under create_graph, a piecewise op's gradients (relu's g * mask): each tied to
    its input by a `where` that always takes the gradient, so it depends on the input
    with zero derivative, as PyTorch's backward (which reads the input) does. A second
    `grad` then gives zeros (the Hessian of a ReLU net in its input) instead of raising
    "does not require grad", and a gradient penalty gives the parameters under a ReLU
    zero gradients (kept by the optimizer's momentum) instead of None."""
    held = []
    for pg, x in zip(grads, inputs):
        if isinstance(pg, Node) and not pg._is_scalar and x.requires_grad:
            always = namespace(pg._data).ones(pg.shape, dtype=bool)
            pg = WHERE(pg, x, condition=always)
        held.append(pg)
    return tuple(held)


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


def matrix_transpose(x):
    """Swap the last two axes (the `.mT` of PyTorch)."""
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return x.transpose(axes)


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


def count(shape, axis):
    """How many elements a reduction over `axis` combines."""
    n = 1
    for a in axis:
        n *= shape[a]
    return n
