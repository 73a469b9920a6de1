"""Drawings: DOT contents, rendering with each renderer, truncation, backprop steps."""

import time

import numpy as np
import pytest

from scratchgrad import autograd, nn, viz
from scratchgrad.autograd import Tensor, Value
from scratchgrad.viz import renderer


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "o"
    out.backward()
    return out, w1


def test_scalar_graph_shows_labels_data_grads_and_ops():
    out, w1 = neuron()
    source = viz.draw_graph(out).source
    for text in ("x1", "w1", "data -3", "grad 1", "tanh", 'label="*"', 'label="+"'):
        assert text in source
    assert f"grad {w1.grad:.4g}" in source  # dL/dw1 = x1 * (1 - o²) = 1.0


def test_constants_are_dashed_and_parameters_bold():
    x = Value(3.0, label="x")
    y = x * 2.0
    y.backward()
    source = viz.draw_graph(y).source
    assert "dashed" in source  # the constant 2.0
    assert "penwidth=2.5" in source  # the leaf x


def test_tensor_graph_summarises_arrays_and_clusters_modules():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = Tensor(np.ones((5, 3)))
    loss = nn.functional.cross_entropy(model(x), np.array([0, 1, 0, 1, 1]))
    loss.backward(retain_graph=True)
    source = viz.draw_graph(loss, names=dict(model.named_parameters())).source
    assert "(5, 4) float64" in source and "‖g‖" in source
    assert "cluster_" in source and "Linear" in source and "ReLU" in source
    assert "0.weight" in source


def test_colour_tracks_gradient_magnitude():
    from scratchgrad.viz.style import ZERO_GRAD, grad_color

    assert grad_color(0.0) == ZERO_GRAD
    assert grad_color(1e-2) != grad_color(10.0)


def test_truncates_a_10000_node_graph_quickly_with_a_note():
    x = Value(0.5)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    start = time.perf_counter()
    source = viz.draw_graph(y, max_nodes=200).source
    assert time.perf_counter() - start < 30  # generous: bounded, never hangs
    assert "more nodes not drawn" in source
    assert source.count("shape=record") <= 200


@pytest.mark.skipif(renderer.find_renderer() is None, reason="no graphviz renderer")
def test_renders_svg_with_the_found_renderer():
    out, _ = neuron()
    svg = viz.render_svg(viz.draw_graph(out))
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg


def test_renders_with_the_pip_installed_renderer(monkeypatch, tmp_path):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)  # hide the system dot
    path = renderer.find_renderer()
    if path is None:
        pytest.skip("graphviz-pure is not installed in this environment")
    assert "graphviz-pure" in path.name
    out, _ = neuron()
    written = viz.draw_graph(out).render(tmp_path / "g", format="svg")
    assert open(written).read().count("<svg") == 1


def test_without_any_renderer_the_source_still_works_and_render_says_how(monkeypatch):
    monkeypatch.setattr(renderer, "find_renderer", lambda: None)
    out, _ = neuron()
    dot = viz.draw_graph(out)
    assert "tanh" in dot.source
    with pytest.raises(viz.RendererNotFoundError, match="pip install graphviz-pure"):
        viz.render_svg(dot)


def test_backprop_steps_reveal_gradients_in_reverse_order():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    loss = (e + 10.0) * -2.0
    steps = viz.backprop_steps(loss)
    assert len(steps) == 1 + 3  # seed + one frame per op node
    assert "grad ?" in steps[0].source  # nothing known yet but the seed
    assert "grad ?" not in steps[-1].source.replace("data", "")  # every grad final
    assert (a.grad, b.grad) == (6.0, -4.0)
    assert "step 1: mul" in steps[1].source


def test_backprop_steps_export_svgs(tmp_path):
    if renderer.find_renderer() is None:
        pytest.skip("no graphviz renderer")
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    loss = (x * x).sum()
    paths = viz.backprop_steps(loss).save(tmp_path)
    assert len(paths) == 3 and all(p.read_text().count("<svg") == 1 for p in paths)


def test_walks_with_the_engine_walker(monkeypatch):
    calls = []
    real = autograd.topological_order
    monkeypatch.setattr(
        "scratchgrad.viz.graph.topological_order", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    out, _ = neuron()
    viz.draw_graph(out)
    assert calls
