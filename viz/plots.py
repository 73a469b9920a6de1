"""Plots learners need: training curves, optimizer paths, decision boundaries,
a function next to its derivatives, and per-layer gradient norms.

Each returns a `matplotlib.figure.Figure` (not pyplot-managed: nothing pops up, a
notebook shows it when it is the cell's value, `fig.savefig(path)` writes it).
matplotlib is optional: it is imported inside each function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, overload

import numpy as np

from ..autograd import Tensor, Value, no_grad
from ..autograd.backend import Array, ArrayLike
from .style import numbers

if TYPE_CHECKING:
    from ..nn.module import Module
    from ..nn.optim.optimizer import Optimizer
    from ..nn.train import History

#: Makes an optimizer for the given parameters, e.g. `lambda p: nn.optim.Adam(p, lr=0.3)`.
OptimizerFactory = Callable[[list[Tensor]], "Optimizer"]


def _new_figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "viz plots need matplotlib: pip install matplotlib (or pip install 'scratchgrad[plot]')"
        ) from err
    return Figure(figsize=(width, height), layout="constrained")


def _figure(
    ncols: int = 1, width: float = 5.0, height: float = 4.0, sharey: bool = False
) -> tuple[Any, list[Any]]:
    fig = _new_figure(width * ncols, height)
    axes: list[Any] = []
    for i in range(ncols):
        share = axes[0] if sharey and axes else None
        axes.append(fig.add_subplot(1, ncols, i + 1, sharey=share))
    return fig, axes


def _history_dict(history: Any) -> dict[str, Any]:
    if isinstance(history, dict):
        return history
    for attr in ("as_dict", "to_dict"):
        if callable(getattr(history, attr, None)):
            return getattr(history, attr)()
    if isinstance(getattr(history, "history", None), dict):
        return history.history
    raise TypeError(
        f"plot_history needs a dict of per-epoch lists or a History, got {type(history).__name__}"
    )


def _is_runs(history: object) -> TypeGuard[dict[Any, Any]]:
    """True for {run name: History or per-epoch dict} (several runs to compare)."""
    if not isinstance(history, dict) or not history:
        return False
    return all(
        not isinstance(v, (list, tuple, np.ndarray))
        and (isinstance(v, dict) or hasattr(v, "history") or hasattr(v, "as_dict"))
        for v in history.values()
    )


def plot_history(
    history: History | Mapping[str, Any],
    metrics: Sequence[str] | None = None,
    logy: bool = False,
    title: str | None = None,
) -> Any:
    """Loss (and accuracy, if recorded) per epoch, for training and validation.

    `history`: a `History` (from `nn.fit`) or a dict of per-epoch lists, or, to compare
    several runs on one figure, a dict {run name: History}: one colour per run, training
    solid, validation dashed, the legend outside the plots. `metrics`: which to plot
    (default: "loss" and "accuracy", where recorded). `logy=True`: log-scale loss axis.
    """
    from matplotlib.ticker import MaxNLocator

    runs = (
        {name: _history_dict(h) for name, h in history.items()}
        if _is_runs(history)
        else {None: _history_dict(history)}
    )
    wanted = metrics or ("loss", "accuracy")
    metrics = [m for m in wanted if any(m in d or f"val_{m}" in d for d in runs.values())]
    if not metrics:
        keys = sorted({k for d in runs.values() for k in d})
        raise ValueError(f"plot_history: no {' or '.join(map(repr, wanted))} in {keys}")
    several = len(runs) > 1 or None not in runs
    fig, axes = _figure(len(metrics), width=5.0 if not several else 4.6)
    colors = _colors(len(runs))
    for ax, metric in zip(axes, metrics):
        for color, (run, data) in zip(colors, runs.items()):
            for key, style in ((metric, "-"), (f"val_{metric}", "--")):
                values = data.get(key)
                if not values:
                    continue
                split = "validation" if key.startswith("val_") else "train"
                label = split if run is None else f"{run} ({split})"
                kwargs = {} if run is None else {"color": color}
                ax.plot(
                    range(1, len(values) + 1),
                    values,
                    style,
                    marker="o",
                    markersize=3,
                    label=label,
                    **kwargs,
                )
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 1.5"
        ax.set_ylabel(metric)
        if logy and metric == "loss":
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if not several:
            ax.legend()
    if several:
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], color=color, marker="o", markersize=3, label=str(run))
            for color, run in zip(colors, runs)
        ]
        if any(f"val_{m}" in d for d in runs.values() for m in metrics):
            handles += [
                Line2D([], [], color="black", linestyle="-", label="train"),
                Line2D([], [], color="black", linestyle="--", label="validation"),
            ]
        fig.legend(handles=handles, loc="outside right center", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def _colors(n: int) -> list[Any]:
    """n distinct colours (tab10, then tab20)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _book_function(x: Any, y: Any) -> Any:
    return x * x / 20.0 + y * y


