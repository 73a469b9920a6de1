"""Each plot returns a Figure with the expected artists (Agg, nothing shown)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from scratchgrad import (
    nn,
    viz,
)
from scratchgrad.autograd import Tensor


def test_history_curves_for_train_and_validation():
    fig = viz.plot_history(
        {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.4], "accuracy": [0.5, 0.8, 0.9]}
    )
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 1


def test_optimizer_paths_use_our_optimizers_and_approach_the_minimum():
    fig = viz.plot_optimizer_paths(steps=40)
    assert [ax.get_title() for ax in fig.axes] == ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"]
    for name, make in viz.default_optimizers().items():
        path = viz.optimizer_path(lambda x, y: x * x / 20 + y * y, make, (-7.0, 2.0), 40)
        assert np.hypot(*path[-1]) < np.hypot(*path[0]), name


def test_decision_boundary_for_tensor_and_scalar_models():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    tensor_model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    scalar_model = nn.scalar.MLP(2, [4, 1], seed=0)
    for model in (tensor_model, scalar_model):
        fig = viz.plot_decision_boundary(model, X, y, resolution=20)
        ax = fig.axes[0]
        assert ax.collections, "filled contour and scatter expected"
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        viz.plot_decision_boundary(tensor_model, np.ones((3, 3)), [0, 1, 0])


def test_function_and_both_derivatives_agree():
    fig = viz.plot_function_and_derivative(lambda x: x.tanh(), (-3, 3), num=80)
    f_line, autograd_line, numeric_line = fig.axes[0].lines[:3]
    xs = autograd_line.get_xdata()
    assert np.allclose(autograd_line.get_ydata(), 1 - np.tanh(xs) ** 2)
    assert np.allclose(numeric_line.get_ydata(), autograd_line.get_ydata()[::8], atol=1e-6)


def test_gradient_flow_has_one_bar_per_parameter():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sigmoid(), nn.Linear(3, 1))
    model(Tensor(np.ones((4, 3)))).sum().backward()
    fig = viz.plot_gradient_flow(model)
    assert len(fig.axes[0].patches) == 4


def _history(losses, val_losses=None):
    h = nn.History()
    for i, loss in enumerate(losses):
        logs = {"loss": loss}
        if val_losses:
            logs["val_loss"] = val_losses[i]
        h.record(logs)
    return h


def test_history_compares_several_runs_on_one_figure():
    runs = {
        "SGD": _history([1.0, 0.8, 0.7], [1.1, 0.9, 0.8]),
        "Adam": _history([1.0, 0.3, 0.1], [1.0, 0.4, 0.2]),
        "dict run": {"loss": [0.9, 0.5, 0.4]},
    }
    fig = viz.plot_history(runs, logy=True)
    (ax,) = fig.axes
    assert len(ax.lines) == 5 and ax.get_yscale() == "log"
    colors = {line.get_label().rsplit(" (", 1)[0]: line.get_color() for line in ax.lines}
    assert len(set(colors.values())) == 3, "one colour per run"
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["SGD", "Adam", "dict run", "train", "validation"]
    # a single History still works, and the old dict form too
    assert len(viz.plot_history(runs["SGD"]).axes[0].lines) == 2
    with pytest.raises(ValueError, match="no 'loss'"):
        viz.plot_history({"a": {"time": [1.0]}})


def test_optimizer_paths_put_each_learning_rate_in_its_legend():
    opts = {
        "SGD": lambda p: nn.optim.SGD(p, lr=0.95),
        "Momentum": lambda p: nn.optim.Momentum(p, lr=0.1, momentum=0.9),
    }
    fig = viz.plot_optimizer_paths(optimizers=opts, steps=5)
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert legends == [["SGD: lr=0.95"], ["Momentum: lr=0.1, momentum=0.9"]]
    fig = viz.plot_optimizer_paths(optimizers=opts, steps=5, show_lr=False)
    assert all(ax.get_legend() is None for ax in fig.axes)
    assert len(viz.plot_optimizer_paths(steps=3, ncols=3).axes) == 5


def test_decision_boundary_has_a_legend_entry_per_class():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # three classes
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    fig = viz.plot_decision_boundary(
        model, X, y, resolution=20, class_names=["left", "middle", "right"]
    )
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    for name in ("left", "middle", "right"):
        assert f"{name} (data)" in texts
    assert any(t.startswith("predicted ") for t in texts)
    points = [c for c in fig.axes[0].collections if c.get_label().endswith("(data)")]
    assert sum(len(c.get_offsets()) for c in points) == 60


def _backpropagated(activation):
    nn.manual_seed(0)
    model = nn.mlp([3, 4, 4, 1], activation)
    model(Tensor(np.ones((2, 3)))).sum().backward()
    return model


def test_gradient_flow_readable_labels_shared_axes_and_ylim():
    model = _backpropagated("sigmoid")
    fig = viz.plot_gradient_flow(model)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[:2] == ["Linear 1 weight", "Linear 1 bias"] and labels[-1] == "Linear 3 bias"
    raw = viz.plot_gradient_flow(model, labels="raw")
    assert [t.get_text() for t in raw.axes[0].get_xticklabels()][0] == "0.weight"
    weights = viz.plot_gradient_flow(model, weights_only=True, ylim=(1e-6, 10))
    assert len(weights.axes[0].patches) == 3
    assert weights.axes[0].get_ylim() == pytest.approx((1e-6, 10))
    both = viz.plot_gradient_flow({"sigmoid": model, "relu": _backpropagated("relu")})
    left, right = both.axes
    assert left.get_ylim() == right.get_ylim() and left.get_yscale() == "log"
    assert [left.get_title(), right.get_title()] == ["sigmoid", "relu"]
    lo, hi = left.get_ylim()
    heights = [p.get_height() for ax in both.axes for p in ax.patches]
    assert lo <= min(heights) and max(heights) <= hi, "every bar inside the shared range"
    with pytest.raises(ValueError, match="labels"):
        viz.plot_gradient_flow(model, labels="fancy")


def test_gradient_flow_labels_for_scalar_models():
    model = nn.scalar.MLP(2, [3, 1], seed=0)
    loss = model([1.0, 2.0])
    loss = loss[0] if isinstance(loss, list) else loss
    loss.backward()
    fig = viz.plot_gradient_flow(model)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["layer 1", "layer 2"]


def test_decision_boundary_keeps_points_with_minus_one_labels():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 1] > 0, 1, -1)  # micrograd's moons use -1/+1
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    fig = viz.plot_decision_boundary(model, X, y, resolution=20)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "class -1 (data)" in texts and "class 1 (data)" in texts
    points = [c for c in fig.axes[0].collections if c.get_label().endswith("(data)")]
    assert sum(len(c.get_offsets()) for c in points) == 40


def test_optimizer_path_can_return_the_optimizer_and_its_settings():
    path, opt = viz.optimizer_path(
        lambda x, y: x * x + y * y,
        lambda p: nn.optim.Momentum(p, lr=0.1, momentum=0.9),
        (1.0, 1.0),
        3,
        return_optimizer=True,
    )
    assert path.shape == (4, 2) and isinstance(opt, nn.optim.Momentum)
    assert viz.plots.hyperparameters(opt) == "lr=0.1, momentum=0.9"
    assert viz.plots.hyperparameters(nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.5)) == "lr=0.5"
