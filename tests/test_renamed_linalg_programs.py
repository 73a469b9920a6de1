"""Three short programs written as PyTorch code (each a function of the module it runs on,
`t`: what `import torch` names) that reach into `t.linalg`, `t.distributions`, `t.nn` and
`t.optim`: PCA by SVD, Gaussian-process regression trained by Adam on the negative log
marginal likelihood, and a few SGD steps of a tiny VAE. Each runs once with PyTorch and
once with scratchgrad; everything it prints (losses, parameters after the steps,
gradients) must agree to ~1e-8 in float64. The data are fixed numpy arrays handed to both,
and so is the VAE's noise (the libraries' draws are other numbers)."""

import math
import re

import numpy as np
import pytest
from oracles import oracle

import scratchgrad

torch = oracle("torch")

RNG = np.random.default_rng(30)


def pca(t, data):
    """PCA of the rows of `data` to two components: only sign-invariant numbers are printed
    (singular values, explained variance, the reconstruction and its error, |scores|, and
    the error's gradient in the data)."""
    X = t.tensor(data, requires_grad=True)
    Xc = X - X.mean(0)
    U, S, Vh = t.linalg.svd(Xc, full_matrices=False)
    components = Vh[:2]
    scores = Xc @ components.T
    reconstruction = scores @ components + X.mean(0)
    error = ((X - reconstruction) ** 2).sum()
    error.backward()
    print("singular values", S.tolist())
    print("explained", (S[:2] ** 2 / (S**2).sum()).tolist())
    print("scores gram", (scores @ scores.T).flatten().tolist())
    print("abs scores", scores.abs().flatten().tolist())
    print("reconstruction", reconstruction.flatten().tolist())
    print(f"error {error.item():.17g}")
    print("error grad", X.grad.flatten().tolist())


def gp_regression(t, x_train, y_train, x_test):
    """An RBF-kernel GP on 1-D data: log lengthscale, log signal scale and log noise
    trained for 20 Adam steps on the negative log marginal likelihood (Cholesky factor and
    cholesky_solve), checked against MultivariateNormal's log_prob; then the predictive
    mean and variance."""
    nn = t.nn

    class GP(nn.Module):
        def __init__(self):
            super().__init__()
            self.log_lengthscale = nn.Parameter(t.tensor(-0.3, dtype=t.float64))
            self.log_scale = nn.Parameter(t.tensor(0.2, dtype=t.float64))
            self.log_noise = nn.Parameter(t.tensor(-1.5, dtype=t.float64))

        def kernel(self, a, b):
            d2 = (a.unsqueeze(-1) - b.unsqueeze(-2)) ** 2
            return t.exp(2 * self.log_scale) * t.exp(-0.5 * d2 / t.exp(2 * self.log_lengthscale))

        def covariance(self, x):
            n = x.shape[0]
            return self.kernel(x, x) + t.exp(self.log_noise) * t.eye(n, dtype=t.float64)

        def forward(self, x, y):
            L = t.linalg.cholesky(self.covariance(x))
            alpha = t.cholesky_solve(y.unsqueeze(-1), L).squeeze(-1)
            n = x.shape[0]
            fit = 0.5 * (y * alpha).sum()
            return fit + t.log(t.diagonal(L)).sum() + 0.5 * n * math.log(2 * math.pi)

    x, y, xs = t.tensor(x_train), t.tensor(y_train), t.tensor(x_test)
    model = GP()
    optimizer = t.optim.Adam(model.parameters(), lr=0.05)
    for step in range(20):
        optimizer.zero_grad()
        loss = model(x, y)
        loss.backward()
        optimizer.step()
        print(f"step {step} nlml {loss.item():.17g}")
    for name, p in model.named_parameters():
        print(name, f"{p.item():.17g}", f"{p.grad.item():.17g}")

    K = model.covariance(x)
    mvn = t.distributions.MultivariateNormal(t.zeros_like(y), covariance_matrix=K)
    log_likelihood = mvn.log_prob(y)
    print(f"mvn log_prob {log_likelihood.item():.17g} nlml {model(x, y).item():.17g}")
    with t.no_grad():
        L = t.linalg.cholesky(K)
        Ks = model.kernel(x, xs)
        mean = Ks.T @ t.cholesky_solve(y.unsqueeze(-1), L).squeeze(-1)
        v = t.linalg.solve_triangular(L, Ks, upper=False)
        var = t.exp(2 * model.log_scale) - (v**2).sum(0)
    print("predictive mean", mean.tolist())
    print("predictive var", var.tolist())


