"""record_activations keeps each activation layer's output; the histogram figure has one
panel per layer with a shared y axis (Agg backend, nothing shown)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib

matplotlib.use("Agg")

from scratchgrad import nn
from scratchgrad.autograd import Tensor, is_grad_enabled
from scratchgrad.viz.activations import plot_activation_histograms, record_activations


def _net(*activations, seed=0):
    layers = []
    for i, act in enumerate(activations):
        layers += [nn.Linear(4, 4, seed=seed + i), act]
    return nn.Sequential(*layers)


def test_record_activations_names_and_values_match_a_manual_forward():
    model = _net(nn.Sigmoid(), nn.ReLU(), nn.Tanh())
    x = np.random.default_rng(0).normal(size=(8, 4))
    acts = record_activations(model, x)
    assert list(acts) == ["Sigmoid 1", "ReLU 2", "Tanh 3"]
    h = x
    expected = []
    for linear, f in zip(
        model[0::2], (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.maximum(z, 0), np.tanh)
    ):
        h = f(h @ linear.weight.data.T + linear.bias.data)
        expected.append(h)
    for got, want in zip(acts.values(), expected):
        assert isinstance(got, np.ndarray) and got.shape == (8, 4)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_record_activations_builds_no_graph_and_accepts_tensors_and_nesting():
    inner = nn.Sequential(nn.Linear(4, 4, seed=1), nn.ReLU())
    model = nn.Sequential(nn.Linear(4, 4, seed=0), nn.Tanh(), inner)
    acts = record_activations(model, Tensor(np.ones((3, 4)), requires_grad=True))
    assert list(acts) == ["Tanh 1", "ReLU 2"]
    assert is_grad_enabled()
    assert all(p.grad is None for p in model.parameters())


def test_record_activations_rejects_non_sequential_and_models_without_activations():
    with pytest.raises(TypeError, match="Sequential"):
        record_activations(nn.Linear(2, 2, seed=0), np.ones((1, 2)))
    with pytest.raises(ValueError, match="nothing to record"):
        record_activations(nn.Sequential(nn.Linear(2, 2, seed=0)), np.ones((1, 2)))


def test_histograms_one_panel_per_layer_with_a_shared_y_axis():
    rng = np.random.default_rng(0)
    acts = {f"Sigmoid {i}": rng.uniform(size=(100, 10)) for i in range(1, 6)}
    fig = plot_activation_histograms(acts, title="five layers")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == list(acts)
    assert all(ax.get_shared_y_axes().joined(axes[0], ax) for ax in axes)
    assert all(ax.get_xlim() == (0.0, 1.0) for ax in axes)
    assert fig._suptitle.get_text() == "five layers"
    heights = axes[0].patches[0].get_data()[0]
    assert len(heights) == 30 and heights.sum() == 1000  # bins=30, every value counted


def test_histograms_accept_pairs_rows_and_an_automatic_range():
    a, b = np.linspace(-2, 3, 50), np.linspace(0, 1, 50)
    fig = plot_activation_histograms([("first", a), ("second", b)], bins=5, range=None)
    assert fig.axes[0].get_xlim() == (-2.0, 3.0)
    assert fig.axes[0].patches[0].get_data()[0].sum() == 50
    rows = {"run A": {"L1": b, "L2": b}, "run B": {"L1": b}}
    fig = plot_activation_histograms(rows)
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()
    assert fig.axes[0].get_ylabel().startswith("run A")
    with pytest.raises(ValueError, match="low < high"):
        plot_activation_histograms({"x": b}, range=(1, 0))
    with pytest.raises(ValueError, match="at least one"):
        plot_activation_histograms({})
