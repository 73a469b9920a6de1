"""Which dtype a layer computes in, and what happens to input of another dtype.

PyTorch's rule, kept: a layer computes in its parameters' dtype and never converts a
Tensor, so a float64 Tensor fed to a float32 layer is an error (`DtypeMismatchError`,
which is both PyTorch's RuntimeError and Python's TypeError), with the fix in the
message. numpy arrays and Python lists are data PyTorch never sees; they are converted
to the layer's dtype, which is friendlier and cannot hide a mistake in a graph.

New layers take `dtype=None`, meaning `default_dtype()`.
"""

import numpy as np

from .. import autograd
from ..autograd import Tensor

_SHORT = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


class DtypeMismatchError(RuntimeError, TypeError):
    """A Tensor reached a layer (or `F.linear`) whose parameters have another dtype."""


def default_dtype():
    """The dtype layers get when none is given: float64, until `autograd` offers
    `get_default_dtype()` (`torch.set_default_dtype`'s counterpart); then that."""
    getter = getattr(autograd, "get_default_dtype", None)
    return np.dtype(getter() if getter is not None else np.float64)


def float_dtype(dtype, who):
    """`dtype` (None: the default) as a numpy floating dtype, or a TypeError."""
    if dtype is None:
        return default_dtype()
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{who}: dtype must be a numpy float type such as np.float32, got {dtype!r}"
        ) from None
    if resolved.kind != "f":
        raise TypeError(
            f"{who}: parameters must have a floating dtype (np.float32 or "
            f"np.float64), got {resolved}"
        )
    return resolved


def mismatch(who, x_dtype, what, dtype):
    """The error for a Tensor of `x_dtype` meeting `what` (a parameter) of `dtype`."""
    x_dtype, dtype = np.dtype(x_dtype), np.dtype(dtype)
    to_input = f"x.to(np.{dtype})" + (f" / x.{_SHORT[dtype]}()" if dtype in _SHORT else "")
    to_model = f"model.to(np.{x_dtype})" + (
        f" / model.{_SHORT[x_dtype]}()" if x_dtype in _SHORT else ""
    )
    return DtypeMismatchError(
        f"{who}: input is {x_dtype} but {what} is {dtype}. A layer computes in its "
        f"parameters' dtype and never converts a Tensor (as in PyTorch): convert the input, "
        f"{to_input}, or the model, {to_model}"
        + (
            " (or build the model after scratchgrad.set_default_dtype(np.float32), "
            "torch.set_default_dtype(torch.float32) in renamed PyTorch code: then layers "
            "are made in float32)"
            if x_dtype == np.float32 and dtype == default_dtype() == np.float64
            else ""
        )
    )


def layer_input(x, dtype, who, what="weight"):
    """`x` as a Tensor of `dtype`: a Tensor must already have it; arrays, lists and
    numbers are data and are converted."""
    if isinstance(x, Tensor):
        if x.dtype != dtype:
            raise mismatch(who, x.dtype, what, dtype)
        return x
    return Tensor(x, dtype=dtype)
