"""Layers for Tensor models, with PyTorch's names, layouts, defaults and reprs.

Defaults (as in PyTorch; the dtype is `dtypes.default_dtype()`, float64 unless changed;
pass dtype=np.float32 for speed): `Linear` weight and bias ~ U(-1/sqrt(in), 1/sqrt(in));
`Dropout(p=0.5)`; `BatchNorm1d(eps=1e-5, momentum=0.1)`, weight 1, bias 0;
`Flatten(start_dim=1, end_dim=-1)`. Layers with random parts also take `rng=` (a numpy
Generator) or `seed=`. Input: see `dtypes` (arrays are converted, Tensors must match).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import Tensor
from ..autograd.backend import ArrayLike
from ..autograd.errors import ShapeError
from . import functional as F
from .activations import ReLU, Sigmoid, Softmax, Tanh  # noqa: F401  (their old home)
from .containers import Sequential
from .dtypes import float_dtype, layer_input
from .init import make_rng
from .module import Module, Parameter

_T = TypeVar("_T")


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features) (PyTorch's layout; the
    book's is (in, out), its transpose): one `linear` node."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if in_features < 1 or out_features < 1:
            raise ValueError(
                f"Linear needs positive sizes, got in_features={in_features}, "
                f"out_features={out_features}"
            )
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = float_dtype(dtype, "Linear")
        gen = make_rng(rng, seed)
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(
            gen.uniform(-bound, bound, (out_features, in_features)), dtype=dtype
        )
        self.bias: Parameter | None = (
            Parameter(gen.uniform(-bound, bound, out_features), dtype=dtype) if bias else None
        )
        if device is not None:
            self._to_device(device)

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        layout = (self.out_features, self.in_features)
        if self.weight.shape != layout:
            raise ShapeError(
                f"Linear({self.in_features}, {self.out_features}) holds a weight "
                f"of shape {self.weight.shape}, expected {layout}"
                + self._load_hint("weight", self.weight.shape)
            )
        return F.linear_checked(x, self.weight, self.bias, "Linear", layout_checked=True)

    def _load_hint(self, name: str, shape: tuple[int, ...]) -> str:
        if (
            name == "weight"
            and tuple(shape) == (self.in_features, self.out_features)
            and self.in_features != self.out_features
        ):
            return (
                f": Linear stores its weight as (out_features, in_features) = "
                f"{(self.out_features, self.in_features)}, PyTorch's layout; this one "
                "is the book's (in, out) layout, so transpose it (W.T)"
            )
        return ""

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input. Like PyTorch's, it takes (and has no use for) any arguments,
    so it can stand in for a layer with the same call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: _T) -> _T:
        return x


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...): merges axes start_dim..end_dim."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        start = self.start_dim + x.ndim if self.start_dim < 0 else self.start_dim
        end = self.end_dim + x.ndim if self.end_dim < 0 else self.end_dim
        if not 0 <= start < x.ndim or not start <= end < x.ndim:
            raise ShapeError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) "
                f"needs an input with those axes, got shape {x.shape}"
            )
        merged = int(np.prod(x.shape[start : end + 1]))
        return x.reshape(x.shape[:start] + (merged,) + x.shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Axis `dim` split into `unflattened_size` (Flatten's inverse; one -1 is inferred)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        self.dim, self.unflattened_size = dim, unflattened_size  # as given: PyTorch prints it

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        axis = self.dim + x.ndim if self.dim < 0 else self.dim
        if not 0 <= axis < x.ndim:
            raise ShapeError(f"Unflatten(dim={self.dim}) needs that axis, got shape {x.shape}")
        return x.reshape(x.shape[:axis] + tuple(self.unflattened_size) + x.shape[axis + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class CosineSimilarity(Module):
    """The cosine of the angle between two inputs along `dim` (`F.cosine_similarity`)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        self.dim, self.eps = dim, eps

    def forward(self, x1: ArrayLike | Tensor, x2: ArrayLike | Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p along the last axis (`F.pairwise_distance`)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: ArrayLike | Tensor, x2: ArrayLike | Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale the
    survivors by 1/(1-p), so the expected activation is unchanged and eval is identity."""

    _channels: bool = False

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        self.inplace = bool(inplace)  # as `F.in_place` says
        self.p: float = F._check_p(p, type(self).__name__)
        self.rng: np.random.Generator = make_rng(rng, seed)

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        out = F.drop(x, self.p, self.training, self.rng, channels=self._channels)
        return F.in_place(x, out, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Dropout of whole channels: each (sample, channel) map of an (N, C, H, W) input is
    zeroed with probability p (neighbouring pixels are correlated, so single pixels
    carry little to drop; Tompson et al. 2015)."""

    _channels = True


class BatchNorm1d(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the batch (and length) axes.

    Training uses the batch's mean and biased variance and updates the running
    statistics: running = (1 - momentum) * running + momentum * batch (the unbiased
    variance, as PyTorch). Eval mode uses the running statistics instead; with
    track_running_stats=False there are none and batch statistics are always used.
    Input: (N, C) or (N, C, L).
    """

    # buffers (register_buffer): arrays, or None with track_running_stats=False (Any:
    # the code reads them only where they are set)
    running_mean: Any
    running_var: Any
    num_batches_tracked: Any

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ) -> None:
        if momentum is not None and not (
            isinstance(momentum, (int, float, np.floating)) and 0.0 <= momentum <= 1.0
        ):
            raise ValueError(
                f"{type(self).__name__} momentum must be a number in [0, 1] or "
                f"None (a cumulative average of all batches), got {momentum!r}"
            )
        dtype = float_dtype(dtype, type(self).__name__)
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine and bias else None
        tracked = track_running_stats
        self.register_buffer("running_mean", np.zeros(num_features, dtype) if tracked else None)
        self.register_buffer("running_var", np.ones(num_features, dtype) if tracked else None)
        self.register_buffer(
            "num_batches_tracked", np.zeros((), dtype=np.int64) if tracked else None
        )
        if device is not None:
            self._to_device(device)

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        x = self._input(x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm1d({self.num_features}) expects input of shape "
                f"(N, {self.num_features}) or (N, {self.num_features}, L), got "
                f"{x.shape}"
            )
        return self._normalize(x)

    def _input(self, x: ArrayLike | Tensor) -> Tensor:
        """x in the layer's dtype (that of its weight, else of its running statistics)."""
        held = next(
            (
                (name, a)
                for name, a in (("weight", self.weight), ("running_mean", self.running_mean))
                if a is not None
            ),
            None,
        )
        if held is None:  # nothing stored: any float input will do
            return x if isinstance(x, Tensor) else Tensor(x)
        return layer_input(x, held[1].dtype, type(self).__name__, held[0])

    def _normalize(self, x: Tensor) -> Tensor:
        """The shared body of BatchNorm1d/2d: F.batch_norm with this layer's state."""
        if not (self.training or self.running_mean is None):
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, eps=self.eps
            )
        n = x.data.size // self.num_features
        if n < 2 and self.training:
            raise ShapeError(
                f"{type(self).__name__} in training mode needs more than one value per "
                f"channel, got input of shape {x.shape}; use a batch of 2 "
                "or more, or call model.eval()"
            )
        track = self.training and self.running_mean is not None
        momentum = self.momentum
        if track:
            self.num_batches_tracked += 1
            if momentum is None:  # the cumulative average of all batches so far
                momentum = 1.0 / float(self.num_batches_tracked)
        return F.batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            training=True,
            momentum=momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    *,
    dtype: DTypeLike | None = None,
    seed: int | None = None,
) -> Sequential:
    """`Sequential(Linear, act, Linear, act, ..., Linear)` for layer sizes like
    [64, 128, 10]: no activation after the last layer (it outputs logits)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least an input and an output size, got {sizes}")
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    gen = make_rng(None, seed)
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, dtype=dtype, rng=gen))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(*layers)
