"""Functional activations and losses: values against formulas, gradients against
central differences (float64), stability for huge logits."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad.nn.functional as F
from scratchgrad.autograd import OPS, Tensor, Value
from scratchgrad.autograd.testing import arrays, assert_gradients_match

SETTINGS = settings(max_examples=20, deadline=None)


@SETTINGS
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


LOGITS = arrays(shape=(5, 4), low=-5, high=5)


@SETTINGS
@given(LOGITS, st.lists(st.integers(0, 3), min_size=5, max_size=5),
       st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_labels_equal_one_hot_and_formula(z, labels, reduction):
    labels = np.array(labels)
    one_hot = np.eye(4)[labels]
    a = F.cross_entropy(z, labels, reduction=reduction).data
    b = F.cross_entropy(z, one_hot, reduction=reduction).data
    zd = z.data
    losses = np.log(np.exp(zd).sum(axis=1)) - zd[np.arange(5), labels]
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]
    np.testing.assert_allclose(a, expected, rtol=1e-10)
    np.testing.assert_allclose(b, expected, rtol=1e-10)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(z), labels, reduction).data,
                               expected, rtol=1e-10)


@SETTINGS
@given(LOGITS, st.lists(st.integers(0, 3), min_size=5, max_size=5))
def test_cross_entropy_and_nll_gradcheck(z, labels):
    labels = np.array(labels)
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=5)
    assert_gradients_match(lambda t: F.cross_entropy(t, labels), [z])
    assert_gradients_match(lambda t: F.cross_entropy(t, probs, reduction="sum"), [z])
    assert_gradients_match(lambda t: F.nll_loss(F.log_softmax(t), labels), [z])


def test_cross_entropy_is_one_fused_node_and_checks_labels():
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    assert F.cross_entropy(z, np.array([0, 2])).op is OPS["cross_entropy"]
    with pytest.raises(IndexError, match=r"label 3 is out of range for 3 classes"):
        F.cross_entropy(z, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        F.cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels.astype\(int\)"):
        F.cross_entropy(z, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(z, np.array([0, 1]), reduction="avg")


@SETTINGS
@given(arrays(shape=(6,), low=-4, high=4))
def test_regression_and_binary_losses(x):
    t = np.linspace(-1, 1, 6)
    np.testing.assert_allclose(F.mse_loss(x, t).data, np.mean((x.data - t) ** 2))
    np.testing.assert_allclose(F.sse_loss(x, t).data, 0.5 * np.sum((x.data - t) ** 2))
    y = (t > 0).astype(float)
    p = 1 / (1 + np.exp(-x.data))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, y).data, bce.mean(),
                               rtol=1e-9)
    np.testing.assert_allclose(F.binary_cross_entropy(F.sigmoid(x), y, "sum").data,
                               bce.sum(), rtol=1e-9)
    for loss in (lambda a: F.mse_loss(a, t), lambda a: F.sse_loss(a, t),
                 lambda a: F.binary_cross_entropy_with_logits(a, y),
                 lambda a: F.binary_cross_entropy(F.sigmoid(a), y)):
        assert_gradients_match(loss, [x])


def test_bce_with_logits_is_stable_for_huge_logits():
    z = Tensor([800.0, -800.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0]), reduction="sum")
    assert loss.data == pytest.approx(1600.0)
    loss.backward()
    np.testing.assert_allclose(z.grad, [1.0, -1.0])


def test_hinge_loss_tensor_and_value_lists_agree():
    scores, labels = [0.5, -2.0, 3.0, 0.9], [1, 1, -1, -1]
    expected = np.mean([0.5, 3.0, 4.0, 1.9])
    assert F.hinge_loss(Tensor(scores), np.array(labels)).data == pytest.approx(expected)
    values = [Value(s) for s in scores]
    loss = F.hinge_loss(values, labels)
    assert loss.data == pytest.approx(expected)
    loss.backward()
    assert [v.grad for v in values] == pytest.approx([-0.25, -0.25, 0.25, 0.25])


def test_value_lists_for_mse_and_activations():
    xs = [Value(1.0), Value(-2.0)]
    assert F.mse_loss(xs, [0.0, 0.0]).data == pytest.approx(2.5)
    assert [v.data for v in F.relu(xs)] == [1.0, 0.0]


def test_accuracy():
    assert F.accuracy(Tensor([[0.1, 0.9], [2.0, 1.0], [0.0, 3.0]]), [1, 1, 1]) == \
        pytest.approx(2 / 3)
    assert F.accuracy(np.array([[0.1, 0.9], [2.0, 1.0]]), np.eye(2)[[1, 0]]) == 1.0
    assert F.accuracy([Value(0.3), Value(-1.0)], [1, 1]) == 0.5
    assert F.accuracy(np.array([0.7, 0.2]), np.array([1, 0]), threshold=0.5) == 1.0


def test_functional_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(6, 5)) * 3, rng.integers(0, 5, 6)
    tz = torch.tensor(z)
    np.testing.assert_allclose(F.cross_entropy(z, labels).data,
                               torch.nn.functional.cross_entropy(tz, torch.tensor(labels)).item())
    y = rng.integers(0, 2, (6, 5)).astype(float)
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(z, y).data,
        torch.nn.functional.binary_cross_entropy_with_logits(tz, torch.tensor(y)).item())
