"""`scratchgrad.special` against `torch.special`, values and gradients, in float64."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import special

torch = oracle("torch")

X = np.array([-3.0, -1.5, -0.2, 0.0, 0.3, 1.0, 2.5, 4.0])
UNIT = np.array([0.01, 0.2, 0.5, 0.7, 0.99])
POSITIVE = np.array([0.05, 0.5, 1.0, 2.0, 7.5])

# name: (input, extra args), each checked for values and for the gradient of a sum
UNARY = {
    "erf": (X, ()),
    "erfc": (X, ()),
    "ndtr": (X, ()),
    "expit": (X, ()),
    "logit": (UNIT, ()),
    "exp2": (X, ()),
    "expm1": (X, ()),
    "log1p": (POSITIVE, ()),
    "sinc": (X, ()),
    "spherical_bessel_j0": (X, ()),
    "entr": (POSITIVE, ()),
    "round": (np.array([0.5, 1.5, -2.5, 0.26]), ()),
    "erfinv": (UNIT * 2 - 1, ()),
    "ndtri": (UNIT, ()),
    "gammaln": (X + 0.25, ()),
    "digamma": (X + 0.25, ()),
    "psi": (X + 0.25, ()),
}
LOOSER = {"erfinv", "ndtri", "gammaln", "digamma", "psi"}  # PyTorch trigamma: 5e-10 off


def _ours_and_theirs(data):
    ours = sg.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    return ours, theirs


def _compare(our_out, their_out, ours, theirs, rtol=1e-13, atol=1e-15):
    np.testing.assert_allclose(our_out.data, their_out.detach().numpy(), rtol=rtol, atol=atol)
    our_out.sum().backward()
    their_out.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_functions_are_pytorchs(name):
    data, args = UNARY[name]
    ours, theirs = _ours_and_theirs(data)
    our_out, their_out = getattr(special, name)(ours, *args), getattr(torch.special, name)(theirs)
    if name == "spherical_bessel_j0":  # PyTorch's has no gradient: against d/dx sin(x)/x
        np.testing.assert_allclose(our_out.data, their_out.detach().numpy(), rtol=1e-14)
        our_out.sum().backward()
        safe = np.where(data == 0, 1.0, data)
        slope = np.where(data == 0, 0.0, np.cos(safe) / safe - np.sin(safe) / safe**2)
        np.testing.assert_allclose(ours.grad, slope, rtol=1e-12, atol=1e-15)
        return
    _compare(
        our_out,
        their_out,
        ours,
        theirs,
        **({"rtol": 1e-8, "atol": 1e-12} if name in LOOSER else {}),
    )


@pytest.mark.oracle
@pytest.mark.parametrize("n", [1, 2, 4])
def test_polygamma_and_multigammaln_take_pytorchs_arguments(n):
    ours, theirs = _ours_and_theirs(POSITIVE)
    out, expected = special.polygamma(n, ours), torch.special.polygamma(n, theirs)
    _compare(out, expected, ours, theirs, rtol=1e-8, atol=1e-12)  # PyTorch's trigamma: 5e-10
    ours, theirs = _ours_and_theirs(POSITIVE + n)
    out, expected = special.multigammaln(ours, n), torch.special.multigammaln(theirs, n)
    _compare(out, expected, ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
def test_logit_with_eps_clamps_and_stops_the_gradient_outside():
    data = np.array([0.0, 0.01, 0.3, 0.95, 1.0])
    ours, theirs = _ours_and_theirs(data)
    _compare(special.logit(ours, eps=0.05), torch.special.logit(theirs, eps=0.05), ours, theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_x_log_y_functions_are_pytorchs_and_zero_where_x_is_zero(name):
    x = np.array([0.0, 0.0, 0.0, 1.5, -2.0, 3.0, 0.0, 0.0])
    y = np.array([0.0, 2.0, np.nan, 0.5, 4.0, np.inf, -0.5, -1.0])
    our_out = getattr(special, name)(sg.tensor(x), sg.tensor(y))
    their_out = getattr(torch.special, name)(torch.tensor(x), torch.tensor(y))
    if name == "xlogy":  # the xlogy op gives 0 at x = 0, y = NaN, where PyTorch gives NaN
        our_out, their_out = our_out[[0, 1, 3, 4, 5, 6]], their_out[[0, 1, 3, 4, 5, 6]]
    np.testing.assert_allclose(our_out.data, their_out.numpy(), rtol=1e-14)
    assert our_out.data[0] == 0
    # gradients, away from the points where x = 0 and y is 0 or -1, NaN or inf
    x, y = np.array([0.0, 1.5, -2.0, 3.0]), np.array([2.0, 0.5, 4.0, 0.25])
    ours_x, theirs_x = _ours_and_theirs(x)
    ours_y, theirs_y = _ours_and_theirs(y)
    _compare(
        getattr(special, name)(ours_x, ours_y),
        getattr(torch.special, name)(theirs_x, theirs_y),
        ours_x,
        theirs_x,
    )
    np.testing.assert_allclose(ours_y.grad, theirs_y.grad.numpy(), rtol=1e-14)


@pytest.mark.oracle
def test_x_log_y_takes_a_number_on_either_side():
    y = np.array([0.5, 2.0])
    np.testing.assert_allclose(
        special.xlogy(2.0, sg.tensor(y)).data, torch.special.xlogy(2.0, torch.tensor(y)).numpy()
    )
    np.testing.assert_allclose(
        special.xlog1py(sg.tensor(y), 3.0).data, torch.special.xlog1py(torch.tensor(y), 3.0).numpy()
    )


@pytest.mark.oracle
def test_entr_at_zero_below_and_at_nan():
    data = np.array([-1.0, 0.0, np.nan, 0.5])
    np.testing.assert_array_equal(
        special.entr(sg.tensor(data)).data, torch.special.entr(torch.tensor(data)).numpy()
    )
    x = sg.tensor(data, requires_grad=True)
    special.entr(x).sum().backward()
    assert x.grad[0] == 0 and x.grad[3] == pytest.approx(-(1 + math.log(0.5)))


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_reductions_along_a_dim_are_pytorchs(name):
    data = np.random.default_rng(0).normal(size=(3, 4)) * 5
    ours, theirs = _ours_and_theirs(data)
    weights = np.random.default_rng(1).normal(size=(3, 4) if name != "logsumexp" else 3)
    our_out = getattr(special, name)(ours, 1)
    their_out = getattr(torch.special, name)(theirs, 1)
    np.testing.assert_allclose(our_out.data, their_out.detach().numpy(), rtol=1e-13)
    (our_out * sg.tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softmax_casts_first_and_logsumexp_keeps_dims():
    x = sg.tensor(np.array([[1.0, 2.0, 3.0]], dtype=np.float32))
    assert special.softmax(x, 1, dtype=sg.float64).dtype == np.float64
    assert special.log_softmax(x, -1).dtype == np.float32
    assert special.logsumexp(x, 1, keepdim=True).shape == (1, 1)


def test_erfc_is_exact_in_absolute_terms_even_in_its_tail():
    """1 - erf(x): every value within 1e-16 of the true one (its docstring says the relative
    error grows for x > 3)."""
    x = np.linspace(-6.0, 6.0, 49)
    exact = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(special.erfc(sg.tensor(x)).data, exact, rtol=0, atol=3e-16)
    normal = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(special.ndtr(sg.tensor(x)).data, normal, rtol=0, atol=3e-16)


def test_numbers_and_arrays_are_taken_too():
    assert special.expit(0.0).item() == 0.5
    np.testing.assert_allclose(special.exp2([1.0, 3.0]).data, [2.0, 8.0])
    assert special.round(np.array([2.5]), decimals=0).tolist() == [2.0]
