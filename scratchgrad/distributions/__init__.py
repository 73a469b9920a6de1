"""`scratchgrad.distributions` is PyTorch's `torch.distributions` (the common part):

    import scratchgrad as torch
    m = torch.distributions.Categorical(logits=policy(state))
    action = m.sample()
    loss = -m.log_prob(action) * reward; loss.backward()      # REINFORCE

`Normal`, `Uniform`, `Exponential`, `Laplace`, `Cauchy`, `Gumbel`, `LogNormal` (with
`rsample`), `Gamma`, `Chi2`, `Beta`, `Dirichlet`, `StudentT` (`sample` only: PyTorch's
rsample needs implicit gamma gradients), `Bernoulli`, `Categorical`, `OneHotCategorical`,
`Poisson`, `Geometric`, `Binomial`, `MultivariateNormal` (with `rsample`), `Independent`,
and `kl_divergence` / `register_kl`. Values, gradients, shapes and dtypes are PyTorch's;
the draws come from scratchgrad's generator (`scratchgrad.manual_seed`), so they are other
numbers than PyTorch's for the same seed.
"""

from . import constraints
from . import kl_pairs as _kl_pairs  # registers the KL pairs of the distributions below
from .continuous import Normal, Uniform
from .counts import Binomial, Geometric, Poisson
from .dirichlet import Beta, Dirichlet
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma_family import Chi2, Exponential, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .location_scale import Cauchy, Gumbel, Laplace, LogNormal
from .multivariate_normal import MultivariateNormal
from .student_t import StudentT

del _kl_pairs

__all__ = [
    "Distribution",
    "Normal",
    "Uniform",
    "Exponential",
    "Laplace",
    "Cauchy",
    "Gumbel",
    "LogNormal",
    "Gamma",
    "Chi2",
    "Beta",
    "Dirichlet",
    "StudentT",
    "Bernoulli",
    "Categorical",
    "OneHotCategorical",
    "Poisson",
    "Geometric",
    "Binomial",
    "MultivariateNormal",
    "Independent",
    "kl_divergence",
    "register_kl",
    "constraints",
]
