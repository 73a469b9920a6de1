"""Activation histograms per layer: the book's figures for weight initialisation (6.2).

    acts = viz.record_activations(model, x)          # {"Sigmoid 1": array, ...}
    viz.plot_activation_histograms(acts, title="sigmoid, Xavier init")
    viz.plot_activation_histograms({"std 1": acts_a, "Xavier": acts_b})   # one row each

Both work on numpy arrays: `record_activations` runs an `nn.Sequential` without building
a graph and keeps what every activation module (ReLU, Sigmoid, Tanh) outputs; the plot
draws one histogram per layer with a shared y axis. matplotlib is imported inside the
plotting function, and the Figure is returned, never shown.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from ..autograd import Tensor, no_grad
from ..autograd.backend import Array, ArrayLike
from .style import numbers

if TYPE_CHECKING:
    from ..nn.containers import Sequential
    from ..nn.module import Module


def _activation_types() -> tuple[type[Module], ...]:
    from .. import nn

    return (nn.ReLU, nn.Sigmoid, nn.Tanh)


def _walk(model: Sequential) -> Iterator[Module]:
    """The modules of a Sequential in call order, descending into nested Sequentials."""
    from .. import nn

    for module in model:
        if isinstance(module, nn.Sequential):
            yield from _walk(module)
        else:
            yield module


def record_activations(model: Sequential, x: Tensor | ArrayLike) -> dict[str, Array]:
    """Run `model` (an `nn.Sequential`) on `x` under `no_grad` and return
    {layer name: output array} for every ReLU/Sigmoid/Tanh module, in order.

    Names count the activation layers from 1: "Sigmoid 1", "Sigmoid 2", ... (the book's
    "1-layer", "2-layer"). The arrays are copies. The model runs in its current mode:
    call `model.eval()` first if it has Dropout or BatchNorm and you want inference
    behaviour (in training mode BatchNorm also updates its running statistics).
    """
    from .. import nn

    if not isinstance(model, nn.Sequential):
        raise TypeError(
            f"record_activations needs an nn.Sequential (it records the output "
            f"of each layer in turn), got {type(model).__name__}"
        )
    kinds = _activation_types()
    if not any(isinstance(m, kinds) for m in _walk(model)):
        raise ValueError(
            "record_activations: the model has no ReLU, Sigmoid or Tanh "
            "module, so there is nothing to record"
        )
    recorded: dict[str, Array] = {}
    count = 0
    with no_grad():
        h = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))
        first = next(iter(model.parameters()), None)
        if isinstance(first, Tensor):  # a model on a GPU takes its input there
            h = h.to(first.device)
        for module in _walk(model):
            h = module(h)
            if isinstance(module, kinds):
                count += 1
                recorded[f"{type(module).__name__} {count}"] = np.array(numbers(h), copy=True)
    return recorded


def _pairs(activations: Any) -> list[tuple[str, Array]]:
    """[(name, array)] from a dict or a list of pairs (or of bare arrays)."""
    items = activations.items() if isinstance(activations, dict) else activations
    pairs = []
    for i, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, values = item
        else:
            name, values = f"layer {i + 1}", item
        pairs.append((str(name), numbers(values, float)))
    return pairs


def _is_layer_list(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            for item in value
        )
    )


def _is_rows(activations: object) -> TypeGuard[dict[Any, Any]]:
    """True for {row name: {layer name: array}} (several experiments, one row each)."""
    return (
        isinstance(activations, dict)
        and bool(activations)
        and all(isinstance(v, dict) or _is_layer_list(v) for v in activations.values())
    )


def plot_activation_histograms(
    activations: Mapping[str, Any] | Sequence[Any],
    title: str | None = None,
    bins: int = 30,
    range: tuple[float, float] | None = (0, 1),
) -> Any:
    """One histogram per layer, side by side with a shared y axis (the book's figure 6-10).

    `activations`: {layer name: array} or a list of (name, array) pairs, e.g. from
    `record_activations`; or {row name: {layer name: array}} to compare several
    experiments in one figure, one row each (y shared within a row, x everywhere).
    `range`: the histogram's x range, (0, 1) as in the book (for sigmoid outputs);
    None uses the smallest and largest value over all layers. Values outside the range
    are not counted. Returns a matplotlib Figure.
    """
    from matplotlib.figure import Figure

    rows = (
        {str(k): _pairs(v) for k, v in activations.items()}
        if _is_rows(activations)
        else {None: _pairs(activations)}
    )
    if not rows or any(not pairs for pairs in rows.values()):
        raise ValueError("plot_activation_histograms needs at least one layer's activations")
    for pairs in rows.values():
        for name, values in pairs:
            if values.size == 0:
                raise ValueError(f"plot_activation_histograms: layer {name!r} is empty")
    if range is None:
        finite = [v[np.isfinite(v)] for pairs in rows.values() for _, v in pairs]
        low = min(float(v.min()) for v in finite if v.size)
        high = max(float(v.max()) for v in finite if v.size)
        range = (low, high if high > low else low + 1.0)
    low, high = (float(r) for r in range)
    if not high > low:
        raise ValueError(
            f"plot_activation_histograms: range must be (low, high) with low < high, got {range!r}"
        )

    ncols = max(len(pairs) for pairs in rows.values())
    nrows = len(rows)
    fig = Figure(
        figsize=(2.0 * ncols + 0.8, 2.1 * nrows + (0.4 if title else 0.1)), layout="constrained"
    )
    grid = fig.subplots(nrows, ncols, sharex=True, squeeze=False)
    for r, (row_name, pairs) in enumerate(rows.items()):
        axes = grid[r]
        for c in builtins.range(1, ncols):  # y shared within the row
            axes[c].sharey(axes[0])
        for c, ax in enumerate(axes):
            if c >= len(pairs):
                ax.set_visible(False)
                continue
            name, values = pairs[c]
            counts, edges = np.histogram(values.ravel(), bins=bins, range=(low, high))
            ax.stairs(counts, edges, fill=True, color="#6baed6", edgecolor="#08519c", linewidth=0.5)
            ax.set_xlim(low, high)
            ax.set_title(name, fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, axis="y")
            if c > 0:
                ax.tick_params(labelleft=False)
            if r == nrows - 1:
                ax.set_xlabel("activation", fontsize=8)
        ylabel = "count" if row_name is None else f"{row_name}\ncount"
        axes[0].set_ylabel(ylabel, fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
