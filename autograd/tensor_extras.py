"""PyTorch's less common tensor methods, each a composition of table ops (so, as in
tensor_compositions.py, no derivative rule of their own):

    reciprocal, neg, fmod, clamp_min / clamp_max, nansum, count_nonzero     elementwise
    prod, cumprod                       products by halves (log2 n multiplies): exact
                                        gradients where an entry is 0, unlike exp(sum(log))
    outer, diagonal, diag, trace        products and the diagonal (indexing)
    roll, movedim, swapaxes, tile, repeat_interleave, unflatten, masked_select
                                        rearrangements (indexing and reshapes)
    median, var_mean, std_mean          statistics
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .backend import namespace
from .errors import ShapeError
from .ops_reduce import normalize_axis
from .tensor_methods import ValuesIndices, _raw

if TYPE_CHECKING:
    from .tensor import Tensor


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


class TensorExtras:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    if TYPE_CHECKING:
        _data: Any
        requires_grad: bool

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        def __getitem__(self, index: Any) -> Tensor: ...

        def _constant_like(self, array: Any) -> Tensor: ...

        def _lift(self, x: Any) -> Tensor: ...

    # --- elementwise ------------------------------------------------------------------

    def reciprocal(self) -> Tensor:
        """1 / x, elementwise."""
        return 1.0 / _me(self)

    def neg(self) -> Tensor:
        """-x, elementwise."""
        return -_me(self)

    negative = neg

    def fmod(self, other: Any) -> Tensor:
        """The remainder with the dividend's sign (C's fmod): x - trunc(x / y) * y."""
        x = _me(self)
        quotient = x._constant_like(namespace(x._data).trunc(x._data / _raw(other)))
        return x - quotient * other

    def clamp_min(self, min: Any) -> Tensor:
        """max(x, min), elementwise (`clamp(min=...)`)."""
        return _me(self).clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:
        """min(x, max), elementwise (`clamp(max=...)`)."""
        return _me(self).clamp(max=max)

    def nansum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The sum with NaNs counted as 0 (they get no gradient)."""
        x = _me(self)
        return x.masked_fill(namespace(x._data).isnan(x._data), 0.0).sum(dim, keepdim=keepdim)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        """How many entries are not 0 (an int64 tensor)."""
        x = _me(self)
        axis = tuple(dim) if isinstance(dim, list) else dim
        return x._constant_like(namespace(x._data).count_nonzero(x._data, axis=axis))

    # --- products ---------------------------------------------------------------------

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The product along `dim` (of every entry when None): halves multiplied
        together, so the gradient is exact where an entry is 0."""
        x = _me(self) if dtype is None else _me(self).astype(dtype)
        if dtype is None and x.dtype.kind in "biu":  # PyTorch's: integers multiply in int64
            x = x.astype(np.int64)
        if dim is None:
            out = _halving_product(x.reshape(-1), 0)
            return out.reshape((1,) * x.ndim) if keepdim else out.reshape(())
        if x.ndim == 0:  # (dim 0 of a 0-d tensor)
            normalize_axis(dim, 0)
            return x * 1.0
        axis = normalize_axis(dim, x.ndim)[0]
        out = _halving_product(x, axis)
        return out.unsqueeze(axis) if keepdim else out

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running product along `dim` (Hillis-Steele: log2 n shifted multiplies, exact
        gradients through zeros)."""
        x = _me(self) if dtype is None else _me(self).astype(dtype)
        if x.ndim == 0:
            return x * 1.0
        from .tensor import concatenate

        axis, n, shift = normalize_axis(dim, x.ndim)[0], x.shape[normalize_axis(dim, x.ndim)[0]], 1
        out = x
        while shift < n:
            head = _along(out, axis, slice(0, shift))
            tail = _along(out, axis, slice(shift, None)) * _along(out, axis, slice(0, n - shift))
            out = concatenate([head, tail], axis)
            shift *= 2
        return out

    def outer(self, vec2: Any) -> Tensor:
        """The outer product of two 1-D tensors: out[i, j] = self[i] * vec2[j]."""
        x, y = _me(self), _me(self)._lift(vec2)
        if x.ndim != 1 or y.ndim != 1:
            raise ShapeError(f"outer takes two 1-D tensors, got shapes {x.shape} and {y.shape}")
        return x.reshape(-1, 1) * y.reshape(1, -1)

    ger = outer

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The entries (i, i + offset) over axes dim1 and dim2, as a last axis."""
        x = _me(self)
        a, b = normalize_axis(dim1, x.ndim)[0], normalize_axis(dim2, x.ndim)[0]
        if a == b:
            raise ValueError(f"diagonal: dim1 and dim2 are both axis {a}")
        rows = np.arange(max(0, -offset), x.shape[a])
        rows = rows[rows + offset < x.shape[b]]
        moved = x.movedim((a, b), (-2, -1))
        return moved[..., rows, rows + offset]

    def diag(self, diagonal: int = 0) -> Tensor:
        """A 1-D tensor: the square matrix with it on the `diagonal`; a 2-D one: its
        diagonal (PyTorch's `diag`)."""
        x = _me(self)
        if x.ndim == 2:
            return x.diagonal(diagonal)
        if x.ndim != 1:
            raise ShapeError(f"diag takes a 1-D or 2-D tensor, got shape {x.shape}")
        n = x.shape[0] + abs(diagonal)
        rows, cols = np.indices((n, n))
        on = (cols - rows) == diagonal
        position = np.clip(np.minimum(rows, cols), 0, x.shape[0] - 1)  # v's entry on row r
        from .tensor import where

        return where(on, x[position], x._constant_like(np.zeros((), x._data.dtype)))

    def trace(self) -> Tensor:
        """The sum of a matrix's diagonal."""
        x = _me(self)
        if x.ndim != 2:
            raise ShapeError(f"trace takes a 2-D tensor, got shape {x.shape}")
        return x.diagonal().sum()

    # --- rearrangements ---------------------------------------------------------------

    def roll(self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
        """Entries moved `shifts` places along `dims`, wrapping around (every entry, in
        order, when dims is None)."""
        x = _me(self)
        if dims is None:
            return x.reshape(-1).roll(shifts, 0).reshape(x.shape)
        shifts_ = [shifts] if isinstance(shifts, int) else list(shifts)
        dims_ = [dims] if isinstance(dims, int) else list(dims)
        if len(shifts_) != len(dims_):
            raise ValueError(f"roll: {len(shifts_)} shifts for {len(dims_)} dims")
        for shift, dim in zip(shifts_, dims_):
            axis = normalize_axis(dim, x.ndim)[0]
            n = x.shape[axis]
            x = _along(x, axis, (np.arange(n) - shift) % n if n else np.arange(0))
        return x

    def movedim(self, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
        """Axes `source` moved to positions `destination`, the others keeping their order."""
        x = _me(self)
        src = [source] if isinstance(source, int) else list(source)
        dst = [destination] if isinstance(destination, int) else list(destination)
        if len(src) != len(dst):
            raise ValueError(f"movedim: {len(src)} source axes for {len(dst)} destinations")
        src = [normalize_axis(a, x.ndim)[0] for a in src]
        dst = [normalize_axis(a, x.ndim)[0] for a in dst]
        order = [a for a in range(x.ndim) if a not in src]
        for d, s in sorted(zip(dst, src)):
            order.insert(d, s)
        return x.permute(order)

    moveaxis = movedim

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Axes axis0 and axis1 exchanged (`transpose(axis0, axis1)`)."""
        return _me(self).transpose(axis0, axis1)

    swapdims = swapaxes

    def tile(self, *dims: int | Sequence[int]) -> Tensor:
        """Repeated along each axis as `dims` says; fewer numbers than axes repeat the
        last axes (numpy's and PyTorch's `tile`)."""
        x = _me(self)
        one = dims[0] if len(dims) == 1 else None
        given = list(one) if isinstance(one, Sequence) else cast("list[int]", list(dims))
        reps = [1] * (x.ndim - len(given)) + [int(r) for r in given]
        return x.repeat(*reps)

    def repeat_interleave(self, repeats: int | Any, dim: int | None = None) -> Tensor:
        """Each entry repeated `repeats` times in place along `dim` (flattened when None):
        [1, 2] -> [1, 1, 2, 2]."""
        x = _me(self)
        if dim is None:
            x, dim = x.reshape(-1), 0
        axis = normalize_axis(dim, x.ndim)[0]
        from .devices import on_host

        counts = on_host(_raw(repeats))  # (a GPU tensor of counts: read on the host)
        index = np.repeat(np.arange(x.shape[axis]), counts)
        return _along(x, axis, index)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Axis `dim` split into `sizes` (one -1 is inferred)."""
        x = _me(self)
        axis = normalize_axis(dim, x.ndim)[0]
        return x.reshape(x.shape[:axis] + tuple(sizes) + x.shape[axis + 1 :])

    def masked_select(self, mask: Any) -> Tensor:
        """The entries where `mask` holds (broadcast), as a 1-D tensor."""
        x = _me(self)
        at = namespace(x._data).asarray(_raw(mask), dtype=bool)
        shape = np.broadcast_shapes(x.shape, at.shape)
        return x.expand(shape)[namespace(x._data).broadcast_to(at, shape)]

    # --- statistics -------------------------------------------------------------------

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median (PyTorch's: no averaging of the two middle values); with
        `dim`, (values, indices), the gradient going to the index returned."""
        x = _me(self)
        if dim is None:
            flat = x.reshape(-1)
            order = namespace(x._data).argsort(flat._data, kind="stable")
            return flat[order[(flat.shape[0] - 1) // 2]]
        axis = normalize_axis(dim, x.ndim)[0]
        n = x.shape[axis]
        order = namespace(x._data).argsort(x._data, axis=axis, kind="stable")
        middle = namespace(x._data).take(order, [(n - 1) // 2], axis=axis)
        values = x.gather(axis, middle)
        indices = x._constant_like(middle)
        if not keepdim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return ValuesIndices(values, indices)

    def var_mean(
        self, dim: Any = None, *, correction: int = 1, keepdim: bool = False
    ) -> tuple[Tensor, Tensor]:
        """(var, mean) in one call."""
        x = _me(self)
        return x.var(dim, correction=correction, keepdim=keepdim), x.mean(dim, keepdim=keepdim)

    def std_mean(
        self, dim: Any = None, *, correction: int = 1, keepdim: bool = False
    ) -> tuple[Tensor, Tensor]:
        """(std, mean) in one call."""
        x = _me(self)
        return x.std(dim, correction=correction, keepdim=keepdim), x.mean(dim, keepdim=keepdim)


def _along(x: Tensor, axis: int, index: Any) -> Tensor:
    """x indexed by `index` (a slice or positions) on `axis` only."""
    return x[(slice(None),) * axis + (index,)]


def _halving_product(x: Tensor, axis: int) -> Tensor:
    """The product along `axis`, the axis removed: its two halves multiplied until one
    entry is left (an odd entry waits for the next round)."""
    n = x.shape[axis]
    if n == 0:
        shape = x.shape[:axis] + x.shape[axis + 1 :]
        return x._constant_like(namespace(x._data).ones(shape, x._data.dtype))
    while n > 1:
        half = n // 2
        paired = _along(x, axis, slice(0, half)) * _along(x, axis, slice(half, 2 * half))
        if n % 2:
            from .tensor import concatenate

            paired = concatenate([paired, _along(x, axis, slice(2 * half, n))], axis)
        x, n = paired, paired.shape[axis]
    return x.squeeze(axis)
