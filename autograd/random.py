"""One switch for reproducibility: `scratchgrad.manual_seed(seed)` (PyTorch's name; also
`nn.manual_seed`).

Every random draw that is not given its own `rng=`/`seed=`/`generator=` (initialisers,
`Linear`, `Dropout` masks, `DataLoader` shuffles, splits) takes from one shared numpy
Generator; `nn.scalar` draws from Python's `random` exactly as micrograd does, so it is
seeded too. Two runs after the same `manual_seed` draw the same weights, masks and
batches. Before any `manual_seed`, draws are fresh and unseeded (numpy's default).

`Generator` is PyTorch's `torch.Generator` for the draws that are given one
(`random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(42))`): a numpy
Generator, so it goes wherever `generator=` / `rng=` take one.
"""

import copy
import numbers
import random

import numpy as np

_shared = None  # the Generator seeded by manual_seed, or None


#: a fresh torch.Generator's seed: a new Generator draws the same numbers every run
PYTORCH_DEFAULT_SEED = 67280421310721


def checked_seed(seed):
    """`seed` as an int, or the ValueError every seeding call raises for a bad one."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    return int(seed)


class Generator(np.random.Generator):
    """PyTorch's `torch.Generator`: a numpy Generator (numpy's draws, not PyTorch's
    numbers) with PyTorch's seeding methods. As in PyTorch, a new one starts from the
    same fixed seed, so it draws the same numbers every run until `manual_seed`."""

    def __init__(self, device="cpu"):
        from .devices import Device

        super().__init__(np.random.PCG64(PYTORCH_DEFAULT_SEED))
        self.device = Device(device)  # where PyTorch would keep it; draws are numpy's
        self._initial_seed = PYTORCH_DEFAULT_SEED

    def manual_seed(self, seed):
        """Start again from `seed`; returns the generator (PyTorch's chaining)."""
        self._initial_seed = checked_seed(seed)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed used."""
        seed = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator was last started from."""
        return self._initial_seed

    def get_state(self):
        """A copy of the state, for `set_state` (numpy's state dict, not a ByteTensor)."""
        return copy.deepcopy(self.bit_generator.state)

    def set_state(self, state):
        """Go back to a state from `get_state`; returns the generator."""
        self.bit_generator.state = state
        return self

    def __reduce__(self):
        return _restored, (str(self.device), self._initial_seed, self.get_state())


def _restored(device, initial_seed, state):
    """A pickled or deep-copied Generator, at the state it was in."""
    generator = Generator(device).set_state(state)
    generator._initial_seed = initial_seed
    return generator


def manual_seed(seed):
    """Seed every default draw (numpy-based and Python's `random`); returns the Generator."""
    global _shared
    seed = checked_seed(seed)
    _shared = np.random.default_rng(int(seed))
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    return _shared


def default_generator():
    """The shared Generator after `manual_seed`, else a fresh unseeded one."""
    return _shared if _shared is not None else np.random.default_rng()
