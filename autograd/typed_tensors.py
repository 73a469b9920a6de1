"""PyTorch's legacy typed constructors: `torch.FloatTensor([1, 2])`, `torch.LongTensor(y)`,
and `isinstance(x, torch.FloatTensor)`.

Each is a class only in name: calling it makes a plain `Tensor` of its dtype (a copy of
the data, as `torch.tensor(data, dtype=...)`), and `isinstance` asks whether a Tensor
has that dtype. The legacy size form `torch.FloatTensor(2, 3)` (uninitialised memory) is
refused with the spelling to use instead, as `Tensor(2, 3)` is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor_methods import _TENSOR_TYPES


class _TypedTensorMeta(type):
    dtype: np.dtype[Any]

    def __call__(cls, *data: Any) -> Any:
        from .tensor import Tensor, tensor

        if not data:
            return Tensor(np.empty(0, cls.dtype), dtype=cls.dtype)
        if len(data) > 1 or isinstance(data[0], (int, np.integer)):
            sizes = ", ".join(map(repr, data))
            raise TypeError(
                f"{cls.__name__}({sizes}) is PyTorch's legacy form for uninitialised "
                f"memory of that size; write torch.empty({sizes}, dtype=torch."
                f"{cls.dtype.name}) (or torch.zeros), or pass the numbers as a list"
            )
        return tensor(data[0], dtype=cls.dtype)

    def __instancecheck__(cls, obj: object) -> bool:
        from .tensor import Tensor

        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


def _typed(name: str, dtype: np.dtype[Any]) -> type:
    doc = f"torch.{name}(data): a tensor of dtype {dtype.name} (see the module's notes)."
    return _TypedTensorMeta(name, (), {"dtype": dtype, "__doc__": doc})


TYPED_TENSORS = {name: _typed(name, dtype) for dtype, name in _TENSOR_TYPES.items()}
