"""Reductions (`Tensor` only) and the n-ary sum/dot that make scalar graphs small.

Reductions take numpy's `axis` (normalised by the Tensor method to a sorted tuple of
non-negative ints) and `keepdims`. `mean` and `var` are not ops: they are compositions
of `sum` and arithmetic (see `Tensor.mean`), exact as they are. `std` keeps its own
rule for PyTorch's edge case (a constant input has a zero gradient, where sqrt's
derivative would give inf * 0 = nan).
"""

import numpy as np

from .backend import namespace
from .errors import DimError
from .grad_mode import STATE
from .node import Node
from .op_table import register
from .vjp_math import (
    count,
    data_of,
    expand_reduced,
    fit_to,
    tangent_sum,
    unbroadcast,
    zero_where,
)


def normalize_axis(axis, ndim):
    """`axis` as a sorted tuple of non-negative ints (None means every axis)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if ndim == 0 and all(not isinstance(a, bool) and a in (0, -1) for a in axes):
        return ()  # a 0-d tensor's dim 0 (or -1), as PyTorch: nothing to reduce
    out = []
    for a in axes:
        if (
            not isinstance(a, (int, np.integer))
            or isinstance(a, bool)
            or not -ndim <= a < max(ndim, 1)
        ):
            valid = "0 or -1" if ndim == 0 else f"{-ndim}..{ndim - 1}"
            raise DimError(
                f"axis {a!r} is out of range for a tensor with {ndim} dimensions (valid: {valid})"
            )
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"axis {axis} names the same axis twice")
    return tuple(sorted(out))


SUM = register(
    "sum",
    lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
    vjp=lambda node, g, xs, out: (
        expand_reduced(g, xs[0].shape, node._saved["axis"], node._saved["keepdims"]),
    ),
    linear=True,
    quiet=True,
    doc="sum over axis;  d/dx_i = 1",
)


def _reversed_cumsum(g, axis):
    """sum_{j >= i} g_j along `axis`: cumsum's VJP, itself a recorded op on nodes."""
    if isinstance(g, Node):
        return CUMSUM(g[(slice(None),) * axis + (slice(None, None, -1),)], axis=axis)[
            (slice(None),) * axis + (slice(None, None, -1),)
        ]
    xp = namespace(g)
    return xp.flip(xp.cumsum(xp.flip(g, axis=axis), axis=axis), axis=axis)


CUMSUM = register(
    "cumsum",
    lambda x, axis: namespace(x).cumsum(x, axis=axis),
    vjp=lambda node, g, xs, out: (_reversed_cumsum(g, node._saved["axis"]),),
    linear=True,
    quiet=True,
    doc="running sum along axis;  the VJP is the running sum from the end",
)


def _extreme(name):
    def forward(x, axis, keepdims):
        if count(x.shape, axis) == 0:
            raise ValueError(
                f"{name} over an empty axis {axis} of a tensor of shape "
                f"{x.shape}: the result is undefined"
            )
        xp = namespace(x)
        kept = getattr(x, name)(axis=axis, keepdims=True)
        out = kept if keepdims else xp.squeeze(kept, axis=axis)
        saved = {"axis": axis, "keepdims": keepdims, "share": None}
        if STATE.enabled:  # under no_grad nothing is recorded: no share to work out
            hits = (x == kept) | (xp.isnan(x) & xp.isnan(kept))  # a NaN max gets it
            saved["share"] = (hits / hits.sum(axis=axis, keepdims=True)).astype(
                x.dtype, copy=False
            )  # ties share the gradient equally
        return out, saved

    return forward


def _extreme_vjp(node, g, xs, out):
    saved = node._saved
    share = saved["share"]
    return (expand_reduced(g, share.shape, saved["axis"], saved["keepdims"]) * share,)


def _extreme_jvp(node, ts, xs, out):
    saved = node._saved
    return (ts[0] * saved["share"]).sum(axis=saved["axis"], keepdims=saved["keepdims"])


MAX = register(
    "max",
    _extreme("max"),
    _extreme_vjp,
    _extreme_jvp,
    saves=True,
    smooth=False,
    doc="max over axis;  the gradient goes to the maximum (split among ties)",
)
MIN = register(
    "min",
    _extreme("min"),
    _extreme_vjp,
    _extreme_jvp,
    saves=True,
    smooth=False,
    doc="min over axis;  the gradient goes to the minimum (split among ties)",
)


def _std(x, axis, keepdims, correction):
    n = count(x.shape, axis)
    if n - correction <= 0:
        raise ValueError(
            f"std over {n} element(s) with correction={correction} divides "
            "by zero; use correction=0 or more elements"
        )
    return namespace(x).sqrt(x.var(axis=axis, keepdims=keepdims, ddof=correction))


