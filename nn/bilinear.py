"""`F.bilinear` and `nn.Bilinear`, PyTorch's: y_o = x1^T A_o x2 + b_o, one (in1, in2)
matrix A_o per output feature, weight (out_features, in1_features, in2_features).

It exists for models that mix two inputs multiplicatively (bilinear pooling, some
attention scores, relation networks). Written with a matmul, a broadcast product and a
sum, so gradients for both inputs, the weight and the bias come from those ops. Inputs
(..., in1) and (..., in2) with the same leading axes (none: one sample); the init is
PyTorch's, weight and bias ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)).
"""

import math

from ..autograd import Tensor
from ..autograd.errors import ShapeError
from .dtypes import float_dtype, layer_input
from .functional import _node
from .init import make_rng
from .module import Module, Parameter


def bilinear(input1, input2, weight, bias=None):
    """x1 (..., in1) and x2 (..., in2) -> (..., out): sum_ij x1_i weight[o, i, j] x2_j
    (+ bias[o]); weight (out, in1, in2)."""
    a, b = _node(input1), _node(input2)
    w = weight if isinstance(weight, Tensor) else a._lift(weight)
    if w.ndim != 3:
        raise ShapeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {w.shape}")
    out, in1, in2 = w.shape
    if a.ndim < 1 or a.ndim != b.ndim:
        raise ShapeError(
            f"bilinear: input1 and input2 need the same number of axes (at least 1), got "
            f"shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[:-1] != b.shape[:-1]:
        raise ValueError(
            f"bilinear: the inputs' leading axes differ: {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[-1] != in1 or b.shape[-1] != in2:
        raise ValueError(
            f"bilinear: weight {tuple(w.shape)} takes inputs (..., {in1}) and (..., {in2}), "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if bias is not None and tuple(bias.shape) != (out,):
        raise ShapeError(f"bilinear: bias must have shape ({out},), got {tuple(bias.shape)}")
    lead = tuple(a.shape[:-1])
    mixed = a.reshape(-1, in1) @ w.permute(1, 0, 2).reshape(in1, out * in2)  # x1^T A_o
    y = (mixed.reshape(-1, out, in2) * b.reshape(-1, 1, in2)).sum(axis=-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out,))


class Bilinear(Module):
    """y = x1^T A x2 + b: weight (out_features, in1_features, in2_features), bias
    (out_features,), PyTorch's layout, init and state_dict names."""

    def __init__(
        self,
        in1_features,
        in2_features,
        out_features,
        bias=True,
        device=None,
        dtype=None,
        *,
        rng=None,
        seed=None,
    ):
        if min(in1_features, in2_features, out_features) < 1:
            raise ValueError(
                f"Bilinear needs positive sizes, got in1_features={in1_features}, "
                f"in2_features={in2_features}, out_features={out_features}"
            )
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        dtype = float_dtype(dtype, "Bilinear")
        gen = make_rng(rng, seed)
        bound = 1.0 / math.sqrt(in1_features)
        shape = (self.out_features, self.in1_features, self.in2_features)
        self.weight = Parameter(gen.uniform(-bound, bound, shape), dtype=dtype)
        self.bias = (
            Parameter(gen.uniform(-bound, bound, self.out_features), dtype=dtype) if bias else None
        )
        if device is not None:
            self._to_device(device)

    def forward(self, input1, input2):
        dtype = self.weight.dtype
        a = layer_input(input1, dtype, "Bilinear")
        b = layer_input(input2, dtype, "Bilinear")
        return bilinear(a, b, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


__all__ = ["bilinear", "Bilinear"]
