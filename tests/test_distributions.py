"""`scratchgrad.distributions` against `torch.distributions`: every deterministic number
(log_prob, entropy, mean, mode, variance, cdf, kl_divergence) and its gradients with
respect to the parameters, in float64; sample shapes and dtypes; sample statistics over
20k seeded draws (the draws are numpy's, so other numbers than PyTorch's); rsample's
gradients; expand; validation; and a REINFORCE step run renamed."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.distributions import (
    Bernoulli,
    Categorical,
    Distribution,
    Independent,
    Normal,
    OneHotCategorical,
    Uniform,
    kl_divergence,
    register_kl,
)

torch = oracle("torch")

RNG = np.random.default_rng(0)
LOC, SCALE = RNG.standard_normal((2, 3)), RNG.uniform(0.3, 2.0, (2, 3))
LOW = RNG.standard_normal((2, 3))
HIGH = LOW + RNG.uniform(0.5, 2.0, (2, 3))
P = RNG.uniform(0.05, 0.95, (2, 3))
LOGITS = RNG.standard_normal((2, 4))
PROBS = RNG.uniform(0.1, 1.0, (2, 4))  # not normalised: Categorical normalises
X = RNG.standard_normal((5, 2, 3))
BITS = (X > 0).astype(np.float64)


def _dtype(t):
    return np.dtype(str(t.dtype).removeprefix("torch."))


def compare(build, *arrays, rtol=1e-12, atol=1e-13):
    """build(lib, *params) with lib scratchgrad then torch, the params float64 leaves:
    the same shape, dtype, numbers (NaN and inf included) and parameter gradients."""
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    ours = [sg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = build(sg, *ours), build(torch, *theirs)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == _dtype(tout)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    if not tout.requires_grad:
        return
    seed = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(sg.tensor(seed))
    tout.backward(torch.tensor(seed))
    for x, t in zip(ours, theirs):
        expected = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def const(lib, array):
    return lib.tensor(np.asarray(array))


QUANTITIES = {
    "log_prob": lambda lib, d, value: d.log_prob(const(lib, value)),
    "entropy": lambda lib, d, value: d.entropy(),
    "mean": lambda lib, d, value: d.mean,
    "mode": lambda lib, d, value: d.mode,
    "variance": lambda lib, d, value: d.variance,
    "stddev": lambda lib, d, value: d.stddev,
}

CASES = {  # name: (make(lib.distributions, *params), params, a value to score)
    "normal": (lambda D, a, b: D.Normal(a, b), (LOC, SCALE), X),
    "normal_float_scale": (lambda D, a: D.Normal(a, 0.7), (LOC,), X),
    "uniform": (lambda D, a, b: D.Uniform(a, b), (LOW, HIGH), (LOW + HIGH) / 2),
    "bernoulli_probs": (lambda D, p: D.Bernoulli(probs=p), (P,), BITS),
    "bernoulli_logits": (lambda D, z: D.Bernoulli(logits=z), (LOC,), BITS),
    "categorical_probs": (lambda D, p: D.Categorical(probs=p), (PROBS,), [[0, 3], [2, 1]]),
    "categorical_logits": (lambda D, z: D.Categorical(logits=z), (LOGITS,), [1, 2]),
    "onehot_logits": (lambda D, z: D.OneHotCategorical(logits=z), (LOGITS,), np.eye(4)[[3, 0]]),
    "onehot_probs": (lambda D, p: D.OneHotCategorical(probs=p), (PROBS,), np.eye(4)[[1, 1]]),
    "independent_normal": (
        lambda D, a, b: D.Independent(D.Normal(a, b), 1),
        (LOC, SCALE),
        X,
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("quantity", list(QUANTITIES))
@pytest.mark.parametrize("case", list(CASES))
def test_quantities_and_their_gradients_match_pytorch(case, quantity):
    """NaN where PyTorch's is NaN (Categorical's mean, Uniform's mode) counts as equal."""
    make, params, value = CASES[case]
    get = QUANTITIES[quantity]
    compare(lambda lib, *ps: get(lib, make(lib.distributions, *ps), value), *params)


