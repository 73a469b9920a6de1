"""GELU (exact and tanh) and the erf it is made of: against PyTorch, central differences
and math.erf; the erf without SciPy too (what runs where SciPy is not installed)."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.autograd import gradcheck, gradgradcheck
from scratchgrad.autograd.erf import own_erf

torch = oracle("torch")


def test_erf_without_scipy_is_accurate_to_a_few_ulps():
    x = np.concatenate([np.linspace(-8.0, 8.0, 16001), [0.0, -1e-300, 1.999999, 2.0, 2.000001]])
    reference = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(own_erf(x), reference, rtol=4e-15, atol=1e-300)
    assert list(own_erf(np.array([np.inf, -np.inf]))) == [1.0, -1.0]
    assert np.isnan(own_erf(np.array([np.nan])))[0]
    assert own_erf(np.linspace(-3, 3, 7, dtype=np.float32)).dtype == np.float32


@pytest.mark.oracle
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_pytorch_with_its_gradient(approximate):
    x = np.linspace(-6.0, 6.0, 61)
    ours, theirs = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = nn.GELU(approximate)(ours)
    their_out = torch.nn.GELU(approximate)(theirs)
    (out * sg.tensor(np.cos(x))).sum().backward()
    (their_out * torch.tensor(np.cos(x))).sum().backward()
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(
        sg.erf(sg.tensor(x)).data, torch.erf(torch.tensor(x)).numpy(), rtol=1e-15, atol=1e-16
    )


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_passes_central_differences_to_second_order(approximate):
    x = sg.tensor(np.linspace(-2.5, 2.5, 7), requires_grad=True)
    gradcheck(lambda t: nn.functional.gelu(t, approximate).sum(), [x])
    gradgradcheck(lambda t: nn.functional.gelu(t, approximate).sum(), [x])


def test_gelu_keeps_float32_and_names_bad_options():
    assert nn.GELU()(sg.ones(3, dtype=sg.float32)).dtype == np.float32
    assert repr(nn.GELU("tanh")).startswith("GELU(approximate='tanh')")
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        nn.GELU("fast")
