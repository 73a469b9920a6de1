"""PyTorch's out-of-place writes by index as Tensor methods (index_add, index_copy,
index_fill, index_put, scatter, scatter_add, scatter_reduce, masked_scatter), plus take
and select. Each is composed of table ops, so gradients reach self and the source:

    the positions written are found first, as flat positions of self (an int array);
    accumulating writes add `scatter_add` (the table op behind indexing's gradient) of
    the source onto self; overwriting ones `where` between the placed source and self,
    so self's gradient is 0 where it was overwritten;
    scatter_reduce gathers each written position's members (self's entry and the source
    entries sent there) into a padded row, and reduces the rows with sum, prod, amax, ...

Where an overwrite names one position twice, the last write wins and only it gets a
gradient (PyTorch leaves the winner unspecified and sends the gradient to every copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .backend import namespace
from .errors import IndexRangeError, ShapeError
from .ops_reduce import normalize_axis
from .ops_shape import SCATTER_ADD, WHERE
from .tensor_methods import _raw

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_methods import Operand

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _ints(index: Any, what: str) -> Any:
    """`index` as an integer array (a list or a tensor), or a TypeError."""
    at = _raw(index)
    at = at if hasattr(at, "dtype") else np.asarray(at)
    if at.size == 0 and at.dtype.kind == "f":
        at = at.astype(np.int64)
    if at.dtype.kind not in "iu":
        raise TypeError(f"{what}: the index must hold integers, got dtype {at.dtype}")
    return at


def _source(x: Tensor, values: Any, what: str) -> Tensor:
    """The values written into x: a tensor of x's dtype (PyTorch refuses another), or a
    number or array made one."""
    if hasattr(values, "_data"):
        source = cast("Tensor", values)
        if source.dtype != x.dtype:
            raise TypeError(
                f"{what}: the source has dtype {source.dtype} and self {x.dtype}; they "
                f"must match (convert with .to({x.dtype}))"
            )
        return source
    return x._lift(values)._same_or_cast(x.dtype)


def _positions(x: Tensor) -> Any:
    """The flat position of every entry of x, in x's shape."""
    xp = namespace(x._data)
    return xp.arange(x._data.size).reshape(x.shape)


def _put(x: Tensor, positions: Any, values: Tensor, accumulate: bool) -> Tensor:
    """x with `values` (broadcast to positions' shape) added at, or written to, the flat
    `positions` of x; the last of repeated writes wins."""
    xp = namespace(x._data)
    flat = positions.reshape(-1)
    try:
        spread = values.expand(positions.shape).reshape(-1)
    except ValueError:
        raise ShapeError(
            f"the values of shape {values.shape} do not broadcast to the {positions.shape} "
            "positions written"
        ) from None
    size = x._data.size
    if accumulate:
        added = spread._apply(SCATTER_ADD, (spread,), shape=(size,), index=flat)
        return x + added.reshape(x.shape)
    _, last_in_reverse = np.unique(_host(flat)[::-1], return_index=True)
    winners = flat.size - 1 - last_in_reverse
    if winners.size != flat.size:
        winners = xp.asarray(np.sort(winners))
        spread, flat = spread[winners], flat[winners]
    placed = spread._apply(SCATTER_ADD, (spread,), shape=(size,), index=flat)
    written = xp.zeros(size, dtype=bool)
    written[flat] = True
    return x._apply(WHERE, (placed.reshape(x.shape), x), condition=written.reshape(x.shape))


def _host(array: Any) -> np.ndarray[Any, Any]:
    from .devices import on_host

    return cast("np.ndarray[Any, Any]", on_host(array))


