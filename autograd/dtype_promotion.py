"""PyTorch's dtype rules as functions: promote_types, result_type and can_cast.

They differ from numpy's in two places that matter: an integer meets a float and the
result is that float (numpy: int64 + float32 is float64, PyTorch: float32), and Python
numbers and 0-d tensors do not widen the dtype of a tensor with dimensions unless they
are of a higher kind (bool < integer < float).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import dtypes

_KINDS = {"b": 0, "u": 1, "i": 1, "f": 2}


def _kind(dtype: np.dtype[Any]) -> int:
    if dtype.kind not in _KINDS:
        raise TypeError(f"{dtype} is not a dtype tensors hold (bool, integer or float)")
    return _KINDS[dtype.kind]


def promote_types(type1: npt.DTypeLike, type2: npt.DTypeLike) -> np.dtype[Any]:
    """As torch.promote_types: the smallest dtype both can be cast to without losing
    their kind (an integer and a float give the float; two integers, numpy's rule)."""
    a, b = np.dtype(type1), np.dtype(type2)
    ka, kb = _kind(a), _kind(b)
    if ka == 2 and kb < 2:
        return a
    if kb == 2 and ka < 2:
        return b
    return np.promote_types(a, b)


def _operand(x: Any) -> tuple[int, np.dtype[Any]]:
    """(priority, dtype): 2 for a tensor with dimensions, 1 for a 0-d tensor, 0 for a
    Python number (an int counts as int64, a float as the default dtype)."""
    data = getattr(x, "_data", None)
    if data is not None:
        return (2 if data.ndim else 1), np.dtype(data.dtype)
    if isinstance(x, (bool, np.bool_)):
        return 0, np.dtype(np.bool_)
    if isinstance(x, (int, np.integer)):
        return 0, np.dtype(np.int64)
    if isinstance(x, (float, np.floating)):
        return 0, np.dtype(dtypes.get_default_dtype())
    raise TypeError(
        f"result_type takes tensors and numbers, got {type(x).__name__}; for dtypes "
        "use promote_types"
    )


def _combine(higher: np.dtype[Any] | None, lower: np.dtype[Any] | None) -> np.dtype[Any] | None:
    """PyTorch's rule for a lower-priority group: it counts only if of a higher kind."""
    if higher is None:
        return lower
    if lower is None or _kind(higher) == 2:
        return higher
    if _kind(higher) == 0 or _kind(lower) == 2:
        return promote_types(higher, lower)
    return higher


def result_type(tensor1: Any, tensor2: Any) -> np.dtype[Any]:
    """As torch.result_type: the dtype an arithmetic op of the two (tensors or numbers)
    gives, by PyTorch's promotion rules."""
    groups: dict[int, np.dtype[Any] | None] = {0: None, 1: None, 2: None}
    for x in (tensor1, tensor2):
        priority, dtype = _operand(x)
        held = groups[priority]
        groups[priority] = dtype if held is None else promote_types(held, dtype)
    out = _combine(groups[2], _combine(groups[1], groups[0]))
    assert out is not None  # (two operands were given)
    return out


def can_cast(from_: npt.DTypeLike, to: npt.DTypeLike) -> bool:
    """As torch.can_cast: whether PyTorch's type promotion may cast `from_` to `to`
    (never to a lower kind: float to integer, or a number to bool)."""
    return _kind(np.dtype(from_)) <= _kind(np.dtype(to))
