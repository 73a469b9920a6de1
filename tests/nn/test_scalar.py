"""micrograd-style models on Values: call style, fused neurons, init, training."""
import numpy as np
import pytest

from scratchgrad import nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import OPS, Value


def test_call_style_and_shapes():
    mlp = nn.scalar.MLP(2, [4, 3, 1], seed=0)
    out = mlp([0.5, Value(-1.0)])
    assert isinstance(out, Value)
    layer = nn.scalar.Layer(2, 3, seed=0)
    assert len(layer([1.0, 2.0])) == 3
    assert len(mlp.parameters()) == (2 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    assert [n for n, _ in mlp.named_parameters()][:3] == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "Layer(2 -> 4, relu)  # 12 params" in repr(mlp)


def test_neuron_is_one_dot_node_then_the_activation():
    neuron = nn.scalar.Neuron(3, seed=1)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op is OPS["relu"] and out.parents[0].op is OPS["dot"]
    pre = sum(w.data * x for w, x in zip(neuron.w, [1.0, 2.0, 3.0])) + neuron.b.data
    assert out.data == pytest.approx(max(pre, 0.0))
    assert nn.scalar.Neuron(3, nonlin=False, seed=1)([1.0, 2.0, 3.0]).op is OPS["dot"]
    with pytest.raises(ValueError, match=r"Neuron\(3\) got 2 inputs"):
        neuron([1.0, 2.0])


def test_init_is_micrograd_uniform_and_seeded():
    a = nn.scalar.MLP(10, [50], seed=3)
    ws = np.array([p.data for n, p in a.named_parameters() if ".w." in n])
    assert ws.min() >= -1 and ws.max() <= 1 and ws.std() > 0.5
    assert all(p.data == 0.0 for n, p in a.named_parameters() if n.endswith(".b"))
    b = nn.scalar.MLP(10, [50], seed=3)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_gradients_match_central_differences():
    from scratchgrad.autograd.testing import assert_gradients_match
    mlp = nn.scalar.MLP(2, [3, 1], activation="tanh", seed=0)
    params = mlp.parameters()
    assert_gradients_match(lambda *ps: mlp([0.3, -0.7]) * 2.0, params)


def test_trains_on_a_separable_problem_with_an_optimizer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, 1, -1)
    model = nn.scalar.MLP(2, [8, 1], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    sched = nn.optim.LinearLR(opt, 1.0, 0.1, total_iters=30)
    for _ in range(30):
        scores = [model(row) for row in X.tolist()]
        loss = F.hinge_loss(scores, y.tolist())
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    assert F.accuracy([model(row) for row in X.tolist()], y) >= 0.95
