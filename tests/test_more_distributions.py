"""The distributions added after Normal, Uniform and the categoricals (Exponential,
Laplace, Cauchy, Gumbel, LogNormal, Gamma, Chi2, Beta, Dirichlet, StudentT, Poisson,
Geometric, Binomial) against `torch.distributions`, as tests/test_distributions.py checks
the first ones (its `compare` is used here): every deterministic number (log_prob, cdf,
icdf, entropy, mean, mode, variance, stddev, kl_divergence) and its gradients in the
parameters, in float64, broadcasting included; sample shapes and dtypes; sample means
over 20k seeded draws (numpy's draws, not PyTorch's numbers); rsample's gradients, exactly
the analytic ones given the noise; the rsample that is deliberately missing; expand;
validation."""

import math

import numpy as np
import pytest
from oracles import oracle
from test_distributions import _dtype, compare, const

import scratchgrad as sg
from scratchgrad.distributions import (
    Beta,
    Binomial,
    Cauchy,
    Chi2,
    Dirichlet,
    Exponential,
    Gamma,
    Geometric,
    Gumbel,
    Laplace,
    LogNormal,
    Poisson,
    StudentT,
    kl_divergence,
)

torch = oracle("torch")

RNG = np.random.default_rng(10)
LOC, SCALE = RNG.standard_normal((2, 3)), RNG.uniform(0.3, 2.0, (2, 3))
RATE = RNG.uniform(0.3, 3.0, (2, 3))
CONC = np.array([[0.4, 1.5, 3.0], [0.8, 2.2, 6.0]])  # below and above 1 (Gamma's mode)
CONC0 = np.array([[0.6, 2.5, 1.3], [3.0, 0.9, 4.0]])
ALPHA = np.array([[0.5, 1.5, 2.0, 3.0], [2.5, 1.2, 4.0, 1.1]])
DF = np.array([[0.7, 1.5, 2.5], [4.0, 1.0, 10.0]])  # df <= 1, in (1, 2], > 2
P = RNG.uniform(0.1, 0.9, (2, 3))
X = 2 * RNG.standard_normal((5, 2, 3))
POSITIVE = np.exp(RNG.standard_normal((5, 2, 3)))
UNIT = RNG.uniform(0.02, 0.98, (5, 2, 3))
SIMPLEX = RNG.dirichlet(np.ones(4), (5, 2))
COUNTS = RNG.integers(0, 11, (5, 2, 3)).astype(np.float64)
QUANTILES = np.linspace(0.02, 0.98, 6).reshape(2, 3)


def compare_through_digamma(build, *arrays):
    """compare() for what differentiates digamma: the values to rounding, the gradients
    (trigamma) to 1e-8: PyTorch's trigamma is off by ~1e-9 relative, scratchgrad's by
    ~1e-15 (tests/autograd/test_special_functions.py checks it against mpmath)."""
    compare(lambda lib, *ps: build(lib, *ps).detach(), *arrays)
    compare(build, *arrays, rtol=1e-8, atol=1e-10)


QUANTITIES = {
    "log_prob": lambda lib, d, value: d.log_prob(const(lib, value)),
    "entropy": lambda lib, d, value: d.entropy(),
    "mean": lambda lib, d, value: d.mean,
    "mode": lambda lib, d, value: d.mode,
    "variance": lambda lib, d, value: d.variance,
    "stddev": lambda lib, d, value: d.stddev,
}

