"""Arrays that also answer PyTorch's tensor methods: what `.grad` and `.data` hand out.

A tensor's gradient and its numbers are numpy arrays here, as in the book, whose code
works on them as arrays. PyTorch code calls tensor methods on them: `param.grad.zero_()`
in d2l's `sgd`, `p.grad.data.norm(2).item()` in older clipping code,
`param.grad.data.clamp_(-1, 1)` in the DQN tutorial, `m.weight.data.normal_(0, 0.02)` in
DCGAN's initialisation, `((lr * p.grad).std() / p.data.std()).log10().item()` in
makemore. A `TorchArray` is an ndarray for every name numpy has (its `std` is numpy's,
with ddof=0, its `max` takes `axis=`), and answers a name only a Tensor has as a Tensor
sharing its memory would: the in-place methods write the array, the others give
Tensors (without a graph).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class TorchArray(np.ndarray):
    """An ndarray that answers PyTorch's tensor methods numpy lacks."""

    @property
    def data(self) -> TorchArray:  # type: ignore[override]
        """The array itself, as PyTorch's `t.data` is the same numbers (`p.grad.data.zero_()`).
        (numpy's own `.data` is the raw buffer: `memoryview(a)` still gives it.)"""
        return self

    def __getattr__(self, name: str) -> Any:
        from .tensor import Tensor

        if name.startswith("_") or not hasattr(Tensor, name):
            raise AttributeError(
                f"{type(self).__name__} (a numpy array that also takes PyTorch's tensor "
                f"methods) has no attribute {name!r}, and neither has a Tensor"
            )
        return getattr(self._as_tensor(), name)

    def _as_tensor(self) -> Any:
        """A Tensor sharing this array's memory (no graph): its in-place methods write here."""
        from .tensor import _constant

        return _constant(self.view(np.ndarray))

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __round__(self, ndigits: int | None = None) -> Any:
        """round() of a reduction (`round(p.grad.sum(), 6)`): numpy's reductions of a
        subclass are 0-d arrays, where a plain array's are numpy scalars, which round()
        takes. Arrays with entries are refused, as numpy refuses them."""
        if self.ndim:
            raise TypeError(f"round() of an array of shape {self.shape}: use np.round(a, n)")
        return round(self.item(), ndigits)


class GradArray(TorchArray):
    """A leaf tensor's `.grad`. Arithmetic on it gives GradArrays (numpy's rule for
    subclasses), so a chain such as `(lr * p.grad).std()` keeps PyTorch's methods; the
    optimizers read the plain array underneath."""


def as_grad(array: Any) -> Any:
    """A numpy gradient as the GradArray users see (a GPU array is handed out as is)."""
    return array.view(GradArray) if array.__class__ is np.ndarray else array


def zeros_grad(data: Any) -> Any:
    """A zero gradient for a tensor holding `data` (`zero_grad(set_to_none=False)`)."""
    from .backend import namespace

    return as_grad(namespace(data).zeros_like(data))


def plain(array: Any) -> Any:
    """The plain ndarray under a GradArray, for the library's own arithmetic (numpy skips
    its fast paths for subclasses)."""
    return array.view(np.ndarray) if isinstance(array, GradArray) else array
