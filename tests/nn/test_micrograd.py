"""micrograd-style models on Values (call style, fused neurons, init, training) and micrograd
itself as the oracle: its `trace`/`draw_dot` (from trace_graph.ipynb) run on our Value with
only the import changed, and its demo's numbers (weights from Python's `random`) come out
the same."""

import random

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import OPS, Value

micrograd = oracle("micrograd.engine")
micrograd_nn = oracle("micrograd.nn")


def test_call_style_and_shapes():
    mlp = nn.scalar.MLP(2, [4, 3, 1], seed=0)
    out = mlp([0.5, Value(-1.0)])
    assert isinstance(out, Value)
    layer = nn.scalar.Layer(2, 3, seed=0)
    assert len(layer([1.0, 2.0])) == 3
    assert len(mlp.parameters()) == (2 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    assert [n for n, _ in mlp.named_parameters()][:3] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
    ]
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


# --- micrograd's own code and numbers -----------------------------------------------------


def trace(root):  # micrograd's trace_graph.ipynb, verbatim
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root, format="svg", rankdir="LR"):  # micrograd's, verbatim
    from graphviz import Digraph

    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        dot.node(
            name=str(id(n)), label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape="record"
        )
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_trace_graph_notebook_runs_and_draws_micrographs_picture():
    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    nodes, edges = trace(y)
    ops = sorted(n._op for n in nodes)
    assert ops == ["", "", "", "*", "+", "ReLU"]  # x, the constants 2 and 1, three ops
    assert len(edges) == 5
    source = draw_dot(y).source
    assert "ReLU" in source and "data 3.0000 | grad 1.0000" in source
    assert x.grad == 2.0


def test_micrograd_op_strings():
    a, b = Value(2.0), Value(3.0)
    assert (a + b)._op == "+" and (a * b)._op == "*" and (a**2)._op == "**2"
    assert a.tanh()._op == "tanh" and a.exp()._op == "exp" and a.relu()._op == "ReLU"
    assert a._op == "" and (a + b)._prev == {a, b}


def _demo_losses(Value, MLP, steps):
    """micrograd's demo.ipynb training loop, verbatim but for the two names passed in."""
    X, y = nn.datasets.moons(n=100, noise=0.1, seed=1)
    y = y * 2 - 1
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    out = []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        out.append(total_loss.data)
    return out


def test_scalar_mlp_draws_micrograds_weights():
    random.seed(1337)
    ours = nn.scalar.MLP(2, [16, 16, 1])
    assert ours.parameters()[0].data == 0.23550571390294128
    assert len(ours.parameters()) == 337


@pytest.mark.oracle
@pytest.mark.slow
def test_demo_gives_micrograds_losses():
    TheirMLP = micrograd_nn.MLP
    theirs = _demo_losses(micrograd.Value, TheirMLP, 4)
    ours = _demo_losses(Value, nn.scalar.MLP, 4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_demo_is_reproducible_after_manual_seed():
    first = _demo_losses(Value, nn.scalar.MLP, 2)
    second = _demo_losses(Value, nn.scalar.MLP, 2)
    assert first == second


def _node_multiset(root):
    nodes, _ = trace(root)
    return sorted((n._op, round(n.data, 12), round(n.grad, 12)) for n in nodes)


@pytest.mark.oracle
def test_nn_micrograd_draws_micrographs_neuron_graph():
    """trace_graph.ipynb's second example: micrograd's Neuron, node for node."""
    from scratchgrad import nn

    random.seed(1337)
    ours = nn.micrograd.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = ours(x)
    y.backward()
    assert sorted(n._op for n in trace(y)[0]) == ["", "", "", "", "", "*", "*", "+", "+", "ReLU"]
    their_nn = micrograd_nn
    random.seed(1337)
    theirs = their_nn.Neuron(2)
    tx = [micrograd.Value(1.0), micrograd.Value(-2.0)]
    ty = theirs(tx)
    ty.backward()
    assert _node_multiset(y) == _node_multiset(ty)


@pytest.mark.oracle
@pytest.mark.slow
def test_nn_micrograd_mlp_gives_micrograds_losses():
    from scratchgrad import nn

    TheirMLP = micrograd_nn.MLP
    theirs = _demo_losses(micrograd.Value, TheirMLP, 3)
    ours = _demo_losses(Value, nn.micrograd.MLP, 3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.oracle
def test_nn_micrograd_prints_like_micrograd():
    """`print(model)` in demo.ipynb shows micrograd's text, neuron by neuron."""
    random.seed(0)
    ours = nn.micrograd.MLP(2, [3, 1])
    random.seed(0)
    theirs = micrograd_nn.MLP(2, [3, 1])
    assert repr(ours) == repr(theirs)
    assert repr(ours) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], "
        "Layer of [LinearNeuron(3)]]"
    )
