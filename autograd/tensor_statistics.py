"""PyTorch's statistics and scans as Tensor methods, composed of table ops:

cummax, cummin, kthvalue, mode      positions found with numpy (int64, no gradient),
                                    the values then gathered, so the gradient goes to
                                    the entry each value came from (PyTorch's rule)
logcumsumexp                        a log2(n)-step scan of a stable log-add-exp
aminmax, nanmean                    amin/amax and a NaN-skipping mean
quantile, nanquantile               sorted, then two neighbours interpolated
cov, corrcoef                       centred products (weights as PyTorch's)
"""

from __future__ import annotations

import builtins
import warnings
from collections import namedtuple
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .backend import namespace
from .errors import ArgumentError, ShapeError
from .ops_reduce import normalize_axis
from .ops_shape import WHERE
from .tensor_methods import ValuesIndices, _raw

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_methods import Operand

MinMax = namedtuple("MinMax", ["min", "max"])  # torch.return_types.aminmax

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _log_add_exp(a: Tensor, b: Tensor) -> Tensor:
    """log(e^a + e^b) as max + log1p(e^(min - max)): exact gradients (half each at a tie),
    no overflow, and the infinity itself where both are the same infinity."""
    xp = namespace(a._data)
    both = (a._data == b._data) & xp.isinf(a._data)
    if not both.any():
        top = a.maximum(b)
        return top + (a.minimum(b) - top).exp().log1p()
    ends = a._constant_like(a._data.copy())
    out = _log_add_exp(a.masked_fill(both, 0.0), b.masked_fill(both, 0.0))
    return out._apply(WHERE, (ends, out), condition=both)


