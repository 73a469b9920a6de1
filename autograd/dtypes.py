"""The default floating-point dtype: what Python numbers, lists and integer data become.

scratchgrad's default is float64 (numpy's, and the book's: gradient checks by central
differences need it). PyTorch's is float32; `set_default_dtype(np.float32)` gives its
behaviour to tensors made from Python data and to new layers' parameters. Arrays that
already have a float dtype keep it either way.
"""

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_default = np.dtype(np.float64)


def get_default_dtype():
    """The dtype new float tensors and parameters get (numpy dtype; float64 unless set)."""
    return _default


def set_default_dtype(dtype):
    """Choose float32 or float64 for tensors made from Python data and new parameters
    (PyTorch's `torch.set_default_dtype`). Process-wide, like PyTorch's."""
    global _default
    try:
        chosen = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"set_default_dtype() takes a float dtype such as np.float32 or "
            f"np.float64, got {dtype!r}"
        ) from None
    if chosen not in _FLOATS:
        raise TypeError(f"set_default_dtype() supports float32 and float64, got {chosen}")
    _default = chosen
