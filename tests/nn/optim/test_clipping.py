"""Gradient clipping (clip_grad_norm_, clip_grad_value_) against torch.nn.utils: every
norm type, None gradients, Value and float32 parameters, gradients that are graphs, and
clear errors."""

import math

import numpy as np
import pytest
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Value

torch = oracle("torch")


def test_clip_grad_norm_and_value():
    a, b, v = nn.Parameter([0.0, 0.0]), nn.Parameter([0.0]), Value(0.0)
    a.grad, b.grad, v.grad = np.array([3.0, 0.0]), np.array([0.0]), 4.0
    total = nn.optim.clip_grad_norm_([a, b, v], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)
    assert v.grad == pytest.approx(0.8, rel=1e-6)
    assert nn.optim.clip_grad_norm_([a, v], max_norm=10.0) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)  # under the cap: unchanged
    a.grad = np.array([-3.0, 0.2])
    v.grad = 7.0
    nn.optim.clip_grad_value_([a, v], 0.5)
    np.testing.assert_array_equal(a.grad, [-0.5, 0.2])
    assert v.grad == 0.5


GRADS = [
    np.random.default_rng(1).normal(size=(3, 2)) * 3,
    np.random.default_rng(2).normal(size=(4,)),
    np.array(0.7),
]


def _clip_both(fn, arg, *extra, grads=GRADS, **kw):
    ours = [nn.Parameter(np.zeros(np.shape(g))) for g in grads]
    theirs = [torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        if g is not None:
            p.grad, t.grad = np.array(g, dtype=np.float64), torch.tensor(g)
    a = getattr(nn.optim, fn)(ours, arg, *extra, **kw)
    b = getattr(torch.nn.utils, fn)(theirs, arg, *extra, **kw)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-13, atol=1e-15)
    return a, b


@pytest.mark.oracle
@pytest.mark.parametrize(
    "max_norm,norm_type",
    [
        (1.0, 2.0),
        (1.0, math.inf),
        (1.0, 1.0),
        (0.5, 3.0),
        (1.0, 0.5),
        (100.0, 2.0),
        (0.0, 2.0),
        (1e6, math.inf),
    ],
)
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    total, ttotal = _clip_both("clip_grad_norm_", max_norm, norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(float(ttotal), rel=1e-13)


@pytest.mark.oracle
@pytest.mark.parametrize("norm_type", ["inf", 0, -math.inf, math.inf, 1.5])
def test_clip_grad_norm_types_match_pytorch(norm_type):
    p, tp = nn.Parameter([0.0, 0.0]), torch.zeros(2, dtype=torch.float64, requires_grad=True)
    p.grad, tp.grad = np.array([3.0, 0.5]), torch.tensor([3.0, 0.5], dtype=torch.float64)
    ours = nn.optim.clip_grad_norm_([p], 1.0, norm_type=norm_type)
    theirs = torch.nn.utils.clip_grad_norm_([tp], 1.0, norm_type=norm_type)
    assert ours == pytest.approx(theirs.item())
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)


@pytest.mark.oracle
def test_clip_grad_norm_skips_none_grads_and_takes_generators_and_single_tensors():
    grads = [GRADS[0], None, GRADS[1]]
    total, ttotal = _clip_both("clip_grad_norm_", 1.0, grads=grads)
    assert total == pytest.approx(float(ttotal), rel=1e-13)
    a = nn.Parameter([0.0, 0.0])
    a.grad = np.array([3.0, 4.0])
    assert nn.optim.clip_grad_norm_((p for p in [a]), 1.0) == 5.0
    np.testing.assert_allclose(a.grad, [0.6, 0.8], rtol=1e-6)
    b = nn.Parameter([0.0, 0.0])
    b.grad = np.array([3.0, 4.0])
    assert nn.optim.clip_grad_norm_(b, 1.0) == 5.0
    np.testing.assert_allclose(b.grad, [0.6, 0.8], rtol=1e-6)
    assert (
        nn.optim.clip_grad_norm_([], 1.0) == 0.0 == float(torch.nn.utils.clip_grad_norm_([], 1.0))
    )


def test_clip_grad_norm_inf_norm_on_values_and_nonfinite_check():
    vs = [Value(0.0), Value(0.0)]
    vs[0].grad, vs[1].grad = 3.0, -4.0
    assert nn.optim.clip_grad_norm_(vs, 1.0, math.inf) == 4.0
    assert [v.grad for v in vs] == pytest.approx([0.75, -1.0], rel=1e-6)
    p = nn.Parameter([0.0, 0.0])
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(FloatingPointError, match="total gradient norm is inf"):
        nn.optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad, [np.inf, 1.0])


@pytest.mark.oracle
def test_a_nonfinite_norm_scales_every_gradient_as_pytorch_and_the_error_is_its_type():
    """A NaN in one gradient makes the norm NaN, and PyTorch multiplies every gradient by
    it; error_if_nonfinite raises RuntimeError, as PyTorch's does."""
    grads = [np.array([np.nan, 1.0]), np.array([3.0, 4.0])]
    total, ttotal = _clip_both("clip_grad_norm_", 1.0, grads=grads)
    assert math.isnan(total) and math.isnan(float(ttotal))
    p = nn.Parameter([0.0, 0.0])
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total gradient norm is inf"):
        nn.optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True, foreach=True)


def test_clip_grad_norm_handles_graph_gradients_and_float32():
    p = nn.Parameter(np.array([3.0, 4.0]))
    (p * p).sum().backward(create_graph=True)  # p.grad is a Tensor here
    assert nn.optim.clip_grad_norm_([p], 1.0) == pytest.approx(10.0)
    np.testing.assert_allclose(np.asarray(p.grad.data), [0.6, 0.8], rtol=1e-6)
    q = nn.Parameter(np.zeros(3, dtype=np.float32))
    q.grad = np.array([3.0, 4.0, 0.0], dtype=np.float32)
    assert nn.optim.clip_grad_norm_([q], 1.0) == pytest.approx(5.0)
    assert q.grad.dtype == np.float32
    np.testing.assert_allclose(q.grad, [0.6, 0.8, 0.0], rtol=1e-6)


@pytest.mark.oracle
@pytest.mark.parametrize("clip_value", [0.5, 0.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    _clip_both("clip_grad_value_", clip_value, grads=[GRADS[0], None, GRADS[1]])


def test_clipping_the_gradients_of_a_real_backward_in_place():
    x = nn.Parameter(np.zeros(3))
    (x + nn.Parameter(np.ones((4, 3)))).sum().backward()  # a broadcast gradient
    nn.optim.clip_grad_value_([x], 0.1)
    np.testing.assert_array_equal(x.grad, [0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        nn.optim.clip_grad_value_([x], -1.0)
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        nn.optim.clip_grad_norm_([x], -1.0)


def test_clip_grad_value_of_a_create_graph_gradient_and_norm_of_integer_grads():
    p = nn.Parameter([3.0, 4.0])
    (p * p).sum().backward(create_graph=True)
    nn.optim.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(np.asarray(p.grad.data), [1.0, 1.0])
    q = nn.Parameter([0.0, 0.0])
    q.grad = np.array([3, 4])
    nn.optim.clip_grad_norm_([q], 1.0)
    np.testing.assert_allclose(q.grad, [0.6, 0.8], rtol=1e-5)