@pytest.mark.oracle
def test_cdf_and_parameters_match_pytorch():
    compare(lambda lib, a, b: lib.distributions.Normal(a, b).cdf(const(lib, X)), LOC, SCALE)
    quantiles = const_quantiles = np.linspace(0.01, 0.99, 6).reshape(2, 3)
    compare(
        lambda lib, a, b: lib.distributions.Normal(a, b).icdf(const(lib, quantiles)),
        LOC,
        SCALE,
        rtol=1e-10,
    )
    compare(
        lambda lib, a, b: lib.distributions.Uniform(a, b).icdf(const(lib, const_quantiles)),
        LOW,
        HIGH,
    )
    compare(
        lambda lib, a, b: lib.distributions.Uniform(a, b).cdf(const(lib, (LOW + HIGH) / 2)),
        LOW,
        HIGH,
    )
    for name in ("probs", "logits"):  # each computed from the other, normalised
        compare(lambda lib, z: getattr(lib.distributions.Categorical(logits=z), name), LOGITS)
        compare(lambda lib, p: getattr(lib.distributions.Categorical(probs=p), name), PROBS)
        compare(lambda lib, p: getattr(lib.distributions.Bernoulli(probs=p), name), P)
        compare(lambda lib, z: getattr(lib.distributions.Bernoulli(logits=z), name), LOC)


@pytest.mark.oracle
def test_broadcasting_and_shapes_match_pytorch():
    def shapes(lib):
        D = lib.distributions
        t = lib.tensor
        made = [
            D.Normal(t(LOC[:1]), t(SCALE[:, :1])),  # (1, 3) with (2, 1)
            D.Normal(0.0, 1.0),
            D.Normal(t(LOC), 2.0),
            D.Uniform(0.0, t(HIGH - LOW)),
            D.Bernoulli(0.25),
            D.Categorical(logits=t(np.zeros((3, 2, 5)))),
            D.OneHotCategorical(probs=t(PROBS)),
            D.Independent(D.Normal(t(X), 1.0), 2),
        ]
        return [(tuple(d.batch_shape), tuple(d.event_shape)) for d in made]

    assert shapes(sg) == shapes(torch)
    compare(
        lambda lib, a, b: lib.distributions.Normal(a, b).log_prob(const(lib, X)),
        LOC[:1],
        SCALE[:, :1],
    )
    # a batch of values against a batch of distributions (sample_shape + batch_shape)
    compare(
        lambda lib, z: lib.distributions.Categorical(logits=z).log_prob(
            const(lib, [[0, 1], [3, 3], [2, 0]])
        ),
        LOGITS,
    )
    compare(lambda lib, z: lib.distributions.Bernoulli(logits=z).log_prob(const(lib, 1.0)), LOC)


def _kl(make_p, make_q):
    return lambda lib, a, b: lib.distributions.kl_divergence(
        make_p(lib.distributions, a), make_q(lib.distributions, b)
    )


