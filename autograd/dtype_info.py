"""PyTorch's `torch.dtype`, `torch.finfo` and `torch.iinfo` for scratchgrad's dtypes, which
are numpy's: `scratchgrad.float32` is `np.float32` and `x.dtype` is `np.dtype('float32')`.

    isinstance(x.dtype, torch.dtype)          # True, and for torch.float32 itself
    torch.finfo(torch.float32).eps            # 1.1920928955078125e-07, a Python float
    torch.finfo(x.dtype).min                  # a mask value that fits x (attention masks)
    torch.iinfo(torch.int64).max
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import dtypes


class _DtypeType(type):
    """The metaclass that makes `isinstance(d, dtype)` true for numpy's dtypes."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, np.dtype) or (
            isinstance(instance, type) and issubclass(instance, np.generic)
        )


class dtype(metaclass=_DtypeType):
    """PyTorch's `torch.dtype`, for `isinstance(d, torch.dtype)`: scratchgrad's dtypes are
    numpy's, so this holds for a tensor's `x.dtype` (an `np.dtype`) and for the names
    `torch.float32`, `torch.long`, ... (numpy's scalar types). As in PyTorch, no new
    dtype can be made from it: `np.dtype(...)` makes one."""

    def __new__(cls, *args: Any, **kwargs: Any) -> dtype:
        raise TypeError(
            "cannot create 'scratchgrad.dtype' instances: dtypes are numpy's "
            "(scratchgrad.float32 is np.float32; np.dtype(name) makes one)"
        )


def _numpy_dtype(kind: npt.DTypeLike | None, what: str) -> np.dtype[Any]:
    if kind is None:
        return dtypes.get_default_dtype()
    try:
        return np.dtype(kind)
    except TypeError:
        raise TypeError(f"{what}() takes a dtype such as torch.float32, got {kind!r}") from None


class finfo:
    """PyTorch's `torch.finfo(dtype)`: the limits of a floating-point dtype, as Python
    numbers (`bits`, `eps`, `max`, `min`, `tiny` = `smallest_normal`, `resolution`) and
    the dtype's name (`dtype`, a string as in PyTorch). `finfo()` is the default dtype's."""

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: npt.DTypeLike | None = None) -> None:
        kind = _numpy_dtype(type, "finfo")
        if kind.kind != "f":
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to "
                f"handle 'torch.finfo' (got {kind})"
            )
        info = np.finfo(kind)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # (PyTorch: exactly 10^-digits)
        self.dtype = kind.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
            f"tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """PyTorch's `torch.iinfo(dtype)`: the limits of an integer dtype (`bits`, `max`,
    `min`, Python ints) and its name (`dtype`, a string as in PyTorch)."""

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: npt.DTypeLike) -> None:
        kind = _numpy_dtype(type, "iinfo")
        if kind.kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if kind.kind not in "iu":
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                f"'torch.iinfo' (got {kind})"
            )
        info = np.iinfo(kind)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = kind.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
