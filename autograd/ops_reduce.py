"""Reductions (`Tensor` only) and the n-ary sum/dot that make scalar graphs small.

Reductions take numpy's `axis` (normalised by the Tensor method to a tuple of
non-negative ints) and `keepdims`; their forwards save `(axis, keepdims, ...)`.
"""
import numpy as np

from .op_table import register
from .vjp_math import expand_reduced, shape_of, unbroadcast


def normalize_axis(axis, ndim):
    """`axis` as a sorted tuple of non-negative ints (None means every axis)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a!r} is out of range for a tensor with {ndim} "
                             f"dimensions (valid: {-ndim}..{ndim - 1})")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"axis {axis} names the same axis twice")
    return tuple(sorted(out))


def _count(shape, axis):
    n = 1
    for a in axis:
        n *= shape[a]
    return n


def _sum_array(x, axis, keepdims):
    return x.sum(axis=axis, keepdims=keepdims), (axis, keepdims)


def _sum_vjp(node, g, xs, out):
    axis, keepdims = node._saved
    return (expand_reduced(g, xs[0].shape, axis, keepdims),)


def _mean_array(x, axis, keepdims):
    if _count(x.shape, axis) == 0:
        raise ValueError(f"mean over an empty axis {axis} of a tensor of shape {x.shape}")
    return x.mean(axis=axis, keepdims=keepdims), (axis, keepdims)


def _mean_vjp(node, g, xs, out):
    axis, keepdims = node._saved
    n = _count(xs[0].shape, axis)
    return (expand_reduced(g, xs[0].shape, axis, keepdims) * (1.0 / n),)


SUM = register("sum", _sum_vjp, array=_sum_array, doc="sum over axis;  d/dx_i = 1")
MEAN = register("mean", _mean_vjp, array=_mean_array, doc="mean over axis;  d/dx_i = 1/N")


def _extreme(reduce):
    def forward(x, axis, keepdims):
        if _count(x.shape, axis) == 0:
            raise ValueError(f"{reduce.__name__} over an empty axis {axis} of a tensor "
                             f"of shape {x.shape}: the result is undefined")
        kept = reduce(x, axis=axis, keepdims=True)
        hits = x == kept
        share = (hits / hits.sum(axis=axis, keepdims=True)).astype(x.dtype, copy=False)
        out = kept if keepdims else np.squeeze(kept, axis=axis)
        return out, (axis, keepdims, share)   # ties share the gradient equally
    return forward


def _extreme_vjp(node, g, xs, out):
    axis, keepdims, share = node._saved
    return (expand_reduced(g, share.shape, axis, keepdims) * share,)


MAX = register("max", _extreme_vjp, array=_extreme(np.max), smooth=False,
               doc="max over axis;  the gradient goes to the maximum (split among ties)")
MIN = register("min", _extreme_vjp, array=_extreme(np.min), smooth=False,
               doc="min over axis;  the gradient goes to the minimum (split among ties)")


def _var_array(x, axis, keepdims, correction):
    n = _count(x.shape, axis)
    if n - correction <= 0:
        raise ValueError(f"var over {n} element(s) with correction={correction} divides "
                         "by zero; use correction=0 or more elements")
    return x.var(axis=axis, keepdims=keepdims, ddof=correction), (axis, keepdims, correction)


def _var_vjp(node, g, xs, out):
    axis, keepdims, correction = node._saved
    x = xs[0]
    n = _count(x.shape, axis)
    centered = x - x.mean(axis=axis, keepdims=True)
    return (expand_reduced(g, x.shape, axis, keepdims) * centered * (2.0 / (n - correction)),)


VAR = register("var", _var_vjp, array=_var_array,
               doc="variance over axis, dividing by N - correction (PyTorch's default "
                   "correction=1);  d/dx_i = 2 (x_i - mean) / (N - correction)")

# --- n-ary ops: one node instead of a chain of binary ones ------------------------------


def _sum_n_array(*xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out = out + x
    return out, None


def _sum_n_vjp(node, g, xs, out):
    if getattr(g, "shape", None) is None:   # scalar Values: no broadcasting
        return (g,) * len(xs)
    return tuple(unbroadcast(g, shape_of(x)) for x in xs)


SUM_N = register("sum_n", _sum_n_vjp, scalar=lambda *xs: sum(xs), array=_sum_n_array,
                 arity=None, symbol="Σ", doc="x_1 + ... + x_n as one node;  d/dx_i = 1")


def _dot_scalar(*xs):
    n = len(xs) // 2
    total = sum(map(float.__mul__, xs[:n], xs[n:2 * n]))
    return total + xs[-1] if len(xs) % 2 else total


def _dot_vjp(node, g, xs, out):
    n = len(xs) // 2
    grads = [g * x for x in xs[n:2 * n]] + [g * w for w in xs[:n]]
    if len(xs) % 2:
        grads.append(g)
    return grads


DOT = register("dot", _dot_vjp, scalar=_dot_scalar, arity=None, symbol="·",
               doc="w_1 x_1 + ... + w_n x_n (+ b) as one node (inputs: ws, xs, then an "
                   "optional bias);  d/dw_i = x_i, d/dx_i = w_i, d/db = 1")
