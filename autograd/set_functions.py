"""PyTorch's functions that count, find and look up values: unique, unique_consecutive,
nonzero / argwhere, bincount, histc (Tensor methods too), isin, searchsorted, bucketize.

Their results are positions, counts or masks (int64, or bool), or values picked without
a gradient (PyTorch's unique, bincount and histc have none): so each is plain array
code, made a constant tensor on the input's device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from .backend import device_name
from .devices import Device, move_array, on_host
from .errors import ShapeError

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_methods import Operand


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _made(like: Any, array: Any) -> Tensor:
    """A constant tensor of `array` (a host array) on the device of `like`'s data."""
    from .tensor import _constant

    array = np.asarray(array)
    where = "cpu" if like is None else device_name(like)
    return _constant(array if where == "cpu" else move_array(array, Device(where)))


def _host(x: Any) -> np.ndarray[Any, Any]:
    return cast("np.ndarray[Any, Any]", on_host(x))


class TensorSets:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    def unique(
        self,
        sorted: bool = True,
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        """The distinct values in ascending order (each NaN counts once: NaN != NaN), or
        the distinct slices along `dim`; with return_inverse, where each entry went;
        with return_counts, how many each has. A tensor, or a tuple with those."""
        x = _me(self)
        data = _host(x._data)
        if dim is None:
            values, inverse, counts = np.unique(
                data.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False
            )
            inverse = inverse.reshape(data.shape)
        else:
            axis = x._axis(dim)
            values, inverse, counts = np.unique(
                data, return_inverse=True, return_counts=True, axis=axis, equal_nan=False
            )
            inverse = inverse.reshape(-1)
        return _with_extras(x, values, inverse, counts, return_inverse, return_counts)

    def unique_consecutive(
        self, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
    ) -> Any:
        """Each run of equal consecutive values (or slices along `dim`) kept once; with
        return_inverse, the run of each entry; with return_counts, each run's length."""
        x = _me(self)
        data = _host(x._data)
        if dim is None:
            flat = data.reshape(-1)
            starts = np.ones(flat.shape, dtype=bool)
            starts[1:] = flat[1:] != flat[:-1]
            values = flat[starts]
            inverse = (np.cumsum(starts) - 1).reshape(data.shape)
        else:
            axis = x._axis(dim)
            moved = np.moveaxis(data, axis, 0)
            starts = np.ones(moved.shape[0], dtype=bool)
            changed = (moved[1:] != moved[:-1]).reshape(max(moved.shape[0] - 1, 0), -1)
            starts[1:] = changed.any(axis=1)
            values = np.moveaxis(moved[starts], 0, axis)
            inverse = np.cumsum(starts) - 1
        counts = np.diff(np.append(np.flatnonzero(starts), starts.size))
        return _with_extras(x, values, inverse, counts, return_inverse, return_counts)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The positions of the nonzero entries: an (n, ndim) int64 tensor, one row each;
        with as_tuple=True, one 1-D tensor per axis (what `x[...]` takes)."""
        x = _me(self)
        data = _host(x._data)
        if as_tuple:
            found = np.nonzero(np.atleast_1d(data))
            return tuple(_made(x._data, p.astype(np.int64)) for p in found)
        return _made(x._data, np.argwhere(data).astype(np.int64))

    def argwhere(self) -> Tensor:
        """The positions of the nonzero entries, one row each (`nonzero()`)."""
        return _me(self).nonzero()

    def bincount(self, weights: Operand | None = None, minlength: int = 0) -> Tensor:
        """How many times each of 0..max appears in a 1-D tensor of non-negative
        integers (at least `minlength` bins), or the sum of `weights` at each."""
        x = _me(self)
        data = _host(x._data)
        if data.dtype.kind not in "iub" or data.ndim != 1 or (data.size and data.min() < 0):
            raise ShapeError(
                f"bincount takes a 1-D tensor of non-negative integers, got shape "
                f"{data.shape} and dtype {data.dtype}"
            )
        if minlength < 0:
            raise ValueError(f"bincount: minlength must be non-negative, got {minlength}")
        if weights is None:
            return _made(x._data, np.bincount(data, minlength=minlength).astype(np.int64))
        w = _host(getattr(weights, "_data", weights))
        if w.shape != data.shape:
            raise ShapeError(
                f"bincount: weights must have the input's shape {data.shape}, got {w.shape}"
            )
        dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
        return _made(x._data, np.bincount(data, w, minlength=minlength).astype(dtype))

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
        """Counts of the values in `bins` equal bins from min to max (the data's own
        range when both are 0 or equal); values outside are left out. A float tensor of
        the input's dtype."""
        x = _me(self)
        data = _host(x._data)
        if data.dtype.kind != "f":
            raise TypeError(f"histc takes a float tensor, got dtype {data.dtype}")
        if bins < 1:
            raise ValueError(f"histc: bins must be positive, got {bins}")
        low, high = float(min), float(max)
        if low == high and data.size:
            low, high = float(data.min()), float(data.max())
        if low == high:
            low, high = low - 1, high + 1
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError(f"histc: range of [{low}, {high}] is not finite")
        if low > high:
            raise ValueError(f"histc: max ({high}) must be at least min ({low})")
        kept = data[(data >= low) & (data <= high)]
        counts, _ = np.histogram(kept, bins=bins, range=(low, high))
        return _made(x._data, counts.astype(data.dtype))


def _with_extras(
    x: Tensor, values: Any, inverse: Any, counts: Any, return_inverse: bool, return_counts: bool
) -> Any:
    out: list[Tensor] = [_made(x._data, values.astype(x.dtype))]
    if return_inverse:
        out.append(_made(x._data, inverse.astype(np.int64)))
    if return_counts:
        out.append(_made(x._data, counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def isin(
    elements: Operand, test_elements: Operand, *, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    """As torch.isin: where each of `elements` is one of `test_elements` (a bool tensor;
    either may be a number)."""
    like = getattr(elements, "_data", getattr(test_elements, "_data", None))
    found = np.isin(
        _host(getattr(elements, "_data", elements)),
        _host(getattr(test_elements, "_data", test_elements)),
        assume_unique=assume_unique,
        invert=invert,
    )
    return _made(like, found)


def searchsorted(
    sorted_sequence: Operand,
    input: Operand,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Operand | None = None,
) -> Tensor:
    """As torch.searchsorted: where each value would go into the sorted last axis of
    `sorted_sequence` to keep it sorted (its leading axes match the input's); the
    first such place, or the last with right=True or side='right'."""
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: side='left' and right=True contradict each other")
        right = side == "right"
    raw_seq = getattr(sorted_sequence, "_data", sorted_sequence)
    seq = _host(raw_seq)
    values = _host(getattr(input, "_data", input))
    if sorter is not None:
        order = _host(getattr(sorter, "_data", sorter))
        if order.shape != seq.shape:
            raise ShapeError(
                f"searchsorted: sorter must have the sequence's shape {seq.shape}, "
                f"got {order.shape}"
            )
        seq = np.take_along_axis(seq, order.astype(np.int64), axis=-1)
    where: Literal["left", "right"] = "right" if right else "left"
    if seq.ndim == 0:
        raise ValueError("searchsorted: the sorted sequence must have at least 1 dimension")
    if seq.ndim == 1:
        found = np.searchsorted(seq, values, side=where)
    else:
        if values.ndim != seq.ndim or values.shape[:-1] != seq.shape[:-1]:
            raise ShapeError(
                f"searchsorted: the first {seq.ndim - 1} dimensions of the sequence "
                f"{seq.shape} and the values {values.shape} must match (or give a 1-D "
                "sequence)"
            )
        rows_seq = seq.reshape(-1, seq.shape[-1])
        rows = values.reshape(rows_seq.shape[0], -1)
        found = np.stack([np.searchsorted(s, v, side=where) for s, v in zip(rows_seq, rows)])
        found = found.reshape(values.shape)
    return _made(raw_seq, np.asarray(found).astype(np.int32 if out_int32 else np.int64))


def bucketize(
    input: Operand, boundaries: Operand, *, out_int32: bool = False, right: bool = False
) -> Tensor:
    """As torch.bucketize: the bucket of each value among the sorted 1-D `boundaries`
    (i with boundaries[i-1] < v <= boundaries[i]; < and >= with right=True)."""
    edges = getattr(boundaries, "_data", boundaries)
    if np.ndim(edges) != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {np.shape(edges)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