KL_CASES = {
    "normal": (
        lambda D, a: D.Normal(a, a.abs() + 0.5),
        lambda D, b: D.Normal(b, b.abs() + 0.2),
        LOC,
        X[0],
    ),
    "bernoulli": (lambda D, p: D.Bernoulli(p), lambda D, q: D.Bernoulli(q), P, P[::-1]),
    "bernoulli_logits": (
        lambda D, a: D.Bernoulli(logits=a),
        lambda D, b: D.Bernoulli(logits=b),
        LOC,
        X[1],
    ),
    "bernoulli_edges": (  # q gives zero probability where p does not: inf; p's zeros: 0
        lambda D, p: D.Bernoulli(p),
        lambda D, q: D.Bernoulli(q),
        [0.0, 1.0, 0.3, 0.3, 0.0, 1.0],
        [0.5, 0.5, 0.0, 1.0, 0.0, 1.0],
    ),
    "categorical": (
        lambda D, a: D.Categorical(logits=a),
        lambda D, b: D.Categorical(logits=b),
        LOGITS,
        LOGITS[::-1] * 2,
    ),
    "categorical_zeros": (
        lambda D, p: D.Categorical(probs=p),
        lambda D, q: D.Categorical(probs=q),
        [[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]],
        [[0.3, 0.7, 0.0], [0.2, 0.0, 0.8]],
    ),
    "onehot": (
        lambda D, p: D.OneHotCategorical(probs=p),
        lambda D, b: D.OneHotCategorical(logits=b),
        PROBS,
        LOGITS,
    ),
    "uniform": (
        lambda D, a: D.Uniform(a, a + 1.0),
        lambda D, b: D.Uniform(b - 2.0, b + 3.0),
        LOW,
        LOW + 0.5,
    ),
    "uniform_not_covered": (
        lambda D, a: D.Uniform(a, a + 1.0),
        lambda D, b: D.Uniform(b - 0.2, b + 1.5),  # covers p's interval in some entries
        LOW,
        LOW + np.array([[0.0, 0.6, -0.1], [0.3, 0.0, -0.6]]),
    ),
    "independent": (
        lambda D, a: D.Independent(D.Normal(a, 1.5), 1),
        lambda D, b: D.Independent(D.Normal(b, b.abs() + 0.3), 1),
        LOC,
        X[2],
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(KL_CASES))
def test_kl_divergence_and_its_gradients_match_pytorch(case):
    make_p, make_q, a, b = KL_CASES[case]
    compare(_kl(make_p, make_q), a, b)


def test_kl_of_an_unregistered_pair_names_it_and_register_kl_adds_one():
    with pytest.raises(NotImplementedError, match="p type Normal and q type Uniform"):
        kl_divergence(Normal(0.0, 1.0), Uniform(0.0, 1.0))

    class Shifted(Normal):
        """A Normal subclass: its KL with Normal is Normal's until one is registered."""

    p, q = Shifted(0.0, 1.0), Normal(1.0, 1.0)
    assert float(kl_divergence(p, q).item()) == pytest.approx(0.5)

    @register_kl(Shifted, Normal)
    def _kl_shifted(p, q):
        return sg.tensor(42.0)

    assert float(kl_divergence(p, q).item()) == 42.0
    assert float(kl_divergence(q, Normal(1.0, 1.0)).item()) == 0.0
    with pytest.raises(NotImplementedError, match="reinterpreted_batch_ndims"):
        n = Normal(sg.zeros(2, 3), 1.0)
        kl_divergence(Independent(n, 1), Independent(n, 2))


SAMPLED = {  # name: make(lib.distributions, lib.tensor)
    "normal": lambda D, t: D.Normal(t(LOC), t(SCALE)),
    "normal_numbers": lambda D, t: D.Normal(0.0, 1.0),
    "uniform": lambda D, t: D.Uniform(t(LOW), t(HIGH)),
    "bernoulli": lambda D, t: D.Bernoulli(t(P)),
    "bernoulli_logits": lambda D, t: D.Bernoulli(logits=t(LOC)),
    "categorical": lambda D, t: D.Categorical(logits=t(LOGITS)),
    "categorical_1d": lambda D, t: D.Categorical(probs=t(PROBS[0])),
    "onehot": lambda D, t: D.OneHotCategorical(probs=t(PROBS)),
    "independent": lambda D, t: D.Independent(D.Normal(t(LOC), t(SCALE)), 1),
}


@pytest.mark.oracle
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("case", list(SAMPLED))
def test_sample_shapes_and_dtypes_match_pytorch(case, sample_shape):
    torch.set_default_dtype(torch.float64)  # scratchgrad's default (for Normal(0., 1.))
    try:
        ours = SAMPLED[case](sg.distributions, sg.tensor).sample(sample_shape)
        theirs = SAMPLED[case](torch.distributions, torch.tensor).sample(sample_shape)
    finally:
        torch.set_default_dtype(torch.float32)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == _dtype(theirs)
    assert not ours.requires_grad


def test_samples_are_int64_classes_floats_and_follow_the_seed():
    c = Categorical(logits=sg.tensor(LOGITS, requires_grad=True))
    assert c.sample().dtype == np.int64 and c.mode.dtype == np.int64
    assert Bernoulli(sg.tensor(P, dtype=sg.float32)).sample().dtype == np.float32
    assert Normal(sg.zeros(3, dtype=sg.float32), 1.0).rsample().dtype == np.float32
    assert Normal(0.0, 1.0).sample().dtype == sg.get_default_dtype()
    sg.manual_seed(7)
    first = [d.sample((4,)).data for d in (c, Normal(0.0, 1.0), Bernoulli(0.5))]
    sg.manual_seed(7)
    again = [d.sample((4,)).data for d in (c, Normal(0.0, 1.0), Bernoulli(0.5))]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_sample_statistics_over_20k_draws():
    sg.manual_seed(0)
    n = 20_000
    normal = Normal(sg.tensor([1.0, -2.0]), sg.tensor([0.5, 3.0])).sample((n,)).data
    np.testing.assert_allclose(normal.mean(0), [1.0, -2.0], atol=0.07)
    np.testing.assert_allclose(normal.std(0), [0.5, 3.0], rtol=0.03)
    uniform = Uniform(sg.tensor([0.0, -1.0]), sg.tensor([1.0, 3.0])).sample((n,)).data
    np.testing.assert_allclose(uniform.mean(0), [0.5, 1.0], atol=0.03)
    np.testing.assert_allclose(uniform.var(0), [1 / 12, 16 / 12], rtol=0.05)
    assert uniform[:, 0].min() >= 0.0 and uniform[:, 1].max() < 3.0
    bern = Bernoulli(sg.tensor([0.1, 0.5, 0.9])).sample((n,)).data
    np.testing.assert_allclose(bern.mean(0), [0.1, 0.5, 0.9], atol=0.015)
    assert set(np.unique(bern)) <= {0.0, 1.0}
    probs = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    drawn = Categorical(sg.tensor(probs)).sample((n,)).data
    frequencies = np.stack([(drawn == k).mean(0) for k in range(4)], axis=-1)
    np.testing.assert_allclose(frequencies, probs, atol=0.015)
    assert not (drawn[:, 0] == 1).any()  # a class of probability 0 is never drawn
    onehot = OneHotCategorical(sg.tensor(probs)).sample((n,)).data
    assert (onehot.sum(-1) == 1).all()
    np.testing.assert_allclose(onehot.mean(0), probs, atol=0.015)
    logits = Categorical(logits=sg.tensor(np.log([0.7, 0.2, 0.1]))).sample((n,)).data
    np.testing.assert_allclose(np.bincount(logits, minlength=3) / n, [0.7, 0.2, 0.1], atol=0.015)


def test_rsample_passes_gradients_to_the_parameters():
    sg.manual_seed(1)
    loc = sg.tensor([0.5, -1.0], requires_grad=True)
    scale = sg.tensor([2.0, 0.5], requires_grad=True)
    x = Normal(loc, scale).rsample((1000,))
    x.mean(0).sum().backward()  # each column's mean
    np.testing.assert_allclose(loc.grad, [1.0, 1.0])  # d mean / d loc = 1
    eps = (x.data - loc.data) / scale.data  # d mean / d scale = the mean of the noise
    np.testing.assert_allclose(scale.grad, eps.mean(0), rtol=1e-12)
    low = sg.tensor(1.0, requires_grad=True)
    high = sg.tensor(4.0, requires_grad=True)
    u = Uniform(low, high).rsample((500,))
    u.sum().backward()
    fraction = (u.data - 1.0) / 3.0
    np.testing.assert_allclose(high.grad, fraction.sum(), rtol=1e-12)
    np.testing.assert_allclose(low.grad, 500 - fraction.sum(), rtol=1e-12)
    assert Normal(loc, scale).has_rsample and Independent(Normal(loc, scale), 1).has_rsample
    assert not Categorical(logits=loc).has_rsample
    with pytest.raises(NotImplementedError, match="rsample"):
        Bernoulli(0.5).rsample()
    assert not Normal(loc, scale).sample().requires_grad


@pytest.mark.oracle
def test_expand_matches_pytorch():
    def expanded(lib, a, b):
        D = lib.distributions
        n = D.Normal(a[0], b[0]).expand((4, 3))
        c = D.Categorical(logits=a).expand((5, 2))
        i = D.Independent(D.Normal(a, b), 1).expand((4, 2))
        o = D.OneHotCategorical(logits=b).expand((7, 2))
        u = D.Uniform(a, a + b).expand((3, 2, 3))
        bern = D.Bernoulli(logits=b).expand((4, 2, 3))
        assert tuple(n.batch_shape) == (4, 3) and tuple(c.batch_shape) == (5, 2)
        assert tuple(i.batch_shape) == (4, 2) and tuple(i.event_shape) == (3,)
        assert tuple(o.batch_shape) == (7, 2) and tuple(o.event_shape) == (3,)
        assert tuple(u.sample((2,)).shape) == (2, 3, 2, 3)
        assert tuple(c.sample((2,)).shape) == (2, 5, 2)
        parts = [
            n.log_prob(const(lib, X[:4, 0])).sum(),
            c.log_prob(const(lib, [[0, 2]] * 5)).sum(),
            c.entropy().sum(),
            i.log_prob(const(lib, X[:4])).sum(),
            o.entropy().sum(),
            u.entropy().sum(),
            bern.log_prob(const(lib, BITS[:4])).sum(),
        ]
        return lib.stack(parts)

    compare(expanded, LOC, SCALE)


def test_validation_raises_for_parameters_and_values_outside_their_sets():
    with pytest.raises(ValueError, match="parameter scale .* GreaterThan"):
        Normal(0.0, sg.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="parameter loc"):
        Normal(sg.tensor(math.nan), 1.0)
    with pytest.raises(ValueError, match="parameter probs"):
        Bernoulli(probs=sg.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match="parameter probs .* Simplex"):
        Categorical(probs=sg.tensor([0.5, -0.1, 0.6]))
    with pytest.raises(ValueError, match="parameter logits"):
        Categorical(logits=sg.tensor([0.5, math.nan]))
    with pytest.raises(ValueError, match="parameter low"):
        Uniform(1.0, 1.0)
    with pytest.raises(ValueError, match="one-dimensional"):
        Categorical(probs=sg.tensor(1.0))
    with pytest.raises(ValueError, match="not both"):
        Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match="not both"):
        Categorical()
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        Independent(Normal(sg.zeros(3), 1.0), 2)

    support = "value argument .* within the support"
    for d, value in [
        (Bernoulli(0.3), sg.tensor(0.5)),
        (Categorical(logits=sg.zeros(3)), sg.tensor(3)),
        (Categorical(logits=sg.zeros(3)), sg.tensor(-1)),
        (Categorical(logits=sg.zeros(3)), sg.tensor(1.5)),
        (OneHotCategorical(logits=sg.zeros(3)), sg.tensor([1.0, 1.0, 0.0])),
        (Uniform(0.0, 1.0), sg.tensor(1.5)),
        (Normal(0.0, 1.0), sg.tensor(math.nan)),
        (Independent(Normal(sg.zeros(2), 1.0), 1), sg.tensor([0.0, math.nan])),
    ]:
        with pytest.raises(ValueError, match=support):
            d.log_prob(value)
    with pytest.raises(ValueError, match="broadcastable"):
        Normal(sg.zeros(3), 1.0).log_prob(sg.zeros(2))
    with pytest.raises(ValueError, match="event_shape"):
        OneHotCategorical(logits=sg.zeros(3)).log_prob(sg.zeros(4))
    with pytest.raises(ValueError, match="must be a Tensor"):
        Normal(0.0, 1.0).log_prob(0.5)
    assert Uniform(0.0, 1.0).log_prob(sg.tensor(1.0)).item() == -math.inf  # as PyTorch


