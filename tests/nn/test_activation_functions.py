"""Activations (functional and as modules): gradients against central differences, PyTorch's
values and gradients along any dim and for huge or -inf inputs, float32 kept, and the
step function's zero gradient."""

import numpy as np
import pytest
from helpers import compare_unary
from hypothesis import given, settings
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import Tensor, Value
from scratchgrad.autograd.testing import arrays, assert_gradients_match

torch = oracle("torch")
TF = oracle("torch.nn.functional")


@settings(max_examples=20, deadline=None)
@given(arrays(shape=(3, 4), kinks=(0.0,)))
def test_activations_gradcheck(x):
    for fn in (F.relu, F.sigmoid, F.tanh, F.softplus, F.softmax, F.log_softmax):
        assert_gradients_match(lambda t: (fn(t) * np.arange(12.0).reshape(3, 4)).sum(), [x])


def test_step_has_zero_gradient():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    out = F.step(x)
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)
    v = Value(0.5)
    F.step(v).backward()
    assert F.step(v).data == 1.0 and v.grad == 0.0


def test_softplus_slope_is_one_half_at_zero():
    z = Tensor(np.zeros(3), requires_grad=True)
    F.softplus(z).sum().backward()
    np.testing.assert_allclose(z.grad, 0.5)


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    z = Tensor([[1e4, 0.0, -1e4], [1000.0, 1000.0, 1000.0]])
    np.testing.assert_allclose(F.softmax(z).data, [[1, 0, 0], [1 / 3] * 3])
    np.testing.assert_allclose(F.log_softmax(z).data[0], [0.0, -1e4, -2e4])
    assert np.isfinite(F.cross_entropy(z, np.array([2, 0])).data)


@pytest.mark.oracle
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_along_any_dim(rng, dim):
    x = rng.normal(size=(2, 3, 4)) * 3
    compare_unary(nn.Softmax(dim=dim), torch.nn.Softmax(dim=dim), x, rng)
    compare_unary(lambda t: F.softmax(t, dim=dim), lambda t: torch.softmax(t, dim), x, rng)
    compare_unary(lambda t: F.log_softmax(t, dim=dim), lambda t: torch.log_softmax(t, dim), x, rng)


@pytest.mark.oracle
def test_softmax_positional_axis_and_bad_dim(rng):
    compare_unary(nn.Softmax(1), torch.nn.Softmax(1), rng.normal(size=(3, 4)), rng)
    with pytest.raises(ValueError, match="out of bounds"):
        nn.Softmax(dim=5)(np.ones((2, 3)))


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax"])
def test_activations_match_pytorch_including_huge_inputs(rng, name):
    ours = {
        "relu": nn.ReLU(),
        "sigmoid": nn.Sigmoid(),
        "tanh": nn.Tanh(),
        "softplus": F.softplus,
        "softmax": nn.Softmax(-1),
        "log_softmax": lambda t: F.log_softmax(t, -1),
    }[name]
    theirs = {
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softplus": TF.softplus,
        "softmax": lambda t: torch.softmax(t, -1),
        "log_softmax": lambda t: torch.log_softmax(t, -1),
    }[name]
    compare_unary(ours, theirs, rng.normal(size=(3, 4)) * 4, rng)
    huge = np.array([[-1000.0, -50.0, 0.0, 50.0], [1000.0, 0.0, -0.0, 1e-300]])
    compare_unary(ours, theirs, huge, rng)


@pytest.mark.oracle
def test_softmax_with_minus_inf_logit_matches_pytorch(rng):
    x = np.array([[-np.inf, 0.0, 1.0, 2.0], [3.0, -np.inf, 0.0, 1.0]])
    compare_unary(nn.Softmax(-1), torch.nn.Softmax(-1), x, rng)


@pytest.mark.parametrize("fn", [F.relu, F.sigmoid, F.tanh, F.softplus, F.softmax, F.log_softmax])
def test_activations_keep_float32(fn):
    assert fn(Tensor(np.ones((2, 3), np.float32))).dtype == np.float32


def test_train_mode_must_be_a_bool_and_axis_or_dim_not_both():
    with pytest.raises(TypeError, match="True or False"):
        nn.Linear(2, 2).train("no")
    with pytest.raises(TypeError, match="axis or dim, not both"):
        F.softmax(Tensor(np.ones((2, 3))), 1, dim=0)
    with pytest.raises(TypeError, match="axis or dim, not both"):
        nn.Softmax(1, dim=0)
    np.testing.assert_allclose(F.softmax(Tensor(np.eye(2)), dim=0).data.sum(axis=0), 1.0)
