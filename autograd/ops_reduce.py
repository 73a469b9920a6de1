"""Reductions (`Tensor` only) and the n-ary sum/dot that make scalar graphs small.

Reductions take numpy's `axis` (normalised by the Tensor method to a tuple of
non-negative ints) and `keepdims`; their forwards save `(axis, keepdims, ...)`.
"""
import numpy as np

from .op_table import register
from .vjp_math import (data_of, expand_reduced, fit_to, shape_of, tangent_sum, unbroadcast,
                       zero_where)


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
    with np.errstate(over="ignore"):   # inf like numpy, without the warning
        return x.sum(axis=axis, keepdims=keepdims), (axis, keepdims)


def _sum_vjp(node, g, xs, out):
    axis, keepdims = node._saved
    return (expand_reduced(g, xs[0].shape, axis, keepdims),)


def _mean_array(x, axis, keepdims):
    if _count(x.shape, axis) == 0:
        raise ValueError(f"mean over an empty axis {axis} of a tensor of shape {x.shape}")
    with np.errstate(over="ignore"):
        return x.mean(axis=axis, keepdims=keepdims), (axis, keepdims)


def _mean_vjp(node, g, xs, out):
    axis, keepdims = node._saved
    n = _count(xs[0].shape, axis)
    return (expand_reduced(g, xs[0].shape, axis, keepdims) * (1.0 / n),)


def _reduce_jvp(method):
    """Sum and mean are linear: the tangent is reduced the same way."""
    def jvp(node, ts, xs, out):
        axis, keepdims = node._saved
        return getattr(ts[0], method)(axis=axis, keepdims=keepdims)
    return jvp


SUM = register("sum", _sum_vjp, jvp=_reduce_jvp("sum"), array=_sum_array,
               doc="sum over axis;  d/dx_i = 1")
MEAN = register("mean", _mean_vjp, jvp=_reduce_jvp("mean"), array=_mean_array,
                doc="mean over axis;  d/dx_i = 1/N")


def _extreme(reduce):
    def forward(x, axis, keepdims):
        if _count(x.shape, axis) == 0:
            raise ValueError(f"{reduce.__name__} over an empty axis {axis} of a tensor "
                             f"of shape {x.shape}: the result is undefined")
        kept = reduce(x, axis=axis, keepdims=True)
        hits = (x == kept) | (np.isnan(x) & np.isnan(kept))   # a NaN max gets the grad
        share = (hits / hits.sum(axis=axis, keepdims=True)).astype(x.dtype, copy=False)
        out = kept if keepdims else np.squeeze(kept, axis=axis)
        return out, (axis, keepdims, share)   # ties share the gradient equally
    return forward


def _extreme_vjp(node, g, xs, out):
    axis, keepdims, share = node._saved
    return (expand_reduced(g, share.shape, axis, keepdims) * share,)


def _extreme_jvp(node, ts, xs, out):
    axis, keepdims, share = node._saved
    return (ts[0] * share).sum(axis=axis, keepdims=keepdims)


MAX = register("max", _extreme_vjp, jvp=_extreme_jvp, array=_extreme(np.max), smooth=False,
               doc="max over axis;  the gradient goes to the maximum (split among ties)")
