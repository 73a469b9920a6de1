"""PyTorch's other activations (nn/more_activations.py), against PyTorch in float64: values
and gradients at random points and at every kink, where PyTorch's gradient is a choice
(hardtanh's corners pass nothing, hardswish takes its outer pieces, elu its negative
side), and central differences to second order away from the kinks."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import Tensor, gradcheck, gradgradcheck

torch = oracle("torch")

RNG = np.random.default_rng(0)
KINKS = [-3.0, 3.0, 0.0, -0.0, 6.0, -1.0, 1.0, -0.5, 2.0, 25.0, -25.0, 1e-9, -1e-9]
POINTS = np.concatenate([RNG.normal(scale=4, size=40), KINKS])

CASES = {
    "hardtanh": lambda f, t: f.hardtanh(t),
    "hardtanh -0.5 2": lambda f, t: f.hardtanh(t, -0.5, 2.0),
    "relu6": lambda f, t: f.relu6(t),
    "elu": lambda f, t: f.elu(t, 0.7),
    "celu": lambda f, t: f.celu(t, 1.5),
    "selu": lambda f, t: f.selu(t),
    "silu": lambda f, t: f.silu(t),
    "mish": lambda f, t: f.mish(t),
    "softsign": lambda f, t: f.softsign(t),
    "hardsigmoid": lambda f, t: f.hardsigmoid(t),
    "hardswish": lambda f, t: f.hardswish(t),
    "logsigmoid": lambda f, t: f.logsigmoid(t),
    "softmin": lambda f, t: f.softmin(t, dim=0),
    "softplus": lambda f, t: f.softplus(t),
    "softplus beta threshold": lambda f, t: f.softplus(t, beta=2.0, threshold=5.0),
    "hardshrink": lambda f, t: f.hardshrink(t),
    "hardshrink 1": lambda f, t: f.hardshrink(t, 1.0),
    "softshrink": lambda f, t: f.softshrink(t, 1.0),
    "tanhshrink": lambda f, t: f.tanhshrink(t),
    "threshold": lambda f, t: f.threshold(t, 1.0, 9.0),
}
SMOOTH = ["elu", "celu", "selu", "silu", "mish", "softsign", "logsigmoid", "softmin", "softplus"]
SMOOTH += ["tanhshrink"]


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch_at_random_points_and_kinks(case):
    ours, theirs = Tensor(POINTS, requires_grad=True), torch.tensor(POINTS, requires_grad=True)
    out, their_out = CASES[case](F, ours), CASES[case](torch.nn.functional, theirs)
    weights = RNG.normal(size=POINTS.shape)
    (out * Tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    # PyTorch's hardsigmoid scales its gradient by 1/6 rounded to float32
    rtol = 1e-7 if case == "hardsigmoid" else 1e-12
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("case", SMOOTH + ["hardswish", "hardtanh"])
def test_gradients_pass_central_differences_to_second_order(case):
    x = Tensor(RNG.uniform(0.3, 2.5, size=6) * RNG.choice([-1, 1], size=6), requires_grad=True)
    gradcheck(lambda t: (CASES[case](F, t) * Tensor(np.arange(1.0, 7.0))).sum(), [x])
    if case in SMOOTH:
        gradgradcheck(lambda t: (CASES[case](F, t) ** 2).sum(), [x])


@pytest.mark.oracle
@pytest.mark.parametrize("slopes", [np.array([0.1, 0.2, 0.3]), np.array([0.4])])
def test_prelu_learns_one_slope_or_one_per_channel_as_pytorch(slopes):
    x = RNG.normal(size=(4, 3, 2, 2))
    x[0, 0, 0, 0] = 0.0
    ours, w = Tensor(x, requires_grad=True), Tensor(slopes, requires_grad=True)
    theirs, tw = torch.tensor(x, requires_grad=True), torch.tensor(slopes, requires_grad=True)
    (F.prelu(ours, w) ** 2).sum().backward()
    (torch.nn.functional.prelu(theirs, tw) ** 2).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="one slope, or one per channel"):
        F.prelu(ours, Tensor(np.ones(2)))


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name, options",
    [
        ("SiLU", {}),
        ("Mish", {}),
        ("Hardswish", {}),
        ("Hardsigmoid", {}),
        ("ReLU6", {}),
        ("SELU", {}),
        ("Softsign", {}),
        ("LogSigmoid", {}),
        ("ELU", {"alpha": 0.5}),
        ("CELU", {"alpha": 2.0}),
        ("Hardtanh", {"min_val": -2.0, "max_val": 0.5}),
        ("Softplus", {"beta": 0.5, "threshold": 4.0}),
        ("Softmin", {"dim": 1}),
        ("PReLU", {"num_parameters": 3, "init": 0.1}),
        ("Hardshrink", {"lambd": 1.0}),
        ("Softshrink", {"lambd": 0.5}),
        ("Tanhshrink", {}),
        ("Threshold", {"threshold": 0.5, "value": -2.0}),
        ("GLU", {}),
    ],
)
def test_modules_print_and_compute_as_pytorchs(name, options):
    ours, theirs = getattr(nn, name)(**options), getattr(torch.nn, name)(**options).double()
    assert repr(ours).split("  #")[0] == repr(theirs)
    if name == "PReLU":  # PyTorch makes its slopes in float32
        theirs.weight.data = torch.tensor(np.asarray(ours.weight.data))
    x = RNG.normal(scale=3, size=(2, 3, 4))
    out = ours(Tensor(x, requires_grad=True))
    expected = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-15)  # x - tanh(x) ~ 0
    takes_inplace = ("SiLU", "Mish", "Hardswish", "Hardsigmoid", "ReLU6", "SELU", "ELU", "CELU")
    if name in takes_inplace + ("Hardtanh",):
        ours = getattr(nn, name)(**options, inplace=True)  # PyTorch's in-place layers
        theirs = getattr(torch.nn, name)(**options, inplace=True)
        assert repr(ours).split("  #")[0] == repr(theirs)
        x_ours, x_theirs = Tensor(x.copy()), torch.tensor(x.copy())
        assert ours(x_ours) is x_ours and theirs(x_theirs) is x_theirs  # written into x
        np.testing.assert_allclose(x_ours.data, x_theirs.numpy(), rtol=1e-12)
