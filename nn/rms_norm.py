"""Root-mean-square normalisation (Zhang & Sennrich 2019), PyTorch's `F.rms_norm` and
`nn.RMSNorm` (PyTorch 2.4+): LayerNorm without the mean and the bias,

    y = x / sqrt(mean(x^2 over the trailing normalized_shape axes) + eps) * weight,

the normalisation of LLaMA, Mistral and most recent transformers. `eps=None` (the
default) is the machine epsilon of the input's dtype (float32's for half precision),
as PyTorch's. Written with table ops (square, mean, sqrt, divide), so gradients and
higher derivatives come from those.
"""

import numpy as np

from ..autograd.errors import ShapeError
from .dtypes import float_dtype, layer_input
from .functional import _node
from .module import Module, Parameter


def _shape_of(normalized_shape):
    """An int or a sequence of ints as a tuple."""
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def _default_eps(dtype):
    """PyTorch's eps=None: the epsilon of the computing dtype (float32 for half floats)."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype if dtype.itemsize >= 4 else np.float32).eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight, the mean over the trailing axes
    `normalized_shape`; eps=None is the machine epsilon of x's dtype."""
    x = _node(input)
    shape = _shape_of(normalized_shape)
    if not shape or x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape) :]) != shape:
        raise ShapeError(
            f"rms_norm: normalized_shape={shape} must be the last axes of the input, "
            f"got input of shape {tuple(x.shape)}"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise ShapeError(
            f"rms_norm: weight must have the shape normalized_shape={shape}, got "
            f"{tuple(weight.shape)}"
        )
    eps = _default_eps(x.dtype) if eps is None else eps
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    out = x / ((x * x).mean(axis=axes, keepdims=True) + eps).sqrt()
    return out if weight is None else out * weight


class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight over the last axes `normalized_shape` (an
    int or a tuple); weight 1 of that shape (elementwise_affine=True), no bias."""

    def __init__(
        self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None
    ):
        shape = _shape_of(normalized_shape)
        if not shape or any(n < 1 for n in shape):
            raise ValueError(
                f"RMSNorm needs a non-empty normalized_shape of positive sizes, got "
                f"{normalized_shape!r}"
            )
        self.normalized_shape = shape
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = float_dtype(dtype, "RMSNorm")
        self.weight = Parameter(np.ones(shape), dtype=dtype) if elementwise_affine else None
        if device is not None:
            self._to_device(device)

    def forward(self, x):
        if self.weight is not None:
            x = layer_input(x, self.weight.dtype, "RMSNorm")
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


__all__ = ["rms_norm", "RMSNorm"]