def default_optimizers() -> dict[str, OptimizerFactory]:
    """The book's comparison set, with learning rates that suit x²/20 + y²."""
    from .. import nn

    return {
        "SGD": lambda p: nn.optim.SGD(p, lr=0.95),
        "Momentum": lambda p: nn.optim.Momentum(p, lr=0.1, momentum=0.9),
        "AdaGrad": lambda p: nn.optim.Adagrad(p, lr=1.5),
        "RMSProp": lambda p: nn.optim.RMSprop(p, lr=0.25, alpha=0.9),
        "Adam": lambda p: nn.optim.Adam(p, lr=0.3),
    }


@overload
def optimizer_path(
    f: Callable[[Tensor, Tensor], Tensor],
    make_optimizer: OptimizerFactory,
    start: Sequence[float],
    steps: int,
    return_optimizer: Literal[False] = False,
) -> Array: ...


@overload
def optimizer_path(
    f: Callable[[Tensor, Tensor], Tensor],
    make_optimizer: OptimizerFactory,
    start: Sequence[float],
    steps: int,
    return_optimizer: Literal[True],
) -> tuple[Array, Optimizer]: ...


@overload
def optimizer_path(
    f: Callable[[Tensor, Tensor], Tensor],
    make_optimizer: OptimizerFactory,
    start: Sequence[float],
    steps: int,
    return_optimizer: bool,
) -> Array | tuple[Array, Optimizer]: ...


def optimizer_path(
    f: Callable[[Tensor, Tensor], Tensor],
    make_optimizer: OptimizerFactory,
    start: Sequence[float],
    steps: int,
    return_optimizer: bool = False,
) -> Array | tuple[Array, Optimizer]:
    """Positions visited while `make_optimizer([x, y])` minimises f(x, y), as an array
    of shape (steps + 1, 2); with `return_optimizer=True`, (path, optimizer)."""
    path, optimizer = _run_path(f, make_optimizer, start, steps)
    return (path, optimizer) if return_optimizer else path


def _run_path(
    f: Callable[[Tensor, Tensor], Tensor],
    make_optimizer: OptimizerFactory,
    start: Sequence[float],
    steps: int,
) -> tuple[Array, Optimizer]:
    x = Tensor(float(start[0]), requires_grad=True)
    y = Tensor(float(start[1]), requires_grad=True)
    optimizer = make_optimizer([x, y])
    path = [(x.item(), y.item())]
    for _ in range(steps):
        optimizer.zero_grad()
        f(x, y).backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return np.array(path), optimizer