def test_validation_can_be_turned_off():
    assert Distribution._validate_args  # on by default, as PyTorch's (off under python -O)
    m = Normal(0.0, -1.0, validate_args=False)
    assert math.isnan(m.log_prob(sg.tensor(0.0)).item())
    Bernoulli(0.3, validate_args=False).log_prob(sg.tensor(0.5))
    Distribution.set_default_validate_args(False)
    try:
        Normal(0.0, -1.0).log_prob(sg.tensor(math.nan))
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Normal(0.0, -1.0)
    assert Normal(0.0, -1.0, validate_args=False).expand((2,))._validate_args is False


@pytest.mark.oracle
def test_reinforce_step_matches_pytorch_with_the_same_action():
    rng = np.random.default_rng(3)
    state, reward = rng.standard_normal((6, 4)), rng.standard_normal(6)
    ours = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})

    def step(lib, policy, action=None):
        m = lib.distributions.Categorical(logits=policy(lib.tensor(state)))
        a = m.sample() if action is None else action
        loss = (-m.log_prob(a) * lib.tensor(reward)).mean() - 0.01 * m.entropy().mean()
        loss.backward()
        return a, loss

    sg.manual_seed(0)
    action, loss = step(sg, ours)
    assert action.shape == (6,) and action.dtype == np.int64
    _, their_loss = step(torch, theirs, torch.tensor(np.asarray(action.data)))
    np.testing.assert_allclose(loss.item(), their_loss.item(), rtol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


def test_renamed_import_reaches_the_distributions():
    import scratchgrad as torch_renamed

    m = torch_renamed.distributions.Categorical(logits=torch_renamed.zeros(4))
    assert m.log_prob(torch_renamed.tensor(2)).item() == pytest.approx(-math.log(4))
    assert torch_renamed.distributions.Normal is Normal
    assert "distributions" in torch_renamed.__all__
