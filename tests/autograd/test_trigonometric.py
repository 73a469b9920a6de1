"""tan, asin/acos/atan, sinh/cosh, asinh/acosh/atanh, exp2, sinc, atan2, hypot,
logaddexp, xlogy, copysign and logit (ops_trigonometric.py): values and gradients
against PyTorch, as functions and Tensor methods, including the points where PyTorch
defines a value or a gradient by hand (sinc at 0, xlogy at x = 0, copysign at 0, the
edges of asin's domain), numpy's arc- spellings, dtypes and second derivatives."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad

torch = oracle("torch")

RNG = np.random.default_rng(0)
INSIDE = np.array([-0.99, -0.5, 0.0, 0.3, 0.8])  # asin, acos, atanh
ANY = np.array([-2.5, -1.0, 0.0, 0.5, 1.7])
ABOVE_ONE = np.array([1.0, 1.2, 2.0, 5.0])  # acosh: 1 is the edge (infinite slope)
UNARY = {
    "tan": ANY,
    "asin": np.append(INSIDE, 1.0),
    "acos": np.append(INSIDE, -1.0),
    "atan": ANY,
    "sinh": ANY,
    "cosh": ANY,
    "asinh": ANY,
    "acosh": ABOVE_ONE,
    "atanh": INSIDE,
    "exp2": ANY,
    "sinc": ANY,  # sinc(0) = 1, sinc'(0) = 0
    "logit": np.array([0.1, 0.5, 0.9]),
}
Y, X = np.array([[1.0], [-2.0], [0.0]]), np.array([-1.5, 0.0, 2.0])
BINARY = {
    "atan2": (Y, X),
    "hypot": (Y, X + 0.5),
    "logaddexp": (Y * 300.0, X),  # no overflow at 300
    "xlogy": (np.array([0.0, 0.0, 2.0, -1.0]), np.array([0.0, 3.0, 0.5, 2.0])),
    "copysign": (np.array([[0.0], [1.5], [-2.0]]), np.array([-1.0, 2.0, -0.0])),
}


def _compare(name, arrays, method):
    found = []
    for lib in (scratchgrad, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        if method:
            out = getattr(leaves[0], name)(*leaves[1:])
        else:
            out = getattr(lib, name)(*leaves)
        weights = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
        (out * lib.tensor(weights)).sum().backward()
        found.append([out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("method", [True, False], ids=["method", "function"])
def test_unary_values_and_gradients_match_pytorch(name, method):
    _compare(name, [UNARY[name]], method)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("method", [True, False], ids=["method", "function"])
def test_binary_values_and_gradients_match_pytorch(name, method):
    _compare(name, BINARY[name], method)


@pytest.mark.oracle
def test_spellings_dtypes_and_numbers():
    x = scratchgrad.tensor(np.array([0.25, 0.5], dtype=np.float32))
    for arc, short in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan")):
        np.testing.assert_array_equal(getattr(x, arc)().numpy(), getattr(x, short)().numpy())
        assert getattr(scratchgrad, arc) is getattr(scratchgrad, short)
    assert x.tan().dtype == np.float32 and scratchgrad.atan2(x, 1.0).dtype == np.float32
    ints = scratchgrad.tensor([1, 2])
    np.testing.assert_allclose(
        scratchgrad.exp2(ints).numpy(), torch.exp2(torch.tensor([1, 2])).numpy()
    )
    np.testing.assert_allclose(  # a number as xlogy's x, as PyTorch takes
        scratchgrad.xlogy(2.0, scratchgrad.tensor([3.0])).numpy(),
        torch.xlogy(2.0, torch.tensor([3.0], dtype=torch.float64)).numpy(),
    )


def test_second_derivatives_against_central_differences():
    from scratchgrad.autograd.numerical import gradgradcheck

    x = scratchgrad.tensor(RNG.uniform(-0.8, 0.8, 5), requires_grad=True)
    y = scratchgrad.tensor(RNG.uniform(0.5, 2.0, 5), requires_grad=True)
    assert gradgradcheck(lambda a, b: (a.asin() * b.atan2(a) + a.xlogy(b)).sum(), [x, y]).ok
    assert gradgradcheck(lambda a: (a.sinc() * a.tan()).sum(), [x]).ok
