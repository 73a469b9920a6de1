"""Pictures of convolutional networks: learned filters and feature maps (the book's
chapter-7 figures). Each returns a matplotlib Figure and never calls show()."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..autograd.backend import Array, ArrayLike
from .plots import _new_figure
from .style import numbers

if TYPE_CHECKING:
    from ..nn.module import Module


def _grid(count: int, columns: int) -> tuple[int, int]:
    columns = max(1, min(columns, count))
    return math.ceil(count / columns), columns


def _images(fig: Any, images: Array, columns: int, cmap: Any, title: str | None) -> Any:
    rows, cols = _grid(len(images), columns)
    for i, image in enumerate(images):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(image, cmap=cmap, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def plot_filters(
    weight: Module | Tensor | ArrayLike,
    columns: int = 10,
    cmap: Any = "gray_r",
    title: str | None = "first-layer filters",
    channel: int = 0,
) -> Any:
    """A grid of a conv layer's filters: `weight` is a Conv2d, its Parameter or an array
    of shape (out, in, kh, kw); one image per output channel (input channel `channel`).
    Each filter is scaled on its own, as the book draws them (before/after training)."""
    data = numbers(getattr(weight, "weight", weight))
    if data.ndim != 4:
        raise ValueError(
            f"plot_filters needs a conv weight of shape (out, in, kh, kw), got shape {data.shape}"
        )
    images = data[:, channel]
    rows, cols = _grid(len(images), columns)
    fig = _new_figure(1.1 * cols, 1.1 * rows + 0.5)
    return _images(fig, images, columns, cmap, title)


def feature_maps(model: Module, x: Tensor | ArrayLike) -> list[tuple[str, Array]]:
    """[(layer name, activation array (C, H, W))] for every 4-D output of a Sequential's
    layers, for one input image `x` of shape (C, H, W) or (1, C, H, W)."""
    params: list[Any] = model.parameters()  # a conv net's: Parameters (Tensors)
    dtype, device = next(iter(params)).dtype, next(iter(params)).device
    x = (x if isinstance(x, Tensor) else Tensor(np.asarray(x))).to(device)
    if x.ndim == 3:
        x = x.reshape((1,) + x.shape)
    out, maps = x.astype(dtype) if x.dtype != dtype else x, []
    with no_grad():
        for name, layer in model.named_children():
            out = layer(out)
            if out.ndim == 4:
                maps.append((f"{name}: {type(layer).__name__}", numbers(out)[0]))
    return maps


def plot_feature_maps(
    model: Module, x: Tensor | ArrayLike, channels: int = 8, cmap: Any = "viridis"
) -> Any:
    """The activations of each conv/pool layer for one input: one row per layer, the
    first `channels` channels of each."""
    maps = feature_maps(model, x)
    if not maps:
        raise ValueError(
            "plot_feature_maps: no layer of this model outputs (N, C, H, W) feature maps"
        )
    shown = min(channels, max(m.shape[0] for _, m in maps))
    fig = _new_figure(1.3 * (shown + 1), 1.4 * len(maps) + 0.4)
    raw = numbers(x)
    image = (
        raw.reshape(raw.shape[-2:])
        if raw.size == np.prod(raw.shape[-2:])
        else raw.reshape((-1,) + raw.shape[-2:])[0]
    )
    for row, (name, m) in enumerate(maps):
        ax = fig.add_subplot(len(maps), shown + 1, row * (shown + 1) + 1)
        ax.imshow(image, cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(name, fontsize=8)
        for k in range(min(shown, m.shape[0])):
            ax = fig.add_subplot(len(maps), shown + 1, row * (shown + 1) + k + 2)
            ax.imshow(m[k], cmap=cmap, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"channel {k}", fontsize=8)
    fig.suptitle("input (left) and feature maps per layer")
    return fig