CASES = {  # name: (make(lib.distributions, *params), params, a value to score)
    "exponential": (lambda D, r: D.Exponential(r), (RATE,), POSITIVE),
    "laplace": (lambda D, a, b: D.Laplace(a, b), (LOC, SCALE), X),
    "laplace_broadcast": (lambda D, a, b: D.Laplace(a, b), (LOC[:1], SCALE[:, :1]), X),
    "cauchy": (lambda D, a, b: D.Cauchy(a, b), (LOC, SCALE), X),
    "gumbel": (lambda D, a, b: D.Gumbel(a, b), (LOC, SCALE), X),
    "gumbel_float_scale": (lambda D, a: D.Gumbel(a, 0.8), (LOC,), X),
    "lognormal": (lambda D, a, b: D.LogNormal(a, b), (LOC, SCALE), POSITIVE),
    "gamma": (lambda D, c, r: D.Gamma(c, r), (CONC, RATE), POSITIVE),
    "gamma_broadcast": (lambda D, c, r: D.Gamma(c, r), (CONC[:, :1], RATE[:1]), POSITIVE),
    "chi2": (lambda D, k: D.Chi2(k), (CONC * 3,), POSITIVE),
    "beta": (lambda D, a, b: D.Beta(a, b), (CONC, CONC0), UNIT),
    "beta_broadcast": (lambda D, a, b: D.Beta(a, b), (CONC[:1], CONC0[:, :1]), UNIT),
    "dirichlet": (lambda D, a: D.Dirichlet(a), (ALPHA,), SIMPLEX),
    "student_t": (lambda D, k, a, b: D.StudentT(k, a, b), (DF, LOC, SCALE), X),
    "student_t_defaults": (lambda D, k: D.StudentT(k), (DF[:, :1] + 2,), X),
    "poisson": (lambda D, r: D.Poisson(r), (RATE * 3,), COUNTS),
    "geometric_probs": (lambda D, p: D.Geometric(probs=p), (P,), COUNTS),
    "geometric_logits": (lambda D, z: D.Geometric(logits=z), (LOC,), COUNTS),
    "binomial_probs": (lambda D, p: D.Binomial(10, probs=p), (P,), COUNTS),
    "binomial_logits": (lambda D, z: D.Binomial(10, logits=z), (LOC,), COUNTS),
}
NO_ENTROPY = {"poisson"}  # PyTorch's has none either: test_what_pytorch_lacks_is_lacking_here
THROUGH_DIGAMMA = ("gamma", "chi2", "beta", "dirichlet", "student_t")  # their entropies


@pytest.mark.oracle
@pytest.mark.parametrize(
    "case, quantity",
    [
        (case, quantity)
        for case in CASES
        for quantity in QUANTITIES
        if not (case in NO_ENTROPY and quantity == "entropy")
    ],
)
def test_quantities_and_their_gradients_match_pytorch(case, quantity):
    """NaN and inf where PyTorch's are (Cauchy's mean and variance, StudentT's for small
    df) count as equal."""
    make, params, value = CASES[case]
    get = QUANTITIES[quantity]
    through_digamma = quantity == "entropy" and case.startswith(THROUGH_DIGAMMA)
    check = compare_through_digamma if through_digamma else compare
    check(lambda lib, *ps: get(lib, make(lib.distributions, *ps), value), *params)


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_float32_parameters_keep_float32_as_pytorch(case):
    """Every quantity's dtype is PyTorch's for float32 parameters and values (numbers in
    the formulas must not promote to float64); the values agree to float32 rounding."""
    make, params, value = CASES[case]
    value = np.asarray(value, dtype=np.float32)
    results = {}
    for lib in (sg, torch):
        d = make(lib.distributions, *(lib.tensor(p.astype(np.float32)) for p in params))
        results[lib] = {
            name: get(lib, d, value)
            for name, get in QUANTITIES.items()
            if not (case in NO_ENTROPY and name == "entropy")
        }
        if case in CDF_CASES:
            results[lib]["cdf"] = d.cdf(const(lib, value))
            results[lib]["icdf"] = d.icdf(const(lib, QUANTILES.astype(np.float32)))
    for name, ours in results[sg].items():
        theirs = results[torch][name].detach()
        assert ours.dtype == _dtype(theirs), (case, name)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=2e-5, atol=1e-6, err_msg=name)


def _at(method, make, value):
    return lambda lib, *ps: getattr(make(lib.distributions, *ps), method)(const(lib, value))


CDF_CASES = {  # name: (make(lib.distributions, *params), params, cdf's value)
    "exponential": (lambda D, r: D.Exponential(r), (RATE,), POSITIVE),
    "laplace": (lambda D, a, b: D.Laplace(a, b), (LOC, SCALE), X),
    "cauchy": (lambda D, a, b: D.Cauchy(a, b), (LOC, SCALE), X),
    "gumbel": (lambda D, a, b: D.Gumbel(a, b), (LOC, SCALE), X / 2),
    "lognormal": (lambda D, a, b: D.LogNormal(a, b), (LOC, SCALE), POSITIVE),
}


@pytest.mark.oracle
@pytest.mark.parametrize("method", ["cdf", "icdf"])
@pytest.mark.parametrize("case", list(CDF_CASES))
def test_cdf_and_icdf_match_pytorch(case, method):
    """Gumbel's are the exact closed forms, PyTorch's pass through a Uniform on
    [tiny, 1 - eps]: equal to ~1e-16, hence atol."""
    make, params, value = CDF_CASES[case]
    at = value if method == "cdf" else QUANTILES
    compare(_at(method, make, at), *params, rtol=1e-10, atol=1e-13)


