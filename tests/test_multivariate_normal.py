"""`MultivariateNormal` against `torch.distributions.MultivariateNormal`, as
tests/test_distributions.py checks the others (its `compare` is used here): for each of the
three parameterisations (covariance_matrix, precision_matrix, scale_tril), every
deterministic number (log_prob, entropy, mean, mode, variance, stddev, the three matrices)
and its gradients in loc and the matrix, in float64, batch broadcasting included;
rsample's numbers and gradients given PyTorch the same noise; sample shapes, dtypes and a
seeded sample covariance; kl_divergence; expand; validation."""

import math

import numpy as np
import pytest
from oracles import oracle
from test_distributions import _dtype, compare, const

import scratchgrad as sg
from scratchgrad.distributions import (
    Distribution,
    MultivariateNormal,
    Normal,
    constraints,
    kl_divergence,
)

torch = oracle("torch")

RNG = np.random.default_rng(20)


def _spd(*batch, n=3):
    """Well-conditioned symmetric positive-definite matrices of shape batch + (n, n)."""
    a = RNG.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


LOC = RNG.standard_normal((2, 3))
COV = _spd(2)
PREC = _spd(2)
TRIL = np.linalg.cholesky(_spd(2))
X = RNG.standard_normal((5, 2, 3))

PARAMETERISATIONS = {  # name: (keyword, a batch of matrices of shape (2, 3, 3))
    "covariance": ("covariance_matrix", COV),
    "precision": ("precision_matrix", PREC),
    "scale_tril": ("scale_tril", TRIL),
}

SHAPES = {  # name: (loc, the matrix's batch of the (2, 3, 3) above, value)
    "same_batch": (LOC, slice(None), X),
    "one_matrix": (LOC, 0, X),  # loc (2, 3), matrix (3, 3)
    "one_loc": (LOC[0], slice(None), X),  # loc (3,), matrix (2, 3, 3)
    "broadcast": (LOC[:, None], slice(None), X[:, None]),  # (2, 1, 3) with (2, 3, 3)
    "unbatched": (LOC[0], 0, X[:, 0]),
}


def _make(D, keyword):
    return lambda loc, matrix: D.MultivariateNormal(loc, **{keyword: matrix})


QUANTITIES = {
    "log_prob": lambda lib, d, value: d.log_prob(const(lib, value)),
    "entropy": lambda lib, d, value: d.entropy(),
    "mean": lambda lib, d, value: d.mean,
    "mode": lambda lib, d, value: d.mode,
    "variance": lambda lib, d, value: d.variance,
    "stddev": lambda lib, d, value: d.stddev,
    "scale_tril": lambda lib, d, value: d.scale_tril,
    "covariance_matrix": lambda lib, d, value: d.covariance_matrix,
    "precision_matrix": lambda lib, d, value: d.precision_matrix,
}