def _std_parts(node, xs, out):
    """(x - mean) / (N - correction) and 1 / std, with 0 where std is 0 (a constant
    input): PyTorch's convention, so one constant feature poisons nothing."""
    saved = node._saved
    x = xs[0]
    scale = 1.0 / (count(x.shape, saved["axis"]) - saved["correction"])
    centered = (x - x.mean(axis=saved["axis"], keepdims=True)) * scale
    return centered, zero_where(data_of(out) == 0, 1.0 / out)


def _std_vjp(node, g, xs, out):
    centered, per_std = _std_parts(node, xs, out)
    saved = node._saved
    return (expand_reduced(g * per_std, xs[0].shape, saved["axis"], saved["keepdims"]) * centered,)


def _std_jvp(node, ts, xs, out):
    centered, per_std = _std_parts(node, xs, out)
    saved = node._saved
    return (centered * ts[0]).sum(axis=saved["axis"], keepdims=saved["keepdims"]) * per_std


STD = register(
    "std",
    _std,
    _std_vjp,
    _std_jvp,
    quiet=True,
    doc="standard deviation over axis;  d/dx_i = (x_i - mean) / ((N - "
    "correction) std), 0 for a constant input",
)

# --- n-ary ops: one node instead of a chain of binary ones ------------------------------


def _sum_n(*xs):
    total = xs[0] + xs[1] if len(xs) > 1 else xs[0] * 1  # (a copy, never the input)
    for x in xs[2:]:  # left to right, like chained `+` (sum() may compensate on 3.12+)
        total = total + x
    return total


def _sum_n_scalar_backprop(node, g):
    for x in node._parents:
        if x.requires_grad:
            x.grad += g


SUM_N = register(
    "sum_n",
    _sum_n,
    vjp=lambda node, g, xs, out: tuple(unbroadcast(g, getattr(x, "shape", None)) for x in xs),
    jvp=lambda node, ts, xs, out: fit_to(tangent_sum(*ts), out),
    scalar_backprop=_sum_n_scalar_backprop,
    values=True,
    arity=None,
    symbol="Σ",
    micrograd="+",
    doc="x_1 + ... + x_n as one node;  d/dx_i = 1",
)


def _dot(*xs):
    """b + w_1 x_1 + ... + w_n x_n, added in micrograd's order (its Neuron starts from b),
    so a model built from the same weights gives bit-identical outputs."""
    n = len(xs) // 2
    total = xs[-1] if len(xs) % 2 else 0.0
    for w, x in zip(xs[:n], xs[n : 2 * n]):
        total += w * x
    return total


def dot_of_values(parents):
    """`_dot` reading each input Value's `.data` directly: the float forward of the
    scalar engine's hottest node, without building a list of floats first."""
    n = len(parents) // 2
    total = parents[-1].data if len(parents) % 2 else 0.0
    for w, x in zip(parents[:n], parents[n : 2 * n]):
        total += w.data * x.data
    return total


def _dot_vjp(node, g, xs, out):
    n = len(xs) // 2
    grads = [g * x for x in xs[n : 2 * n]] + [g * w for w in xs[:n]]
    if len(xs) % 2:
        grads.append(g)
    return grads


def _dot_scalar_backprop(node, g):
    """`_dot_vjp` on floats, added straight into the inputs' grads (no list between)."""
    parents = node._parents
    n = len(parents) // 2
    for w, x in zip(parents[:n], parents[n : 2 * n]):
        if w.requires_grad:
            w.grad += g * x.data
        if x.requires_grad:
            x.grad += g * w.data
    if len(parents) % 2 and parents[-1].requires_grad:
        parents[-1].grad += g


def _dot_jvp(node, ts, xs, out):
    n = len(xs) // 2
    terms = [None if t is None else t * x for t, x in zip(ts[:n], xs[n : 2 * n])]
    terms += [None if t is None else t * w for t, w in zip(ts[n : 2 * n], xs[:n])]
    if len(xs) % 2:
        terms.append(ts[-1])
    return tangent_sum(*terms)


DOT = register(
    "dot",
    _dot,
    _dot_vjp,
    _dot_jvp,
    scalar_backprop=_dot_scalar_backprop,
    values=True,
    tensors=False,
    arity=None,
    symbol="w·x+b",
    micrograd="dot",
    doc="w_1 x_1 + ... + w_n x_n (+ b) as one node (inputs: ws, xs, then an optional "
    "bias);  d/dw_i = x_i, d/dx_i = w_i, d/db = 1",
)