@pytest.mark.oracle
def test_gamma_cdf_matches_pytorch_in_rate_and_value():
    """gammainc, differentiable in x = rate * value only (PyTorch's too)."""

    def gamma_cdf(concentration):
        return lambda lib, r, v: lib.distributions.Gamma(const(lib, concentration), r).cdf(v)

    compare(gamma_cdf(CONC), RATE, POSITIVE, rtol=1e-11, atol=1e-14)
    compare(gamma_cdf(CONC[:, :1] * 20), RATE, POSITIVE * 30, rtol=1e-11, atol=1e-14)
    compare(
        lambda lib, v: lib.distributions.Chi2(const(lib, CONC * 3)).cdf(v),
        POSITIVE * 2,
        rtol=1e-11,
        atol=1e-14,
    )
    edges = sg.distributions.Gamma(sg.tensor([2.0, 1.0, 0.5]), 1.0).cdf(
        sg.tensor([0.0, math.inf, 1e-300])
    )
    assert edges.data[0] == 0.0 and edges.data[1] == 1.0 and 0 < edges.data[2] < 1e-140
    concentration = sg.tensor(CONC, requires_grad=True)
    cdf = Gamma(concentration, sg.tensor(RATE)).cdf(sg.tensor(POSITIVE))
    with pytest.raises(NotImplementedError, match="in a .* not implemented"):
        cdf.sum().backward()
    theirs = torch.tensor(CONC, requires_grad=True)
    their_cdf = torch.distributions.Gamma(theirs, torch.tensor(RATE)).cdf(torch.tensor(POSITIVE))
    with pytest.raises(RuntimeError, match="not implemented"):
        their_cdf.sum().backward()


@pytest.mark.oracle
def test_mode_edge_cases_match_pytorch():
    """Beta and Dirichlet modes where concentrations are below 1: PyTorch's one-hot of
    the first category when all are, 0 or 1 when one is; StudentT's and Gamma's
    piecewise pieces with their gradients."""
    corners = np.array([[0.5, 0.5], [0.5, 2.0], [3.0, 0.7], [2.0, 3.0]])
    compare(lambda lib, a: lib.distributions.Dirichlet(a).mode, corners)
    compare(lambda lib, a: lib.distributions.Beta(a[:, 0], a[:, 1]).mode, corners)
    several = np.array([[0.3, 0.5, 0.9], [0.3, 2.0, 0.9], [1.5, 2.0, 4.0]])
    compare(lambda lib, a: lib.distributions.Dirichlet(a).mode, several)
    compare(lambda lib, c, r: lib.distributions.Gamma(c, r).mode, CONC, RATE)


@pytest.mark.oracle
def test_binomial_with_a_total_count_per_entry_matches_pytorch():
    counts = np.array([[10.0, 4.0, 7.0], [0.0, 12.0, 3.0]])
    value = np.minimum(COUNTS, counts)

    for get in (
        lambda lib, d: d.log_prob(const(lib, value)),
        lambda lib, d: d.mean,
        lambda lib, d: d.mode,
        lambda lib, d: d.variance,
    ):
        compare(
            lambda lib, p, get=get: get(lib, lib.distributions.Binomial(const(lib, counts), p)),
            P,
        )
    compare(  # logits 0 (p = 1/2): the clamp-by-zero's gradient is PyTorch's 1/2
        lambda lib, z: lib.distributions.Binomial(6, logits=z).log_prob(const(lib, [0.0, 3.0])),
        np.zeros(2),
    )
    support = {}
    for lib in (sg, torch):
        d = lib.distributions.Binomial(3, probs=lib.tensor(P))
        support[lib] = d.enumerate_support(), d.enumerate_support(expand=False)
    for ours, theirs in zip(support[sg], support[torch]):
        assert ours.shape == tuple(theirs.shape) and ours.dtype == _dtype(theirs)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.oracle
def test_what_pytorch_lacks_is_lacking_here():
    """No Poisson entropy, no Binomial entropy for mixed total counts, no Geometric cdf:
    NotImplementedError in both."""
    for lib in (sg, torch):
        D = lib.distributions
        with pytest.raises(NotImplementedError):
            D.Poisson(lib.tensor(RATE)).entropy()
        with pytest.raises(NotImplementedError, match="Inhomogeneous"):
            D.Binomial(lib.tensor([2.0, 3.0]), probs=lib.tensor([0.5, 0.5])).entropy()
        with pytest.raises(NotImplementedError):
            D.Geometric(lib.tensor(P)).cdf(lib.tensor(1.0))
        with pytest.raises(NotImplementedError):
            D.Beta(lib.tensor(CONC), lib.tensor(CONC0)).cdf(lib.tensor(0.5))


