"""Activation modules: each one a call of its `nn.functional` counterpart, with
PyTorch's names, arguments and reprs (`LeakyReLU(negative_slope=0.01)`)."""

from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0). `inplace=True` as `F.in_place` says: written into x outside a graph,
    a new node inside one."""

    def __init__(self, inplace=False):
        self.inplace = bool(inplace)

    def forward(self, x):
        return F.relu(x, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x (slope `negative_slope` at 0, as PyTorch)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        self.negative_slope, self.inplace = negative_slope, bool(inplace)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x * Phi(x) (Phi: the standard normal's CDF); approximate="tanh" for GPT-2's form."""

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return "" if self.approximate == "none" else f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), zero-centred and saturating at ±1;  d/dx = 1 - tanh(x)^2."""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """e^x_i / sum_j e^x_j along `dim` (the first argument; numpy's name `axis` works
    too; not given: the last axis up to 2-D, PyTorch's implicit dim beyond, as
    `F.softmax`), max-subtracted."""

    def __init__(self, axis=F.DEFAULT_AXIS, *, dim=None):
        given = axis is not F.DEFAULT_AXIS or dim is not None
        self.dim = F.class_axis(axis, dim) if given else None
        self._every_element = given and self.dim is None  # axis=None: numpy's meaning

    @property
    def axis(self):
        """numpy's name for `dim`."""
        return self.dim

    def forward(self, x):
        if self.dim is None and not self._every_element:
            return type(self)._function(x)
        return type(self)._function(x, self.dim)

    _function = staticmethod(F.softmax)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x_i - log sum_j e^x_j along `dim` (default: the last axis), stable: what
    `F.nll_loss` expects (`nll_loss(log_softmax(z, dim=1), y)` is `cross_entropy(z, y)`)."""

    _function = staticmethod(F.log_softmax)
