"""Element-wise ops at the edges of their domains, against PyTorch: pow and division at and
below zero, clip/abs/relu at their kinks, exp/log/sqrt/sigmoid/tanh at extremes (with no
numpy warnings), ties of maximum/minimum, and the softmax family's stability."""

import numpy as np
import pytest
from helpers import R, check
from hypothesis import given, settings
from oracles import oracle

from scratchgrad.autograd import Tensor, maximum, minimum
from scratchgrad.autograd.testing import arrays

torch = oracle("torch")


@pytest.mark.oracle
def test_pow_edges_match_torch():
    base = np.array([-2.0, 0.0, 4.0])
    for c in (0.5, 3, 2.0, 0, -1, 1, 1.5):
        check(lambda a, c=c: a**c, lambda t, c=c: t**c, base)
    check(
        lambda a, b: a**b,
        lambda a, b: a**b,
        np.array([-2.0, -2.0, 0.0, 0.0, 0.0, -3.0]),
        np.array([2.0, 0.5, 0.0, 2.0, -1.0, 3.0]),
    )
    check(lambda a: 2.0**a, lambda t: 2.0**t, R(3))
    check(lambda a: (-2.0) ** a, lambda t: (-2.0) ** t, np.array([2.0, 3.0, 0.5]))
    check(lambda a: 0.0**a, lambda t: 0.0**t, np.array([2.0, 0.0, -1.0]))
    check(
        lambda a: a ** np.array([2.0, 3.0]),
        lambda t: t ** torch.tensor([2.0, 3.0], dtype=torch.float64),
        np.array([-2.0, 3.0]),
    )
    check(lambda a: a ** np.int64(2), lambda t: t**2, np.array([-2.0, 3.0]))
    check(lambda a: a**a, lambda t: t**t, np.abs(R(3)) + 0.1)


@pytest.mark.oracle
def test_division_by_zero_gives_ieee_values_like_torch():
    check(lambda a, b: a / b, lambda a, b: a / b, np.array([1.0, -1.0, 0.0]), np.zeros(3))
    check(lambda a: a / 0.0, lambda t: t / 0.0, np.array([1.0, -1.0, 0.0]))
    check(lambda a: 1.0 / a, lambda t: 1.0 / t, np.array([1.0, -1.0, 0.0]))


@pytest.mark.oracle
def test_clip_abs_relu_at_the_boundaries():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    check(lambda a: a.clip(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5), x)
    check(lambda a: a.clamp(min=0.0), lambda t: t.clamp(min=0.0), x)
    check(lambda a: a.clip(max=0.0), lambda t: t.clamp(max=0.0), x)
    check(lambda a: a.clip(1.0, 0.0), lambda t: t.clamp(1.0, 0.0), np.array([-1.0, 0.5, 2.0]))
    check(lambda a: abs(a), lambda t: abs(t), np.array([-1.0, 0.0, 2.0, np.nan]))
    check(lambda a: a.relu(), lambda t: t.relu(), np.array([-1.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="min, max or both"):
        Tensor(x).clip()


@pytest.mark.oracle
@pytest.mark.filterwarnings("error")
def test_unary_extremes_match_torch_without_warnings():
    check(lambda a: a.exp(), lambda t: t.exp(), np.array([-1000.0, 0.0, 710.0, 1000.0]))
    check(lambda a: a.log(), lambda t: t.log(), np.array([0.0, -1.0, 1e-320, np.inf]))
    check(lambda a: a.sqrt(), lambda t: t.sqrt(), np.array([0.0, 4.0, -1.0]))
    check(lambda a: a.sigmoid(), lambda t: t.sigmoid(), np.array([-1000.0, 0.0, 1000.0]))
    check(lambda a: a.tanh(), lambda t: t.tanh(), np.array([-1000.0, 0.0, 1000.0]))
    check(
        lambda a: a.log_softmax(-1),
        lambda t: t.log_softmax(-1),
        np.array([[1000.0, 0.0], [1.0, 2.0]]),
    )
    check(lambda a: a.softmax(0), lambda t: t.softmax(0), np.array([[1000.0, 0.0], [1.0, -np.inf]]))


@pytest.mark.oracle
def test_maximum_minimum_ties_split_in_half_like_torch():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    check(maximum, torch.maximum, a, b)
    check(minimum, torch.minimum, a, b)
    check(lambda x: maximum(x, x), lambda t: torch.maximum(t, t), a)


@settings(max_examples=20, deadline=None)
@given(x=arrays(shape=(3, 5), low=-50, high=50))
def test_softmax_family_is_stable_and_consistent(x):
    from scratchgrad import nn

    big = Tensor(x.data * 100, requires_grad=True)  # logits up to ±5000
    p = big.softmax(axis=-1)
    assert np.all(np.isfinite(p.data)) and np.allclose(p.data.sum(-1), 1)
    log_p = big.log_softmax(-1).data
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(np.exp(log_p), p.data, atol=1e-12)
    labels = np.array([0, 3, 4])
    by_label = nn.functional.cross_entropy(x, labels)
    by_onehot = nn.functional.cross_entropy(x, np.eye(5)[labels])
    assert by_label.item() == pytest.approx(by_onehot.item())