@pytest.mark.oracle
def test_parameters_computed_from_the_other_match_pytorch():
    for name in ("probs", "logits"):
        compare(lambda lib, p: getattr(lib.distributions.Geometric(probs=p), name), P)
        compare(lambda lib, z: getattr(lib.distributions.Geometric(logits=z), name), LOC)
        compare(lambda lib, p: getattr(lib.distributions.Binomial(5, probs=p), name), P)
        compare(lambda lib, z: getattr(lib.distributions.Binomial(5, logits=z), name), LOC)
    compare(lambda lib, k: lib.distributions.Chi2(k).df, CONC)
    compare(lambda lib, k: lib.distributions.Chi2(k).concentration, CONC)
    compare(lambda lib, a, b: lib.distributions.Beta(a, b).concentration0, CONC, CONC0)
    compare(lambda lib, a: lib.distributions.LogNormal(a, 0.5).base_dist.entropy(), LOC)


@pytest.mark.oracle
def test_batch_and_event_shapes_match_pytorch():
    torch.set_default_dtype(torch.float64)  # scratchgrad's default, for the numbers
    try:
        for lib in (sg, torch):
            lib.manual_seed(0)

        def shapes(lib):
            D, t = lib.distributions, lib.tensor
            made = [
                D.Exponential(1.5),
                D.Exponential(t(RATE)),
                D.Laplace(0.0, 1.0),
                D.Cauchy(t(LOC[:1]), t(SCALE[:, :1])),
                D.Gumbel(t(LOC), 2.0),
                D.LogNormal(0.0, t(SCALE)),
                D.Gamma(2.0, 1.0),
                D.Gamma(t(CONC[:, :1]), t(RATE[:1])),
                D.Chi2(3.0),
                D.Chi2(t(CONC)),
                D.Beta(0.5, 0.5),
                D.Beta(t(CONC), 2.0),
                D.Dirichlet(t(ALPHA)),
                D.Dirichlet(t(ALPHA[0])),
                D.StudentT(3.0),
                D.StudentT(t(DF[:, :1]), t(LOC[:1])),
                D.Poisson(2.0),
                D.Poisson(t(RATE)),
                D.Geometric(0.3),
                D.Geometric(logits=t(LOC)),
                D.Binomial(10, 0.5),
                D.Binomial(t(np.full((2, 1), 4.0)), probs=t(P)),
            ]
            return [(tuple(d.batch_shape), tuple(d.event_shape)) for d in made]

        assert shapes(sg) == shapes(torch)
    finally:
        torch.set_default_dtype(torch.float32)


SAMPLED = {  # name: make(lib.distributions, lib.tensor)
    "exponential": lambda D, t: D.Exponential(t(RATE)),
    "exponential_number": lambda D, t: D.Exponential(2.0),
    "laplace": lambda D, t: D.Laplace(t(LOC), t(SCALE)),
    "cauchy": lambda D, t: D.Cauchy(t(LOC[:1]), t(SCALE[:, :1])),
    "gumbel": lambda D, t: D.Gumbel(t(LOC), 1.5),
    "lognormal": lambda D, t: D.LogNormal(0.0, 1.0),
    "gamma": lambda D, t: D.Gamma(t(CONC), t(RATE)),
    "chi2": lambda D, t: D.Chi2(t(CONC)),
    "beta": lambda D, t: D.Beta(t(CONC), t(CONC0)),
    "beta_numbers": lambda D, t: D.Beta(0.5, 2.0),
    "dirichlet": lambda D, t: D.Dirichlet(t(ALPHA)),
    "dirichlet_1d": lambda D, t: D.Dirichlet(t(ALPHA[1])),
    "student_t": lambda D, t: D.StudentT(t(DF), t(LOC), t(SCALE)),
    "poisson": lambda D, t: D.Poisson(t(RATE)),
    "geometric": lambda D, t: D.Geometric(t(P)),
    "geometric_logits": lambda D, t: D.Geometric(logits=t(LOC)),
    "binomial": lambda D, t: D.Binomial(t(np.full((2, 3), 7.0)), probs=t(P)),
    "binomial_number": lambda D, t: D.Binomial(5, logits=t(LOC)),
}
RSAMPLED = {"exponential", "exponential_number", "laplace", "cauchy", "gumbel", "lognormal"}


