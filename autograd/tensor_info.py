"""PyTorch's Tensor methods about storage and making new tensors: element_size, nbytes,
itemsize, stride, is_contiguous, ndimension, byte, pin_memory, new_empty, new_tensor.

They answer from the numpy array underneath: its strides (counted in elements, as
PyTorch counts them) and its layout. Training loops and data pipelines call them
(`x.pin_memory()`, `x.element_size() * x.nelement()`) even where nothing depends on
the answer, so each has to exist and be right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np
import numpy.typing as npt

from .ops_reduce import normalize_axis

if TYPE_CHECKING:
    from .tensor import Tensor


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


class TensorInfo:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    def element_size(self) -> int:
        """Bytes per element (4 for float32)."""
        return int(_me(self)._data.dtype.itemsize)

    @property
    def itemsize(self) -> int:
        """Bytes per element (PyTorch's and numpy's `itemsize`)."""
        return int(_me(self)._data.dtype.itemsize)

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: numel() * element_size()."""
        data = _me(self)._data
        return int(data.size * data.dtype.itemsize)

    @overload
    def stride(self, dim: None = None) -> tuple[int, ...]: ...

    @overload
    def stride(self, dim: int) -> int: ...

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The step in elements from one entry to the next along each axis (along `dim`
        when given): (3, 1) for a fresh (2, 3) tensor, (1, 3) for its transpose."""
        data = _me(self)._data
        steps = tuple(int(s) // data.dtype.itemsize for s in data.strides)
        if dim is None:
            return steps
        return steps[normalize_axis(dim, data.ndim)[0]]

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the entries lie in memory in row-major order without gaps (a transpose
        or a broadcast view does not)."""
        return bool(_me(self)._data.flags.c_contiguous)

    def ndimension(self) -> int:
        """The number of dimensions (`dim()`, PyTorch's older name)."""
        return int(_me(self)._data.ndim)

    def byte(self) -> Tensor:
        """As uint8 (a constant)."""
        return _me(self)._same_or_cast(np.uint8)

    def pin_memory(self, device: Any = None) -> Tensor:
        """Itself: page-locked host memory only speeds up CUDA copies from torch's own
        allocator; numpy arrays are copied to a GPU as they are."""
        return _me(self)

    def new_empty(
        self,
        *size: Any,
        dtype: npt.DTypeLike | None = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """An uninitialised tensor of `size`, in this tensor's dtype and on its device
        unless given (fill it before reading)."""
        out = _me(self)._new(np.empty, size, dtype, device)
        return out.requires_grad_(True) if requires_grad else out

    def new_tensor(
        self,
        data: Any,
        dtype: npt.DTypeLike | None = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """A copy of `data` as a new leaf, in this tensor's dtype and on its device unless
        given (PyTorch's rule: even integer data takes a float tensor's dtype)."""
        from .tensor import Tensor

        x = _me(self)
        source = data._data if isinstance(data, Tensor) else data
        target = x.device if device is None else device
        out = Tensor(source, dtype=x.dtype if dtype is None else dtype, device=target)
        return out.requires_grad_(True) if requires_grad else out
