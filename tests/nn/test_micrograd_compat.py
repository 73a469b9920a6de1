"""micrograd's code runs on our Value with only the import changed: its `trace`/`draw_dot`
(from trace_graph.ipynb) and its demo's numbers (weights from Python's `random`)."""
import random

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Value


def trace(root):   # micrograd's trace_graph.ipynb, verbatim
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges


def draw_dot(root, format='svg', rankdir='LR'):   # micrograd's, verbatim
    from graphviz import Digraph
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
    for n in nodes:
        dot.node(name=str(id(n)), label="{ data %.4f | grad %.4f }" % (n.data, n.grad),
                 shape='record')
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
    assert ops == ["", "", "", "*", "+", "ReLU"]     # x, the constants 2 and 1, three ops
    assert len(edges) == 5
    source = draw_dot(y).source
    assert "ReLU" in source and "data 3.0000 | grad 1.0000" in source
    assert x.grad == 2.0


def test_micrograd_op_strings():
    a, b = Value(2.0), Value(3.0)
    assert (a + b)._op == "+" and (a * b)._op == "*" and (a ** 2)._op == "**2"
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


def test_demo_gives_micrograds_losses():
    micrograd = pytest.importorskip("micrograd.engine")
    from micrograd.nn import MLP as TheirMLP
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


def test_nn_micrograd_draws_micrographs_neuron_graph():
    """trace_graph.ipynb's second example: micrograd's Neuron, node for node."""
    from scratchgrad import nn
    random.seed(1337)
    ours = nn.micrograd.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = ours(x)
    y.backward()
    assert sorted(n._op for n in trace(y)[0]) == ["", "", "", "", "", "*", "*", "+", "+",
                                                   "ReLU"]
    micrograd = pytest.importorskip("micrograd.engine")
    from micrograd import nn as their_nn
    random.seed(1337)
    theirs = their_nn.Neuron(2)
    tx = [micrograd.Value(1.0), micrograd.Value(-2.0)]
    ty = theirs(tx)
    ty.backward()
    assert _node_multiset(y) == _node_multiset(ty)


def test_nn_micrograd_mlp_gives_micrograds_losses():
    micrograd = pytest.importorskip("micrograd.engine")
    from scratchgrad import nn
    from micrograd.nn import MLP as TheirMLP
    theirs = _demo_losses(micrograd.Value, TheirMLP, 3)
    ours = _demo_losses(Value, nn.micrograd.MLP, 3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