@pytest.mark.oracle
@pytest.mark.parametrize("shapes", list(SHAPES))
@pytest.mark.parametrize("quantity", list(QUANTITIES))
@pytest.mark.parametrize("parameterisation", list(PARAMETERISATIONS))
def test_quantities_and_their_gradients_match_pytorch(parameterisation, quantity, shapes):
    keyword, matrices = PARAMETERISATIONS[parameterisation]
    loc, which, value = SHAPES[shapes]
    get = QUANTITIES[quantity]
    compare(
        lambda lib, a, m: get(lib, _make(lib.distributions, keyword)(a, m), value),
        loc,
        matrices[which],
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("shapes", list(SHAPES))
def test_shapes_and_the_repr_match_pytorch(shapes):
    loc, which, _ = SHAPES[shapes]

    def made(lib):
        t = lib.tensor
        D = lib.distributions
        return [
            D.MultivariateNormal(t(loc), **{k: t(m[which])}) for k, m in PARAMETERISATIONS.values()
        ]

    for ours, theirs in zip(made(sg), made(torch)):
        assert ours.batch_shape == tuple(theirs.batch_shape)
        assert ours.event_shape == tuple(theirs.event_shape)
        for name in ("loc", "scale_tril", "covariance_matrix", "precision_matrix"):
            assert getattr(ours, name).shape == tuple(getattr(theirs, name).shape), name
        assert repr(ours).split("(")[0] == repr(theirs).split("(")[0]
    d = MultivariateNormal(sg.zeros(3), scale_tril=sg.eye(3))
    assert d.has_rsample and d.support is constraints.real_vector
    assert "scale_tril" in repr(d) and "covariance_matrix" not in repr(d)


@pytest.mark.oracle
def test_log_prob_of_a_value_batch_wider_than_the_distribution_matches_pytorch():
    """Values of shape sample_shape + (1, ...) + event against a batch: the one
    unbroadcast factor solves them all, in both."""
    values = RNG.standard_normal((4, 1, 2, 3))
    for keyword, matrices in PARAMETERISATIONS.values():
        compare(
            lambda lib, a, m: _make(lib.distributions, keyword)(a, m).log_prob(const(lib, values)),
            LOC[:1],
            matrices,
            rtol=1e-10,
            atol=1e-12,
        )


@pytest.mark.oracle
@pytest.mark.parametrize("shapes", ["same_batch", "one_matrix", "broadcast"])
@pytest.mark.parametrize("parameterisation", list(PARAMETERISATIONS))
def test_rsample_and_its_gradients_match_pytorch_given_the_same_noise(
    parameterisation, shapes, monkeypatch
):
    """loc + L eps: PyTorch's rsample is given scratchgrad's eps (its _standard_normal
    replaced), so the draws, and their gradients in loc and the matrix, must agree."""
    keyword, matrices = PARAMETERISATIONS[parameterisation]
    loc, which, _ = SHAPES[shapes]
    sample_shape = (4,)
    noise = {}
    real_randn = sg.randn

    def build(lib, a, m):
        d = _make(lib.distributions, keyword)(a, m)
        if lib is sg:
            sg.manual_seed(5)
            x = d.rsample(sample_shape)
            sg.manual_seed(5)
            noise["eps"] = real_randn(d._extended_shape(sample_shape), dtype=sg.float64).data
            return x
        module = torch.distributions.multivariate_normal
        monkeypatch.setattr(
            module, "_standard_normal", lambda shape, dtype, device: torch.tensor(noise["eps"])
        )
        return d.rsample(sample_shape)

    compare(build, loc, matrices[which], rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_shapes_and_dtypes_match_pytorch(sample_shape, dtype):
    for keyword, matrices in PARAMETERISATIONS.values():
        for which in (slice(None), 0):
            got = []
            for lib in (sg, torch):
                t = lambda a: lib.tensor(np.asarray(a, dtype=dtype))  # noqa: E731
                d = lib.distributions.MultivariateNormal(t(LOC), **{keyword: t(matrices[which])})
                got += [d.sample(sample_shape), d.rsample(sample_shape)]
            for ours, theirs in ((got[0], got[2]), (got[1], got[3])):
                assert ours.shape == tuple(theirs.shape)
                assert ours.dtype == _dtype(theirs)
            assert not got[0].requires_grad


def test_sample_mean_and_covariance_over_20k_seeded_draws():
    cov = np.array([[2.0, 0.6, -0.4], [0.6, 1.0, 0.3], [-0.4, 0.3, 0.5]])
    loc = np.array([1.0, -2.0, 0.5])
    for keyword, matrix in [
        ("covariance_matrix", cov),
        ("precision_matrix", np.linalg.inv(cov)),
        ("scale_tril", np.linalg.cholesky(cov)),
    ]:
        sg.manual_seed(0)
        d = MultivariateNormal(sg.tensor(loc), **{keyword: sg.tensor(matrix)})
        draws = d.sample((20_000,)).data
        np.testing.assert_allclose(draws.mean(0), loc, atol=0.04)
        np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.05)
        sg.manual_seed(0)
        np.testing.assert_array_equal(d.sample((20_000,)).data, draws)  # follows the seed


def _kl(make_p, make_q):
    return lambda lib, a, b, m, s: lib.distributions.kl_divergence(
        make_p(lib.distributions, a, m), make_q(lib.distributions, b, s)
    )


KL_CASES = {  # name: (make_p(D, loc, matrix), make_q(D, loc, matrix), p's, q's params)
    "covariance_scale_tril": (
        lambda D, a, m: D.MultivariateNormal(a, covariance_matrix=m),
        lambda D, b, s: D.MultivariateNormal(b, scale_tril=s),
        (LOC, COV),
        (X[0], TRIL),
    ),
    "precision_covariance": (
        lambda D, a, m: D.MultivariateNormal(a, precision_matrix=m),
        lambda D, b, s: D.MultivariateNormal(b, covariance_matrix=s),
        (LOC, PREC),
        (X[1], COV),
    ),
    "scale_tril_precision_broadcast": (  # p batch (2,), q one matrix and one loc
        lambda D, a, m: D.MultivariateNormal(a, scale_tril=m),
        lambda D, b, s: D.MultivariateNormal(b, precision_matrix=s),
        (LOC, TRIL),
        (X[2, 0], PREC[1]),
    ),
    "one_matrix_batched_loc": (  # p's matrix (3, 3) against q's batch of two
        lambda D, a, m: D.MultivariateNormal(a, covariance_matrix=m),
        lambda D, b, s: D.MultivariateNormal(b, covariance_matrix=s),
        (LOC, COV[0]),
        (X[3], COV),
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(KL_CASES))
def test_kl_divergence_and_its_gradients_match_pytorch(case):
    make_p, make_q, (a, m), (b, s) = KL_CASES[case]
    compare(_kl(make_p, make_q), a, b, m, s, rtol=1e-10, atol=1e-12)


def test_kl_of_a_distribution_with_itself_is_zero_and_event_sizes_must_match():
    d = MultivariateNormal(sg.tensor(LOC), covariance_matrix=sg.tensor(COV))
    np.testing.assert_allclose(kl_divergence(d, d).data, 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(d, MultivariateNormal(sg.zeros(2), sg.eye(2)))


@pytest.mark.oracle
def test_expand_matches_pytorch():
    def expanded(lib, a, m):
        D = lib.distributions
        parts = []
        for keyword in ("covariance_matrix", "precision_matrix", "scale_tril"):
            given = m if keyword != "scale_tril" else lib.linalg.cholesky(m)
            d = D.MultivariateNormal(a, **{keyword: given}).expand((4, 2))
            assert tuple(d.batch_shape) == (4, 2) and tuple(d.event_shape) == (3,)
            assert tuple(d.sample((5,)).shape) == (5, 4, 2, 3)
            assert tuple(d.loc.shape) == (4, 2, 3)
            for name in ("scale_tril", "covariance_matrix", "precision_matrix"):
                assert tuple(getattr(d, name).shape) == (4, 2, 3, 3), name
            parts += [
                d.log_prob(const(lib, X[:4])).sum(),
                d.entropy().sum(),
                d.variance.sum(),
                d.covariance_matrix.sum(),
                d.precision_matrix.sum(),
            ]
        return lib.stack(parts)

    compare(expanded, LOC, COV, rtol=1e-10, atol=1e-12)
    d = MultivariateNormal(sg.zeros(3), sg.eye(3), validate_args=False)
    assert d.expand((2,))._validate_args is False


def test_gradients_reach_loc_and_each_kind_of_matrix_through_rsample():
    for keyword, matrices in PARAMETERISATIONS.values():
        loc = sg.tensor(LOC, requires_grad=True)
        matrix = sg.tensor(matrices, requires_grad=True)
        d = MultivariateNormal(loc, **{keyword: matrix})
        d.rsample((3,)).pow(2).sum().backward()
        assert loc.grad is not None and matrix.grad is not None
        assert np.abs(matrix.grad).sum() > 0
        assert not d.sample().requires_grad


def test_validation_raises_for_parameters_and_values_outside_their_sets():
    eye = sg.eye(3)
    not_pd = sg.tensor([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    not_symmetric = sg.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="parameter covariance_matrix .* PositiveDefinite"):
        MultivariateNormal(sg.zeros(3), covariance_matrix=not_pd)
    with pytest.raises(ValueError, match="parameter covariance_matrix .* PositiveDefinite"):
        MultivariateNormal(sg.zeros(3), covariance_matrix=not_symmetric)
    with pytest.raises(ValueError, match="parameter covariance_matrix"):  # one bad of a batch
        MultivariateNormal(sg.zeros(3), covariance_matrix=sg.stack([eye, not_pd]))
    with pytest.raises(ValueError, match="parameter precision_matrix .* PositiveDefinite"):
        MultivariateNormal(sg.zeros(3), precision_matrix=-eye)
    with pytest.raises(ValueError, match="parameter scale_tril .* LowerCholesky"):
        MultivariateNormal(sg.zeros(3), scale_tril=eye + sg.tensor(np.triu(np.ones((3, 3)), 1)))
    with pytest.raises(ValueError, match="parameter scale_tril .* LowerCholesky"):
        MultivariateNormal(sg.zeros(3), scale_tril=sg.tensor(np.diag([1.0, 0.0, 2.0])))
    with pytest.raises(ValueError, match="parameter loc"):
        MultivariateNormal(sg.tensor([0.0, math.nan, 0.0]), eye)

    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        MultivariateNormal(sg.tensor(0.0), sg.eye(1))
    with pytest.raises(ValueError, match="Exactly one of"):
        MultivariateNormal(sg.zeros(3))
    with pytest.raises(ValueError, match="Exactly one of"):
        MultivariateNormal(sg.zeros(3), eye, scale_tril=eye)
    for keyword in ("covariance_matrix", "precision_matrix", "scale_tril"):
        with pytest.raises(ValueError, match=f"{keyword} must be at least two-dimensional"):
            MultivariateNormal(sg.zeros(3), **{keyword: sg.ones(3)})
        with pytest.raises(ValueError, match=f"{keyword} must be a batch of \\(3, 3\\)"):
            MultivariateNormal(sg.zeros(3), **{keyword: sg.eye(2)})  # loc's size is 3
        with pytest.raises(ValueError, match=f"{keyword} must be a batch of \\(3, 3\\)"):
            MultivariateNormal(sg.zeros(3), **{keyword: sg.zeros(3, 4)})  # not square
        with pytest.raises(ValueError, match=f"loc \\(2,\\) and {keyword} \\(4,\\)"):
            MultivariateNormal(sg.zeros(2, 3), **{keyword: eye.expand((4, 3, 3))})
    with pytest.raises(RuntimeError, match="loc"):  # also what PyTorch raises for it
        MultivariateNormal(sg.zeros(2, 3), eye.expand((4, 3, 3)))

    d = MultivariateNormal(sg.zeros(3), eye)
    with pytest.raises(ValueError, match="event_shape"):
        d.log_prob(sg.zeros(2))
    with pytest.raises(ValueError, match="value argument .* within the support"):
        d.log_prob(sg.tensor([0.0, math.nan, 0.0]))
    with pytest.raises(ValueError, match="broadcastable"):
        MultivariateNormal(sg.zeros(2, 3), eye).log_prob(sg.zeros(4, 3))


def test_validation_can_be_turned_off():
    not_pd = sg.tensor([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(sg.linalg.LinAlgError):  # the Cholesky factorisation itself fails
        MultivariateNormal(sg.zeros(2), not_pd, validate_args=False)
    d = MultivariateNormal(sg.tensor([0.0, math.nan]), sg.eye(2), validate_args=False)
    assert math.isnan(d.log_prob(sg.zeros(2)).item())
    Distribution.set_default_validate_args(False)
    try:
        MultivariateNormal(sg.zeros(2), scale_tril=-sg.eye(2)).log_prob(sg.zeros(2))
    finally:
        Distribution.set_default_validate_args(True)


def test_constraints_check_per_matrix():
    eye = np.eye(3)
    batch = sg.tensor(np.stack([eye, -eye, eye + 1e-3 * np.triu(np.ones((3, 3)), 1)]))
    np.testing.assert_array_equal(constraints.positive_definite.check(batch).data, [1, 0, 0])
    np.testing.assert_array_equal(constraints.lower_cholesky.check(batch).data, [1, 0, 0])
    np.testing.assert_array_equal(
        constraints.positive_definite.check(sg.zeros(2, 3, 4)).data, [0, 0]
    )
    assert constraints.positive_definite.event_dim == constraints.lower_cholesky.event_dim == 2
    assert repr(constraints.positive_definite) == "PositiveDefinite()"
    assert repr(constraints.lower_cholesky) == "LowerCholesky()"


@pytest.mark.oracle
def test_independent_normal_is_a_diagonal_multivariate_normal():
    """The same numbers from MultivariateNormal with a diagonal scale_tril as from
    Independent(Normal), in both libraries."""

    def build(lib, a, s):
        D = lib.distributions
        mvn = D.MultivariateNormal(a, scale_tril=lib.diag_embed(s))
        ind = D.Independent(D.Normal(a, s), 1)
        value = const(lib, X)
        return lib.stack(
            [
                mvn.log_prob(value).sum() - ind.log_prob(value).sum(),
                mvn.entropy().sum(),
                mvn.log_prob(value).sum(),
            ]
        )

    compare(build, LOC, np.abs(LOC) + 0.5, rtol=1e-10, atol=1e-12)
    d = MultivariateNormal(sg.zeros(2), scale_tril=sg.eye(2))
    assert isinstance(d, Distribution) and not isinstance(d, Normal)


def test_renamed_import_reaches_multivariate_normal():
    import scratchgrad as torch_renamed

    m = torch_renamed.distributions.MultivariateNormal(
        torch_renamed.zeros(2), covariance_matrix=torch_renamed.eye(2)
    )
    assert m.log_prob(torch_renamed.zeros(2)).item() == pytest.approx(-math.log(2 * math.pi))
    assert torch_renamed.distributions.MultivariateNormal is MultivariateNormal