def hyperparameters(
    optimizer: Optimizer, keys: Iterable[str] = ("lr", "momentum", "alpha", "betas")
) -> str:
    """The optimizer's main settings as text, e.g. "lr=0.1, momentum=0.9" (group 0;
    zero momentum and defaults that say nothing are left out)."""
    group = getattr(optimizer, "param_groups", [{}])[0]
    parts = []
    for key in keys:
        if key not in group:
            continue
        value = group[key]
        if key == "momentum" and not value:
            continue
        if isinstance(value, tuple):
            value = "(" + ", ".join(f"{v:g}" for v in value) + ")"
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def plot_optimizer_paths(
    f: Callable[[Tensor, Tensor], Tensor] | None = None,
    optimizers: Mapping[str, OptimizerFactory] | None = None,
    start: tuple[float, float] = (-7.0, 2.0),
    steps: int = 30,
    xlim: tuple[float, float] = (-10, 10),
    ylim: tuple[float, float] = (-5, 5),
    show_lr: bool = True,
    ncols: int | None = None,
) -> Any:
    """Each optimizer's path on f(x, y) (default x²/20 + y²) over its contour plot.

    `optimizers`: {name: factory(params) -> optimizer} (default: `default_optimizers()`).
    `show_lr=True` puts each optimizer's settings (lr, momentum, ...) in a legend under
    its panel, so paths taken with different learning rates are not mistaken for a fair
    race. `ncols`: panels per row (default: all in one row).
    """
    f = f or _book_function
    optimizers = optimizers or default_optimizers()
    n = len(optimizers)
    ncols = min(ncols or n, n)
    nrows = -(-n // ncols)
    fig = _new_figure(3.6 * ncols, (3.5 if show_lr else 3.2) * nrows)
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
    gx, gy = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 100))
    with no_grad():
        z = numbers(f(Tensor(gx), Tensor(gy)))
    for ax, (name, make) in zip(axes, optimizers.items()):
        path, optimizer = _run_path(f, make, start, steps)
        ax.contour(gx, gy, z, levels=20, cmap="Greys", linewidths=0.6)
        settings = hyperparameters(optimizer)
        ax.plot(
            path[:, 0],
            path[:, 1],
            "o-",
            color="#d94801",
            markersize=3,
            linewidth=1,
            label=f"{name}: {settings}" if settings else name,
        )
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_title(name)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("x")
        if show_lr:
            ax.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.16),
                fontsize=7,
                frameon=False,
                handlelength=1.2,
            )
    for i, ax in enumerate(axes):
        if i % ncols == 0:
            ax.set_ylabel("y")
    fig.suptitle(f"{steps} steps from ({start[0]:g}, {start[1]:g})", fontsize=10)
    return fig


def _predict_classes(model: Callable[..., Any], points: Array, threshold: float | None) -> Array:
    params = model.parameters() if hasattr(model, "parameters") else []
    with no_grad():
        if params and isinstance(params[0], Value):
            scores = np.array([_as_float(model(list(p))) for p in points])
        else:
            device = getattr(params[0], "device", None) if params else None  # a GPU model's
            scores = numbers(model(Tensor(points, device=device)), np.float64)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1)
    scores = scores.reshape(len(points))
    if threshold is None:
        threshold = 0.5 if scores.min() >= 0 and scores.max() <= 1 else 0.0
    return (scores > threshold).astype(int)


def _as_float(out: Any) -> float:
    out = out[0] if isinstance(out, list) else out
    return out.data if isinstance(out, Value) else float(out)


_CLASS_COLORS = [
    "#2166ac",
    "#d6604d",
    "#1b7837",
    "#762a83",
    "#e08214",
    "#35978f",
    "#c51b7d",
    "#8c510a",
    "#4d4d4d",
    "#bf812d",
]


