"""Plots learners need: training curves, optimizer paths, decision boundaries,
a function next to its derivatives, and per-layer gradient norms.

Each returns a `matplotlib.figure.Figure` (not pyplot-managed: nothing pops up, a
notebook shows it when it is the cell's value, `fig.savefig(path)` writes it).
matplotlib is optional: it is imported inside each function.
"""
import numpy as np

from autograd import Tensor, Value, no_grad


def _figure(ncols=1, width=5.0, height=4.0):
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("viz plots need matplotlib: pip install matplotlib "
                          "(or pip install 'scratchgrad[plot]')") from err
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def _history_dict(history):
    if isinstance(history, dict):
        return history
    for attr in ("as_dict", "to_dict"):
        if callable(getattr(history, attr, None)):
            return getattr(history, attr)()
    if isinstance(getattr(history, "history", None), dict):
        return history.history
    raise TypeError(f"plot_history needs a dict of per-epoch lists or a History, got "
                    f"{type(history).__name__}")


def plot_history(history):
    """Loss (and accuracy, if recorded) per epoch, for training and validation."""
    data = _history_dict(history)
    metrics = [m for m in ("loss", "accuracy") if m in data or f"val_{m}" in data]
    if not metrics:
        raise ValueError(f"plot_history: no 'loss' or 'accuracy' in {sorted(data)}")
    fig, axes = _figure(len(metrics))
    for ax, metric in zip(axes, metrics):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            values = data.get(key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, marker="o", markersize=3,
                        label="validation" if key.startswith("val_") else "train")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def _book_function(x, y):
    return x * x / 20.0 + y * y


def default_optimizers():
    """The book's comparison set, with learning rates that suit x²/20 + y²."""
    import nn
    return {
        "SGD": lambda p: nn.optim.SGD(p, lr=0.95),
        "Momentum": lambda p: nn.optim.Momentum(p, lr=0.1, momentum=0.9),
        "AdaGrad": lambda p: nn.optim.Adagrad(p, lr=1.5),
        "RMSProp": lambda p: nn.optim.RMSprop(p, lr=0.25, alpha=0.9),
        "Adam": lambda p: nn.optim.Adam(p, lr=0.3),
    }


def optimizer_path(f, make_optimizer, start, steps):
    """Positions visited while `make_optimizer([x, y])` minimises f(x, y)."""
    x = Tensor(float(start[0]), requires_grad=True)
    y = Tensor(float(start[1]), requires_grad=True)
    optimizer = make_optimizer([x, y])
    path = [(x.item(), y.item())]
    for _ in range(steps):
        optimizer.zero_grad()
        f(x, y).backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return np.array(path)


def plot_optimizer_paths(f=None, optimizers=None, start=(-7.0, 2.0), steps=30,
                         xlim=(-10, 10), ylim=(-5, 5)):
    """Each optimizer's path on f(x, y) (default x²/20 + y²) over its contour plot."""
    f = f or _book_function
    optimizers = optimizers or default_optimizers()
    fig, axes = _figure(len(optimizers), width=3.6, height=3.2)
    gx, gy = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 100))
    with no_grad():
        z = np.asarray(f(Tensor(gx), Tensor(gy)).data)
    for ax, (name, make) in zip(axes, optimizers.items()):
        path = optimizer_path(f, make, start, steps)
        ax.contour(gx, gy, z, levels=20, cmap="Greys", linewidths=0.6)
        ax.plot(path[:, 0], path[:, 1], "o-", color="#d94801", markersize=3, linewidth=1)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_title(name)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    return fig


def _predict_classes(model, points, threshold):
    params = model.parameters() if hasattr(model, "parameters") else []
    with no_grad():
        if params and isinstance(params[0], Value):
            scores = np.array([_as_float(model(list(p))) for p in points])
        else:
            scores = np.asarray(model(Tensor(points)).data, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1)
    scores = scores.reshape(len(points))
    if threshold is None:
        threshold = 0.5 if scores.min() >= 0 and scores.max() <= 1 else 0.0
    return (scores > threshold).astype(int)


def _as_float(out):
    out = out[0] if isinstance(out, list) else out
    return out.data if isinstance(out, Value) else float(out)


def plot_decision_boundary(model, X, y, resolution=None, threshold=None, margin=0.5):
    """Regions a 2-D classifier assigns to each class, with the data on top.

    `model`: a Tensor model (logits (N, C) or scores (N,)/(N, 1)) or a scalar
    `nn.scalar.MLP` (one list of 2 numbers in, a Value out: scored point by point).
    """
    X = np.asarray(getattr(X, "data", X), dtype=np.float64)
    y = np.asarray(getattr(y, "data", y)).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points of shape (N, 2), got "
                         f"{X.shape}")
    params = model.parameters() if hasattr(model, "parameters") else []
    scalar = bool(params) and isinstance(params[0], Value)
    resolution = resolution or (60 if scalar else 200)
    xs = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    ys = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.c_[gx.ravel(), gy.ravel()]
    classes = _predict_classes(model, grid, threshold).reshape(gx.shape)
    fig, (ax,) = _figure(1, width=5, height=4.2)
    ax.contourf(gx, gy, classes, alpha=0.35, cmap="coolwarm", levels=np.unique(classes).size)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=18)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision boundary")
    return fig


def plot_function_and_derivative(f, x_range=(-5.0, 5.0), num=200, h=1e-4, title=None):
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
    ax.plot(xs[::8], numeric[::8], "o", markersize=4, fillstyle="none", color="black",
            label="f'(x) numerical")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def gradient_norms(model):
    """{layer name: L2 norm of its parameters' gradients} (None grads count as 0)."""
    norms = {}
    for name, p in model.named_parameters():
        if isinstance(p, Value):      # scalar models: group weights per layer
            name = ".".join(name.split(".")[:2])
        grad = p.grad if p.grad is not None else 0.0
        norms[name] = norms.get(name, 0.0) + float(np.sum(np.square(grad)))
    return {name: float(np.sqrt(total)) for name, total in norms.items()}


def plot_gradient_flow(model, log=True):
    """Bar chart of per-layer gradient norms (after a backward): vanishing shows as a
    staircase down towards the input layers."""
    norms = gradient_norms(model)
    if not norms:
        raise ValueError("plot_gradient_flow: the model has no parameters")
    fig, (ax,) = _figure(1, width=max(5, 0.5 * len(norms)), height=3.5)
    names = list(norms)
    values = [max(norms[n], 1e-30) for n in names]
    ax.bar(range(len(names)), values, color="#fe9929", edgecolor="#a63603")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel("‖grad‖")
    ax.set_title("gradient norm per parameter")
    ax.grid(alpha=0.3, axis="y")
    return fig
