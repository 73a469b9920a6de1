"""Tensors made from nothing: zeros, ones, ranges and random draws (PyTorch's names).

    scratchgrad.zeros(2, 3); scratchgrad.randn(4, 5, requires_grad=True)
    scratchgrad.arange(10); scratchgrad.zeros_like(x); scratchgrad.eye(3)

Sizes are given as PyTorch does (`zeros(2, 3)` or `zeros((2, 3))`); `dtype` defaults to
the default float dtype (float64 unless `set_default_dtype` says otherwise; `arange` of
integers gives int64); `device="cuda"` makes the tensor on the GPU. Random draws take
from the generator `manual_seed` seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from . import dtypes
from .backend import DEFAULT_DEVICE, Array, ArrayLike
from .errors import ArgumentError, ShapeError
from .random import default_generator
from .tensor import Tensor, _constant

if TYPE_CHECKING:
    from .devices import DeviceLike


def _size(size: tuple[Any, ...], keyword: Any = None) -> tuple[int, ...]:
    """The shape from `zeros(2, 3)`, `zeros((2, 3))` or `zeros(size=(2, 3))` (one form)."""
    if keyword is not None:
        if size:
            raise TypeError(f"give the size once: positionally {size} or size={keyword}")
        size = tuple(keyword) if isinstance(keyword, (tuple, list)) else (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and hasattr(size[0], "shape") and callable(size[0]):
        size = size[0].shape  # a tensor's .size object
    try:
        shape = tuple(int(n) for n in size)
    except (TypeError, ValueError):
        raise TypeError(f"sizes must be whole numbers, got {size!r}") from None
    if any(n < 0 for n in shape):
        raise ArgumentError(f"sizes must not be negative, got {shape}")
    return shape


def _made(
    array: Array, dtype: npt.DTypeLike | None, device: DeviceLike | None, requires_grad: bool
) -> Tensor:
    """A leaf from an array we just made (no copy), on `device`."""
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    if device is None:
        device = DEFAULT_DEVICE[0]  # torch.set_default_device's GPU, or None: here
    if device is not None:
        from .devices import Device, move_array

        array = move_array(array, Device(device))
    t = _constant(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype: npt.DTypeLike | None) -> np.dtype[Any]:
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(
    *sizes: int | Sequence[int],
    size: int | Sequence[int] | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of zeros."""
    return _made(np.zeros(_size(sizes, size), _float(dtype)), None, device, requires_grad)


