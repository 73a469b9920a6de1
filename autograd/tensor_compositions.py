"""PyTorch's tensor methods that are compositions of table ops: no derivative rule of
their own, so nothing new to check but the composing.

    split / chunk / unbind / narrow / flip / index_select   indexing (GETITEM)
    gather, topk, sort                                       indexing by index arrays
    tril / triu                                              where (a mask)
    repeat, bmm, square, rsqrt, logsumexp, amax, amin        reshapes, products, sums
    isnan / isinf / isfinite / sign / floor / round, argsort  constants (no gradient)

`topk` and `sort` pick their indices with numpy (no gradient), then `gather` the values,
whose gradient goes back to the places they came from (as PyTorch's).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .backend import namespace
from .errors import ArgumentError, DtypeError, IndexRangeError, ShapeError
from .ops_reduce import normalize_axis
from .ops_shape import WHERE
from .tensor_methods import ValuesIndices, _raw

if TYPE_CHECKING:
    from .tensor import Tensor


class TensorCompositions:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    if TYPE_CHECKING:
        _data: Any

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        def __getitem__(self, index: Any) -> Tensor: ...

        def _constant_like(self, array: Any) -> Tensor: ...

        def reshape(self, *shape: Any) -> Tensor: ...

        def expand(self, *shape: Any) -> Tensor: ...

        def max(self, *args: Any, **kwargs: Any) -> Any: ...

        def min(self, *args: Any, **kwargs: Any) -> Any: ...

        def exp(self) -> Tensor: ...

        requires_grad: bool

        def _apply(self, op: Any, inputs: Any, **params: Any) -> Tensor: ...

    def _axis(self, dim: int) -> int:
        axes = normalize_axis(dim, self.ndim)
        return axes[0] if axes else 0  # (dim 0 of a 0-d tensor)

    def _along(self, dim: int, index: Any) -> Tensor:
        """self[..., index, ...] with `index` on axis `dim`."""
        return self[(slice(None),) * self._axis(dim) + (index,)]

    # --- pieces -----------------------------------------------------------------------

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
        """Pieces along `dim`: of `split_size` each (the last may be shorter), or of the
        given sizes (PyTorch's `split`)."""
        n = self.shape[self._axis(dim)]
        if isinstance(split_size_or_sections, (int, np.integer)):
            if split_size_or_sections < 1:
                raise ShapeError(f"split size must be positive, got {split_size_or_sections}")
            sizes = [split_size_or_sections] * (n // split_size_or_sections)
            sizes += [n % split_size_or_sections] if n % split_size_or_sections else []
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if builtins.sum(sizes) != n:
                raise ShapeError(f"split sizes {sizes} do not add up to {n}, the size of dim {dim}")
        bounds = np.cumsum([0, *sizes])
        return tuple(self._along(dim, slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:]))

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """`chunks` pieces along `dim` of ceil(n / chunks) each (fewer when they run out)."""
        if chunks < 1:
            raise ShapeError(f"chunk expects at least 1 chunk, got {chunks}")
        n = self.shape[self._axis(dim)]
        return self.split(max(1, -(-n // chunks)), dim)

    def unbind(self, dim: int = 0) -> tuple:
        """Every slice along `dim`, that axis removed."""
        return tuple(self._along(dim, i) for i in range(self.shape[self._axis(dim)]))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """`length` entries along `dim` from `start` (which may count from the end)."""
        n = self.shape[self._axis(dim)]
        first = start + n if start < 0 else start
        if not (0 <= first <= n and 0 <= length and first + length <= n):
            raise IndexRangeError(
                f"narrow: start {start} and length {length} do not fit dim {dim} of size {n}"
            )
        return self._along(dim, slice(first, first + length))

    def flip(self, *dims: int | Sequence[int]) -> Tensor:
        """The entries along each of `dims` in reverse order: a copy, as PyTorch's (a
        reversed view would report negative strides and not be contiguous)."""
        flat = dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims
        axes = {self._axis(d) for d in cast("Sequence[int]", flat)}
        return self[
            tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(self.ndim))
        ].contiguous()

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The entries at the integer positions `index` (1-D) along `dim`."""
        at = _raw(index)
        at = at if hasattr(at, "reshape") else np.asarray(at)
        return self._along(dim, self._checked_positions(dim, at.reshape(-1)))

    def _checked_positions(self, dim: int, at: Any) -> Any:
        """Integer positions along `dim`, or an IndexError (no wrapping of negatives,
        as PyTorch's gather and index_select)."""
        n = self.shape[self._axis(dim)]
        if at.dtype.kind not in "iu":
            raise DtypeError(f"positions must be integers, got dtype {at.dtype}")
        if at.size and (int(at.min()) < 0 or int(at.max()) >= n):
            raise IndexRangeError(
                f"positions from {int(at.min())} to {int(at.max())} do not fit dim {dim} "
                f"of size {n}"
            )
        return at

    def gather(self, dim: int, index: Any) -> Tensor:
        """out[i][j] = self[index[i][j]][j] along `dim` (PyTorch's gather); `index` has
        self's number of axes. The gradient adds back into the gathered places."""
        at = _raw(index)
        if at.ndim != self.ndim:
            raise ShapeError(
                f"gather: index has {at.ndim} dimensions, the tensor {self.ndim}; they must match"
            )
        axis, xp = self._axis(dim), namespace(at)
        self._checked_positions(dim, at)
        key = tuple(
            at if a == axis else xp.arange(n).reshape((n,) + (1,) * (at.ndim - 1 - a))
            for a, n in enumerate(at.shape)
        )
        return self[key]

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """PyTorch's take_along_dim(indices, dim): gather along `dim`, the other axes of
        the tensor and the indices broadcast against each other (with no dim, of the
        flattened tensor)."""
        if dim is None:
            return self.reshape(-1).gather(0, _raw(indices).reshape(-1))
        at, axis = _raw(indices), self._axis(dim)
        if at.ndim != self.ndim:
            raise ShapeError(
                f"take_along_dim: indices have {at.ndim} dimensions, the tensor "
                f"{self.ndim}; they must match"
            )
        xp = namespace(at)
        shape = [max(a, b) for a, b in zip(self.shape, at.shape)]
        source = self.expand(tuple(shape[:axis] + [self.shape[axis]] + shape[axis + 1 :]))
        at = xp.broadcast_to(at, tuple(shape[:axis] + [at.shape[axis]] + shape[axis + 1 :]))
        return source.gather(dim, at)

    def topk(
        self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
    ) -> ValuesIndices:
        """(values, indices) of the k largest (or smallest) entries along `dim`."""
        axis = self._axis(dim)
        if not 0 <= k <= self.shape[axis]:
            raise ArgumentError(
                f"topk: k={k} is out of range for dim {dim} of size {self.shape[axis]}"
            )
        order = self._order(axis, descending=largest)
        indices = order[(slice(None),) * axis + (slice(0, k),)]
        return ValuesIndices(self.gather(axis, indices), self._constant_like(indices))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
        """(values, indices) of the entries along `dim` in order."""
        if self.ndim == 0:  # (dim 0 of a 0-d tensor: itself, at index 0)
            self._axis(dim)
            only = self._constant_like(np.int64(0))
            return ValuesIndices(cast("Tensor", self).reshape(()), only)
        indices = self.argsort(dim, descending)
        return ValuesIndices(self.gather(dim, indices), indices)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The positions that sort `dim` (a constant; ties keep their order)."""
        return self._constant_like(self._order(self._axis(dim), descending))

    def _order(self, axis: int, descending: bool) -> Any:
        """Positions sorting `axis`, NaN counted largest and ties in their order (as
        PyTorch). Descending sorts the reversed axis ascending and reads that backwards,
        so ties keep their order; negating would wrap unsigned and minimum integers."""
        xp = namespace(self._data)
        if not descending:
            return xp.argsort(self._data, axis=axis, kind="stable")
        backwards = xp.argsort(xp.flip(self._data, axis=axis), axis=axis, kind="stable")
        return (self.shape[axis] - 1) - xp.flip(backwards, axis=axis)

    # --- masks, repeats, products -------------------------------------------------------

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes (above `diagonal`: zeros)."""
        return self._triangle(np.tril, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes (below `diagonal`: zeros)."""
        return self._triangle(np.triu, diagonal)

    def _triangle(self, part: Any, diagonal: int) -> Tensor:
        from .tensor import where

        if self.ndim < 2:
            raise ShapeError(f"tril/triu need at least 2 dimensions, got shape {self.shape}")
        rows, cols = self.shape[-2:]
        keep = namespace(self._data).asarray(part(np.ones((rows, cols), dtype=bool), diagonal))
        return where(
            keep,
            cast("Tensor", self),
            self._constant_like(namespace(self._data).zeros((), self._data.dtype)),
        )

    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """Tiled `sizes` times along each axis (PyTorch's `repeat`, numpy's `tile`)."""
        one = sizes[0] if len(sizes) == 1 else None
        reps = tuple(one) if isinstance(one, Sequence) else cast("tuple[int, ...]", sizes)
        if len(reps) < self.ndim:
            raise ShapeError(
                f"repeat needs at least {self.ndim} sizes for a tensor of shape {self.shape}"
            )
        shape = (1,) * (len(reps) - self.ndim) + self.shape
        x = self.reshape(tuple(v for n in shape for v in (1, n)))
        x = x.expand(tuple(v for r, n in zip(reps, shape) for v in (r, n)))
        return x.reshape(tuple(r * n for r, n in zip(reps, shape)))

    def bmm(self, other: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p)."""
        if self.ndim != 3 or getattr(other, "ndim", 0) != 3:
            raise ShapeError(
                f"bmm multiplies two 3-D tensors, got shapes {self.shape} and "
                f"{getattr(other, 'shape', None)}; use matmul (@) otherwise"
            )
        return cast("Tensor", self) @ other

    def dot(self, other: Tensor) -> Tensor:
        """The dot product of two 1-D tensors of equal length (PyTorch's `dot`)."""
        other_shape = getattr(other, "shape", None)
        if self.ndim != 1 or other_shape is None or len(other_shape) != 1:
            raise ShapeError(
                f"dot multiplies two 1-D tensors, got shapes {self.shape} and {other_shape}; "
                "use matmul (@) for matrices"
            )
        if other_shape[0] != self.shape[0]:
            raise ShapeError(
                f"dot: the tensors have {self.shape[0]} and {other_shape[0]} elements; "
                "they must have as many"
            )
        return cast("Tensor", self) @ other

    def mv(self, vec: Tensor) -> Tensor:
        """A matrix (n, m) times a vector (m,): PyTorch's `mv`."""
        vec_shape = getattr(vec, "shape", None)
        if self.ndim != 2 or vec_shape is None or len(vec_shape) != 1:
            raise ShapeError(
                f"mv multiplies a 2-D matrix by a 1-D vector, got shapes {self.shape} and "
                f"{vec_shape}; use matmul (@) otherwise"
            )
        return cast("Tensor", self) @ vec

    def square(self) -> Tensor:
        """x * x, elementwise (of bools: int64, as PyTorch's, where bool * bool stays bool)."""
        x = cast("Tensor", self)
        if x.dtype.kind == "b":
            x = x.long()
        return x * x

    def rsqrt(self) -> Tensor:
        """1 / sqrt(x), elementwise."""
        return cast("Tensor", self) ** -0.5

    def logsumexp(self, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
        """log(sum(exp(x))) along `dim`, computed after subtracting the max (no overflow)."""
        xp = namespace(self._data)
        axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
        peak = xp.max(self._data, axis=axis, keepdims=True)
        top = self._constant_like(xp.where(xp.isfinite(peak), peak, 0).astype(self._data.dtype))
        out = (cast("Tensor", self) - top).exp().sum(axis, keepdim=True).log() + top
        return out if keepdim else out.squeeze(axis)

    def amax(self, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
        """The largest value along `dim` (all axes by default); values only."""
        return self.max(axis=None if dim == () else dim, keepdims=keepdim)

    def amin(self, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
        """The smallest value along `dim` (all axes by default); values only."""
        return self.min(axis=None if dim == () else dim, keepdims=keepdim)

    # --- constants ----------------------------------------------------------------------

    def isnan(self) -> Tensor:
        """Where the entries are NaN (a bool tensor)."""
        return self._constant_like(namespace(self._data).isnan(self._data))

    def isinf(self) -> Tensor:
        """Where the entries are +-inf (a bool tensor)."""
        return self._constant_like(namespace(self._data).isinf(self._data))

    def isfinite(self) -> Tensor:
        """Where the entries are neither NaN nor +-inf (a bool tensor)."""
        return self._constant_like(namespace(self._data).isfinite(self._data))

    def _steps(self, values: Any) -> Tensor:
        """`values`, a function of self that is flat between its jumps, with PyTorch's
        zero gradient: still a node of the graph when self requires grad (a `where` that
        always takes the constant), so a backward through it gives zeros, not an error."""
        flat = self._constant_like(values)
        if not self.requires_grad:
            return flat
        always = namespace(self._data).ones(self._data.shape, dtype=bool)
        return self._apply(WHERE, (flat, self), condition=always)

    def sign(self) -> Tensor:
        """-1, 0 or +1, and 0 at NaN as PyTorch's (its derivative is 0)."""
        xp, data = namespace(self._data), self._data
        if data.dtype.kind == "b":  # a bool's sign is itself (PyTorch's; numpy refuses)
            return self._steps(data.copy())
        return self._steps(xp.where(xp.isnan(data), 0, xp.sign(data)).astype(data.dtype))

    def floor(self) -> Tensor:
        """Rounded down (its derivative is 0)."""
        return self._steps(namespace(self._data).floor(self._data))

    def ceil(self) -> Tensor:
        """Rounded up (its derivative is 0)."""
        return self._steps(namespace(self._data).ceil(self._data))

    def trunc(self) -> Tensor:
        """Rounded toward zero (its derivative is 0)."""
        return self._steps(namespace(self._data).trunc(self._data))

    def frac(self) -> Tensor:
        """x - trunc(x), the fractional part (its derivative is 1)."""
        return cast("Tensor", self) - self.trunc()

    def round(self, decimals: int = 0) -> Tensor:
        """Rounded half to even, as PyTorch's (its derivative is 0)."""
        return self._steps(namespace(self._data).round(self._data, decimals))

    def equal(self, other: Any) -> bool:
        """True when `other` has the same shape and the same numbers."""
        other = _raw(other)
        return self.shape == tuple(other.shape) and bool((self._data == other).all())
