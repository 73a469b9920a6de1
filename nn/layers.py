"""Layers for Tensor models, with PyTorch's names, layouts and defaults.

Defaults (as in PyTorch, but float64 like the rest of the engine; pass dtype=np.float32
for speed): `Linear` weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)); `Dropout(p=0.5)`;
`BatchNorm1d(eps=1e-5, momentum=0.1)`, weight 1, bias 0; `Flatten(start_dim=1)`.
Layers with random parts take `rng=` (a numpy Generator) or `seed=`.
"""
import math

import numpy as np

from ..autograd import OPS, Tensor

from . import functional as F
from .init import make_rng
from .module import Module, Parameter

_LINEAR = OPS["linear"]


def _as_tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    return like._lift(x) if like is not None else Tensor(x)


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features): one `linear` node."""

    def __init__(self, in_features, out_features, bias=True, *, dtype=np.float64,
                 rng=None, seed=None):
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear needs positive sizes, got in_features={in_features}, "
                             f"out_features={out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        gen = make_rng(rng, seed)
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(gen.uniform(-bound, bound, (out_features, in_features)),
                                dtype=dtype)
        self.bias = Parameter(gen.uniform(-bound, bound, out_features), dtype=dtype) \
            if bias else None

    def forward(self, x):
        x = _as_tensor(x, self.weight)
        if x.dtype.kind == "f" and x.dtype != self.weight.dtype:
            if not x.requires_grad and x.is_leaf:     # data: cast to the layer's dtype
                x = Tensor(x.data, dtype=self.weight.dtype)
            else:
                raise TypeError(f"Linear holds {self.weight.dtype} weights but the input is "
                                f"{x.dtype}; cast one (x.astype(np.{self.weight.dtype})) or "
                                f"build the layer with dtype=np.{x.dtype}")
        if x.data.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) got input of "
                             f"shape {x.data.shape}; its last axis must have size "
                             f"{self.in_features}")
        inputs = (x, self.weight) if self.bias is None else (x, self.weight, self.bias)
        return Tensor._apply(_LINEAR, inputs)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied in order; children are named "0", "1", ... like PyTorch."""

    _internal = Module._internal | {"_seq", "_names"}

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        self._seq, self._names = [], []
        for m in modules:
            self.append(m)

    def append(self, module, name=None):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential holds Modules, got {type(module).__name__}; wrap "
                            "functions in a Module (e.g. nn.ReLU() instead of F.relu)")
        if name is None:              # the next number after the last child's
            name = str(int(self._names[-1]) + 1) if self._seq else "0"
        setattr(self, name, module)
        self._seq.append(module)
        self._names.append(name)
        return self

    def forward(self, x):
        for module in self._seq:
            x = module(x)
        return x

    def __getitem__(self, index):
        """One child, or a Sequential of a slice that keeps the children's names (as
        PyTorch: model[2:]'s first child is still "2", so state_dict keys still match)."""
        if isinstance(index, slice):
            part = Sequential()
            for name, module in zip(self._names[index], self._seq[index]):
                part.append(module, name)
            return part
        return self._seq[index]

    def __len__(self):
        return len(self._seq)

    def __iter__(self):
        return iter(self._seq)


class _Activation(Module):
    def extra_repr(self):
        return ""


class ReLU(_Activation):
    """max(x, 0)."""

    def forward(self, x):
        return F.relu(x)


class Sigmoid(_Activation):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(_Activation):
    def forward(self, x):
        return F.tanh(x)


class Softmax(_Activation):
    """e^x_i / sum_j e^x_j along `axis` (PyTorch's `dim`), max-subtracted."""

    def __init__(self, axis=F.DEFAULT_AXIS, *, dim=None):
        self.axis = F.class_axis(axis, dim)

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class Identity(Module):
    def forward(self, x):
        return x


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...): keeps axes before `start_dim`."""

    def __init__(self, start_dim=1):
        self.start_dim = start_dim

    def forward(self, x):
        x = _as_tensor(x)
        start = self.start_dim + x.ndim if self.start_dim < 0 else self.start_dim
        if not 0 <= start < x.ndim:
            raise ValueError(f"Flatten(start_dim={self.start_dim}) needs an input with an "
                             f"axis {self.start_dim}, got shape {x.shape}")
        return x.reshape(x.shape[:start] + (int(np.prod(x.shape[start:])),))

    def extra_repr(self):
        return f"start_dim={self.start_dim}"


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale the
    survivors by 1/(1-p), so the expected activation is unchanged and eval is identity."""

    def __init__(self, p=0.5, *, rng=None, seed=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability must be in [0, 1], got p={p}")
        self.p = float(p)
        self.rng = make_rng(rng, seed)

    def forward(self, x):
        if isinstance(x, np.ndarray):
            x = Tensor(x)
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep = self.rng.random(x.data.shape) >= self.p
        return x * (keep * (1.0 / (1.0 - self.p))).astype(x.data.dtype)

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1d(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the batch (and length) axes.

    Training uses the batch's mean and biased variance and updates the running
    statistics: running = (1 - momentum) * running + momentum * batch (the unbiased
    variance, as PyTorch). Eval mode uses the running statistics instead.
    Input: (N, C) or (N, C, L).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, *,
                 dtype=np.float64):
        if momentum is not None and not (isinstance(momentum, (int, float, np.floating)) and
                                         0.0 <= momentum <= 1.0):
            raise ValueError(f"{type(self).__name__} momentum must be a number in [0, 1] or "
                             f"None (a cumulative average of all batches), got {momentum!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))

    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expects input of shape "
                             f"(N, {self.num_features}) or (N, {self.num_features}, L), got "
                             f"{x.shape}")
        return self._normalize(x, axes=(0,) if x.ndim == 2 else (0, 2))

    def _normalize(self, x, axes):
        """The shared body of BatchNorm1d/2d: statistics over `axes` (all but channels)."""
        name = type(self).__name__
        if x.dtype.kind == "f" and x.dtype != self.running_mean.dtype:
            raise TypeError(f"{name} holds {self.running_mean.dtype} statistics but the "
                            f"input is {x.dtype}; build it with dtype=np.{x.dtype} (or cast "
                            "the input)")
        shape = tuple(-1 if axis == 1 else 1 for axis in range(x.ndim))
        if self.training:
            n = x.data.size // self.num_features
            if n < 2:
                raise ValueError(f"{name} in training mode needs more than one value per "
                                 f"channel, got input of shape {x.shape}; use a batch of 2 "
                                 "or more, or call model.eval()")
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True, correction=0)
            self.num_batches_tracked += 1
            m = self.momentum if self.momentum is not None \
                else 1.0 / float(self.num_batches_tracked)     # PyTorch's momentum=None
            self.running_mean *= 1.0 - m
            self.running_mean += m * mean.data.reshape(-1)
            self.running_var *= 1.0 - m
            self.running_var += (m * n / (n - 1)) * var.data.reshape(-1)
            out = (x - mean) / (var + self.eps).sqrt()
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            out = (x - self.running_mean.reshape(shape)) * inv_std.reshape(shape)
        if self.weight is not None:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def mlp(sizes, activation="relu", *, dtype=np.float64, seed=None):
    """`Sequential(Linear, act, Linear, act, ..., Linear)` for layer sizes like
    [64, 128, 10]: no activation after the last layer (it outputs logits)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least an input and an output size, got {sizes}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of "
                         f"{', '.join(ACTIVATIONS)}")
    gen = make_rng(None, seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, dtype=dtype, rng=gen))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(*layers)
