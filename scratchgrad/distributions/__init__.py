"""`scratchgrad.distributions` is PyTorch's `torch.distributions` (the common part):

    import scratchgrad as torch
    m = torch.distributions.Categorical(logits=policy(state))
    action = m.sample()
    loss = -m.log_prob(action) * reward; loss.backward()      # REINFORCE

`Normal`, `Uniform` (with `rsample`), `Bernoulli`, `Categorical`, `OneHotCategorical`,
`Independent`, and `kl_divergence` / `register_kl`. Values, gradients, shapes and dtypes
are PyTorch's; the draws come from scratchgrad's generator (`scratchgrad.manual_seed`),
so they are other numbers than PyTorch's for the same seed.
"""

from . import constraints
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl

__all__ = [
    "Distribution",
    "Normal",
    "Uniform",
    "Bernoulli",
    "Categorical",
    "OneHotCategorical",
    "Independent",
    "kl_divergence",
    "register_kl",
    "constraints",
]