MIN = register("min", _extreme_vjp, jvp=_extreme_jvp, array=_extreme(np.min), smooth=False,
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


def _var_jvp(node, ts, xs, out):
    axis, keepdims, correction = node._saved
    x = xs[0]
    centered = x - x.mean(axis=axis, keepdims=True)
    n = _count(x.shape, axis)
    return (centered * ts[0]).sum(axis=axis, keepdims=keepdims) * (2.0 / (n - correction))


VAR = register("var", _var_vjp, jvp=_var_jvp, array=_var_array,
               doc="variance over axis, dividing by N - correction (PyTorch's default "
                   "correction=1);  d/dx_i = 2 (x_i - mean) / (N - correction)")

def _std_array(x, axis, keepdims, correction):
    var, saved = _var_array(x, axis, keepdims, correction)
    return np.sqrt(var), saved


def _std_vjp(node, g, xs, out):
    """d std / dx_i = (x_i - mean) / ((N - correction) std), and 0 where std is 0 (a
    constant input): PyTorch's convention, so one constant feature poisons nothing."""
    axis, keepdims, correction = node._saved
    x = xs[0]
    n = _count(x.shape, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_std = zero_where(data_of(out) == 0, g / out)
    centered = x - x.mean(axis=axis, keepdims=True)
    return (expand_reduced(per_std, x.shape, axis, keepdims) * centered *
            (1.0 / (n - correction)),)


def _std_jvp(node, ts, xs, out):
    with np.errstate(divide="ignore", invalid="ignore"):
        per_std = zero_where(data_of(out) == 0, 0.5 / out)
    return _var_jvp(node, ts, xs, out) * per_std


STD = register("std", _std_vjp, jvp=_std_jvp, array=_std_array,
               doc="standard deviation over axis (sqrt of var);  d/dx_i = (x_i - mean) / "
                   "((N - correction) std), 0 for a constant input")

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


def _sum_n_scalar(*xs):
    total = xs[0]
    for x in xs[1:]:   # left to right, like chained `+` (sum() may compensate on 3.12+)
        total += x
    return total


def _sum_n_scalar_backprop(node, g):
    for x in node._parents:
        if x.requires_grad:
            x.grad += g


def _sum_n_jvp(node, ts, xs, out):
    return fit_to(tangent_sum(*ts), out)


SUM_N = register("sum_n", _sum_n_vjp, jvp=_sum_n_jvp, scalar=_sum_n_scalar, array=_sum_n_array,
                 arity=None, symbol="Σ", micrograd="+",
                 scalar_vjp=lambda node, g: (g,) * len(node._parents),
                 scalar_backprop=_sum_n_scalar_backprop,
                 doc="x_1 + ... + x_n as one node;  d/dx_i = 1")


def _dot_scalar(*xs):
    """b + w_1 x_1 + ... + w_n x_n, added in micrograd's order (its Neuron starts from b),
    so a model built from the same weights gives bit-identical outputs."""
    n = len(xs) // 2
    total = xs[-1] if len(xs) % 2 else 0.0
    for w, x in zip(xs[:n], xs[n:2 * n]):
        total += w * x
    return total


def _dot_vjp(node, g, xs, out):
    n = len(xs) // 2
    grads = [g * x for x in xs[n:2 * n]] + [g * w for w in xs[:n]]
    if len(xs) % 2:
        grads.append(g)
    return grads


def dot_of_values(parents):
    """`_dot_scalar` reading each input Value's `.data` directly: the float forward of the
    scalar engine's hottest node, without building a list of floats first."""
    n = len(parents) // 2
    total = parents[-1].data if len(parents) % 2 else 0.0
    for w, x in zip(parents[:n], parents[n:2 * n]):
        total += w.data * x.data
    return total


def _dot_scalar_vjp(node, g):
    parents = node._parents
    n = len(parents) // 2
    grads = [g * x.data for x in parents[n:2 * n]]
    grads += [g * w.data for w in parents[:n]]
    if len(parents) % 2:
        grads.append(g)
    return grads


def _dot_scalar_backprop(node, g):
    """`_dot_scalar_vjp` added straight into the inputs' grads (no list in between)."""
    parents = node._parents
    n = len(parents) // 2
    for w, x in zip(parents[:n], parents[n:2 * n]):
        if w.requires_grad:
            w.grad += g * x.data
        if x.requires_grad:
            x.grad += g * w.data
    if len(parents) % 2 and parents[-1].requires_grad:
        parents[-1].grad += g


def _dot_jvp(node, ts, xs, out):
    n = len(xs) // 2
    terms = [None if t is None else t * x for t, x in zip(ts[:n], xs[n:2 * n])]
    terms += [None if t is None else t * w for t, w in zip(ts[n:2 * n], xs[:n])]
    if len(xs) % 2:
        terms.append(ts[-1])
    return tangent_sum(*terms)


DOT = register("dot", _dot_vjp, jvp=_dot_jvp, scalar=_dot_scalar, arity=None, symbol="w·x+b",
               scalar_vjp=_dot_scalar_vjp, scalar_backprop=_dot_scalar_backprop,
               micrograd="dot",
               doc="w_1 x_1 + ... + w_n x_n (+ b) as one node (inputs: ws, xs, then an "
                   "optional bias);  d/dw_i = x_i, d/dx_i = w_i, d/db = 1")