class TensorIndexing:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    # --- reading --------------------------------------------------------------------------

    def take(self, index: Operand) -> Tensor:
        """The entries of the flattened tensor at `index` (negative ones count from the
        end), in index's shape."""
        x = _me(self)
        at = _ints(index, "take")
        n = x._data.size
        if at.size and (int(at.min()) < -n or int(at.max()) >= n):
            raise IndexError(
                f"take: positions from {int(at.min())} to {int(at.max())} do not fit a "
                f"tensor of {n} elements"
            )
        return x.reshape(-1)[at % max(n, 1) if at.size else at]

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at `index` along `dim`, that axis removed (`x.select(1, 0)` is
        `x[:, 0]`)."""
        x = _me(self)
        if x.ndim == 0:
            raise ValueError("select() cannot be applied to a 0-d tensor")
        axis = normalize_axis(dim, x.ndim)[0]
        n = x.shape[axis]
        if not -n <= int(index) < n:
            raise IndexError(
                f"select(): index {int(index)} out of range for dimension {dim} of size {n}"
            )
        return x[(slice(None),) * axis + (int(index),)]

    # --- writing by index along one axis ------------------------------------------------

    def _along_positions(self, dim: int, index: Any, what: str, wrap: bool = False) -> Any:
        """The flat positions of self's slices at `index` (1-D) along `dim`, with the
        index's length on that axis."""
        x = _me(self)
        at = _ints(index, what)
        if at.ndim > 1:
            raise ShapeError(f"{what}: the index must be 0-D or 1-D, got shape {tuple(at.shape)}")
        at = at.reshape(-1)
        axis = x._axis(dim)
        n = x.shape[axis] if x.ndim else 1
        low = -n if wrap else 0
        if at.size and (int(at.min()) < low or int(at.max()) >= n):
            raise IndexError(
                f"{what}: index from {int(at.min())} to {int(at.max())} out of range for "
                f"dimension {dim} of size {n}"
            )
        positions = _positions(x)
        if x.ndim == 0:
            return positions.reshape(1)[at % 1]
        return namespace(positions).take(positions, at % n, axis=axis)

    def _check_source(self, source: Tensor, positions: Any, dim: int, what: str) -> None:
        x = _me(self)
        if source.shape != positions.shape and not (x.ndim == 0 and source.size <= 1):
            raise ShapeError(
                f"{what}: the source must have shape {positions.shape} (self's shape with "
                f"dim {dim} the index's length), got {source.shape}"
            )

    def index_add(self, dim: int, index: Operand, source: Operand, *, alpha: Any = 1) -> Tensor:
        """self with alpha * source[i] added to self's slice index[i] along `dim`
        (repeated indices add up)."""
        x = _me(self)
        positions = self._along_positions(dim, index, "index_add")
        values = _source(x, source, "index_add")
        self._check_source(values, positions, dim, "index_add")
        return _put(x, positions, values if alpha == 1 else values * alpha, accumulate=True)

    def index_copy(self, dim: int, index: Operand, source: Operand) -> Tensor:
        """self with its slice index[i] along `dim` replaced by source[i]."""
        x = _me(self)
        positions = self._along_positions(dim, index, "index_copy")
        values = _source(x, source, "index_copy")
        self._check_source(values, positions, dim, "index_copy")
        return _put(x, positions, values, accumulate=False)

    def index_fill(self, dim: int, index: Operand, value: Operand) -> Tensor:
        """self with its slices at `index` along `dim` set to `value` (a number, or a 0-d
        tensor, which gets the gradient of every entry it fills)."""
        x = _me(self)
        fill = _source(x, value, "index_fill")
        if fill.ndim != 0:
            raise ShapeError(
                f"index_fill: value must be a number or a 0-d tensor, got shape {fill.shape}"
            )
        positions = self._along_positions(dim, index, "index_fill", wrap=True)
        return _put(x, positions, fill, accumulate=False)

    def index_put(
        self, indices: Sequence[Operand | None], values: Operand, accumulate: bool = False
    ) -> Tensor:
        """self with `values` written at `self[indices]` (a tuple of index or mask tensors,
        as advanced indexing takes them), or added there with accumulate=True."""
        x = _me(self)
        if not isinstance(indices, (tuple, list)):
            raise TypeError(
                f"index_put: indices must be a tuple of tensors, got {type(indices).__name__}"
            )
        key = tuple(slice(None) if i is None else _raw(i) for i in indices)
        for part in key:
            kind = getattr(part, "dtype", np.dtype(np.int64)).kind
            if kind not in "iub":
                raise TypeError(f"index_put: indices must be integer or bool, got dtype {kind}")
        try:
            positions = _positions(x)[key]
        except IndexError as err:
            raise IndexError(f"index_put: {err} (tensor of shape {x.shape})") from None
        return _put(x, positions, _source(x, values, "index_put"), accumulate)

    def masked_scatter(self, mask: Operand, source: Operand) -> Tensor:
        """self with the entries where `mask` holds (broadcast together) replaced, in
        order, by the first entries of `source`."""
        x = _me(self)
        at = _raw(mask)
        if hasattr(at, "dtype") and at.dtype.kind != "b":
            raise TypeError(f"masked_scatter takes a bool mask, got dtype {at.dtype}")
        xp = namespace(x._data)
        at = xp.asarray(at, dtype=bool)
        shape = np.broadcast_shapes(x.shape, at.shape)
        x = x.expand(shape)
        chosen = _positions(x)[xp.broadcast_to(at, shape)]
        values = _source(x, source, "masked_scatter").reshape(-1)
        if values.shape[0] < chosen.size:
            raise ShapeError(
                f"masked_scatter: the source has {values.shape[0]} elements, fewer than the "
                f"{chosen.size} places the mask picks"
            )
        return _put(x, chosen, values[: chosen.size], accumulate=False)

    # --- scatter ----------------------------------------------------------------------------

    def _scatter_positions(self, dim: int, index: Any, source: Any, what: str) -> Any:
        """The flat positions scatter writes: index[i][j] replacing i on `dim`, checked
        as PyTorch checks them."""
        x = _me(self)
        at = _ints(index, what)
        if at.ndim == 0:  # one position (scatter_'s rule): as an index of x's rank
            at = at.reshape((1,) * max(x.ndim, 1))
        if at.ndim != x.ndim and not (at.ndim <= 1 and x.ndim <= 1):
            raise ShapeError(
                f"{what}: index has {at.ndim} dimensions, the tensor {x.ndim}; they must match"
            )
        at = at.reshape(at.shape if x.ndim else (-1,))
        axis = x._axis(dim)
        shape = x.shape if x.ndim else (1,)
        for a, (m, n) in enumerate(zip(at.shape, shape)):
            if a != axis and m > n:
                raise ShapeError(
                    f"{what}: index of shape {tuple(at.shape)} is larger than self of shape "
                    f"{x.shape} outside dim {dim}"
                )
        if (
            source is not None
            and source.ndim
            and any(m > n for m, n in zip(at.shape, source.shape))
        ):
            raise ShapeError(
                f"{what}: index of shape {tuple(at.shape)} is larger than the source of "
                f"shape {source.shape}"
            )
        n = shape[axis]
        if at.size and (int(at.min()) < 0 or int(at.max()) >= n):
            raise IndexRangeError(
                f"{what}: index from {int(at.min())} to {int(at.max())} out of range for "
                f"dimension {dim} of size {n}"
            )
        xp = namespace(at)
        key = tuple(
            at if a == axis else xp.arange(m).reshape((m,) + (1,) * (at.ndim - 1 - a))
            for a, m in enumerate(at.shape)
        )
        return _positions(x).reshape(shape)[key]

    def _scatter_source(self, source: Any, positions: Any, what: str) -> Tensor:
        """The source entries that scatter sends: the index's shape cut from the top
        corner of `source` (a number fills them all)."""
        x = _me(self)
        values = _source(x, source, what)
        if values.ndim == 0:
            return values
        return values[tuple(slice(0, m) for m in positions.shape)] if x.ndim else values

    def scatter(
        self,
        dim: int,
        index: Operand,
        src: Operand | None = None,
        value: Operand | None = None,
        *,
        reduce: str | None = None,
    ) -> Tensor:
        """self with self[..., index[i][j], ...] (index on `dim`) set to src[i][j], or to
        `value`; reduce="add" or "multiply" combines instead of replacing."""
        if (src is None) == (value is None):
            raise TypeError("scatter takes src (a tensor) or value (a number), one of them")
        given = cast("Operand", src if value is None else value)
        if reduce is not None:
            modes = {"add": "sum", "multiply": "prod"}
            if reduce not in modes:
                raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
            return self.scatter_reduce(dim, index, given, modes[reduce])
        x = _me(self)
        source = given if hasattr(given, "_data") else None
        positions = self._scatter_positions(dim, index, source, "scatter")
        return _put(x, positions, self._scatter_source(given, positions, "scatter"), False)

    def scatter_add(self, dim: int, index: Operand, src: Operand) -> Tensor:
        """self with src[i][j] added at self[..., index[i][j], ...] (index on `dim`);
        repeated positions add up. The gradient of src is the gradient gathered back."""
        x = _me(self)
        source = _source(x, src, "scatter_add")
        positions = self._scatter_positions(dim, index, source, "scatter_add")
        return _put(x, positions, self._scatter_source(source, positions, "scatter_add"), True)

    def scatter_reduce(
        self, dim: int, index: Operand, src: Operand, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """self with the src entries sent to each position (as in scatter) reduced with
        'sum', 'prod', 'mean', 'amax' or 'amin', together with self's entry there unless
        include_self=False; positions no entry is sent to keep self's. amax and amin share
        the gradient among ties, as PyTorch's."""
        if reduce not in _REDUCTIONS:
            raise ValueError(
                f"scatter_reduce: reduce must be one of {', '.join(_REDUCTIONS)}, got {reduce!r}"
            )
        x = _me(self)
        source = _source(x, src, "scatter_reduce")
        positions = self._scatter_positions(dim, index, source, "scatter_reduce")
        values = self._scatter_source(source, positions, "scatter_reduce")
        values = values.expand(positions.shape).reshape(-1)
        flat = _host(positions).reshape(-1)
        if flat.size == 0:
            return x.clone()
        xp = namespace(x._data)
        targets, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        first = 1 if include_self else 0
        width = first + int(counts.max())
        members = [values]
        if include_self:
            members.insert(0, x.reshape(-1)[xp.asarray(targets)])
        pad_value: Any = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if pad_value is None:
            big = np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).max
            pad_value = -big if reduce == "amax" else big
        pad = x._constant_like(xp.full((1,), pad_value, dtype=x.dtype))
        from .tensor import concatenate

        pool = concatenate([*members, pad], 0)
        grid = np.full((targets.size, width), pool.shape[0] - 1, dtype=np.int64)
        if include_self:
            grid[:, 0] = np.arange(targets.size)
        order = np.argsort(inverse, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size) - starts[inverse[order]]
        grid[inverse, first + rank] = first * targets.size + np.arange(flat.size)
        rows = pool[xp.asarray(grid)]
        if reduce == "sum":
            reduced = rows.sum(1)
        elif reduce == "prod":
            reduced = rows.prod(1)
        elif reduce == "amax":
            reduced = rows.amax(1)
        elif reduce == "amin":
            reduced = rows.amin(1)
        else:
            total = xp.asarray(counts + first)
            if x.dtype.kind in "iub":
                reduced = x._constant_like(xp.floor_divide(rows._data.sum(1), total))
            else:
                reduced = rows.sum(1) / x._constant_like(total.astype(x.dtype))
        return _put(x, xp.asarray(targets), reduced, accumulate=False)