@pytest.mark.oracle
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("case", list(SAMPLED))
def test_sample_shapes_and_dtypes_match_pytorch(case, sample_shape):
    torch.set_default_dtype(torch.float64)  # scratchgrad's default (for the numbers)
    try:
        d = SAMPLED[case](sg.distributions, sg.tensor)
        theirs = SAMPLED[case](torch.distributions, torch.tensor).sample(sample_shape)
    finally:
        torch.set_default_dtype(torch.float32)
    ours = d.sample(sample_shape)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == _dtype(theirs)
    assert not ours.requires_grad
    assert bool(d.support.check(ours).all())
    assert d.has_rsample == (case in RSAMPLED)
    if d.has_rsample:
        drawn = d.rsample(sample_shape)
        assert drawn.shape == ours.shape and drawn.dtype == ours.dtype


def test_float32_parameters_give_float32_draws():
    t = sg.tensor(np.array([0.5, 2.0]), dtype=sg.float32)
    for d in (
        Exponential(t),
        Laplace(t, t),
        Gumbel(t, 1.0),
        LogNormal(t, t),
        Gamma(t, t),
        Beta(t, t),
        Dirichlet(t),
        StudentT(t),
        Poisson(t),
        Geometric(t / 4),
        Binomial(4, probs=t / 4),
    ):
        assert d.sample((3,)).dtype == np.float32, type(d).__name__
        if d.has_rsample:
            assert d.rsample((3,)).dtype == np.float32, type(d).__name__
    tiny = Gamma(sg.tensor([1e-3], dtype=sg.float32), 1.0).sample((2000,))
    assert float(tiny.data.min()) >= np.finfo(np.float32).tiny  # clamped, as PyTorch's


def _standard_error(d, n):
    return d.stddev.data / math.sqrt(n)


def test_sample_means_over_20k_draws_match_the_mean():
    """Within 5 standard errors of `mean` (a fixed seed: the same draws every run)."""
    sg.manual_seed(0)
    n = 20_000
    t = sg.tensor
    for d in [
        Exponential(t([0.5, 3.0])),
        Laplace(t([1.0, -2.0]), t([0.5, 3.0])),
        Gumbel(t([1.0, -2.0]), t([0.5, 3.0])),
        LogNormal(t([0.0, 1.0]), t([0.25, 0.5])),
        Gamma(t([0.3, 1.0, 7.5]), t([2.0, 1.0, 0.5])),
        Chi2(t([1.0, 4.0])),
        Beta(t([0.2, 2.0, 5.0]), t([0.3, 2.0, 1.0])),
        Dirichlet(t([[0.1, 0.2, 0.7], [2.0, 3.0, 5.0]])),
        StudentT(t([3.0, 10.0]), t([1.0, -1.0]), t([2.0, 0.5])),
        Poisson(t([0.0, 0.5, 4.0, 50.0])),
        Geometric(t([0.1, 0.5, 1.0])),
        Binomial(t([0.0, 5.0, 20.0]), probs=t([0.3, 0.5, 0.9])),
    ]:
        drawn = d.sample((n,)).data
        error = np.maximum(_standard_error(d, n), 1e-12)
        np.testing.assert_array_less(
            np.abs(drawn.mean(0) - d.mean.data), 5 * error, err_msg=type(d).__name__
        )
    drawn = Cauchy(t([1.0, -2.0]), t([0.5, 3.0])).sample((n,)).data  # no mean: the median
    np.testing.assert_allclose(np.median(drawn, 0), [1.0, -2.0], atol=0.1)
    variance = Gamma(t([2.0]), t([4.0])).sample((n,)).data.var()
    assert variance == pytest.approx(2.0 / 16, rel=0.05)
    assert (Poisson(t([0.0])).sample((10,)).data == 0).all()
    assert (Geometric(t([1.0])).sample((10,)).data == 0).all()