def ones(
    *sizes: int | Sequence[int],
    size: int | Sequence[int] | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ones."""
    return _made(np.ones(_size(sizes, size), _float(dtype)), None, device, requires_grad)


def empty(
    *sizes: int | Sequence[int],
    size: int | Sequence[int] | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor whose values are whatever was in memory (fill it before reading)."""
    return _made(np.empty(_size(sizes, size), _float(dtype)), None, device, requires_grad)


def full(
    size: int | Sequence[int],
    fill_value: float,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of `fill_value` (the dtype follows it, as PyTorch: ints stay ints)."""
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _made(
        np.full(_size((size,)), fill_value, _float(dtype) if dtype is None else np.dtype(dtype)),
        None,
        device,
        requires_grad,
    )


def _like(
    t: Tensor, dtype: npt.DTypeLike | None, device: DeviceLike | None
) -> tuple[np.dtype[Any], DeviceLike]:
    return (t.dtype if dtype is None else np.dtype(dtype)), (t.device if device is None else device)


def zeros_like(
    t: Tensor,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """As torch.zeros_like: zeros of `t`'s shape, dtype and device (unless given)."""
    dtype, device = _like(t, dtype, device)
    return zeros(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(
    t: Tensor,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """As torch.ones_like: ones of `t`'s shape, dtype and device (unless given)."""
    dtype, device = _like(t, dtype, device)
    return ones(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    t: Tensor,
    fill_value: float,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """As torch.full_like: `fill_value` in `t`'s shape, on `t`'s device; the dtype is `t`'s
    unless given."""
    dtype, device = _like(t, dtype, device)
    return full(t.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand(
    *sizes: int | Sequence[int],
    size: int | Sequence[int] | None = None,
    generator: np.random.Generator | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws in [0, 1)."""
    rng = generator or default_generator()
    return _made(rng.random(_size(sizes, size)), _float(dtype), device, requires_grad)


def randn(
    *sizes: int | Sequence[int],
    size: int | Sequence[int] | None = None,
    generator: np.random.Generator | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws."""
    rng = generator or default_generator()
    return _made(rng.standard_normal(_size(sizes, size)), _float(dtype), device, requires_grad)


def _drawn_like(
    draw: Any,
    t: Tensor,
    dtype: npt.DTypeLike | None,
    device: DeviceLike | None,
    requires_grad: bool,
    generator: np.random.Generator | None,
) -> Tensor:
    """`draw` (rand or randn) in t's shape, and in its dtype and device unless given."""
    dtype = t.dtype if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(
            f"{draw.__name__}_like draws floats; give dtype=torch.float32 for a {dtype} tensor"
        )
    device = t.device if device is None else device
    return draw(
        t.shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad
    )


def rand_like(
    t: Tensor,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """As torch.rand_like: uniform draws in [0, 1) of `t`'s shape, dtype and device."""
    return _drawn_like(rand, t, dtype, device, requires_grad, generator)


def randn_like(
    t: Tensor,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """As torch.randn_like: standard normal draws of `t`'s shape, dtype and device."""
    return _drawn_like(randn, t, dtype, device, requires_grad, generator)


def randint(
    low: int = 0,
    high: int | Sequence[int] | None = None,
    size: int | Sequence[int] = (),
    generator: np.random.Generator | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
) -> Tensor:
    """Integers in [low, high); as PyTorch, also `randint(high, size)` and
    `randint(high=10, size=(3,))`."""
    if isinstance(high, (tuple, list)):  # randint(high, size): the size came second
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if not low < cast(int, high):
        raise ArgumentError(f"randint: low ({low}) must be below high ({high})")
    rng = generator or default_generator()
    return _made(rng.integers(low, high, _size((size,))), dtype or np.int64, device, False)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """As torch.multinomial: `num_samples` indices drawn per row of the weights `input`
    (1-D, or 2-D for one draw per row), each with probability weight / row sum; int64.
    (numpy's draws: the same seed gives other numbers than PyTorch's.)"""
    from .devices import on_host

    weights = on_host(input).astype(np.float64)  # drawn on the host
    if weights.ndim not in (1, 2):
        raise ShapeError(f"multinomial takes 1-D or 2-D weights, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if not np.all(np.isfinite(rows)) or np.any(rows < 0) or np.any(rows.sum(axis=1) == 0):
        raise ArgumentError("multinomial weights must be finite, not negative, and not all zero")
    if not replacement and num_samples > np.count_nonzero(rows, axis=1).min():
        raise ArgumentError(
            f"cannot draw {num_samples} samples without replacement from "
            f"{int(np.count_nonzero(rows, axis=1).min())} categories with a weight above zero"
        )
    rng = generator or default_generator()
    drawn = np.stack(
        [rng.choice(len(row), num_samples, replace=replacement, p=row / row.sum()) for row in rows]
    )
    device = input.device if isinstance(input, Tensor) else None
    return _made(drawn.reshape(weights.shape[:-1] + (num_samples,)), np.int64, device, False)


def normal(
    mean: float | Tensor,
    std: float | Tensor = 1.0,
    size: int | Sequence[int] | None = None,
    *,
    generator: np.random.Generator | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """As torch.normal: draws from N(mean, std^2), of `size` for numbers (d2l's
    `synthetic_data`), or one per element of mean and std given as tensors."""
    rng = generator or default_generator()
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if size is None and not tensors:
        raise TypeError("normal(mean, std) needs a size, or mean or std as a tensor")
    from .devices import on_host

    # drawn on the host from numpy's generator (a GPU tensor's numbers copied), as all draws
    means, stds = on_host(mean), on_host(std)
    if np.any(np.asarray(stds) < 0):
        raise ArgumentError("normal: std must be >= 0")
    shape = np.broadcast_shapes(np.shape(means), np.shape(stds)) if size is None else None
    drawn = rng.normal(means, stds, _size((size,)) if size is not None else shape)
    if tensors and dtype is None:
        dtype = tensors[0].dtype
    return _made(
        drawn, _float(dtype), device or (tensors[0].device if tensors else None), requires_grad
    )


def randperm(
    n: int, generator: np.random.Generator | None = None, device: DeviceLike | None = None
) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    rng = generator or default_generator()
    return _made(rng.permutation(int(n)), np.int64, device, False)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... below end; int64 for whole numbers, else the default
    float dtype (PyTorch's rule)."""
    if end is None:
        start, end = 0, start
    if step == 0 or (end - start) * step < 0:
        raise ArgumentError(
            f"arange: step {step} must be nonzero and point from start {start} to end {end}"
        )
    whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if dtype is None:
        dtype = np.int64 if whole else dtypes.get_default_dtype()
    return _made(np.arange(start, end, step), dtype, device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """`steps` evenly spaced values from start to end (both included)."""
    if int(steps) < 0:
        raise ArgumentError(f"linspace: steps must be >= 0, got {steps}")
    return _made(np.linspace(start, end, int(steps)), _float(dtype), device, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    dtype: npt.DTypeLike | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (n x m)."""
    return _made(
        np.eye(int(n), None if m is None else int(m)), _float(dtype), device, requires_grad
    )


def as_tensor(
    data: Tensor | ArrayLike, dtype: npt.DTypeLike | None = None, device: DeviceLike | None = None
) -> Tensor:
    """A tensor that shares memory with `data` when it can (a numpy array of the right
    dtype), else a copy: PyTorch's `as_tensor`."""
    from .tensor import from_numpy, tensor

    if isinstance(data, Tensor):
        out = data if dtype is None else data.to(dtype)
    elif isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        out = from_numpy(data)
    else:
        out = tensor(data, dtype=dtype)
    return out if device is None else out.to(device)
