"""Shape ops (`Tensor` only): their VJPs move gradients back without arithmetic."""
import numpy as np

from .op_table import register
from .vjp_math import broadcast_to, scatter_add, unbroadcast


def _reshape_array(x, shape):
    return x.reshape(shape), None


RESHAPE = register("reshape", lambda node, g, xs, out: (g.reshape(xs[0].shape),),
                   array=_reshape_array, doc="same numbers, new shape")


def _transpose_array(x, axes):
    return x.transpose(axes), tuple(np.argsort(axes))


TRANSPOSE = register("transpose", lambda node, g, xs, out: (g.transpose(node._saved),),
                     array=_transpose_array, doc="permute axes;  the VJP applies the inverse")


def _expand_array(x, shape):
    return np.broadcast_to(x, shape), None


EXPAND = register("expand", lambda node, g, xs, out: (unbroadcast(g, xs[0].shape),),
                  array=_expand_array, doc="broadcast to a larger shape;  VJP sums back")


def _sum_to_array(x, shape):
    from .vjp_math import sum_to_array
    return sum_to_array(x, shape), None


SUM_TO = register("sum_to", lambda node, g, xs, out: (broadcast_to(g, xs[0].shape),),
                  array=_sum_to_array, doc="sum broadcast axes away (the VJP of expand)")


def _getitem_array(x, index):
    return x[index], index


GETITEM = register("getitem",
                   lambda node, g, xs, out: (scatter_add(g, xs[0].shape, node._saved),),
                   array=_getitem_array, symbol="[]",
                   doc="indexing;  the VJP adds the gradient back at the indices "
                       "(repeated indices accumulate)")


def _scatter_add_array(g, shape, index):
    return scatter_add(g, shape, index), index


SCATTER_ADD = register("scatter_add", lambda node, g, xs, out: (g[node._saved],),
                       array=_scatter_add_array, doc="zeros with x added at an index "
                       "(the VJP of indexing)")


def _concatenate_array(*xs, axis):
    return np.concatenate(xs, axis=axis), (axis, np.cumsum([x.shape[axis] for x in xs])[:-1])


def _concatenate_vjp(node, g, xs, out):
    axis, bounds = node._saved
    starts = [0, *bounds]
    ends = [*bounds, g.shape[axis]]
    index = [slice(None)] * g.ndim
    pieces = []
    for a, b in zip(starts, ends):
        index[axis] = slice(int(a), int(b))
        pieces.append(g[tuple(index)])
    return pieces


CONCATENATE = register("concatenate", _concatenate_vjp, array=_concatenate_array,
                       arity=None, symbol="cat", doc="join along an existing axis")


def _stack_array(*xs, axis):
    return np.stack(xs, axis=axis), axis


def _stack_vjp(node, g, xs, out):
    axis = node._saved
    index = [slice(None)] * g.ndim
    pieces = []
    for i in range(len(xs)):
        index[axis] = i
        pieces.append(g[tuple(index)])
    return pieces


STACK = register("stack", _stack_vjp, array=_stack_array, arity=None,
                 doc="join along a new axis")


def _cast_array(x, dtype):
    return x.astype(dtype), None


def _cast_vjp(node, g, xs, out):
    dtype = xs[0].dtype
    if hasattr(g, "_apply_op"):
        return (g._apply_op("cast", (g,), dtype=dtype),)
    return (g.astype(dtype, copy=False),)


CAST = register("cast", _cast_vjp, array=_cast_array,
                doc="change dtype;  the gradient is cast back to the input's dtype")
