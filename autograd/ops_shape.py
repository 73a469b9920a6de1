"""Shape ops (`Tensor` only): their VJPs move gradients back without arithmetic."""
import numpy as np

from .op_table import register
from .vjp_math import broadcast_to, scatter_add, sum_to, unbroadcast


def _reshape_array(x, shape):
    return x.reshape(shape), None


RESHAPE = register("reshape", lambda node, g, xs, out: (g.reshape(xs[0].shape),),
                   jvp=lambda node, ts, xs, out: ts[0].reshape(out.shape),
                   array=_reshape_array, doc="same numbers, new shape")


def _transpose_array(x, axes):
    return x.transpose(axes), tuple(np.argsort(axes))


TRANSPOSE = register("transpose", lambda node, g, xs, out: (g.transpose(node._saved),),
                     jvp=lambda node, ts, xs, out: ts[0].transpose(
                         tuple(int(a) for a in np.argsort(node._saved))),
                     array=_transpose_array, doc="permute axes;  the VJP applies the inverse")


def _expand_array(x, shape):
    return np.broadcast_to(x, shape), None


EXPAND = register("expand", lambda node, g, xs, out: (unbroadcast(g, xs[0].shape),),
                  jvp=lambda node, ts, xs, out: broadcast_to(ts[0], out.shape),
                  array=_expand_array, doc="broadcast to a larger shape;  VJP sums back")


def _sum_to_array(x, shape):
    from .vjp_math import sum_to_array
    return sum_to_array(x, shape), None


SUM_TO = register("sum_to", lambda node, g, xs, out: (broadcast_to(g, xs[0].shape),),
                  jvp=lambda node, ts, xs, out: sum_to(ts[0], out.shape),
                  array=_sum_to_array, doc="sum broadcast axes away (the VJP of expand)")


def _getitem_array(x, index):
    return x[index], index


GETITEM = register("getitem",
                   lambda node, g, xs, out: (scatter_add(g, xs[0].shape, node._saved),),
                   jvp=lambda node, ts, xs, out: ts[0][node._saved],
                   array=_getitem_array, symbol="[]",
                   doc="indexing;  the VJP adds the gradient back at the indices "
                       "(repeated indices accumulate)")


def _scatter_add_array(g, shape, index):
    return scatter_add(g, shape, index), index


SCATTER_ADD = register("scatter_add", lambda node, g, xs, out: (g[node._saved],),
                       jvp=lambda node, ts, xs, out: scatter_add(ts[0], out.shape, node._saved),
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


def _zeros_for_missing(ts, xs):
    """Joining ops need every input's tangent: zeros stand in for the missing ones."""
    return [np.zeros(x.shape, dtype=x.dtype) if t is None else t for t, x in zip(ts, xs)]


def _join(name, ts, xs, axis):
    pieces = _zeros_for_missing(ts, xs)
    nodes = [p for p in pieces if hasattr(p, "_apply_op")]
    if nodes:   # tangents that are nodes: a recorded join
        first = nodes[0]
        return first._apply_op(name, tuple(first._lift(p) for p in pieces), axis=axis)
    return (np.concatenate if name == "concatenate" else np.stack)(pieces, axis=axis)


CONCATENATE = register("concatenate", _concatenate_vjp,
                       jvp=lambda node, ts, xs, out: _join("concatenate", ts, xs,
                                                           node._saved[0]), array=_concatenate_array,
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


STACK = register("stack", _stack_vjp,
                 jvp=lambda node, ts, xs, out: _join("stack", ts, xs, node._saved), array=_stack_array, arity=None,
                 doc="join along a new axis")


def _cast_array(x, dtype):
    return x.astype(dtype), None


def _cast_vjp(node, g, xs, out):
    dtype = xs[0].dtype
    if hasattr(g, "_apply_op"):
        return (g._apply_op("cast", (g,), dtype=dtype),)
    return (g.astype(dtype, copy=False),)


def _cast_jvp(node, ts, xs, out):
    t = ts[0]
    if hasattr(t, "_apply_op"):
        return t._apply_op("cast", (t,), dtype=out.dtype)
    return t.astype(out.dtype, copy=False)


CAST = register("cast", _cast_vjp, jvp=_cast_jvp, array=_cast_array,
                doc="change dtype;  the gradient is cast back to the input's dtype")