def plot_decision_boundary(
    model: Callable[..., Any],
    X: Tensor | ArrayLike,
    y: Tensor | ArrayLike,
    resolution: int | None = None,
    threshold: float | None = None,
    margin: float = 0.5,
    class_names: Iterable[str] | None = None,
    ax: Any = None,
    title: str | None = "decision boundary",
) -> Any:
    """Regions a 2-D classifier assigns to each class, with the data on top.

    `model`: a Tensor model (logits (N, C) or scores (N,)/(N, 1)) or a scalar
    `nn.scalar.MLP` (one list of 2 numbers in, a Value out: scored point by point).
    Each class has one colour (region and points alike) and an entry in the legend;
    `class_names`: labels for classes 0, 1, ... (default "class 0", "class 1", ...).
    `ax`: draw into an existing matplotlib Axes (returns its figure).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    X = numbers(X, np.float64)
    y = numbers(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points of shape (N, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"plot_decision_boundary: {len(X)} points but {len(y)} labels")
    values = np.unique(y)
    if np.all(values == np.round(values)) and values.size and values.min() >= 0:
        y, default_names = y.astype(int), None
    else:  # labels such as -1/+1: class k is the k-th smallest label
        y, default_names = (
            np.searchsorted(values, y),
            [
                f"class {v:g}" if isinstance(v, (float, np.floating)) else f"class {v}"
                for v in values
            ],
        )
    params = model.parameters() if hasattr(model, "parameters") else []
    scalar = bool(params) and isinstance(params[0], Value)
    resolution = resolution or (60 if scalar else 200)
    xs = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    ys = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.c_[gx.ravel(), gy.ravel()]
    classes = _predict_classes(model, grid, threshold).reshape(gx.shape)
    n_classes = int(max(classes.max(), y.max() if y.size else 0)) + 1
    colors = [_CLASS_COLORS[k % len(_CLASS_COLORS)] for k in range(n_classes)]
    names = list(class_names) if class_names is not None else list(default_names or [])
    names += [f"class {k}" for k in range(len(names), n_classes)]
    if ax is None:
        fig, (ax,) = _figure(1, width=5.6, height=4.2)
    else:
        fig = ax.figure
    ax.contourf(
        gx,
        gy,
        classes,
        levels=np.arange(n_classes + 1) - 0.5,
        cmap=ListedColormap(colors),
        alpha=0.25,
    )
    handles = []
    for k in range(n_classes):
        mask = y == k
        if mask.any():
            handles.append(
                ax.scatter(
                    X[mask, 0],
                    X[mask, 1],
                    color=colors[k],
                    edgecolors="k",
                    linewidths=0.5,
                    s=18,
                    label=f"{names[k]} (data)",
                )
            )
    handles += [
        Patch(facecolor=colors[k], alpha=0.25, edgecolor="none", label=f"predicted {names[k]}")
        for k in np.unique(classes)
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return fig


def plot_function_and_derivative(
    f: Callable[[Tensor], Tensor],
    x_range: tuple[float, float] = (-5.0, 5.0),
    num: int = 200,
    h: float = 1e-4,
    title: str | None = None,
) -> Any:
    """f(x), its autograd derivative, and the central-difference derivative."""
    xs = np.linspace(*x_range, num)
    x = Tensor(xs, requires_grad=True)
    y = f(x)
    y.sum().backward()
    with no_grad():
        numeric = (f(Tensor(xs + h)).data - f(Tensor(xs - h)).data) / (2 * h)
    fig, (ax,) = _figure(1, width=5, height=3.5)
    ax.plot(xs, y.data, label="f(x)", color="#08519c")
    ax.plot(xs, x.grad, label="f'(x) autograd", color="#d94801")
    ax.plot(
        xs[::8],
        numeric[::8],
        "o",
        markersize=4,
        fillstyle="none",
        color="black",
        label="f'(x) numerical",
    )
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def gradient_norms(model: Module) -> dict[str, float]:
    """{layer name: L2 norm of its parameters' gradients} (None grads count as 0)."""
    norms: dict[str, float] = {}
    for name, p in model.named_parameters():
        if isinstance(p, Value):  # scalar models: group weights per layer
            name = ".".join(name.split(".")[:2])
        grad = p.grad if p.grad is not None else 0.0
        norms[name] = norms.get(name, 0.0) + float(np.sum(np.square(grad)))
    return {name: float(np.sqrt(total)) for name, total in norms.items()}


def readable_names(model: Module) -> dict[str, str]:
    """{parameter name: readable label}, e.g. "0.weight" -> "Linear 1 weight" (the first
    Linear layer's weight in a Sequential), "layers.1" -> "layer 2" for scalar MLPs."""
    modules = dict(model.named_modules()) if hasattr(model, "named_modules") else {}
    counts: dict[str, int] = {}
    number: dict[str, str] = {}
    for path, module in modules.items():
        if path:
            kind = type(module).__name__
            counts[kind] = counts.get(kind, 0) + 1
            number[path] = f"{kind} {counts[kind]}"
    labels: dict[str, str] = {}
    for name in gradient_norms_names(model):
        owner, _, attr = name.rpartition(".")
        if owner in number and attr in ("weight", "bias"):
            labels[name] = f"{number[owner]} {attr}"
        elif name.startswith("layers.") and name.count(".") == 1:
            labels[name] = f"layer {int(name.split('.')[1]) + 1}"
        else:
            labels[name] = name
    return labels


def gradient_norms_names(model: Module) -> list[str]:
    """The keys `gradient_norms` uses (scalar models: one per layer), in order."""
    names: list[str] = []
    for name, p in model.named_parameters():
        if isinstance(p, Value):
            name = ".".join(name.split(".")[:2])
        if name not in names:
            names.append(name)
    return names


def plot_gradient_flow(
    model: Module | dict[str, Module],
    log: bool = True,
    *,
    labels: str | dict[str, str] | None = "readable",
    weights_only: bool = False,
    ylim: tuple[float, float] | None = None,
    sharey: bool = True,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Bar chart of per-layer gradient norms (after a backward): vanishing shows as a
    staircase down towards the input layers (the left).

    `model`: one model, or {name: model} to compare several side by side, one panel
    each; `sharey=True` (default) gives every panel the same y range so bar heights can
    be compared by eye. `ylim=(low, high)`: fix the y range (e.g. to match another
    figure). `labels="readable"` names bars "Linear 1 weight" (first Linear layer of the
    Sequential); `labels="raw"` keeps parameter names such as "0.weight"; a dict
    {raw name: label} chooses your own. `weights_only=True` leaves out the biases.
    """
    models = model if isinstance(model, dict) else {None: model}
    if ax is not None and len(models) > 1:
        raise ValueError("plot_gradient_flow: ax= draws one model; pass a single model")
    panels: list[tuple[str | None, dict[str, float], dict[str, str]]] = []
    for name, m in models.items():
        norms = gradient_norms(m)
        if not norms:
            raise ValueError("plot_gradient_flow: the model has no parameters")
        if weights_only:
            norms = {k: v for k, v in norms.items() if not k.endswith("bias")}
        if labels == "readable":
            names = readable_names(m)
        elif labels == "raw" or labels is None:
            names = {}
        elif isinstance(labels, dict):
            names = labels
        else:
            raise ValueError(
                f"plot_gradient_flow: labels must be 'readable', 'raw' or a dict, got {labels!r}"
            )
        panels.append((name, norms, names))
    widest = max(len(norms) for _, norms, _ in panels)
    if ax is None:
        fig, axes = _figure(
            len(panels), width=max(5, 0.45 * widest + 1.5), height=3.8, sharey=sharey
        )
    else:
        fig, axes = ax.figure, [ax]
    for ax, (name, norms, names) in zip(axes, panels):
        keys = list(norms)
        values = [max(norms[k], 1e-30) for k in keys]
        ax.bar(range(len(keys)), values, color="#fe9929", edgecolor="#a63603")
        ax.set_xticks(range(len(keys)))
        ax.set_xticklabels([names.get(k, k) for k in keys], rotation=60, ha="right", fontsize=8)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("input side  →  output side", fontsize=8)
        ax.grid(alpha=0.3, axis="y")
        if title is not None and name is None:
            ax.set_title(title)
        else:
            ax.set_title(name if name is not None else "gradient norm per parameter")
        if ylim is not None:
            ax.set_ylim(*ylim)
    axes[0].set_ylabel("‖grad‖ (L2 norm)")
    if sharey and ylim is None and len(axes) > 1 and log:
        positive = [v for _, norms, _ in panels for v in norms.values() if v > 0]
        if positive:
            axes[0].set_ylim(min(positive) / 3, max(positive) * 3)
    if title is not None and len(panels) > 1:
        fig.suptitle(title)
    return fig
