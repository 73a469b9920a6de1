"""One switch for reproducibility: `scratchgrad.manual_seed(seed)` (PyTorch's name; also
`nn.manual_seed`).

Every random draw that is not given its own `rng=`/`seed=`/`generator=` (initialisers,
`Linear`, `Dropout` masks, `DataLoader` shuffles, splits) takes from one shared numpy
Generator; `nn.scalar` draws from Python's `random` exactly as micrograd does, so it is
seeded too. Two runs after the same `manual_seed` draw the same weights, masks and
batches. Before any `manual_seed`, draws are fresh and unseeded (numpy's default).
"""

import numbers
import random

import numpy as np

_shared = None  # the Generator seeded by manual_seed, or None


def manual_seed(seed):
    """Seed every default draw (numpy-based and Python's `random`); returns the Generator."""
    global _shared
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _shared = np.random.default_rng(int(seed))
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    return _shared


def default_generator():
    """The shared Generator after `manual_seed`, else a fresh unseeded one."""
    return _shared if _shared is not None else np.random.default_rng()