class TensorStatistics:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    # --- running extremes -------------------------------------------------------------

    def cummax(self, dim: int) -> ValuesIndices:
        """(values, indices) of the running maximum along `dim`: a tie moves the index to
        the later entry, and a NaN, once met, stays (PyTorch's rule)."""
        return self._running(dim, "max")

    def cummin(self, dim: int) -> ValuesIndices:
        """(values, indices) of the running minimum along `dim` (see `cummax`)."""
        return self._running(dim, "min")

    def _running(self, dim: int, which: str) -> ValuesIndices:
        x = _me(self)
        if x.ndim == 0:
            normalize_axis(dim, 0)
            return ValuesIndices(x * 1, x._constant_like(np.asarray(0, dtype=np.int64)))
        axis = normalize_axis(dim, x.ndim)[0]
        xp, data = namespace(x._data), x._data
        ufunc = xp.maximum if which == "max" else xp.minimum
        running = ufunc.accumulate(data, axis=axis)
        hit = data == running
        if data.dtype.kind == "f":
            hit |= xp.isnan(data)
        steps = xp.arange(data.shape[axis]).reshape((-1,) + (1,) * (data.ndim - axis - 1))
        indices = xp.maximum.accumulate(xp.where(hit, steps, 0), axis=axis).astype(np.int64)
        return ValuesIndices(x.gather(axis, indices), x._constant_like(indices))

    def logcumsumexp(self, dim: int) -> Tensor:
        """log Σ_{j<=i} e^x[j] along `dim`, without overflow or underflow (a scan of
        log-add-exps, log2 n steps)."""
        x = _me(self)
        if x.dtype.kind != "f":
            raise TypeError(f"logcumsumexp takes a float tensor, got dtype {x.dtype}")
        if x.ndim == 0:
            normalize_axis(dim, 0)
            return x * 1
        from .tensor import concatenate

        axis = normalize_axis(dim, x.ndim)[0]
        n, shift, out = x.shape[axis], 1, x
        while shift < n:
            head = out[(slice(None),) * axis + (slice(0, shift),)]
            later = out[(slice(None),) * axis + (slice(shift, None),)]
            earlier = out[(slice(None),) * axis + (slice(0, n - shift),)]
            out = concatenate([head, _log_add_exp(later, earlier)], axis)
            shift *= 2
        return out

    # --- extremes and means ------------------------------------------------------------

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
        """(min, max) over `dim` (every element by default), as amin and amax: ties share
        the gradient."""
        x = _me(self)
        axes = normalize_axis(dim, x.ndim)
        if any(x.shape[a] == 0 for a in axes) or (dim is None and x.size == 0):
            raise ValueError(
                f"aminmax over an empty dimension of a tensor of shape {x.shape}: it has "
                "no identity"
            )
        along: Any = () if dim is None else dim
        return MinMax(x.amin(along, keepdim), x.amax(along, keepdim))

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The mean of the entries that are not NaN (NaN where there are none)."""
        x = _me(self) if dtype is None else _me(self).astype(dtype)
        if x.dtype.kind != "f":
            raise TypeError(f"nanmean takes a float tensor, got dtype {x.dtype}")
        xp = namespace(x._data)
        axis = tuple(dim) if isinstance(dim, list) else dim
        counted = xp.sum(~xp.isnan(x._data), axis=axis, keepdims=keepdim)
        return x.nansum(dim, keepdim) / x._constant_like(xp.asarray(counted, dtype=x.dtype))

    # --- order statistics ---------------------------------------------------------------

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """(values, indices) of the k-th smallest entry along `dim` (k from 1; NaN counts
        largest)."""
        x = _me(self)
        axis = x._axis(dim)
        n = x.shape[axis] if x.ndim else 1
        if not 1 <= k <= n:
            raise ArgumentError(f"kthvalue: k={k} is out of range for dim {dim} of size {n}")
        if x.ndim == 0:
            return ValuesIndices(x * 1, x._constant_like(np.asarray(0, dtype=np.int64)))
        order = namespace(x._data).argsort(x._data, axis=axis, kind="stable")
        at = order[(slice(None),) * axis + (slice(k - 1, k),)].astype(np.int64)
        return self._picked(axis, at, keepdim)

    def _picked(self, axis: int, at: Any, keepdim: bool) -> ValuesIndices:
        """(values, indices) at positions `at` (of size 1 on `axis`)."""
        x = _me(self)
        values, indices = x.gather(axis, at), x._constant_like(at)
        if not keepdim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return ValuesIndices(values, indices)

    def mode(self, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """(values, indices) of the most frequent value along `dim`: the smallest of
        equally frequent ones, at its last position (PyTorch's choices)."""
        x = _me(self)
        if x.ndim == 0:
            x._axis(dim)
            return ValuesIndices(x * 1, x._constant_like(np.asarray(0, dtype=np.int64)))
        axis = x._axis(dim)
        if x.shape[axis] == 0:
            raise ValueError(f"mode over dim {dim} of size 0 (shape {x.shape})")
        xp = namespace(x._data)
        moved = xp.moveaxis(x._data, axis, -1)
        order = xp.argsort(moved, axis=-1, kind="stable")
        ordered = xp.take_along_axis(moved, order, axis=-1)
        n = ordered.shape[-1]
        new = xp.ones(ordered.shape, dtype=bool)
        new[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
        last = xp.ones(ordered.shape, dtype=bool)
        last[..., :-1] = new[..., 1:]
        steps = xp.arange(n)
        start = xp.maximum.accumulate(xp.where(new, steps, 0), axis=-1)
        end = xp.minimum.accumulate(xp.where(last, steps, n)[..., ::-1], axis=-1)[..., ::-1]
        counts = end - start + 1
        best = xp.argmax(counts == counts.max(axis=-1, keepdims=True), axis=-1)[..., None]
        at = xp.take_along_axis(order, xp.take_along_axis(end, best, axis=-1), axis=-1)
        return self._picked(axis, xp.moveaxis(at.astype(np.int64), -1, axis), keepdim)

    def quantile(
        self,
        q: Operand,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        """The q-th quantiles along `dim` (of every element by default): the sorted
        entries at rank q * (n - 1), interpolated ('linear', 'lower', 'higher',
        'midpoint' or 'nearest'); NaN where a NaN is present. A 1-D q puts its axis
        first. The gradient goes to the (one or two) entries each result is made of."""
        return self._quantile(q, dim, keepdim, interpolation, "quantile", skip_nan=False)

    def nanquantile(
        self,
        q: Operand,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        """`quantile` of the entries that are not NaN (NaN where all are)."""
        return self._quantile(q, dim, keepdim, interpolation, "nanquantile", skip_nan=True)

    def _quantile(
        self, q: Any, dim: int | None, keepdim: bool, interpolation: str, what: str, skip_nan: bool
    ) -> Tensor:
        x = _me(self)
        if x.dtype.kind != "f":
            raise TypeError(f"{what}() takes a float tensor, got dtype {x.dtype}")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"{what}() interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
                f"got {interpolation!r}"
            )
        xp = namespace(x._data)
        given = _raw(q)
        if hasattr(given, "dtype") and hasattr(q, "_data") and given.dtype != x.dtype:
            raise TypeError(f"{what}() q must have the input's dtype {x.dtype}, got {given.dtype}")
        qs = np.asarray(given.get() if hasattr(given, "get") else given, dtype=np.float64)
        if qs.ndim > 1:
            raise ValueError(f"{what}() q must be a number or a 0-D or 1-D tensor")
        if qs.size and (np.isnan(qs).any() or qs.min() < 0 or qs.max() > 1):
            raise ValueError(f"{what}() q must be in the range [0, 1], got {qs.tolist()}")
        if x.size == 0:
            raise ValueError(f"{what}() of an empty tensor")
        if dim is None:
            flat, axis = x.reshape(-1), None
        else:
            axis = normalize_axis(dim, max(x.ndim, 1))[0] if x.ndim else 0
            flat = x.reshape(1) if x.ndim == 0 else x.movedim(axis, -1)
        ordered = flat.sort(-1).values  # NaN last
        n = ordered.shape[-1]
        if skip_nan:
            valid = xp.sum(~xp.isnan(ordered._data), axis=-1, keepdims=True)
        else:
            valid = xp.full(ordered.shape[:-1] + (1,), n)
        rank = xp.asarray(qs.reshape(-1), dtype=x.dtype) * (valid - 1).astype(x.dtype)
        has_nan = xp.isnan(ordered._data[..., -1:])
        rank = xp.where(has_nan & ((valid == 0) | (not skip_nan)), n - 1, rank)
        low = xp.floor(rank).astype(np.int64)
        high = xp.ceil(rank).astype(np.int64)
        if interpolation == "lower":
            out = ordered.gather(-1, low)
        elif interpolation == "higher":
            out = ordered.gather(-1, high)
        elif interpolation == "nearest":
            out = ordered.gather(-1, xp.round(rank).astype(np.int64))
        else:
            below, above = ordered.gather(-1, low), ordered.gather(-1, high)
            if interpolation == "midpoint":
                weight: Any = 0.5
            elif hasattr(q, "_data") and q.requires_grad:  # (PyTorch's q gets a gradient)
                steps = x._constant_like((valid - 1).astype(x.dtype))
                weight = q.reshape(-1) * steps - x._constant_like(low.astype(x.dtype))
            else:
                weight = x._constant_like((rank - low).astype(x.dtype))
            out = below.lerp(above, weight)
        if qs.ndim == 0:
            out = out.squeeze(-1)
        else:
            out = out.movedim(-1, 0)
        if keepdim:
            lead = (len(qs),) if qs.ndim else ()
            if axis is None:
                out = out.reshape(lead + (1,) * x.ndim)
            elif x.ndim:
                out = out.unsqueeze(len(lead) + axis)
        return out

    # --- covariance ---------------------------------------------------------------------

    def cov(
        self,
        *,
        correction: int = 1,
        fweights: Operand | None = None,
        aweights: Operand | None = None,
    ) -> Tensor:
        """The covariance matrix of the variables in the rows (observations in the
        columns; a 1-D tensor is one variable, giving a 0-d variance). `fweights` count
        each observation (integers), `aweights` weigh it; `correction` as in var."""
        x = _me(self)
        if x.ndim > 2:
            raise ShapeError(f"cov takes a 1-D or 2-D tensor, got shape {x.shape}")
        if x.dtype.kind != "f":
            from . import dtypes

            x = x.astype(dtypes.get_default_dtype())
        rows = x.reshape(1, -1) if x.ndim < 2 else x
        observations = rows.shape[1]
        weights: Tensor | None = None
        for name, given in (("fweights", fweights), ("aweights", aweights)):
            if given is None:
                continue
            w = x._lift(given) if not hasattr(given, "_data") else cast("Tensor", given)
            if w.ndim > 1 or w.numel() != observations:
                raise ShapeError(
                    f"cov: {name} must be 1-D with one entry per observation "
                    f"({observations}), got shape {w.shape}"
                )
            if name == "fweights" and w.dtype.kind not in "iu":
                raise TypeError(f"cov: fweights must hold integers, got dtype {w.dtype}")
            if name == "aweights" and w.dtype.kind != "f":
                raise TypeError(f"cov: aweights must hold floats, got dtype {w.dtype}")
            if builtins.bool((w._data < 0).any()):
                raise ValueError(f"cov: {name} must be non-negative")
            w = w.reshape(-1).astype(x.dtype)
            weights = w if weights is None else weights * w
        if weights is None:
            total: Any = observations
            mean = rows.mean(1, keepdim=True)
            factor: Any = observations - correction
        else:
            total = weights.sum()
            mean = (rows * weights).sum(1, keepdim=True) / total
            if correction != 0 and aweights is not None:
                factor = (
                    total - correction * (weights * x._lift(aweights).astype(x.dtype)).sum() / total
                )
            else:
                factor = total - correction
        if builtins.bool(_raw(factor) <= 0):
            warnings.warn(
                "cov(): degrees of freedom is <= 0. Correction should be strictly less than "
                "the number of observations.",
                UserWarning,
                stacklevel=2,
            )
            factor = factor * 0
        centred = rows - mean
        product = centred.mm((centred if weights is None else centred * weights).t())
        with np.errstate(divide="ignore", invalid="ignore"):
            out = product / factor
        return out.squeeze()

    def corrcoef(self) -> Tensor:
        """Pearson's correlation coefficients of the variables in the rows: cov scaled by
        the standard deviations, clipped to [-1, 1]."""
        c = _me(self).cov()
        if c.ndim == 0:
            return c / c
        std = c.diagonal().sqrt()
        return (c / std.reshape(-1, 1) / std.reshape(1, -1)).clip(-1, 1)
