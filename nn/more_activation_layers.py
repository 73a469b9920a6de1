"""Modules for the activations of `more_activations.py` (`nn.SiLU()`, `nn.ELU(alpha=0.5)`,
`nn.PReLU()`, ...): each holds its options, prints them as PyTorch does, and calls its
function. `inplace=True` as `F.in_place` says: written into x outside a graph, a new
node inside one."""

from typing import Any

import numpy as np

from . import functional as F
from .module import Module, Parameter


class _Pointwise(Module):
    """An activation with options: `forward` is `_function(x, *options)`."""

    _function: Any = None  # (set by each subclass)
    _options: tuple[str, ...] = ()  # attribute names, in the function's argument order
    inplace = None  # True/False where the function takes PyTorch's inplace=
    _shows_inplace = True  # PyTorch's Hardswish and Hardsigmoid do not print it

    def forward(self, x):
        options = [getattr(self, name) for name in self._options]
        if self.inplace is None:
            return type(self)._function(x, *options)
        return type(self)._function(x, *options, inplace=self.inplace)

    def extra_repr(self):
        shown = [f"{name}={getattr(self, name)}" for name in self._options]
        return ", ".join(shown + (["inplace=True"] if self.inplace and self._shows_inplace else []))


class SiLU(_Pointwise):
    """x * sigmoid(x)."""

    _function = staticmethod(F.silu)

    def __init__(self, inplace=False):
        self.inplace = bool(inplace)


class Mish(SiLU):
    """x * tanh(softplus(x))."""

    _function = staticmethod(F.mish)


class Hardswish(SiLU):
    """x * relu6(x + 3) / 6."""

    _function = staticmethod(F.hardswish)
    _shows_inplace = False


class Hardsigmoid(SiLU):
    """relu6(x + 3) / 6."""

    _function = staticmethod(F.hardsigmoid)
    _shows_inplace = False


class ReLU6(SiLU):
    """min(max(x, 0), 6)."""

    _function = staticmethod(F.relu6)


class SELU(SiLU):
    """scale * elu(x, alpha), the self-normalising constants."""

    _function = staticmethod(F.selu)


class Softsign(_Pointwise):
    """x / (1 + |x|)."""

    _function = staticmethod(F.softsign)


class LogSigmoid(Softsign):
    """log(sigmoid(x)), stable."""

    _function = staticmethod(F.logsigmoid)


class ELU(_Pointwise):
    """x if x > 0 else alpha (e^x - 1)."""

    _function = staticmethod(F.elu)
    _options = ("alpha",)

    def __init__(self, alpha=1.0, inplace=False):
        self.alpha, self.inplace = alpha, bool(inplace)


class CELU(ELU):
    """x if x > 0 else alpha (e^(x/alpha) - 1)."""

    _function = staticmethod(F.celu)


class Hardtanh(_Pointwise):
    """x clamped to [min_val, max_val] (no gradient at the corners, as PyTorch)."""

    _function = staticmethod(F.hardtanh)
    _options = ("min_val", "max_val")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        self.inplace = bool(inplace)
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        self.min_val, self.max_val = min_val, max_val


class Softplus(_Pointwise):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold."""

    _function = staticmethod(F.softplus)
    _options = ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold


class Softmin(_Pointwise):
    """softmax(-x) along `dim`."""

    _function = staticmethod(F.softmin)
    _options = ("dim",)

    def __init__(self, dim=None):
        self.dim = dim


class PReLU(Module):
    """x if x > 0 else a * x, with the slope a learned: one for all channels, or
    `num_parameters` (one per channel, axis 1), starting at `init`."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        self.num_parameters = int(num_parameters)
        self.weight = Parameter(np.full(self.num_parameters, init), dtype=dtype)
        if device is not None:
            self.to(device)

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Hardshrink(_Pointwise):
    """x where |x| > lambd, else 0."""

    _function = staticmethod(F.hardshrink)
    _options = ("lambd",)

    def __init__(self, lambd=0.5):
        self.lambd = lambd

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """x shrunk toward 0 by lambd (0 within [-lambd, lambd])."""

    _function = staticmethod(F.softshrink)


class Tanhshrink(_Pointwise):
    """x - tanh(x)."""

    _function = staticmethod(F.tanhshrink)


class Threshold(_Pointwise):
    """x where x > threshold, else value."""

    _function = staticmethod(F.threshold)
    _options = ("threshold", "value")

    def __init__(self, threshold, value, inplace=False):
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)


class GLU(_Pointwise):
    """The gated linear unit: a * sigmoid(b) over the two halves of `dim`."""

    _function = staticmethod(F.glu)
    _options = ("dim",)

    def __init__(self, dim=-1):
        self.dim = dim
