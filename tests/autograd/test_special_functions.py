"""lgamma, digamma, polygamma, erfinv and mvlgamma (ops_special.py, special_math.py):
values against Python's math module and closed forms, our own series (used when SciPy
is absent, as in CI) as well as the public path, PyTorch's values at the poles, and
values, gradients and second derivatives against PyTorch."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
from scratchgrad.autograd import special_math

RNG = np.random.default_rng(0)
EULER_GAMMA = 0.5772156649015329
ZETA3 = 1.2020569031595942
SPREAD = np.concatenate(
    [
        RNG.uniform(-30.0, 30.0, 400),
        RNG.uniform(0.0, 3.0, 400),
        10.0 ** RNG.uniform(-8.0, 8.0, 200),
        -RNG.uniform(0.0, 5.0, 200),
    ]
)
NOT_AT_POLES = SPREAD[(SPREAD > 0) | (np.abs(SPREAD - np.round(SPREAD)) > 1e-3)]


def test_own_lgamma_matches_math_lgamma():
    expected = np.array([math.lgamma(v) for v in NOT_AT_POLES])
    with np.errstate(all="ignore"):
        found = special_math.own_lgamma(NOT_AT_POLES)
    # relative, but absolute near lgamma's negative zeros (-2.457..., -2.747...)
    np.testing.assert_allclose(found, expected, rtol=1e-13, atol=3e-14)


def test_own_lgamma_is_exact_at_one_and_two_and_relative_near_them():
    x = np.array([1.0, 2.0, 1.0 + 1e-9, 2.0 - 1e-9, 0.9999999, 1.99997697, 0.5, 3.5])
    with np.errstate(all="ignore"):  # the reflection's unused branch
        found = special_math.own_lgamma(x)
    assert found[0] == 0.0 and found[1] == 0.0
    mpmath = pytest.importorskip("mpmath")  # (the C library's lgamma is 1e-7 off here)
    expected = [float(mpmath.loggamma(v).real) for v in x[2:]]
    np.testing.assert_allclose(found[2:], expected, rtol=1e-14)


@pytest.mark.filterwarnings("ignore:divide by zero")  # the reflection's unused branch
def test_own_digamma_closed_forms():
    psi = special_math.own_digamma
    np.testing.assert_allclose(psi(np.array([1.0])), [-EULER_GAMMA], rtol=1e-15)
    np.testing.assert_allclose(psi(np.array([0.5])), [-EULER_GAMMA - 2 * math.log(2)], rtol=1e-15)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_own_polygamma_at_one_is_a_zeta_value(n):
    zeta = {1: math.pi**2 / 6, 2: ZETA3, 3: math.pi**4 / 90, 6: 1.0083492773819228}
    expected = (-1) ** (n + 1) * math.factorial(n) * zeta[n]
    with np.errstate(all="ignore"):  # the reflection's unused branch divides by 0
        found = special_math.own_polygamma(np.array([1.0]), n)
    np.testing.assert_allclose(found, [expected], rtol=1e-14)


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_own_digamma_and_polygamma_match_mpmath(n):
    mpmath = pytest.importorskip("mpmath")
    x = NOT_AT_POLES[np.abs(NOT_AT_POLES) < 1e4][::4]
    expected = np.array([float(mpmath.polygamma(n, float(v))) for v in x])
    with np.errstate(all="ignore"):
        found = special_math.own_digamma(x) if n == 0 else special_math.own_polygamma(x, n)
    # relative, but absolute near digamma's zeros; the input's own rounding is
    # magnified by |polygamma(n + 1, x) / polygamma(n, x)| close to the poles
    np.testing.assert_allclose(found, expected, rtol=1e-11, atol=1e-14)


def test_own_erfinv_inverts_erf_into_the_tails():
    y = np.concatenate([RNG.uniform(-1, 1, 500), 1 - 10.0 ** RNG.uniform(-16, -1, 200), [0.0, 0.5]])
    with np.errstate(all="ignore"):
        x = special_math.own_erfinv(y)
    np.testing.assert_allclose([math.erf(v) for v in x], y, rtol=1e-15, atol=2e-16)
    tail = y > 0.5
    np.testing.assert_allclose([math.erfc(v) for v in x[tail]], 1 - y[tail], rtol=1e-12)
    with np.errstate(all="ignore"):
        edges = special_math.own_erfinv(np.array([1.0, -1.0, 1.5, -0.0, np.nan]))
    assert edges[0] == np.inf and edges[1] == -np.inf and np.isnan(edges[2])
    assert edges[3] == 0 and np.signbit(edges[3]) and np.isnan(edges[4])


def test_poles_and_edges_are_pytorchs():
    x = scratchgrad.tensor([0.0, -0.0, -1.0, -3.0, np.inf, -np.inf], dtype=scratchgrad.float64)
    assert x.lgamma().tolist() == [np.inf] * 6
    assert x.digamma()[:2].tolist() == [-np.inf, np.inf]
    assert np.isnan(x.digamma()[2:4].numpy()).all() and np.isnan(x.digamma()[5].item())
    assert x.polygamma(1)[0].item() == np.inf


def test_dtypes():
    integers = scratchgrad.tensor([1, 2, 5])
    assert scratchgrad.lgamma(integers).dtype == scratchgrad.get_default_dtype()
    assert scratchgrad.tensor([1.5], dtype=scratchgrad.float32).digamma().dtype == (
        scratchgrad.float32
    )
    half = scratchgrad.tensor([0.5], dtype=scratchgrad.float64).erfinv()
    assert half.dtype == scratchgrad.float64


def test_bad_arguments_say_what_to_pass():
    x = scratchgrad.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="n must be at least 0"):
        x.polygamma(-1)
    with pytest.raises(TypeError, match="p must be an int"):
        x.mvlgamma(2.0)


torch = oracle("torch")
POSITIVE = np.array([0.05, 0.7, 1.0, 1.46, 2.5, 7.0, 30.0])
CASES = {
    "lgamma": (POSITIVE - 3.3, lambda t: t.lgamma()),  # negative non-integers too
    "digamma": (POSITIVE - 3.3, lambda t: t.digamma()),
    "polygamma1": (POSITIVE, lambda t: t.polygamma(1)),
    "polygamma3": (POSITIVE, lambda t: t.polygamma(3)),
    "erfinv": (np.array([-0.999, -0.5, 0.0, 0.3, 0.9, 0.99999]), lambda t: t.erfinv()),
    "mvlgamma": (POSITIVE + 1.0, lambda t: t.mvlgamma(3)),
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_gradients_and_second_derivatives_match_pytorch(name):
    values, f = CASES[name]
    found = []
    for lib in (scratchgrad, torch):
        x = lib.tensor(values, requires_grad=True)
        out = f(x)
        weights = lib.tensor(np.cos(np.arange(len(values))))
        (g,) = lib.autograd.grad((out * weights).sum(), [x], create_graph=True)
        (g * weights).sum().backward()
        found.append([out.detach().numpy(), g.detach().numpy(), x.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        # PyTorch's own series are the looser side (trigamma 5e-10 off near x = 1.1)
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


@pytest.mark.oracle
def test_torch_functions_take_pytorchs_argument_order():
    x = np.array([0.5, 2.0])
    ours = scratchgrad.polygamma(2, scratchgrad.tensor(x)).numpy()
    np.testing.assert_allclose(ours, torch.polygamma(2, torch.tensor(x)).numpy(), rtol=1e-9)
    ours = scratchgrad.mvlgamma(scratchgrad.tensor(x + 2), p=2).numpy()
    np.testing.assert_allclose(ours, torch.mvlgamma(torch.tensor(x + 2), p=2).numpy())


def test_polygamma_far_left_of_zero_by_reflection():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([-99999.75, -299999.5, -7.9, -2.3, -0.5, -1e-3])
    for n in (1, 2, 3):
        found = scratchgrad.tensor(x).polygamma(n).numpy()
        expected = [float(mpmath.polygamma(n, v)) for v in x]
        np.testing.assert_allclose(found, expected, rtol=1e-9)


@pytest.mark.oracle
def test_ndtri_keeps_its_digits_in_the_tails():
    p = np.concatenate([[5e-324, 1e-300, 1e-17, 1e-12, 0.5, 1 - 1e-12], np.linspace(0.01, 0.99, 9)])
    ours = scratchgrad.special.ndtri(scratchgrad.tensor(p)).numpy()
    np.testing.assert_allclose(ours, torch.special.ndtri(torch.tensor(p)).numpy(), rtol=1e-13)