def test_samples_follow_the_seed():
    makers = [lambda: Gamma(sg.tensor([0.5, 2.0]), 1.0), lambda: Laplace(0.0, 1.0)]
    makers += [lambda: Dirichlet(sg.tensor([0.5, 1.0, 2.0])), lambda: Binomial(9, probs=0.3)]
    sg.manual_seed(5)
    first = [make().sample((4,)).data for make in makers]
    sg.manual_seed(5)
    again = [make().sample((4,)).data for make in makers]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_rsample_gradients_are_the_analytic_ones_given_the_noise():
    """d(sample)/d(loc) = 1, d(sample)/d(scale) = (sample - loc) / scale; LogNormal's are
    the sample times those; Exponential's d(sample)/d(rate) = -sample / rate."""
    sg.manual_seed(3)
    n = 1000
    for cls in (Laplace, Cauchy, Gumbel, LogNormal):
        loc = sg.tensor([0.5, -1.0, 2.0], requires_grad=True)
        scale = sg.tensor([2.0, 0.5, 1.0], requires_grad=True)
        x = cls(loc, scale).rsample((n,))
        assert x.requires_grad
        x.sum().backward()
        if cls is LogNormal:
            noise = (np.log(x.data) - loc.data) / scale.data
            np.testing.assert_allclose(loc.grad, x.data.sum(0), rtol=1e-12)
            np.testing.assert_allclose(scale.grad, (x.data * noise).sum(0), rtol=1e-10)
        else:
            np.testing.assert_allclose(loc.grad, [n, n, n], rtol=1e-12)
            noise = (x.data - loc.data) / scale.data
            np.testing.assert_allclose(scale.grad, noise.sum(0), rtol=1e-10, atol=1e-9)
    rate = sg.tensor([0.5, 4.0], requires_grad=True)
    x = Exponential(rate).rsample((n,))
    x.sum().backward()
    np.testing.assert_allclose(rate.grad, (-x.data / rate.data).sum(0), rtol=1e-12)
    assert not Exponential(rate).sample().requires_grad


@pytest.mark.parametrize(
    "make",
    [
        lambda: Gamma(sg.tensor(2.0, requires_grad=True), 1.0),
        lambda: Chi2(sg.tensor(3.0)),
        lambda: Beta(2.0, 3.0),
        lambda: Dirichlet(sg.tensor([1.0, 2.0])),
        lambda: StudentT(4.0),
    ],
)
def test_rsample_without_implicit_gradients_raises_and_points_to_sample(make):
    d = make()
    assert not d.has_rsample
    with pytest.raises(NotImplementedError, match=r"implicit .* sample\(\)"):
        d.rsample((2,))
    assert d.sample((2,)).shape == (2,) + d.batch_shape + d.event_shape


@pytest.mark.oracle
def test_expand_matches_pytorch():
    def expanded(lib, a, b):
        D = lib.distributions
        made = [
            (D.Exponential(b[0]).expand((4, 3)), (4, 3)),
            (D.Laplace(a, b).expand((3, 2, 3)), (3, 2, 3)),
            (D.Cauchy(a[0], b[0]).expand((2, 3)), (2, 3)),
            (D.Gumbel(a, b).expand((2, 2, 3)), (2, 2, 3)),
            (D.LogNormal(a, b).expand((2, 2, 3)), (2, 2, 3)),
            (D.Gamma(b, b + 1).expand((4, 2, 3)), (4, 2, 3)),
            (D.Chi2(b[0]).expand((2, 3)), (2, 3)),
            (D.Beta(b, b + 0.5).expand((3, 2, 3)), (3, 2, 3)),
            (D.StudentT(b + 2, a, b).expand((2, 2, 3)), (2, 2, 3)),
        ]
        parts = []
        for d, shape in made:
            assert tuple(d.batch_shape) == shape, type(d).__name__
            assert tuple(d.sample((2,)).shape) == (2,) + shape
            parts += [d.entropy().sum(), d.mean.sum(), d.log_prob(const(lib, 0.5)).sum()]
        dirichlet = D.Dirichlet(b).expand((5, 2))
        assert tuple(dirichlet.batch_shape) == (5, 2) and tuple(dirichlet.event_shape) == (3,)
        parts += [dirichlet.entropy().sum(), dirichlet.mean.sum()]
        poisson = D.Poisson(b).expand((4, 2, 3))
        geometric = D.Geometric(logits=a).expand((4, 2, 3))
        binomial = D.Binomial(4, logits=a).expand((3, 2, 3))
        for d in (poisson, geometric, binomial):
            parts += [d.log_prob(const(lib, COUNTS[:1] % 5)).sum(), d.variance.sum()]
        assert tuple(binomial.sample((2,)).shape) == (2, 3, 2, 3)
        parts.append(binomial.entropy().sum())
        return lib.stack(parts)

    compare_through_digamma(expanded, LOC, SCALE)