LAYERS = {  # the VAE's parameters: name -> shape
    "enc.weight": (8, 6),
    "enc.bias": (8,),
    "mu.weight": (2, 8),
    "mu.bias": (2,),
    "logvar.weight": (2, 8),
    "logvar.bias": (2,),
    "dec.0.weight": (8, 2),
    "dec.0.bias": (8,),
    "dec.2.weight": (6, 8),
    "dec.2.bias": (6,),
}


def vae(t, data, noise, initial):
    """Five SGD (momentum) steps of a VAE on fixed data: Linear encoder to (mu, logvar),
    z = mu + std * eps with the given eps, a Linear-Tanh-Linear decoder, the squared
    reconstruction error plus KL(Normal(mu, std) || Normal(0, 1)) per example."""
    nn, F, D = t.nn, t.nn.functional, t.distributions

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(6, 8)
            self.mu = nn.Linear(8, 2)
            self.logvar = nn.Linear(8, 2)
            self.dec = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 6))

        def forward(self, x, eps):
            h = t.tanh(self.enc(x))
            mu, logvar = self.mu(h), self.logvar(h)
            std = t.exp(0.5 * logvar)
            q = D.Normal(mu, std)
            z = mu + std * eps  # what q.rsample() is, with this noise
            reconstruction = self.dec(z)
            rec = F.mse_loss(reconstruction, x, reduction="sum") / x.shape[0]
            kl = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(-1).mean()
            return rec + kl, rec, kl, q.log_prob(z).sum()

    model = VAE().double()
    model.load_state_dict({k: t.tensor(v) for k, v in initial.items()})
    optimizer = t.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = t.tensor(data)
    for step in range(5):
        eps = t.tensor(noise[step])
        optimizer.zero_grad()
        loss, rec, kl, log_q = model(x, eps)
        loss.backward()
        optimizer.step()
        print(
            f"step {step} loss {loss.item():.17g} rec {rec.item():.17g} "
            f"kl {kl.item():.17g} log_q {log_q.item():.17g}"
        )
    for name, p in model.named_parameters():
        print(name, p.detach().flatten().tolist())


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan")


def _printed(program, lib, args, capsys):
    """What `program(lib, *args)` prints, line by line: each line with its numbers taken
    out (`#` in their place), and the numbers."""
    capsys.readouterr()
    program(lib, *args)
    lines = capsys.readouterr().out.splitlines()
    assert lines, f"{program.__name__} printed nothing"
    return [(NUMBER.sub("#", line), [float(n) for n in NUMBER.findall(line)]) for line in lines]


def _same_printout(program, args, capsys, rtol=1e-8, atol=1e-10):
    """Runs `program` with PyTorch, then scratchgrad: the same lines, the same count of
    numbers on each, the numbers within rtol/atol. Returns scratchgrad's lines."""
    theirs = _printed(program, torch, args, capsys)
    ours = _printed(program, scratchgrad, args, capsys)
    assert [line for line, _ in ours] == [line for line, _ in theirs]
    for (line, got), (_, expected) in zip(ours, theirs):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=line)
    return ours


@pytest.mark.oracle
def test_pca_by_svd_prints_the_same_numbers(capsys):
    base = RNG.standard_normal((12, 2)) @ np.array([[3.0, 1.0, 0.5, 0.0], [0.0, 1.5, -1.0, 0.5]])
    data = base + 0.3 * RNG.standard_normal((12, 4))
    printed = _same_printout(pca, (data,), capsys)
    assert sum(len(numbers) for _, numbers in printed) > 100


@pytest.mark.oracle
def test_gp_regression_trained_by_adam_prints_the_same_numbers(capsys):
    x = np.sort(RNG.uniform(-3.0, 3.0, 15))
    y = np.sin(x) + 0.2 * RNG.standard_normal(15)
    xs = np.linspace(-3.5, 3.5, 7)
    printed = _same_printout(gp_regression, (x, y, xs), capsys)
    losses = [numbers[-1] for line, numbers in printed if line.startswith("step")]
    assert len(losses) == 20 and losses[-1] < losses[0]  # the training lowers the NLML
    (log_prob, nlml) = next(numbers for line, numbers in printed if line.startswith("mvn"))
    assert log_prob == pytest.approx(-nlml, rel=1e-12)  # MultivariateNormal agrees


@pytest.mark.oracle
def test_vae_sgd_steps_print_the_same_numbers(capsys):
    data = RNG.standard_normal((10, 6))
    noise = RNG.standard_normal((5, 10, 2))
    initial = {name: RNG.uniform(-0.4, 0.4, shape) for name, shape in LAYERS.items()}
    printed = _same_printout(vae, (data, noise, initial), capsys)
    losses = [numbers[1] for line, numbers in printed if line.startswith("step")]
    assert len(losses) == 5 and losses[-1] < losses[0]
