"""Each plot returns a Figure with the expected artists (Agg, nothing shown)."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

import nn  # noqa: E402
import viz  # noqa: E402
from autograd import Tensor  # noqa: E402


def test_history_curves_for_train_and_validation():
    fig = viz.plot_history({"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.4],
                            "accuracy": [0.5, 0.8, 0.9]})
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 1


def test_optimizer_paths_use_our_optimizers_and_approach_the_minimum():
    fig = viz.plot_optimizer_paths(steps=40)
    assert [ax.get_title() for ax in fig.axes] == ["SGD", "Momentum", "AdaGrad", "RMSProp",
                                                   "Adam"]
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