def _kl(make_p, make_q):
    return lambda lib, a, b: lib.distributions.kl_divergence(
        make_p(lib.distributions, a), make_q(lib.distributions, b)
    )


KL_CASES = {
    "exponential": (lambda D, r: D.Exponential(r), lambda D, s: D.Exponential(s), RATE, SCALE),
    "gamma": (
        lambda D, c: D.Gamma(c, c.abs() + 0.5),
        lambda D, r: D.Gamma(r * 2, r),
        CONC,
        RATE,
    ),
    "chi2": (lambda D, k: D.Chi2(k), lambda D, m: D.Chi2(m), CONC * 3, RATE * 2),
    "chi2_gamma": (lambda D, k: D.Chi2(k), lambda D, r: D.Gamma(r, r), CONC * 3, RATE),
    "beta": (lambda D, a: D.Beta(a, a + 1), lambda D, b: D.Beta(b, b * b + 0.3), CONC, CONC0),
    "dirichlet": (lambda D, a: D.Dirichlet(a), lambda D, b: D.Dirichlet(b), ALPHA, ALPHA[::-1]),
    "poisson": (lambda D, r: D.Poisson(r), lambda D, s: D.Poisson(s), RATE, SCALE),
    "laplace": (
        lambda D, a: D.Laplace(a, a.abs() + 0.5),
        lambda D, b: D.Laplace(b, b.abs() + 0.2),
        LOC,
        X[0],
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(KL_CASES))
def test_kl_divergence_and_its_gradients_match_pytorch(case):
    make_p, make_q, a, b = KL_CASES[case]
    through_digamma = case.startswith(THROUGH_DIGAMMA)
    (compare_through_digamma if through_digamma else compare)(_kl(make_p, make_q), a, b)


def test_kl_of_a_distribution_with_itself_is_zero():
    t = sg.tensor
    for d in (
        Exponential(t([0.5, 2.0])),
        Gamma(t([0.5, 2.0]), 3.0),
        Chi2(t([3.0])),
        Beta(t([0.5, 2.0]), t([1.5, 0.3])),
        Dirichlet(t([[0.5, 2.0, 1.0]])),
        Poisson(t([0.5, 7.0])),
        Laplace(t([0.5, -2.0]), 3.0),
    ):
        np.testing.assert_allclose(kl_divergence(d, d).data, 0.0, atol=1e-14)


PARAMETERS_OUT_OF_SUPPORT = [  # (make(lib.distributions, lib.tensor), the parameter named)
    (lambda D, t: D.Exponential(t([1.0, 0.0])), "rate"),
    (lambda D, t: D.Laplace(0.0, t(-1.0)), "scale"),
    (lambda D, t: D.Cauchy(t(math.nan), 1.0), "loc"),
    (lambda D, t: D.Gumbel(0.0, t([0.0])), "scale"),
    (lambda D, t: D.LogNormal(t([0.0]), t([-0.5])), "scale"),
    (lambda D, t: D.Gamma(t([0.0, 1.0]), 1.0), "concentration"),
    (lambda D, t: D.Gamma(1.0, t(-2.0)), "rate"),
    (lambda D, t: D.Chi2(t([3.0, -1.0])), "df"),
    (lambda D, t: D.Beta(t(-1.0), 1.0), "concentration1"),
    (lambda D, t: D.Beta(1.0, t([0.0])), "concentration0"),
    (lambda D, t: D.Dirichlet(t([1.0, 0.0, 2.0])), "concentration"),
    (lambda D, t: D.StudentT(t(0.0)), "df"),
    (lambda D, t: D.StudentT(3.0, 0.0, t(-1.0)), "scale"),
    (lambda D, t: D.Poisson(t([-0.5])), "rate"),
    (lambda D, t: D.Geometric(t(1.5)), "probs"),
    (lambda D, t: D.Geometric(t([0.5, 0.0])), "probs"),  # PyTorch's own check: positive
    (lambda D, t: D.Geometric(logits=t(math.nan)), "logits"),
    (lambda D, t: D.Binomial(t(2.5), probs=t(0.5)), "total_count"),
    (lambda D, t: D.Binomial(t(-1.0), probs=t(0.5)), "total_count"),
    (lambda D, t: D.Binomial(3, probs=t([1.2])), "probs"),
]


@pytest.mark.oracle
@pytest.mark.parametrize("make, name", PARAMETERS_OUT_OF_SUPPORT)
def test_parameters_outside_their_constraint_raise_naming_the_parameter(make, name):
    with pytest.raises(ValueError, match=f"parameter {name} "):
        make(sg.distributions, sg.tensor)
    theirs = "concentration" if name.startswith("concentration") else name  # Beta's Dirichlet
    with pytest.raises(ValueError, match=f"parameter {theirs} "):
        make(torch.distributions, torch.tensor)
    sg.distributions.Distribution.set_default_validate_args(False)
    try:
        make(sg.distributions, sg.tensor)  # without validation: built, nothing checked
    finally:
        sg.distributions.Distribution.set_default_validate_args(True)


VALUES_OUT_OF_SUPPORT = [  # (make(lib.distributions, lib.tensor), a value outside)
    (lambda D, t: D.Exponential(1.0), -0.5),
    (lambda D, t: D.Laplace(0.0, 1.0), math.nan),
    (lambda D, t: D.Cauchy(0.0, 1.0), math.nan),
    (lambda D, t: D.Gumbel(0.0, 1.0), math.nan),
    (lambda D, t: D.LogNormal(0.0, 1.0), 0.0),
    (lambda D, t: D.Gamma(2.0, 1.0), -1.0),
    (lambda D, t: D.Chi2(3.0), -0.1),
    (lambda D, t: D.Beta(2.0, 2.0), 1.5),
    (lambda D, t: D.Dirichlet(t([1.0, 2.0])), [0.5, 0.6]),
    (lambda D, t: D.StudentT(3.0), math.nan),
    (lambda D, t: D.Poisson(2.0), 1.5),
    (lambda D, t: D.Poisson(2.0), -1.0),
    (lambda D, t: D.Geometric(0.5), -1.0),
    (lambda D, t: D.Geometric(0.5), 0.5),
    (lambda D, t: D.Binomial(10, 0.5), 11.0),
    (lambda D, t: D.Binomial(10, 0.5), 2.5),
]


@pytest.mark.oracle
@pytest.mark.parametrize("make, value", VALUES_OUT_OF_SUPPORT)
def test_values_outside_the_support_raise(make, value):
    torch.set_default_dtype(torch.float64)
    try:
        with pytest.raises(ValueError, match="value argument .* within the support"):
            make(sg.distributions, sg.tensor).log_prob(sg.tensor(value))
        with pytest.raises(ValueError, match="within the support"):
            make(torch.distributions, torch.tensor).log_prob(torch.tensor(value))
    finally:
        torch.set_default_dtype(torch.float32)


def test_validation_can_be_turned_off():
    assert Gamma(-1.0, 1.0, validate_args=False).mean.item() == -1.0
    assert Poisson(2.0, validate_args=False).log_prob(sg.tensor(1.5)).item() < 0
    Beta(2.0, 2.0, validate_args=False).log_prob(sg.tensor(0.5))
    assert Chi2(-1.0, validate_args=False).expand((2,))._validate_args is False
    assert Geometric(0.0, validate_args=False).mean.item() == math.inf
    with pytest.raises(ValueError, match="not both"):
        Geometric(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match="not both"):
        Binomial(3)
    with pytest.raises(ValueError, match="one-dimensional"):
        Dirichlet(sg.tensor(1.0))
    assert Gamma(2.0, 1.0).log_prob(0.5).item() == pytest.approx(math.log(0.5) - 0.5)
    with pytest.raises(ValueError, match="value argument .* within the support"):
        LogNormal(0.0, 1.0).cdf(sg.tensor(-1.0))  # log(-1) is NaN: not real
    assert LogNormal(0.0, 1.0).cdf(sg.tensor(0.0)).item() == 0.0  # as PyTorch's


def test_gumbel_cdf_and_icdf_are_the_closed_forms_everywhere():
    """exp(-exp(-z)) at every real value: far left it underflows to 0 (PyTorch's, through
    its Uniform on [tiny, 1 - eps], raises there when validating), and icdf inverts it."""
    d = Gumbel(sg.tensor(0.5), sg.tensor(2.0))
    assert d.cdf(sg.tensor(-40.0)).item() == 0.0
    x = np.array([-3.0, 0.5, 4.0, 30.0])
    z = (x - 0.5) / 2.0
    np.testing.assert_allclose(d.cdf(sg.tensor(x)).data, np.exp(-np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(d.icdf(d.cdf(sg.tensor(x[:3]))).data, x[:3], rtol=1e-12)
