"""`LayerNorm`: normalisation over each sample's own features (Ba et al. 2016).

Unlike BatchNorm it needs no batch statistics, so training and eval compute the same
thing and a batch of one is fine: the mean and (biased) variance are taken over the
trailing `normalized_shape` axes of every sample.
"""

import numpy as np

from . import functional as F
from .dtypes import float_dtype, layer_input
from .module import Module, Parameter


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last axes
    `normalized_shape` (an int or a tuple); weight 1 and bias 0 of that shape."""

    def __init__(
        self,
        normalized_shape,
        eps=1e-5,
        elementwise_affine=True,
        bias=True,
        device=None,
        dtype=None,
    ):
        shape = (
            (normalized_shape,)
            if isinstance(normalized_shape, (int, np.integer))
            else tuple(normalized_shape)
        )
        if not shape or any(int(n) < 1 for n in shape):
            raise ValueError(
                f"LayerNorm needs a non-empty normalized_shape of positive "
                f"sizes, got {normalized_shape!r}"
            )
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = float_dtype(dtype, "LayerNorm")
        affine = elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape), dtype=dtype) if affine else None
        self.bias = (
            Parameter(np.zeros(self.normalized_shape), dtype=dtype) if affine and bias else None
        )
        if device is not None:
            self._to_device(device)

    def forward(self, x):
        if self.weight is not None:
            x = layer_input(x, self.weight.dtype, "LayerNorm")
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
