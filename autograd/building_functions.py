"""PyTorch's free functions that build a tensor from others, with no Tensor method of
the same name: broadcast_tensors / broadcast_shapes, atleast_1d/2d/3d, meshgrid,
cartesian_prod, combinations, block_diag, column_stack, dstack, tensordot,
chain_matmul, vander, trapezoid / cumulative_trapezoid, and the factories
tril_indices, triu_indices, logspace and empty_like.

Each is a composition of reshapes, expands, indexing, concatenation and products, so
the gradients flow to every input.
"""

from __future__ import annotations

import builtins
import itertools
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import dtypes
from .backend import namespace
from .dtype_promotion import promote_types
from .errors import ShapeError
from .tensor import Tensor, concatenate, stack, tensor

if TYPE_CHECKING:
    from .devices import DeviceLike
    from .tensor_methods import Operand


def _t(x: Operand) -> Tensor:
    return x if isinstance(x, Tensor) else tensor(x)


def _many(tensors: tuple[Any, ...]) -> tuple[list[Tensor], bool]:
    """The tensors of `f(a, b)` or `f([a, b])`, and whether one tensor was given alone."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return [_t(x) for x in tensors[0]], False
    return [_t(x) for x in tensors], len(tensors) == 1


# --- broadcasting -----------------------------------------------------------------------


def broadcast_shapes(*shapes: int | Sequence[int]) -> tuple[int, ...]:
    """As torch.broadcast_shapes: the shape the given shapes broadcast to (numbers are
    1-D shapes), or a ValueError naming the mismatch."""
    given = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*given))
    except ValueError:
        raise ShapeError(f"shapes {given} cannot be broadcast to a single shape") from None


def broadcast_tensors(*tensors: Operand) -> tuple[Tensor, ...]:
    """As torch.broadcast_tensors: each tensor expanded to their common shape."""
    items, _ = _many(tensors)
    shape = broadcast_shapes(*[x.shape for x in items])
    return tuple(x.expand(shape) for x in items)


def _at_least(tensors: tuple[Any, ...], ndim: int) -> Any:
    items, alone = _many(tensors)
    out = []
    for x in items:
        if x.ndim >= ndim:
            out.append(x)
        elif ndim == 3 and x.ndim == 2:
            out.append(x.unsqueeze(-1))
        elif ndim == 3 and x.ndim == 1:
            out.append(x.reshape(1, -1, 1))
        else:
            out.append(x.reshape((1,) * (ndim - x.ndim) + x.shape))
    return out[0] if alone else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """As torch.atleast_1d: a 0-d tensor as shape (1,), others as they are (a tuple
    for several tensors or a list of them)."""
    return _at_least(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """As torch.atleast_2d: 0-d as (1, 1), 1-D (n,) as (1, n), others as they are."""
    return _at_least(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """As torch.atleast_3d: 0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as (m, n, 1)."""
    return _at_least(tensors, 3)


# --- grids and combinations -------------------------------------------------------------


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """As torch.meshgrid: for 1-D tensors of sizes n1, n2, ..., one tensor each of shape
    (n1, n2, ...) with its values along its own axis (indexing='ij'); 'xy' swaps the
    first two axes (numpy's default). Without indexing: 'ij' and PyTorch's warning."""
    items, _ = _many(tensors)
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the "
            "indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not items:
        raise ValueError("meshgrid expects at least one tensor")
    for x in items:
        if x.ndim > 1:
            raise ShapeError(f"meshgrid expects 0-D or 1-D tensors, got shape {x.shape}")
    flat = [x.reshape(-1) for x in items]
    swap = indexing == "xy" and len(flat) >= 2
    order = [1, 0, *range(2, len(flat))] if swap else list(range(len(flat)))
    shape = tuple(flat[i].shape[0] for i in order)
    grids = []
    for i, x in enumerate(flat):
        view = [1] * len(flat)
        view[order.index(i)] = x.shape[0]
        grids.append(x.reshape(tuple(view)).expand(shape))
    return tuple(grids)


def cartesian_prod(*tensors: Operand) -> Tensor:
    """As torch.cartesian_prod: every combination of one entry from each 1-D tensor, one
    per row (the last tensor varying fastest); a single tensor comes back as it is."""
    items, _ = _many(tensors)
    for x in items:
        if x.ndim != 1:
            raise ShapeError(f"cartesian_prod expects 1-D tensors, got shape {x.shape}")
    if len(items) == 1:
        return items[0]
    grids = meshgrid(*items, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Operand, r: int = 2, with_replacement: bool = False) -> Tensor:
    """As torch.combinations: the r-element combinations of a 1-D tensor's entries, one
    per row, in itertools' order (with_replacement: entries may repeat)."""
    x = _t(input)
    if x.ndim != 1:
        raise ShapeError(f"combinations expects a 1-D tensor, got shape {x.shape}")
    if r < 0:
        raise ValueError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return x._constant_like(np.zeros(0, dtype=x.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[index]


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: npt.DTypeLike = np.int64,
    device: DeviceLike | None = None,
) -> Tensor:
    """As torch.tril_indices: the (2, n) row and column positions of the lower triangle
    of a row x col matrix (on and below diagonal `offset`), row by row."""
    return _positions(np.tril_indices(row, offset, col), dtype, device)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: npt.DTypeLike = np.int64,
    device: DeviceLike | None = None,
) -> Tensor:
    """As torch.triu_indices: the (2, n) positions of the upper triangle (on and above
    diagonal `offset`), row by row."""
    return _positions(np.triu_indices(row, offset, col), dtype, device)


def _positions(found: Any, dtype: npt.DTypeLike, device: DeviceLike | None) -> Tensor:
    out = tensor(np.stack(found).astype(dtype).reshape(2, -1))
    return out if device is None else out.to(device)


# --- joining ----------------------------------------------------------------------------


def block_diag(*tensors: Operand) -> Tensor:
    """As torch.block_diag: the matrices (0-d and 1-D tensors as 1-row ones) along the
    diagonal of one matrix, zeros elsewhere."""
    items = [_t(x) for x in tensors]
    blocks = []
    for x in items:
        if x.ndim > 2:
            raise ShapeError(f"block_diag takes tensors of at most 2 dimensions, got {x.shape}")
        blocks.append(x.reshape(1, -1) if x.ndim < 2 else x)
    if not blocks:
        return tensor(np.zeros((1, 0), dtype=dtypes.get_default_dtype()))
    dtype = blocks[0].dtype
    for x in blocks[1:]:
        dtype = promote_types(dtype, x.dtype)
    width = builtins.sum(x.shape[1] for x in blocks)
    rows, left = [], 0
    for x in blocks:
        x = x._same_or_cast(dtype)
        n, m = x.shape
        zeros = namespace(x._data).zeros  # on the blocks' device
        before = x._constant_like(zeros((n, left), dtype=dtype))
        after = x._constant_like(zeros((n, width - left - m), dtype=dtype))
        rows.append(concatenate([before, x, after], 1))
        left += m
    return concatenate(rows, 0)


def column_stack(tensors: Sequence[Operand]) -> Tensor:
    """As torch.column_stack: 0-d and 1-D tensors as columns, then joined along axis 1."""
    items = [_t(x) for x in tensors]
    return concatenate([x.reshape(-1, 1) if x.ndim < 2 else x for x in items], 1)


def dstack(tensors: Sequence[Operand]) -> Tensor:
    """As torch.dstack: each made at least 3-D (atleast_3d), then joined along axis 2."""
    return concatenate(list(atleast_3d(list(tensors))), 2)


# --- products ---------------------------------------------------------------------------


def tensordot(a: Operand, b: Operand, dims: Any = 2, out: None = None) -> Tensor:
    """As torch.tensordot: Σ over paired axes of a and b: the last `dims` axes of a with
    the first of b, or the axes listed ([axes of a], [axes of b])."""
    if out is not None:
        raise TypeError("tensordot(out=...) is not supported; assign the result instead")
    x, y = _t(a), _t(b)
    given = getattr(dims, "_data", dims)
    if isinstance(given, np.ndarray) and given.ndim == 0:
        given = int(given)
    if isinstance(given, (int, np.integer)):
        if given < 0 or given > min(x.ndim, y.ndim):
            raise ValueError(f"tensordot: dims must be between 0 and {min(x.ndim, y.ndim)}")
        left = list(range(x.ndim - given, x.ndim))
        right = list(range(given))
    else:
        first, second = given
        first = [first] if isinstance(first, (int, np.integer)) else list(np.asarray(first))
        second = [second] if isinstance(second, (int, np.integer)) else list(np.asarray(second))
        if len(first) != len(second):
            raise ValueError(
                f"tensordot: both lists of dims must have the same length, got {first} and {second}"
            )
        left = [int(d) % max(x.ndim, 1) for d in first]
        right = [int(d) % max(y.ndim, 1) for d in second]
    for i, j in zip(left, right):
        if x.shape[i] != y.shape[j]:
            raise ShapeError(
                f"tensordot: contracted dimensions need to match, but the first has size "
                f"{x.shape[i]} in dim {i} and the second {y.shape[j]} in dim {j}"
            )
    free_x = [d for d in range(x.ndim) if d not in left]
    free_y = [d for d in range(y.ndim) if d not in right]
    inner = int(np.prod([x.shape[d] for d in left]))
    xm = x.permute(free_x + left).reshape(-1, inner)
    ym = y.permute(right + free_y).reshape(inner, -1)
    shape = tuple(x.shape[d] for d in free_x) + tuple(y.shape[d] for d in free_y)
    return xm.mm(ym).reshape(shape)


def chain_matmul(*matrices: Operand) -> Tensor:
    """As torch.chain_matmul (deprecated there too, with its warning): the product of
    the 2-D matrices, left to right."""
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch "
        "release. Use torch.linalg.multi_dot instead, which accepts a list of two or more "
        "tensors rather than multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    items = [_t(m) for m in matrices]
    if not items:
        raise ValueError("chain_matmul expects at least one matrix")
    for m in items:
        if m.ndim != 2:
            raise ShapeError(f"chain_matmul expects 2-D matrices, got shape {m.shape}")
    out = items[0].clone() if len(items) == 1 else items[0]
    for m in items[1:]:
        out = out.mm(m)
    return out


def vander(x: Operand, N: int | None = None, increasing: bool = False) -> Tensor:
    """As torch.vander: the Vandermonde matrix of a 1-D tensor, columns x^(N-1) ... x^0
    (or x^0 ... x^(N-1) with increasing=True); powers as running products, so the
    gradient at x = 0 is exact."""
    v = _t(x)
    if v.ndim != 1:
        raise ShapeError(f"vander expects a 1-D tensor, got shape {v.shape}")
    n = v.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, got {n}")
    if v.dtype.kind == "b":
        v = v.astype(np.int64)
    ones = v._constant_like(np.ones((v.shape[0], min(n, 1)), dtype=v.dtype))
    parts = [ones]
    if n > 1:
        parts.append(v.reshape(-1, 1).expand(v.shape[0], n - 1).cumprod(1))
    out = concatenate(parts, 1)
    return out if increasing else out.flip(1)


# --- integration ------------------------------------------------------------------------


def _spacing(y: Tensor, x: Any, dx: Any, axis: int, what: str) -> Any:
    """The widths between samples along `axis`: from x (1-D, or y's shape), or dx."""
    if x is not None and dx is not None:
        raise TypeError(f"{what} takes x or dx, not both")
    if x is None:
        return 1 if dx is None else dx
    xs = x if isinstance(x, Tensor) else y._lift(x)
    if xs.ndim == 1:
        if xs.shape[0] != y.shape[axis]:
            raise ValueError(
                f"{what}: x has {xs.shape[0]} samples, y {y.shape[axis]} along dim {axis}"
            )
        view = [1] * y.ndim
        view[axis] = -1
        return xs.diff().reshape(tuple(view))
    return xs.diff(dim=axis - y.ndim)


def trapezoid(
    y: Operand, x: Operand | None = None, *, dx: float | None = None, dim: int = -1
) -> Tensor:
    """As torch.trapezoid: the trapezoid rule's integral of y along `dim`, the samples
    at x (or dx apart; 1 by default)."""
    values = _t(y)
    axis = values._axis(dim)
    widths = _spacing(values, x, dx, axis, "trapezoid")
    n = values.shape[axis]
    if n == 0:
        return values.sum(axis) * 0
    later = values[(slice(None),) * axis + (slice(1, n),)]
    earlier = values[(slice(None),) * axis + (slice(0, n - 1),)]
    return ((later + earlier) * widths).sum(axis) / 2


def cumulative_trapezoid(
    y: Operand, x: Operand | None = None, *, dx: float | None = None, dim: int = -1
) -> Tensor:
    """As torch.cumulative_trapezoid: the running trapezoid-rule integral of y along
    `dim` (one entry fewer than y)."""
    values = _t(y)
    axis = values._axis(dim)
    widths = _spacing(values, x, dx, axis, "cumulative_trapezoid")
    n = values.shape[axis]
    later = values[(slice(None),) * axis + (slice(1, max(n, 1)),)]
    earlier = values[(slice(None),) * axis + (slice(0, max(n - 1, 0)),)]
    return ((later + earlier) * widths / 2).cumsum(axis)


# --- factories --------------------------------------------------------------------------


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """As torch.logspace: `steps` values base^t for t evenly spaced from start to end."""
    chosen = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
    values = np.logspace(start, end, int(steps), base=base)
    if chosen.kind in "iu":
        values = np.trunc(values)
    return Tensor(values, dtype=chosen, requires_grad=requires_grad, device=device)


def empty_like(
    input: Tensor,
    *,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """As torch.empty_like: an uninitialised tensor of input's shape, dtype and device
    (unless given): fill it before reading."""
    from .factories import empty

    return empty(
        input.shape,
        dtype=input.dtype if dtype is None else dtype,
        device=input.device if device is None else device,
        requires_grad=requires_grad,
    )
