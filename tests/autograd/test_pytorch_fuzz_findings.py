"""What a differential fuzzer against PyTorch found, each now PyTorch's answer: no NaN
gradient through a mask (relu, where, clamp, maximum) when the gradient arriving is
infinite, max(dim)'s gradient at the index it returns, sum(dim=()), bool tensors with
Python ints, take_along_dim broadcasting, 0-d tensors with dim 0, zero gradients (not
an error) through floor/round/sign, clamp by tensors, bitwise and remainder operators."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
import scratchgrad.nn.functional as F

torch = oracle("torch")


def _both(make, *arrays):
    """make(module, functional, *tensors) on scratchgrad and PyTorch: outputs and grads."""
    ours = [sg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        out = make(sg, F, *ours)
        out.sum().backward()
    their_out = make(torch, torch.nn.functional, *theirs)
    their_out.sum().backward()
    assert out.shape == tuple(their_out.shape)
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-12, atol=1e-15)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12, atol=1e-15)


MASKS = {
    "relu then sqrt": lambda m, f, x: f.relu(x).sqrt(),
    "clamp then sqrt": lambda m, f, x: x.clamp(min=0).sqrt(),
    "where then sqrt": lambda m, f, x: m.where(x > 0, x, m.zeros_like(x)).sqrt(),
    "masked_fill then log": lambda m, f, x: x.masked_fill(x < 0, 0.0).log(),
    "maximum then sqrt": lambda m, f, x: m.maximum(x, m.zeros_like(x)).sqrt(),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(MASKS))
@pytest.mark.parametrize("size", [3, 300_000])  # small, and split over the worker threads
def test_a_mask_passes_no_nan_when_the_gradient_arriving_is_infinite(case, size):
    x = np.resize([-1.0, 0.0, 4.0], size)
    _both(MASKS[case], x)


@pytest.mark.oracle
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_and_min_with_dim_send_the_gradient_to_the_index_they_return(dim, keepdim):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])
    _both(lambda m, f, t: t.max(dim=dim, keepdim=keepdim)[0] * 2, x)
    _both(lambda m, f, t: m.min(t, dim, keepdim)[0], x)
    _both(lambda m, f, t: t.amax(dim), x)  # amax still shares among ties, as PyTorch's


@pytest.mark.oracle
def test_small_semantics_match_pytorch():
    x = np.arange(6.0).reshape(2, 3)
    _both(lambda m, f, t: t.sum(dim=()), x)
    _both(lambda m, f, t: t.mean(dim=[]), x)
    assert sg.tensor(x).sum(axis=()).shape == (2, 3)  # numpy's axis=() reduces nothing
    _both(lambda m, f, t: m.take_along_dim(t, m.tensor([[1], [0]]), dim=0), x)
    _both(lambda m, f, t: t.floor() + t.round() * t.sign() + t.ceil() - t.frac(), x / 4)
    bools = [True, False]
    for expression in ("x + 1", "x * 2", "x / 2", "x + 0.5", "x & ~x", "x | x", "x ^ x"):
        ours = eval(expression, {"x": sg.tensor(bools)})
        theirs = eval(expression, {"x": torch.tensor(bools)})
        expected = str(theirs.dtype).removeprefix("torch.")  # (PyTorch's default float is
        expected = "float64" if expected == "float32" else expected  # float32, ours float64)
        assert str(ours.dtype) == expected, expression
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    _both(lambda m, f, a, b: a % b, np.array([2.5, -1.2, 7.0]), np.array([0.7, 0.5, -2.0]))
    _both(lambda m, f, a: m.fmod(a, 0.7), np.array([2.5, -1.2, 7.0]))
    np.testing.assert_array_equal((sg.tensor([5, -7]) % 3).data, [2, 2])


@pytest.mark.oracle
def test_clamp_by_tensors_gives_the_bounds_their_gradient():
    _both(
        lambda m, f, x, lo, hi: x.clamp(min=lo, max=hi),
        np.array([[-2.0, 0.5, 3.0, np.nan]]),
        np.array([0.0, 1.0, 0.0, 0.0]),
        np.array([2.0]),
    )


@pytest.mark.oracle
@pytest.mark.parametrize(
    "expression",
    [
        "x.sum(0)",
        "x.mean(-1)",
        "m.softmax(x, 0)",
        "x.logsumexp(0)",
        "x.argmax(0, keepdim=True)",
        "x.max(0)[0]",
        "x.max(0)[1]",
        "x.sort(0)[0]",
        "x.transpose(0, -1)",
        "x.cumsum(0)",
        "x.prod(0)",
        "x.flip(0)",
    ],
)
def test_a_0d_tensor_takes_dim_0_as_pytorch(expression):
    ours = eval(expression, {"m": sg, "x": sg.tensor(2.0, requires_grad=True)})
    theirs = eval(expression, {"m": torch, "x": torch.tensor(2.0, dtype=torch.float64)})
    assert ours.shape == tuple(theirs.shape) == ()
    assert float(ours.data) == float(theirs)
