"""Edge cases follow PyTorch's documented gradients, for Value and Tensor alike; a Tensor
graph keeps its shape after backward (drawable) but not its arrays."""

import gc
import math
import weakref

import numpy as np
import pytest
from oracles import oracle

from scratchgrad.autograd import GraphFreedError, Tensor, Value, topological_order

torch = oracle("torch")


def _value_grads(f, *xs):
    vs = [Value(x) for x in xs]
    f(*vs).backward()
    return [v.grad for v in vs]


def _tensor_grads(f, *xs):
    ts = [Tensor(np.array([x]), requires_grad=True) for x in xs]
    f(*ts).sum().backward()
    return [float(t.grad[0]) for t in ts]


CASES = [  # f, inputs, PyTorch's gradients (float64)
    (lambda x: x**0, (0.0,), [0.0]),
    (lambda x, y: x**y, (0.0, 0.0), [0.0, 0.0]),
    (lambda x, y: x**y, (-2.0, 2.0), [-4.0, math.nan]),
    (lambda x: x.sqrt(), (0.0,), [math.inf]),
    (lambda x: x.relu(), (math.nan,), [1.0]),
    (lambda x: x.abs(), (math.nan,), [0.0]),
]


@pytest.mark.parametrize("f, xs, expected", CASES)
@pytest.mark.parametrize("grads", [_value_grads, _tensor_grads], ids=["Value", "Tensor"])
def test_edge_gradients_follow_pytorch(f, xs, expected, grads):
    got = grads(f, *xs)
    np.testing.assert_array_equal(np.array(got), np.array(expected))


def test_relu_of_nan_is_nan_for_both_node_types():
    assert math.isnan(Value(math.nan).relu().data)
    assert np.isnan(Tensor([math.nan]).relu().data[0])


def test_std_of_a_constant_has_zero_gradient():
    x = Tensor(np.ones((4, 3)), requires_grad=True)
    x.std(axis=0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((4, 3)))
    x = Tensor(np.ones(5), requires_grad=True)
    x.var().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))


def test_max_with_a_nan_sends_the_gradient_to_the_nan():
    x = Tensor([1.0, math.nan, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


@pytest.mark.oracle
def test_edge_gradients_match_torch_when_installed():
    for f, xs, _ in CASES:
        ts = [torch.tensor([x], dtype=torch.float64, requires_grad=True) for x in xs]
        f(*ts).sum().backward()
        expected = [t.grad.item() for t in ts]
        np.testing.assert_array_equal(np.array(_tensor_grads(f, *xs)), np.array(expected))


def test_tensor_graph_keeps_its_shape_after_backward_but_frees_arrays():
    w = Tensor(np.ones((3, 2)), requires_grad=True, label="w")
    x = Tensor(np.ones((4, 3)), label="x")
    h = (x @ w).tanh()
    probe = weakref.ref(h)
    loss = h.sum()
    del h
    loss.backward()
    gc.collect()
    assert probe() is None, "the intermediate array must not be pinned by the output"
    nodes = topological_order([loss], every_node=True)
    ops = [n.op.name for n in nodes if n.op is not None]
    assert ops == ["matmul", "tanh", "sum"]
    freed = [n for n in nodes if n.op is not None and n is not loss]
    assert all(n.data is None and n.shape for n in freed)
    assert any(n is w for n in nodes) and w.grad is not None
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        loss.backward()


def test_create_graph_gradient_has_no_seed_or_zero_artifacts():
    """grad(..., create_graph=True) records only the derivative's own ops: no "1 *" from
    the seed and no "0 +" from accumulating into a zeroed gradient (they clutter drawings)."""
    from scratchgrad.autograd import grad

    x = Value(2.0)
    (g,) = grad(x * x, [x], create_graph=True)
    nodes = topological_order([g], every_node=True)
    assert [n.op.name for n in nodes if n.op is not None] == ["add"]
    assert sorted(n.data for n in nodes if n.op is None) == [2.0]
    assert g.data == 4.0
    g.backward()
    assert x.grad == 2.0
